"""The one door: what every page, download and export gets through service/, per audience.

Each test closes a leak of issue 12 and fails on the code before it (where pages and
downloads read the exact package themselves). A database with the demo city (confidential
shelters, small counts) and a second city, shared by the module.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from models.db import dispose_engines
from planner import disclosure
from planner.findings import is_masked
from planner.package import read_package
from planner.scenario import Scenario
from planner.settings import DEMO_PACKAGE, get_settings
from service import city, edits, exports, plans, store
from service.access import CONFIDENTIAL_NAME, AccessDenied, Actor
from service.audience import audience_for, audience_named
from tests.service.access_city import city_package

ADMIN = Actor("ada", "admin")
FUNDER = Actor("fay", "funder")
ANALYST = Actor("ann", "analyst")
PUBLIC = Actor("public", "public")
OTHER = "Elsewhere"
K = 5


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('door') / 'haven.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("HAVEN_SMALL_COUNT_K", str(K))
        get_settings.cache_clear()
        store.clear()
        package = read_package(DEMO_PACKAGE)
        edits.import_city(ADMIN, package)
        edits.import_city(ADMIN, city_package(OTHER))
        yield package.city.name
        store.clear()
        get_settings.cache_clear()
    dispose_engines()


@pytest.fixture(scope="module")
def confidential_names(demo: str) -> list[str]:
    agencies = read_package(DEMO_PACKAGE).agencies
    return list(agencies.loc[agencies["confidential"].astype(bool), "name"].astype(str))


@pytest.fixture(scope="module")
def funder_plan(demo: str) -> object:
    return plans.run_plan(FUNDER, demo, Scenario(name="door"))


def test_a_partner_reads_its_own_city_only(demo: str) -> None:
    partner = Actor("pat", "partner", agency_id="A2", city=OTHER)
    assert city.cities_for(partner) == [OTHER]
    assert set(city.cities_for(FUNDER)) == {demo, OTHER}
    for read in (city.visible_package, city.overview, city.published_history, city.city_totals):
        with pytest.raises(AccessDenied):
            read(partner, demo)
    with pytest.raises(AccessDenied):
        city.capacity_map(partner, demo)
    with pytest.raises(AccessDenied):
        city.demand_fan(partner, demo)


def test_the_plan_findings_name_no_confidential_agency_nor_its_distance(
    demo: str, funder_plan: object, confidential_names: list[str]
) -> None:
    package = store.exact_package(demo)
    hidden = set(package.agencies.loc[package.agencies["confidential"].astype(bool), "agency_id"])
    plan = funder_plan
    exact = plans.run_plan(ANALYST, demo, Scenario(name="door"))
    assert any(hidden.intersection(f.agency_ids) for f in exact.findings)  # the case exists
    for finding in plan.findings:  # type: ignore[attr-defined]
        assert not hidden.intersection(finding.agency_ids), finding
        if any(is_masked(a) for a in finding.agency_ids):
            assert finding.distance_km is None
    unmet = plan.coverage.set_index(["district_id", "service_id"])["unmet"]  # type: ignore[attr-defined]
    for finding in plan.findings:  # type: ignore[attr-defined]
        if finding.kind == "out_of_reach" and finding.units is not None:
            cell = unmet[(finding.district_ids[0], finding.service_id)]
            assert finding.units == pytest.approx(cell)  # a shown cell's figure, never a hidden one
    assert plan.assignments.empty  # type: ignore[attr-defined]
    assert plan.status_quo_coverage.empty  # type: ignore[attr-defined]


def test_the_plan_downloads_name_no_confidential_agency_and_hold_no_small_count(
    demo: str, confidential_names: list[str]
) -> None:
    files = plans.plan_files(FUNDER, demo, Scenario(name="door"))
    text = b"".join(v for k, v in files.items() if k.endswith(".csv")).decode("utf-8")
    assert CONFIDENTIAL_NAME in text
    for name in confidential_names:
        assert name not in text
    coverage = pd.read_csv(io.BytesIO(files["coverage.csv"]))
    units = store.exact_package(demo).services.set_index("service_id")["units_per_case"]
    per_case = coverage["Service id"].map(units).astype(float)
    for column in [c for c in coverage.columns if c.startswith(("Demand", "Served", "Unmet"))]:
        cases = (coverage[column] / per_case).round()
        assert not ((cases > 0) & (cases < K)).any(), column
    exact = plans.plan_files(ANALYST, demo, Scenario(name="door"))
    assert any(name in exact["funding.csv"].decode() for name in confidential_names)


def test_the_plan_headline_is_the_total_of_its_suppressed_table(
    demo: str, funder_plan: object
) -> None:
    plan = funder_plan
    coverage = plan.coverage  # type: ignore[attr-defined]
    totals = plan.totals  # type: ignore[attr-defined]
    if coverage["served"].notna().all():
        assert totals.served == pytest.approx(coverage["served"].sum())
    assert (
        totals.served is None
        or totals.served != plans.run_plan(ANALYST, demo, Scenario(name="door")).totals.served
        or coverage["served"].notna().all()
    )


def test_compare_names_no_confidential_agency(demo: str, confidential_names: list[str]) -> None:
    for name, budget in (("door low", 500_000.0), ("door high", 2_000_000.0)):
        plans.save_scenario(FUNDER, demo, Scenario(name=name, budget=budget), "")
    comparison = plans.compare(FUNDER, demo, ["door low", "door high"])
    assert comparison.tables is not None
    shown = " ".join(
        [
            *comparison.tables.funding["agency_name"].astype(str),
            *comparison.tables.funding_difference["agency_name"].astype(str),
        ]
    )
    assert CONFIDENTIAL_NAME in shown
    for name in confidential_names:
        assert name not in shown


def test_the_default_hsds_export_names_no_confidential_agency(
    demo: str, tmp_path: Path, confidential_names: list[str]
) -> None:
    out = exports.hsds_export(ANALYST, demo, tmp_path / "hsds")
    text = "".join(p.read_text(encoding="utf-8") for p in out.iterdir() if p.is_file())
    for name in confidential_names:
        assert name not in text
    with pytest.raises(AccessDenied):
        exports.hsds_export(FUNDER, demo, tmp_path / "wide", audience="analyst")


def test_a_package_exported_for_the_public_has_no_demand_and_no_names(
    demo: str, confidential_names: list[str]
) -> None:
    data = exports.package_zip(ANALYST, demo)  # the analyst's own: exact
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert any(n in archive.read("agencies.csv").decode() for n in confidential_names)
    package = exports.city_package_for(ANALYST, demo, "public")
    assert package.demand.empty
    assert not set(confidential_names) & set(package.agencies["name"])
    with pytest.raises(AccessDenied):
        exports.package_zip(FUNDER, demo)


def _pinned(shown: pd.DataFrame, status: pd.DataFrame, totals: pd.Series, k: int) -> list[str]:
    """Hidden cells of one service whose value the column totals and shown cells pin
    (independent attacker: scipy's linprog over each column's relation)."""
    pinned = []
    for period in shown.columns:
        hidden = status[period] != disclosure.SHOWN
        if not hidden.any() or pd.isna(totals[period]):
            continue
        rest = float(totals[period]) - float(shown.loc[~hidden, period].sum())
        lower = np.where(status.loc[hidden, period] == disclosure.PRIMARY, 1.0, float(k))
        upper = np.where(status.loc[hidden, period] == disclosure.PRIMARY, k - 1.0, np.inf)
        n = int(hidden.sum())
        for i in range(n):
            ranges = []
            for sign in (1.0, -1.0):
                c = np.zeros(n)
                c[i] = sign
                result = linprog(
                    c,
                    A_eq=np.ones((1, n)),
                    b_eq=[rest],
                    bounds=list(zip(lower, upper, strict=True)),
                    method="highs",
                )
                assert result.status == 0
                ranges.append(sign * result.fun)
            if abs(ranges[0] - ranges[1]) < 1e-6:
                pinned.append(f"{period}:{i}")
    return pinned


def test_every_count_a_funder_reads_comes_from_one_suppression(demo: str) -> None:
    history = city.published_history(FUNDER, demo)
    assert history.k == K
    cells, totals = history.cells, history.city
    shown = cells[cells["status"] == disclosure.SHOWN]["cases"]
    assert not ((shown > 0) & (shown < K)).any()
    for service_id, rows in cells.groupby("service_id"):
        values = rows.pivot(index="district_id", columns="period", values="cases")
        status = rows.pivot(index="district_id", columns="period", values="status")
        city_totals = totals[totals["service_id"] == service_id].set_index("period")["cases"]
        assert _pinned(values, status, city_totals, K) == [], service_id
    # The Overview, the public's totals and the Demand page agree with that one history.
    overview = city.overview(FUNDER, demo)
    recent = history.recent_by_service().set_index("service_id")["cases"]
    months = len(history.recent_periods)
    units = store.exact_package(demo).services.set_index("service_id")["units_per_case"]
    expected = overview.services["service_id"].map(recent / months * units)
    pd.testing.assert_series_equal(
        overview.services["demand_units"], expected.astype(float), check_names=False
    )
    public = city.city_totals(PUBLIC, demo).set_index("service_id")["cases"]
    for service_id, value in recent.items():
        label = public[service_id]
        assert label == ("x" if pd.isna(value) else f"{value:.0f}")
    fan_history, _ = city.demand_fan(FUNDER, demo, None, None)
    by_period = history.city_by_period().set_index("period")["cases"]
    assert fan_history.set_index("period")["cases"].equals(by_period)


def test_the_analyst_reads_exact_counts(demo: str) -> None:
    history = city.published_history(ANALYST, demo)
    assert history.exact
    assert (history.cells["status"] == disclosure.SHOWN).all()
    assert audience_for(ANALYST).exact_counts
    assert not audience_named("public").aggregates


def test_the_plan_report_is_built_from_the_disclosed_plan(
    demo: str, funder_plan: object, confidential_names: list[str]
) -> None:
    from reports import build_report

    visible = city.visible_package(FUNDER, demo)
    html = build_report(funder_plan, fmt="html", audience="funder", package=visible)  # type: ignore[arg-type]
    text = html.decode("utf-8")
    assert [name for name in confidential_names if name in text] == []


def test_a_district_forecast_is_shown_only_where_its_history_is(demo: str) -> None:
    history = city.published_history(FUNDER, demo)
    recent = history.recent_by_district()
    hidden = set(recent.loc[recent["cases"].isna(), "district_id"])
    table = city.forecast_per_resident(FUNDER, demo)
    assert table.loc[table.index.isin(list(hidden)), "cases_per_month"].isna().all()
    assert city.forecast_per_resident(ANALYST, demo)["cases_per_month"].notna().all()


def test_the_sweep_gives_a_funder_no_district_counts(demo: str) -> None:
    result = plans.run_sweep(FUNDER, demo, Scenario(name="door"), (0.5, 1.0))
    assert result.districts["served"].isna().all()
    assert result.districts["coverage"].notna().any()
    shown = plans.run_plan(FUNDER, demo, Scenario(name="door")).totals
    if shown.served is None or shown.demand is None:
        assert result.points["served"].isna().all()
