"""`solve(package, scenario)`: build, solve, read back, diagnose and compare with baselines."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner import baselines as baseline_rules
from planner import explain
from planner import findings as F
from planner.demand import MIN_FORECAST_MONTHS, history_months, horizon_demand
from planner.findings import Baselines, Diagnostics, Finding, Totals
from planner.optimise.fairness import floors_in_force, group_floor_problems, price_of_fairness
from planner.optimise.inputs import ModelInputs, prepare_inputs
from planner.optimise.model import HavenModel, build_model
from planner.optimise.pathways import StatusQuoStore, solve_with_flow
from planner.optimise.plan import Plan, empty_frames
from planner.optimise.readback import (
    assignments_table,
    coverage_table,
    group_coverage_table,
    plan_tables,
    plan_totals,
    plan_years,
    read_solution,
)
from planner.optimise.search import search
from planner.optimise.solvers import SolverRun, resolve_relaxed_highs, run_solver
from planner.optimise.warm import BasisStore
from planner.optimise.years import with_years  # YEARS (issue 20): the flat variant

if TYPE_CHECKING:
    from planner.package import CityPackage
    from planner.scenario import Scenario

#: Relative MIP gap at which a plan counts as proven optimal. 0.1 %: on the demo city the
#: last tenth of a percent (HiGHS's own default is 0.01 %) cost 5x the time to gain a few
#: units served in 24,000 (bench/results/mip_gap.md). A plan that a baseline beats is
#: re-solved to gap 0 (`solve_inputs`), so the contract "never worse than a baseline" holds.
DEFAULT_MIP_GAP = 1e-3


@dataclass(frozen=True)
class SolveOptions:
    """Knobs of the solve that are not part of a scenario (tests and the benchmark use them)."""

    mip_gap: float = DEFAULT_MIP_GAP
    aggregate_periods: bool = True
    diagnostics: bool = True
    baselines: bool = True
    solver: str | None = None  # overrides scenario.solver
    time_limit_s: float | None = None  # overrides scenario.time_limit_s
    highs_options: dict[str, Any] = field(default_factory=dict)
    #: Where status quo solves are kept beyond the process (service.statusquo); None: in
    #: the process only.
    status_quo_store: StatusQuoStore | None = None
    #: Where the relaxations' optimal bases are kept beyond the process, to start the next
    #: plan of the same data from (planner.optimise.warm); None: in the process only.
    basis_store: BasisStore | None = None


def solve(
    package: CityPackage,
    scenario: Scenario,
    *,
    demand: pd.DataFrame | None = None,
    options: SolveOptions | None = None,
) -> Plan:
    """Plan `scenario` on `package`; demand defaults to `planner.demand.horizon_demand`.

    Raises planner.problems.InvalidInput for a scenario that does not fit the city (unknown
    services or funders) or malformed demand; an infeasible scenario returns a Plan with
    status 'infeasible' and the explanation in its diagnostics.
    """
    options = options or SolveOptions()
    start = time.perf_counter()
    notes: tuple[Finding, ...] = ()
    if demand is None:
        demand = horizon_demand(package, scenario)
        notes = (demand_basis(package, scenario),)
    inputs = prepare_inputs(package, scenario, demand, aggregate_periods=options.aggregate_periods)
    prepared = time.perf_counter() - start
    plan = solve_with_flow(inputs, scenario, options, solve_inputs)  # FLOW: pathways, waits
    plan = with_years(package, inputs, plan, options, scenario)  # YEARS: flat coverage
    times = dict(plan.times)
    times["prepare"] = prepared
    times["total"] = time.perf_counter() - start
    return replace(plan, times=times, findings=notes + plan.findings)


def demand_basis(package: CityPackage, scenario: Scenario) -> Finding:
    """How `horizon_demand` makes the demand for this package and scenario: the forecast at
    the scenario's quantile, or the recent mean when the history is too short."""
    months = history_months(package)
    if months >= MIN_FORECAST_MONTHS:
        return Finding(F.DEMAND_FORECAST, share=scenario.demand_quantile, count=months)
    return Finding(F.DEMAND_RECENT_MEAN, count=months, limit=float(MIN_FORECAST_MONTHS))


