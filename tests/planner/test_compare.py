"""Comparing plans: hand-made plans on the tiny city, then two real solves of it.

Plan "cheap": D1 demand 10 served 5, D2 demand 20 served 20, D3 no demand; city_fund gives
A1 1,000. Plan "rich": D1 10 of 10, D2 15 of 20; city_fund gives A1 3,000 and state_grant A2
500. Status quo serves 20 in both.
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from planner.compare import (
    TOTAL_COLUMNS,
    UNSET,
    compare_plans,
    coverage_difference,
    parameter_differences,
)
from planner.findings import BaselineResult, Baselines, Diagnostics, Totals
from planner.optimiser import Plan, solve
from planner.scenario import Scenario
from tests.package_factory import tiny_package


def hand_plan(
    name: str,
    coverage: list[tuple[str, str, float, float]],
    funding: list[tuple[str, str, str, float]],
    status: str = "optimal",
    scenario: Scenario | None = None,
) -> Plan:
    cover = pd.DataFrame(coverage, columns=["district_id", "service_id", "demand", "served"])
    cover["unmet"] = cover["demand"] - cover["served"]
    cover["coverage"] = cover["served"] / cover["demand"]
    money = pd.DataFrame(funding, columns=["funder_id", "agency_id", "service_id", "amount"])
    demand, served = float(cover["demand"].sum()), float(cover["served"].sum())
    return Plan(
        scenario=scenario or Scenario(name=name),
        status=status,
        solver="highs",
        solver_version="test",
        gap=0.0,
        objective=0.0,
        times={"total": 0.0},
        size={},
        funding=money,
        capacity_added=pd.DataFrame(columns=["agency_id", "service_id", "units"]),
        coverage=cover,
        totals=Totals(
            demand=demand,
            served=served,
            unmet=demand - served,
            coverage=served / demand,
            budget=5000.0,
            money_spent=float(money["amount"].sum()),
            units_added=0.0,
        ),
        diagnostics=Diagnostics(),
        baselines=Baselines((BaselineResult("status_quo", "optimal", Totals(served=20.0)),)),
    )


CHEAP = hand_plan(
    "cheap",
    [("D1", "legal_aid", 10, 5), ("D2", "legal_aid", 20, 20)],
    [("city_fund", "A1", "shelter_women", 1000.0)],
)
RICH = hand_plan(
    "rich",
    [("D1", "legal_aid", 4, 4), ("D1", "counselling", 6, 6), ("D2", "legal_aid", 20, 15)],
    [
        ("city_fund", "A1", "shelter_women", 2000.0),
        ("city_fund", "A1", "legal_aid", 1000.0),
        ("state_grant", "A2", "legal_aid", 500.0),
    ],
)


def test_totals_equity_and_cost_per_unit() -> None:
    tables = compare_plans({"cheap": CHEAP, "rich": RICH}, tiny_package())
    totals = tables.totals
    assert list(totals.index) == ["cheap", "rich"]
    assert list(totals.columns) == list(TOTAL_COLUMNS)
    cheap, rich = totals.loc["cheap"], totals.loc["rich"]
    assert cheap["served"] == 25 and rich["served"] == 25
    assert cheap["money_spent"] == 1000 and rich["money_spent"] == 3500
    assert cheap["money_per_unit_served"] == pytest.approx(40.0)
    assert cheap["cost_per_additional_unit_served"] == pytest.approx(1000 / 5)
    assert rich["cost_per_additional_unit_served"] == pytest.approx(3500 / 5)
    # District coverage, D3 without demand left out: cheap 0.5 and 1.0, rich 1.0 and 0.75.
    assert cheap["lowest_district_coverage"] == pytest.approx(0.5)
    assert cheap["coverage_spread"] == pytest.approx(0.5)
    assert cheap["coverage_iqr"] == pytest.approx(0.25)
    assert rich["lowest_district_coverage"] == pytest.approx(0.75)
    assert rich["coverage_spread"] == pytest.approx(0.25)


def test_district_coverage_and_its_difference() -> None:
    tables = compare_plans({"cheap": CHEAP, "rich": RICH}, tiny_package())
    coverage = tables.district_coverage
    assert list(coverage.index) == ["D1", "D2", "D3"]
    assert list(coverage.columns) == ["name", "cheap", "rich"]
    assert coverage.loc["D1", "name"] == "North Loop"
    assert math.isnan(coverage.loc["D3", "cheap"])
    difference = coverage_difference(tables, "cheap", "rich")
    assert difference.loc["D1", "difference"] == pytest.approx(50.0)  # percentage points
    assert difference.loc["D2", "difference"] == pytest.approx(-25.0)
    assert math.isnan(difference.loc["D3", "difference"])


def test_funding_per_agency_and_funder_with_differences() -> None:
    tables = compare_plans({"cheap": CHEAP, "rich": RICH}, tiny_package())
    funding = tables.funding
    assert list(funding.index) == ["A1", "A2"]  # largest first; A3 is funded by neither
    assert funding.loc["A1", "agency_name"] == "Safe Harbor House"
    assert funding.loc["A1", ["cheap", "rich"]].tolist() == [1000.0, 3000.0]
    assert funding.loc["A2", ["cheap", "rich"]].tolist() == [0.0, 500.0]
    difference = tables.funding_difference.set_index("agency_id")
    assert set(difference["plan"]) == {"rich"}
    assert difference.loc["A1", "difference"] == 2000.0
    assert difference.loc["A2", "difference"] == 500.0
    by_funder = tables.funding_by_funder
    assert by_funder.loc["city_fund", ["cheap", "rich"]].tolist() == [1000.0, 3000.0]
    assert by_funder.loc["state_grant", ["cheap", "rich"]].tolist() == [0.0, 500.0]


def test_the_first_plan_is_the_reference_for_every_other() -> None:
    plans = {"rich": RICH, "cheap": CHEAP, "again": CHEAP}
    tables = compare_plans(plans, tiny_package())
    assert tables.reference == "rich"
    difference = tables.funding_difference
    assert sorted(set(difference["plan"])) == ["again", "cheap"]
    assert len(difference) == 2 * len(tables.funding)
    a1 = difference[difference["agency_id"] == "A1"]["difference"].tolist()
    assert a1 == [-2000.0, -2000.0]


def test_a_plan_without_solution_is_refused() -> None:
    failed = hand_plan("failed", [("D1", "legal_aid", 1, 0)], [], status="infeasible")
    with pytest.raises(ValueError, match="failed"):
        compare_plans({"cheap": CHEAP, "failed": failed}, tiny_package())
    with pytest.raises(ValueError, match="no plans"):
        compare_plans({}, tiny_package())


def test_two_solves_of_the_tiny_city() -> None:
    package = tiny_package()
    none = solve(package, Scenario(name="none", budget=0.0, time_limit_s=20))
    full = solve(package, Scenario(name="full", time_limit_s=20))
    tables = compare_plans({"none": none, "full": full}, package)
    totals = tables.totals
    assert totals.loc["none", "money_spent"] == 0.0
    assert totals.loc["full", "served"] >= totals.loc["none", "served"]
    assert totals.loc["full", "money_spent"] == pytest.approx(full.totals.money_spent)
    # The differences add up to the difference in money spent.
    spent = totals.loc["full", "money_spent"] - totals.loc["none", "money_spent"]
    assert tables.funding_difference["difference"].sum() == pytest.approx(spent)
    assert tables.funding_by_funder["full"].sum() == pytest.approx(spent)
    for column in ("none", "full"):
        shares = tables.district_coverage[column].dropna()
        assert ((shares >= -1e-9) & (shares <= 1 + 1e-9)).all()


def with_scenario(plan: Plan, scenario: Scenario) -> Plan:
    return dataclasses.replace(plan, scenario=scenario)


def test_the_parameters_that_differ_are_listed_and_only_those() -> None:
    first = Scenario(
        name="A",
        budget=1_000_000,
        equity_floor=0.5,
        weights={"legal_aid": 2.0},
        radius_km={"legal_aid": 10.0},
        funder_budgets={"city_fund": 500.0},
    )
    second = first.model_copy(
        update={
            "name": "B",
            "demand_quantile": 0.8,
            "horizon_months": 24,
            "weights": {"legal_aid": 2.0, "counselling": 3.0},
            "radius_km": {"legal_aid": None},
            "funder_budgets": {},
            "allow_new_services": True,
        }
    )
    plans = {"A": with_scenario(CHEAP, first), "B": with_scenario(RICH, second)}
    table = parameter_differences(plans)
    rows = {(r.parameter, r.key): (r.A, r.B) for r in table.itertuples()}
    assert rows == {
        ("funder_budgets", "city_fund"): (500.0, UNSET),
        ("demand_quantile", ""): (None, 0.8),
        ("horizon_months", ""): (12, 24),
        ("weights", "counselling"): (UNSET, 3.0),
        ("radius_km", "legal_aid"): (10.0, None),
        ("allow_new_services", ""): (False, True),
    }
    # budget, floor and the shared weight agree: no row; the order is the scenario keys'.
    assert list(table["parameter"]) == [
        "funder_budgets",
        "demand_quantile",
        "horizon_months",
        "weights",
        "radius_km",
        "allow_new_services",
    ]
    tables = compare_plans(plans, tiny_package())
    assert tables.parameters.equals(table)
    assert dict(tables.demand_bases) == {"A": None, "B": 0.8}
    assert tables.demand_basis_differs


def test_plans_for_the_same_demand_raise_no_basis_warning() -> None:
    plans = {
        "cheap": with_scenario(CHEAP, Scenario(name="cheap", budget=10.0)),
        "rich": with_scenario(RICH, Scenario(name="rich", budget=20.0)),
    }
    tables = compare_plans(plans, tiny_package())
    assert not tables.demand_basis_differs
    assert list(tables.parameters["parameter"]) == ["budget"]
    unset = compare_plans(
        {"cheap": CHEAP, "rich": with_scenario(RICH, Scenario(name="rich", budget=20.0))},
        tiny_package(),
    )
    assert unset.parameters.iloc[0].tolist() == ["budget", "", None, 20.0]  # None, not NaN
    same = compare_plans(
        {"cheap": CHEAP, "rich": with_scenario(RICH, CHEAP.scenario)}, tiny_package()
    )
    assert same.parameters.empty
