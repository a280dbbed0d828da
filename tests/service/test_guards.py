"""Guards at the door, not on the page (issue 13): the package export, the capacity history,
the plan tables' downloads and the scenario list refuse, in service/, every role that may
not have them, whatever page or script calls them; a partner reads only its own agency's
capacity history, in its own city."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from models.db import dispose_engines
from planner.scenario import Scenario
from planner.settings import get_settings
from service import edits, exports, plans, store
from service.access import AccessDenied, Actor
from tests.service.access_city import ACTORS, CITY, OTHER_CITY, city_package

ROLES = list(ACTORS)
EXPORTERS = {"admin", "analyst"}
PLANNERS = {"admin", "analyst", "funder"}
HISTORY_READERS = {"admin", "analyst", "partner"}  # the partner: its own agency only
OWN_AGENCY = str(ACTORS["partner"].agency_id)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('guards') / 'haven.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        store.clear()
        admin = Actor("setup", "admin")
        edits.import_city(admin, city_package())
        edits.import_city(admin, city_package(OTHER_CITY))
        plans.save_scenario(ACTORS["analyst"], CITY, Scenario(name="saved"), "a note")
        yield CITY
        store.clear()
        get_settings.cache_clear()
    dispose_engines()


def _service_of(agency_id: str) -> str:
    capacity = city_package().capacity
    return str(capacity.loc[capacity["agency_id"] == agency_id, "service_id"].iloc[0])


@pytest.mark.parametrize("role", ROLES)
def test_the_package_export_is_for_exporters_only(city: str, role: str, tmp_path: Path) -> None:
    actor = ACTORS[role]
    if role in EXPORTERS:
        assert exports.package_zip(actor, city)[:2] == b"PK"
        assert (exports.write_package_for(actor, city, tmp_path / "out") / "city.json").is_file()
        return
    with pytest.raises(AccessDenied):
        exports.package_zip(actor, city)
    with pytest.raises(AccessDenied):
        exports.write_package_for(actor, city, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("role", ROLES)
def test_the_capacity_history_of_an_agency(city: str, role: str) -> None:
    actor = ACTORS[role]
    own = exports.capacity_history  # the one door the Data page's history goes through
    if role in HISTORY_READERS:
        history = own(actor, city, OWN_AGENCY, _service_of(OWN_AGENCY))
        expected = city_package().capacity
        rows = expected[expected["agency_id"] == OWN_AGENCY]
        assert len(history) == len(rows[rows["service_id"] == _service_of(OWN_AGENCY)]) >= 1
    else:
        with pytest.raises(AccessDenied):
            own(actor, city, OWN_AGENCY, _service_of(OWN_AGENCY))


@pytest.mark.parametrize("agency_id", ["A1", "A3"])
def test_a_partner_reads_no_other_agencys_history(city: str, agency_id: str) -> None:
    with pytest.raises(AccessDenied):
        exports.capacity_history(ACTORS["partner"], city, agency_id, _service_of(agency_id))


def test_a_partner_reads_no_history_in_another_city(city: str) -> None:
    del city
    with pytest.raises(AccessDenied):
        exports.capacity_history(ACTORS["partner"], OTHER_CITY, OWN_AGENCY, _service_of(OWN_AGENCY))


@pytest.mark.parametrize("role", ROLES)
def test_the_scenario_list_is_for_planners_only(city: str, role: str) -> None:
    actor = ACTORS[role]
    if role in PLANNERS:
        assert "saved" in [s.name for s in plans.saved_scenarios(actor, city)]
    else:
        with pytest.raises(AccessDenied):
            plans.saved_scenarios(actor, city)


@pytest.mark.parametrize("role", sorted(set(ROLES) - PLANNERS))
def test_the_plan_downloads_refuse_who_may_not_plan(city: str, role: str) -> None:
    with pytest.raises(AccessDenied):
        plans.plan_files(ACTORS[role], city, Scenario(name="guards"))


def test_a_funder_downloads_the_plan_tables(city: str) -> None:
    files = plans.plan_files(ACTORS["funder"], city, Scenario(name="guards"))
    assert {"funding.csv", "capacity_added.csv", "coverage.csv", "plan_tables.xlsx"} <= set(files)