def solve_inputs(inputs: ModelInputs, scenario: Scenario, options: SolveOptions) -> Plan:
    """Solve prepared inputs (the optimiser's own boundary: ids and arrays, no geometry), and
    price every group floor in force (planner.optimise.fairness) by a solve without it."""
    plan = _solve_inputs(inputs, scenario, options)
    if plan.has_plan and floors_in_force(inputs):
        started = time.perf_counter()
        prices = price_of_fairness(inputs, scenario, options, plan, _solve_inputs)
        times = {**plan.times, "fairness": time.perf_counter() - started}
        plan = replace(plan, fairness=prices, times=times)
    return plan


def _solve_inputs(inputs: ModelInputs, scenario: Scenario, options: SolveOptions) -> Plan:
    solver = options.solver or scenario.solver
    time_limit = options.time_limit_s or scenario.time_limit_s
    started = time.perf_counter()
    model = build_model(inputs)
    build_s = time.perf_counter() - started
    hard_groups = model.group_floor_mode == "hard" and len(model.group_floor_cells) > 0
    if solver == "highs" and model.floor_mode != "hard" and not hard_groups:
        return _searched(inputs, scenario, options, model, build_s, time_limit)
    return _solved_apart(inputs, scenario, options, model, build_s, solver, time_limit)


def _searched(
    inputs: ModelInputs,
    scenario: Scenario,
    options: SolveOptions,
    model: HavenModel,
    build_s: float,
    time_limit: float,
) -> Plan:
    """HiGHS on one kept model (planner.optimise.search): relaxation, baselines, rounding and
    the MIP from the best of them, each step with its own time limit."""
    found = search(
        model,
        time_limit_s=time_limit,
        mip_gap=options.mip_gap,
        diagnostics=options.diagnostics,
        baselines=options.baselines,
        highs_options=options.highs_options,
        bases=options.basis_store,
    )
    run = found.run
    times = {"build": build_s, **found.times}
    steps = ("relaxation", "diagnosis", "baselines", "rounding", "mip")
    times["solve"] = sum(times.get(step, 0.0) for step in steps)
    if not run.has_plan:
        plan = _no_plan(inputs, scenario, options, model, run, "highs", time_limit, times)
        return replace(plan, findings=plan.findings + found.findings)
    started = time.perf_counter()
    funding, capacity, coverage, assignments, groups = _read_back(model)
    times["readback"] = time.perf_counter() - started
    totals = Totals.from_dict(plan_totals(inputs, funding, capacity, coverage, groups))
    diagnostics, diagnosed = explain.diagnose(
        model, found.relaxed, coverage, more_money_unmet=found.more_money
    )
    relaxed_run = found.relaxed_run
    diagnostics = replace(
        diagnostics,
        lp_relaxation_status=relaxed_run.status if relaxed_run else None,
        lp_relaxation_objective=relaxed_run.objective if relaxed_run else None,
    )
    baselines = found.baselines
    if options.baselines:
        totals, checks = _compare(totals, baselines)
        diagnostics = replace(diagnostics, no_worse_than_baselines=checks)
        beaten = not all(checks.values())
        if beaten and options.mip_gap > 0 and run.status == "optimal":
            return _solve_inputs(inputs, scenario, replace(options, mip_gap=0.0))
    return _plan(
        scenario,
        run,
        "highs",
        model.size(),
        totals,
        times=times,
        funding=funding,
        capacity_added=capacity,
        coverage=coverage,
        diagnostics=diagnostics,
        baselines=baselines,
        findings=inputs.notes + found.findings + diagnosed,
        assignments=assignments,
        status_quo_coverage=found.coverages.get("status_quo", pd.DataFrame()),
        coverage_by_group=groups,
        years=plan_years(model),  # YEARS (issue 20): the plan's own years, None without
    )


