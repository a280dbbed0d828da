"""Years and grant windows (issue 20) are made in the plan's one model: groups and their
eligibility, pathways and the search (relaxation, baselines, rounding, MIP) hold in every
plan year, and the plan's years come from its own solution."""

from __future__ import annotations

import dataclasses
import importlib

import pandas as pd
import pytest

from planner.demand import horizon_demand
from planner.optimise.inputs import prepare_inputs
from planner.optimise.model import HavenModel, block_years, build_model, capacity_column
from planner.optimise.pathways import induced_demand
from planner.optimise.solve import SolveOptions, solve_inputs
from planner.optimise.years import _with_windows, solve_years
from planner.optimiser import solve
from planner.package import read_package
from planner.scenario import Scenario
from planner.years import disclosed
from tests.package_factory import write_v2_package
from tests.planner.test_years import WINDOWS, hand_city


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """The v2 package (groups, interpretation, pathways, windows) planned over 24 months,
    with every model the solve built. Counselling today serves 30 of its 45 a month, and
    the city fund's window is the plan's first year (2026-04 to 2027-03): the plan adds
    counselling in year 1 only (no funder may pay for it in year 2)."""
    package = read_package(write_v2_package(tmp_path_factory.mktemp("years_one") / "v2"))
    capacity = package.capacity.copy()
    counselling = (capacity["agency_id"] == "A3") & (capacity["service_id"] == "counselling")
    capacity.loc[counselling, "capacity"] = 30
    funders = package.funders.copy()
    funders.loc[funders["funder_id"] == "city_fund", "end"] = "2027-03"
    package = dataclasses.replace(package, capacity=capacity, funders=funders)
    built: list[HavenModel] = []
    solve_module = importlib.import_module("planner.optimise.solve")
    original = solve_module.build_model  # type: ignore[attr-defined]

    def keep(*args, **kwargs):
        model = original(*args, **kwargs)
        built.append(model)
        return model

    scenario = Scenario(name="years", horizon_months=24)
    solve_module.build_model = keep  # type: ignore[attr-defined]
    try:
        plan = solve(package, scenario)
    finally:
        solve_module.build_model = original  # type: ignore[attr-defined]
    return package, plan, built[-1]


def test_the_plan_s_model_has_years_groups_and_pathways(solved) -> None:
    _package, plan, model = solved
    inputs = model.inputs
    assert inputs.years is not None and inputs.years.count == 2
    assert inputs.cohorts.grouped and inputs.served_today is not None
    kinds = set(model.kinds.values())
    assert {"window", "interpretation", "pathway_floor", "balance", "capacity"} <= kinds
    # every capacity row holds its own year's column
    years = block_years(model)
    grow = int((model.pairs["k_pos"] >= 0).sum())
    for name, row in model.constraints.items():
        if model.kinds[name] != "capacity":
            continue
        column = capacity_column(model, name)
        if column is None:
            continue
        assert column in row.expr
        block = name[len("capacity[") : -1].split(",", 2)[2]
        position = next(i for i, var in enumerate(model.k) if var is column)
        assert position // grow + 1 == years[block]
    assert plan.years is not None and plan.years.has_plan


def test_men_are_never_served_by_women_only_capacity_in_any_year(solved) -> None:
    _package, plan, model = solved
    access = model.inputs.cohorts.access
    allowed = set(zip(access["agency_id"], access["service_id"], access["cohort"], strict=True))
    flows = model.flows
    assert not ((flows["service_id"] == "shelter_women") & (flows["cohort"] == "men:so")).any()
    years = block_years(model)
    served_years = set()
    for i, var in enumerate(model.x):
        value = var.varValue or 0.0
        if value <= 1e-7:
            continue
        row = flows.iloc[i]
        assert (row.agency_id, row.service_id, row.cohort) in allowed
        served_years.add(years[str(row.block)])
    assert served_years == {1, 2}
    groups = plan.coverage_by_group
    men_shelter = groups[
        (groups["population"] == "men") & (groups["service_id"] == "shelter_women")
    ]
    assert men_shelter["served"].sum() == pytest.approx(0.0, abs=1e-7)


