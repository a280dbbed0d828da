"""What-ifs (issue 16): a closure's effect, through the one door, changing nothing stored."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from models.db import dispose_engines
from planner.optimiser import SolveOptions
from planner.scenario import Scenario
from planner.settings import get_settings
from planner.whatif import what_if
from service import edits, exports, store
from service.access import AccessDenied, Actor
from service.audience import audience_for
from service.whatif import run_what_if
from tests.package_factory import tiny_package
from tests.service.access_city import CITY, city_package

ADMIN = Actor("ada", "admin")
ANALYST = Actor("ann", "analyst")
FUNDER = Actor("fay", "funder")
PUBLIC = Actor("public", "public")
FAST = SolveOptions(diagnostics=False, baselines=False)


def test_closing_the_only_counselling_agency_leaves_its_demand_unmet() -> None:
    package = tiny_package()
    scenario = Scenario(name="close A3", closed=["A3:counselling"])
    result = what_if(package, scenario, options=FAST)
    without = result.without.coverage
    counselling = without[without["service_id"] == "counselling"]
    served = float(counselling["served"].sum())
    assert served > 0
    # Nobody else offers counselling (and no new service is allowed): all of it goes unmet.
    assert result.unmet_added == pytest.approx(served, rel=1e-6)
    taken = result.takers.set_index(["agency_id", "service_id"])
    assert taken.loc[("A3", "counselling"), "served_with"] == 0.0
    assert result.bridge_money is None  # no money can open counselling elsewhere


def test_a_locked_agency_adds_nothing_and_its_capacity_stays() -> None:
    package = tiny_package()
    result = what_if(package, Scenario(name="lock A1", locked=["A1"]), options=FAST)
    added = result.with_closure.capacity_added
    assert not (added["agency_id"] == "A1").any()
    served = result.takers.set_index(["agency_id", "service_id"])
    assert ("A1", "shelter_women") not in served.index or served.loc[
        ("A1", "shelter_women"), "served_with"
    ] > 0
    assert result.unmet_added >= -1e-6
    # Closing nothing changes nothing.
    same = what_if(package, Scenario(name="none"), options=FAST)
    assert same.unmet_added == pytest.approx(0.0, abs=1e-6)
    assert same.bridge_money == pytest.approx(0.0, abs=1.0)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('whatif') / 'haven.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("HAVEN_FORECAST_DIR", str(tmp_path_factory.mktemp("forecasts")))
        get_settings.cache_clear()
        store.clear()
        edits.import_city(ADMIN, city_package())
        yield CITY
        store.clear()
        get_settings.cache_clear()
    dispose_engines()


def _stored(city: str) -> tuple[str, dict[str, pd.DataFrame]]:
    package = store.exact_package(city)
    frames = {
        name: getattr(package, name).reset_index(drop=True)
        for name in ("agencies", "capacity", "demand", "funders")
    }
    return store.data_version(city), frames


def test_a_what_if_changes_nothing_stored_and_writes_no_audit_event(city: str) -> None:
    log_before = exports.audit_log(ADMIN, city=city)
    version_before, frames_before = _stored(city)
    result = run_what_if(ANALYST, city, Scenario(name="close A1", closed=["A1"]))
    assert result.unmet_added > 0
    store.clear()  # read the repository again, not a cached copy
    version_after, frames_after = _stored(city)
    log_after = exports.audit_log(ADMIN, city=city)
    assert version_after == version_before
    for name, frame in frames_before.items():
        pd.testing.assert_frame_equal(frames_after[name], frame, check_like=True)
    assert len(log_after) == len(log_before)


def test_a_funder_sees_small_counts_blank_and_the_public_may_not_ask(city: str) -> None:
    result = run_what_if(FUNDER, city, Scenario(name="close A1", closed=["A1"]))
    k = audience_for(FUNDER, city_name=city).k
    for column in ("unmet_with", "unmet_without"):
        values = result.districts[column].dropna().to_numpy(float)
        assert ((values == 0) | (values >= k)).all(), column
    assert result.with_closure.assignments.empty  # no flows for a reader of rounded counts
    with pytest.raises(AccessDenied):
        run_what_if(PUBLIC, city, Scenario(name="close A1", closed=["A1"]))