def _no_plan(
    inputs: ModelInputs,
    scenario: Scenario,
    options: SolveOptions,
    model: HavenModel,
    run: SolverRun,
    solver: str,
    time_limit: float,
    times: dict[str, float],
) -> Plan:
    """The plan of a run without one: infeasible (with why) or nothing found in time."""
    funding, capacity, _ = empty_frames()
    coverage = coverage_table(inputs, model.flows.iloc[:0], _zeros())
    totals = replace(
        Totals.from_dict(plan_totals(inputs, funding, capacity, coverage)), served=None
    )
    diagnostics = Diagnostics(solver_message=run.message)
    found: tuple[Finding, ...] = ()
    if run.status == "infeasible":
        started = time.perf_counter()
        found, cells = explain.explain_infeasible(
            inputs, solver=solver, time_limit_s=time_limit, mip_gap=options.mip_gap
        )
        found = group_floor_problems(inputs) + _group_floor_money(inputs, found)
        times["explain"] = time.perf_counter() - started
        diagnostics = replace(diagnostics, relaxed_cells=cells)
    return _plan(
        scenario,
        run,
        solver,
        model.size(),
        totals,
        times=times,
        funding=funding,
        capacity_added=capacity,
        coverage=coverage,
        diagnostics=diagnostics,
        baselines=Baselines(),
        findings=inputs.notes + found,
    )


def _solved_apart(
    inputs: ModelInputs,
    scenario: Scenario,
    options: SolveOptions,
    model: HavenModel,
    build_s: float,
    solver: str,
    time_limit: float,
) -> Plan:
    """CBC, or a hard equity floor (which a baseline's plan may not meet): the MIP, then the
    relaxation and the baselines each on a model of their own, each with its own limit."""
    size = model.size()
    run = run_solver(
        model,
        solver,
        time_limit_s=time_limit,
        mip_gap=options.mip_gap,
        highs_options=options.highs_options,
    )
    times = {
        "build": build_s,
        "handover": run.handover_s,
        "solve": run.solve_s,
        "readback": run.readback_s,
    }
    if not run.has_plan:
        return _no_plan(inputs, scenario, options, model, run, solver, time_limit, times)
    started = time.perf_counter()
    funding, capacity, coverage, assignments, groups = _read_back(model)
    times["readback"] += time.perf_counter() - started
    totals = Totals.from_dict(plan_totals(inputs, funding, capacity, coverage, groups))
    diagnostics = Diagnostics()
    found: tuple[Finding, ...] = ()
    if options.diagnostics:
        started = time.perf_counter()
        relaxed_run, relaxed = _relaxation(model, run, solver, time_limit)
        more_money = (
            explain.unmet_with_more_money(model, solver, time_limit_s=time_limit)
            if relaxed is not None
            else None
        )
        times["lp_relaxation"] = time.perf_counter() - started
        diagnostics, found = explain.diagnose(model, relaxed, coverage, more_money_unmet=more_money)
        if relaxed is None:
            found = (Finding(F.DIAGNOSIS_UNFINISHED, limit=time_limit), *found)
        diagnostics = replace(
            diagnostics,
            lp_relaxation_status=relaxed_run.status,
            lp_relaxation_objective=relaxed_run.objective,
        )
    coverages: dict[str, pd.DataFrame] = {}
    baselines = Baselines()
    if options.baselines:
        started = time.perf_counter()
        baselines = baseline_rules.evaluate_baselines(
            inputs,
            solver=solver,
            time_limit_s=time_limit,
            mip_gap=options.mip_gap,
            coverages=coverages,
        )
        times["baselines"] = time.perf_counter() - started
        found += tuple(
            Finding(F.BASELINE_UNFINISHED, baseline=b.name, limit=time_limit)
            for b in baselines
            if b.totals is None
        )
        totals, checks = _compare(totals, baselines)
        diagnostics = replace(diagnostics, no_worse_than_baselines=checks)
        beaten = not all(checks.values())
        if beaten and options.mip_gap > 0:
            return _solve_inputs(inputs, scenario, replace(options, mip_gap=0.0))
    return _plan(
        scenario,
        run,
        solver,
        size,
        totals,
        times=times,
        funding=funding,
        capacity_added=capacity,
        coverage=coverage,
        diagnostics=diagnostics,
        baselines=baselines,
        findings=inputs.notes + found,
        assignments=assignments,
        status_quo_coverage=coverages.get("status_quo", pd.DataFrame()),
        coverage_by_group=groups,
        years=plan_years(model),  # YEARS (issue 20): the plan's own years, None without
    )