def test_induced_demand_in_year_2_follows_what_year_1_serves(solved) -> None:
    # counselling -> legal aid, lag 1: legal aid's demand in the first month of year 2 moves
    # with counselling served in the last month of year 1, in the same solve.
    _package, plan, model = solved
    inputs = model.inputs
    year_1, year_2 = inputs.years.periods
    last_1, first_2 = year_1[-1], year_2[0]
    balance = {
        name: row
        for name, row in model.constraints.items()
        if model.kinds[name] == "balance" and name.startswith("balance[")
    }
    cells = model.cells
    upstream = {
        model.u[i]
        for i in cells.index[(cells["service_id"] == "counselling") & (cells["block"] == last_1)]
    }
    rows_2 = [
        row
        for name, row in balance.items()
        if ",legal_aid" in name and name.endswith(f",{first_2}]")
    ]
    assert rows_2 and all(set(row.expr) & upstream for row in rows_2)
    # and the plan's years count that demand: year 2's demand is the forecast plus the
    # demand the plan induces in year 2's months
    induced = induced_demand(inputs, plan.assignments)
    in_year_2 = induced["period"].isin(year_2)
    forecast = inputs.demand[inputs.demand["period"].isin(year_2)]["demand"].sum()
    year_2_demand = float(plan.years.by_year.set_index("year").loc[2, "demand"])
    assert year_2_demand == pytest.approx(forecast + induced.loc[in_year_2, "induced"].sum())
    # counselling added in year 1 sends more people to legal aid in year 2's first month
    assert induced.loc[
        (induced["period"] == first_2) & (induced["service_id"] == "legal_aid"), "induced"
    ].sum() == pytest.approx(0.3 * 15 * 10 / 1, rel=1e-6)
    cliffs = plan.years.cliffs
    assert ((cliffs["service_id"] == "counselling") & (cliffs["year"] == 2)).any()


def test_the_search_finds_the_hand_solved_optimum_with_baselines_and_rounding() -> None:
    # The hand city (test_years.py), whole beds: F1's 66,000 buys 5 beds in year 1 (5.5 is
    # not a bed), F2 has nothing: 60 + 120 unmet. The search (relaxation, baselines per
    # year, rounding per year, MIP) finds the same plan as the MIP alone.
    inputs = _with_windows(hand_city(66_000.0, 0.0, integer=True), WINDOWS)
    beyond = pd.DataFrame(columns=["district_id", "service_id", "agency_id", "dist_km"])
    inputs = dataclasses.replace(inputs, beyond_radius=beyond)
    scenario = Scenario(name="hand", horizon_months=24, time_limit_s=30)
    plan = solve_inputs(inputs, scenario, SolveOptions())
    alone = solve_years(hand_city(66_000.0, 0.0, integer=True), WINDOWS, flat=False)
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(alone.objective, abs=1e-6)
    assert list(plan.years.capacity.sort_values("year")["units"]) == pytest.approx([5.0, 0.0])
    assert plan.totals.money_spent == pytest.approx(60_000.0)
    names = {b.name: b for b in plan.baselines}
    assert names["status_quo"].totals is not None
    assert names["status_quo"].totals.served == pytest.approx(0.0)
    # a baseline keeps its units only in years its funders can pay in full
    demand = names["demand"].totals
    assert demand is not None and demand.money_spent <= 66_000.0 + 1e-6


def test_years_disclosed_without_counts_or_hidden_coverage(solved) -> None:
    _package, plan, _model = solved
    years = plan.years
    assert years is not None
    exact = disclosed(years, exact_counts=True, coverage_shown=True)
    assert exact is years
    shown = disclosed(years, exact_counts=False, coverage_shown=True)
    assert shown is not None
    assert shown.by_year["demand"].isna().all() and shown.by_year["served"].isna().all()
    assert shown.by_year["coverage"].notna().all()
    assert shown.by_year["money"].tolist() == years.by_year["money"].tolist()
    hidden = disclosed(years, exact_counts=False, coverage_shown=False)
    assert hidden is not None
    assert hidden.by_year["coverage"].isna().all()
    if hidden.flat is not None:
        assert hidden.flat.target is None and hidden.flat.by_year["served"].isna().all()
    summary = dataclasses.replace(plan, years=hidden).summary()["years"]
    assert all(record["demand"] is None for record in summary["by_year"])


def test_prepared_inputs_cut_blocks_at_the_year(solved) -> None:
    package, _plan, _model = solved
    scenario = Scenario(name="years", horizon_months=24)
    demand = horizon_demand(package, scenario)
    inputs = prepare_inputs(package, scenario, demand)
    model = build_model(inputs)
    assert inputs.years is not None
    year_of = inputs.years.year_of()
    for periods in inputs.blocks["periods"]:
        assert len({year_of[p] for p in str(periods).split(";")}) == 1
    assert model.size()["variables"] > 0


def test_a_wait_cap_holds_on_each_year_s_own_capacity(solved) -> None:
    package, _plan, _model = solved
    scenario = Scenario(name="years", horizon_months=24)
    inputs = prepare_inputs(package, scenario, horizon_demand(package, scenario))
    capped = dataclasses.replace(inputs, wait_caps={("A1", "shelter_women"): 0.8})
    model = build_model(capped)
    rows = {
        name: row
        for name, row in model.constraints.items()
        if name.startswith("capacity[A1,shelter_women,")
    }
    assert rows
    columns = {id(var) for var in model.k}
    years_seen = set()
    for name, row in rows.items():
        k_terms = {var: coef for var, coef in row.expr.items() if id(var) in columns}
        own = capacity_column(model, name)
        assert own is not None and list(k_terms) == [own]
        assert k_terms[own] == pytest.approx(-0.8)
        years_seen.add(block_years(model)[name[len("capacity[") : -1].split(",", 2)[2]])
    assert years_seen == {1, 2}
