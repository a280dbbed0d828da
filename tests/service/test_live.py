"""service.live (issue 19): capacity in three levels with as-of and stale marks, the >10 %
funded flag, data quality per audience, "verify before you fund", hotline trends with small
counts suppressed at the city's own k, and the city's k in every audience."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest

from models.db import dispose_engines
from planner.package import read_package
from planner.settings import get_settings
from service import edits, live, store
from service.access import AccessDenied, Actor
from service.audience import audience_for
from tests.package_factory import add_column, edit_city, set_cell, write_tiny_package

ADMIN = Actor("ada", "admin")
ANALYST = Actor("ann", "analyst")
FUNDER = Actor("fay", "funder")
PUBLIC = Actor("pub", "public")
CITY = "Minneapolis (tiny test package)"
TODAY = date(2026, 2, 15)

HOTLINE = """\
period,channel,contacts,district_id,language,exploitation,referred
2026-01,phone,42,D1,,,30
2026-01,chat,2,,es,labour,1
2026-02,phone,38,D1,,,25
2026-02,chat,15,D2,,,9
"""


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("live")
    path = write_tiny_package(folder / "city")
    add_column(path, "capacity.csv", "funded")
    set_cell(path, "capacity.csv", 3, "funded", "30")  # A1: 24 beds in service, 30 funded
    set_cell(path, "capacity.csv", 4, "funded", "400")
    (path / "hotline.csv").write_text(HOTLINE, encoding="utf-8")
    edit_city(path, small_count_k=4)
    url = f"sqlite:///{folder / 'haven.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        store.clear()
        edits.import_city(ADMIN, read_package(path))
        yield CITY
        store.clear()
        get_settings.cache_clear()
    dispose_engines()


def test_the_citys_k_is_every_audiences_k(city: str) -> None:
    assert audience_for(FUNDER, city_name=city).k == 4
    assert audience_for(FUNDER).k == get_settings().small_count_k
    assert audience_for(ANALYST, city_name=city).k == 1  # exact: nothing suppressed


def test_capacity_in_three_levels_with_as_of_and_stale(city: str) -> None:
    status = live.capacity_status(FUNDER, city, TODAY)
    levels = status.levels.set_index(["agency_id", "service_id"])
    a1 = levels.loc[("A1", "shelter_women")]
    assert (a1["funded"], a1["capacity"], a1["occupied"], a1["free"]) == (30, 24, 22, 2)
    assert a1["as_of"] == date(2026, 1, 1) and bool(a1["stale"])
    assert a1["agency"] != "Safe Harbor House"  # a confidential shelter, masked for a funder
    assert list(status.flagged["agency_id"]) == ["A1"]
    admin = live.capacity_status(ADMIN, city, TODAY)
    assert admin.flagged.loc[0, "agency"] == "Safe Harbor House"
    with pytest.raises(AccessDenied):
        live.capacity_status(PUBLIC, city, TODAY)


def test_an_edit_keeps_funded_and_is_checked(city: str) -> None:
    with pytest.raises(edits.InvalidCapacity) as refused:
        edits.update_capacity(
            ADMIN,
            city_name=city,
            agency_id="A2",
            service_id="legal_aid",
            capacity=400,
            funded=300,
            as_of=TODAY,
        )
    assert [(p.field, p.code) for p in refused.value.problems] == [("funded", "below_capacity")]
    saved = edits.update_capacity(
        ADMIN,
        city_name=city,
        agency_id="A2",
        service_id="legal_aid",
        capacity=380,
        as_of=TODAY,
    )
    assert saved.before is not None and saved.before.funded == 400
    assert saved.after.funded == 400 and saved.after.capacity == 380


def test_quality_per_audience_and_verify_before_you_fund(city: str) -> None:
    exact = live.quality(ANALYST, city, TODAY)
    assert set(exact.districts["district_id"]) == {"D1", "D2", "D3"}
    assert exact.districts["score"].between(0, 100).all()
    funder = live.quality(FUNDER, city, TODAY)
    assert funder.districts.empty and all(r.subject == "agency" for r in funder.reasons)
    assert set(funder.agencies["agency_id"]) == {"A1", "A2", "A3"}
    funding = pd.DataFrame(
        {
            "funder_id": ["city_fund", "city_fund"],
            "agency_id": ["A3", "A2"],
            "service_id": ["legal_aid", "legal_aid"],
            "amount": [1000.0, 500.0],
        }
    )

    class FakePlan:
        pass

    plan = FakePlan()
    plan.funding = funding  # type: ignore[attr-defined]
    low = live.low_scoring_funded(FUNDER, city, plan, date(2026, 9, 1))  # type: ignore[arg-type]
    assert "A3" in {f.agency_id for f in low}  # undated and stale
    assert [f.score for f in low] == sorted(f.score for f in low)
    assert all(f.score < 60 for f in low) and low[0].reasons
    assert live.low_scoring_funded(FUNDER, city, plan, date(2026, 9, 1), threshold=0) == []  # type: ignore[arg-type]


def test_hotline_trends_suppressed_below_the_citys_k(city: str) -> None:
    funder = live.hotline_trends(FUNDER, city)
    assert funder.k == 4
    assert funder.contacts_labels.loc["2026-01", "chat"] == "<4"
    assert pd.isna(funder.contacts_shown.loc["2026-01", "chat"])
    assert funder.by_language is None and funder.by_district is None
    analyst = live.hotline_trends(ANALYST, city)
    assert analyst.contacts_shown.loc["2026-01", "chat"] == 2
    assert analyst.contacts_shown.loc["Total", "Total"] == 97
    assert analyst.by_language is not None
    assert analyst.by_language.set_index("language").loc["es", "contacts"] == 2


def test_a_package_for_an_audience_without_exact_counts_has_no_hotline(city: str) -> None:
    from service import exports

    assert len(exports.city_package_for(ANALYST, city).hotline) == 4
    for audience in ("funder", "public"):
        assert exports.city_package_for(ANALYST, city, audience).hotline.empty


def test_the_capacity_history_shows_funded(city: str) -> None:
    from service import exports

    history = exports.capacity_history(ADMIN, city, "A1", "shelter_women")
    assert "funded" in history.columns
    assert history.loc[0, "funded"] == 30  # newest first


def test_the_overview_flags_funded_above_in_service(city: str) -> None:
    from service import city as city_service

    figures = city_service.overview(FUNDER, city, today=TODAY)
    assert list(figures.funded_gaps["agency_id"]) == ["A1"]
    assert figures.funded_gaps.loc[0, "agency"] != "Safe Harbor House"  # masked for a funder