def _group_floor_money(inputs: ModelInputs, found: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Money a hard group floor lacks, said of the group: without a district floor the
    elastic solve's missing money is the group floors' (with one group floor, its own)."""
    groups = floors_in_force(inputs)
    if inputs.equity_floor > 0 or not groups:
        return found
    money_kinds = (F.FLOOR_NEEDS_FUNDER, F.FLOOR_NEEDS_BUDGET)
    changed = []
    for finding in found:
        if finding.kind in money_kinds and len(groups) == 1:
            group = groups[0]
            floor = inputs.cohorts.group_floors[group]
            finding = replace(finding, floor=floor, population_id=group)
        changed.append(finding)
    return tuple(changed)


def _plan(
    scenario: Scenario,
    run: SolverRun,
    solver: str,
    size: dict[str, int],
    totals: Totals,
    **tables: Any,
) -> Plan:
    """The Plan of `run`: its status, gap and objective (in the totals too), and the rest."""
    return Plan(
        scenario=scenario,
        status=run.status,
        solver=solver,
        solver_version=run.version,
        gap=run.gap,
        objective=run.objective,
        size=size,
        totals=replace(totals, objective=run.objective),
        **tables,
    )


def _read_back(
    model: HavenModel,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """funding, capacity_added, coverage, assignments and coverage by group of the values on
    `model`."""
    solution = read_solution(model)
    funding, capacity, coverage = plan_tables(model, solution)
    groups = group_coverage_table(model.inputs, model.flows, solution.x)
    return funding, capacity, coverage, assignments_table(model, solution), groups


def _zeros() -> Any:
    import numpy as np

    return np.zeros(0)


def _relaxation(
    model: Any, run: SolverRun, solver: str, time_limit: float
) -> tuple[SolverRun, Any]:
    """The LP relaxation on the same model, for duals (the integer run itself when pure LP)."""
    if model.n_integer == 0:
        if solver == "highs" and model.problem.variables():
            relaxed_run = resolve_relaxed_highs(model, time_limit)
            return relaxed_run, read_solution(model) if relaxed_run.status == "optimal" else None
        return run, read_solution(model) if run.status == "optimal" else None
    if solver == "highs":
        relaxed_run = resolve_relaxed_highs(model, time_limit)
    else:
        integer = [v for v in model.problem.variables() if v.cat == "Integer"]
        for var in integer:
            var.cat = "Continuous"
        try:
            relaxed_run = run_solver(
                model, solver, time_limit_s=time_limit, mip_gap=0.0, relax=True
            )
        finally:
            for var in integer:
                var.cat = "Integer"
    # Duals and values only from a relaxation solved to the end: a stopped LP gives none.
    relaxed = read_solution(model) if relaxed_run.status == "optimal" else None
    return relaxed_run, relaxed


def _compare(totals: Totals, baselines: Baselines) -> tuple[Totals, dict[str, bool]]:
    """Cost per additional unit served, and the check that no baseline does better."""
    status_quo = baselines.totals("status_quo")
    if status_quo is not None and status_quo.served is not None and totals.served is not None:
        extra = totals.served - status_quo.served
        totals = replace(
            totals,
            served_beyond_status_quo=extra,
            cost_per_additional_unit_served=totals.money_spent / extra if extra > 1e-9 else None,
        )
    checks = {}
    for result in baselines:
        if result.totals is None:
            continue
        other = result.totals.primary_objective
        slack = 1e-6 * max(1.0, abs(other))
        checks[result.name] = bool(totals.primary_objective <= other + slack)
    return totals, checks
