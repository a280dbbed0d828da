"""A horizon of 12 months or less, or funders without windows, plan exactly as before years
existed (issue 20): the same objective and the same tables, and no `years` in plan.json."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from planner.optimise.inputs import prepare_inputs
from planner.optimise.pathways import solve_with_flow
from planner.optimise.solve import SolveOptions, solve_inputs
from planner.optimiser import solve
from planner.package import read_package
from planner.scenario import Scenario
from tests.package_factory import write_v2_package


@pytest.fixture(scope="module")
def windowed(tmp_path_factory):
    package = read_package(write_v2_package(tmp_path_factory.mktemp("years") / "v2"))
    assert package.funders["start"].notna().any()  # the fixture's funders have windows
    return package


def without_windows(package):
    funders = package.funders.assign(start=math.nan, end=math.nan)
    return dataclasses.replace(package, funders=funders)


def as_before(package, scenario):
    """The plan as solve() made it before years: the same steps without the years hook."""
    from planner.demand import horizon_demand

    inputs = prepare_inputs(package, scenario, horizon_demand(package, scenario))
    return solve_with_flow(inputs, scenario, SolveOptions(), solve_inputs)


def same(a, b) -> None:
    assert a.status == b.status
    assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-9)
    for name in ("funding", "capacity_added", "coverage"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize(("months", "windows"), [(12, True), (6, True), (24, False), (36, False)])
def test_short_horizons_and_no_windows_plan_as_before(windowed, months, windows) -> None:
    package = windowed if windows else without_windows(windowed)
    scenario = Scenario(name="same", horizon_months=months)
    plan = solve(package, scenario)
    assert plan.years is None and "years" not in plan.summary()
    same(plan, as_before(package, scenario))


def test_with_windows_the_plan_is_made_year_by_year(windowed) -> None:
    # The year-by-year plan IS the plan: its tables are its years' (funding summed over
    # the years, capacity added the most in operation in any year), and windows only
    # restrict it, so it never serves more than the plan of the same city without them.
    scenario = Scenario(name="years", horizon_months=24)
    plan = solve(windowed, scenario)
    open_plan = solve(without_windows(windowed), scenario)
    assert plan.has_plan and open_plan.years is None
    assert plan.objective >= open_plan.objective - 1e-6
    years = plan.years
    assert years is not None and years.has_plan and years.inputs is None
    assert list(years.by_year["year"]) == [1, 2]
    assert plan.summary()["years"]["by_year"][0]["year"] == 1
    assert years.objective == pytest.approx(plan.objective, rel=1e-6)
    assert years.funding["amount"].sum() == pytest.approx(plan.totals.money_spent)
    money = years.funding.groupby(["funder_id", "agency_id", "service_id"])["amount"].sum()
    shown = plan.funding.set_index(["funder_id", "agency_id", "service_id"])["amount"]
    assert money.sort_index().to_dict() == pytest.approx(shown.sort_index().to_dict())
    peak = years.capacity.groupby(["agency_id", "service_id"])["units"].max()
    peak = peak[peak > 1e-7]
    added = plan.capacity_added.set_index(["agency_id", "service_id"])["units"]
    assert peak.sort_index().to_dict() == pytest.approx(added.sort_index().to_dict())
    # the city fund's window ends inside year 1: in year 2 only the state grant pays
    funders_year_2 = set(years.funding.loc[years.funding["year"] == 2, "funder_id"])
    assert funders_year_2 <= {"state_grant"}
    # the served of the years add up to the plan's served (forecast and induced demand)
    assert years.by_year["served"].sum() == pytest.approx(plan.totals.served, rel=1e-6)
