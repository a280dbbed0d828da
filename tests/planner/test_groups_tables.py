"""Plan tables by group, their disclosure and the report's table (issue 15)."""

from __future__ import annotations

import math

import pytest

from planner.optimiser import solve
from planner.plan_tables import (
    coverage_by_group,
    coverage_by_group_and_service,
    coverage_by_language,
    fairness_table,
)
from reports.groups import fairness_sentence
from service.audience import Audience
from service.groups import disclose_groups
from tests.planner.test_groups_optimiser import DEMAND, EXACT, groups_city, scenario

PUBLIC = Audience(
    role="public", exact_counts=False, confidential_places=False, aggregates=True, k=5
)
ANALYST = Audience(
    role="analyst", exact_counts=True, confidential_places=True, aggregates=True, k=1
)


@pytest.fixture(scope="module")
def floored():
    package = groups_city()
    plan = solve(
        package,
        scenario(group_floors={"women": 1.0}, equity_mode="hard"),
        demand=DEMAND,
        options=EXACT,
    )
    return package, plan


def test_tables_by_group(floored):
    package, plan = floored
    by_group = coverage_by_group(plan, package).set_index("population")
    assert by_group.loc["women", "name"] == "Women"
    assert by_group.loc["women", "served"] == pytest.approx(5.0)
    assert by_group.loc["men", "coverage"] == pytest.approx(1 / 3)
    by_service = coverage_by_group_and_service(plan, package)
    assert len(by_service) == 4
    languages = coverage_by_language(plan).set_index("language")
    assert languages.loc["es", "demand"] == pytest.approx(2.0)
    fairness = fairness_table(plan, package)
    assert fairness.loc[0, "coverage"] == pytest.approx(1.0)
    assert fairness.loc[0, "coverage_without"] == pytest.approx(0.6)
    assert fairness.loc[0, "price_units"] == pytest.approx(2.0)


def test_small_group_counts_are_hidden_for_the_public(floored):
    package, plan = floored
    assert disclose_groups(plan, package, ANALYST) is plan
    shown = disclose_groups(plan, package, PUBLIC)
    groups = shown.coverage_by_group
    assert set(groups["district_id"]) == {"*"} and set(groups["language"]) == {"*"}
    # Every positive count here is below 5 cases: none is shown (zeros are: they describe
    # nobody).
    values = groups[["served", "unmet", "demand"]].to_numpy()
    assert ((values != values) | (values == 0)).all()
    assert groups["demand"].isna().all()
    price = shown.fairness[0]
    assert price.units is None and price.money is None  # 2 weighted units: below 5
    assert price.group_served == 5.0 and price.group_served_without is None
    assert "priority_unmet" not in shown.coverage


def test_report_sentence_hides_small_prices():
    class View:
        k = 5

        def money(self, amount):
            return f"${amount:,.0f}"

    price = {"population_id": "women", "floor": 1.0, "units": 2.0, "money": 1000.0}
    assert "not shown" in fairness_sentence(price, {"women": "Women"}, View())
    View.k = 1
    text = fairness_sentence(price, {"women": "Women"}, View())
    assert "Women" in text and "$1,000" in text and "2" in text
    assert not math.isnan(price["units"])


def test_compare_by_group(floored):
    from planner.compare import compare_plans

    package, plan = floored
    free = solve(package, scenario(), demand=DEMAND, options=EXACT)
    tables = compare_plans({"floor": plan, "free": free}, package)
    coverage = tables.group_coverage
    assert list(coverage.columns) == ["name", "floor", "free"]
    assert coverage.loc["women", "floor"] == pytest.approx(1.0)
    assert coverage.loc["women", "free"] == pytest.approx(0.6)


def test_recent_cases_by_group_and_exploitation_filter():
    from planner.overview import exploitation_types, recent_cases_by_group
    from tests.planner.groups_city import with_groups
    from tests.planner.optimiser_city import hand_city

    package = with_groups(
        hand_city(),
        populations=[("women", "Women", 1.0), ("men", "Men", 1.0)],
        demand_groups=[
            ("D1", "shelter", "2025-01", "women", "", 4),
            ("D1", "shelter", "2025-02", "men", "es", 3),
        ],
    )
    frame = package.demand_groups.copy()
    frame.loc[frame["population"] == "men", "exploitation"] = "labour"
    import dataclasses

    package = dataclasses.replace(package, demand_groups=frame)
    assert exploitation_types(package) == ["labour", "unknown"]
    cases = recent_cases_by_group(package).set_index("population")["cases"].to_dict()
    assert cases == {"men": 3.0, "women": 4.0}
    labour = recent_cases_by_group(package, "labour")
    assert labour["population"].tolist() == ["men"] and labour["name"].tolist() == ["Men"]


def test_report_has_a_table_by_group_suppressed_for_the_public(floored):
    from reports.content import build_content
    from reports.context import ReportContext
    from reports.plan_dir import PlanRecord

    package, plan = floored
    record, context = PlanRecord.from_plan(plan), ReportContext.from_package(package)
    tables = {}
    for audience in ("analyst", "public"):
        content = build_content(record, context, audience=audience, charts=False)
        (tables[audience],) = [tb for tb in content.tables if tb.sheet == "By group"]
    analyst, public = tables["analyst"], tables["public"]
    assert analyst.frame["Served (units)"].sum() == pytest.approx(6.0)
    assert "2.0 more weighted units" in analyst.note and "$1,0" in analyst.note
    served = public.frame["Served (units)"].to_numpy()
    assert ((served != served) | (served == 0)).all()  # small counts hidden
    assert "not shown" in public.note
