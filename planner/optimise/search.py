"""The search for a plan on one HiGHS model, every step with its own time budget.

The PuLP model is handed to HiGHS once (`hand_over`); every step after that changes the kept
model in place and solves it again from the last basis:

1. the LP relaxation: the bound on any plan, the duals the diagnosis reads, and the same LP
   with one more step of money (where the next money goes);
2. the baselines (planner.baselines): capacity fixed to each rule's units, routing solved;
3. the relaxation rounded (whole units down, services opened where units are added) and
   solved again with those fixed: a plan near the bound;
4. the best of 2 and 3 is the plan when it is within the MIP gap of the bound; otherwise it
   is the MIP's starting point, and the MIP's plan is kept only where it is better.

So a plan is never worse than a baseline (each baseline is a candidate), and a step that
stops at its time limit gives no figure: the diagnosis is left out, a baseline is reported
as unfinished, and the plan found so far is kept with its gap, each said by a finding.
Used for HiGHS when the baselines can be evaluated on the plan's own model (soft or no
equity floor); `planner.optimise.solve` falls back to separate models otherwise.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from planner import baselines as baseline_rules
from planner import explain
from planner import findings as F
from planner.findings import BaselineResult, Baselines, Finding, Totals
from planner.optimise.highs import HighsResult, KeptModel, hand_over, highs_version
from planner.optimise.model import HavenModel, capacity_values, k_column, n_grow, n_years
from planner.optimise.readback import (
    Solution,
    group_coverage_table,
    plan_tables,
    plan_totals,
    read_solution,
    solution_from_values,
)
from planner.optimise.solvers import SolverRun, highs_run
from planner.optimise.warm import Basis, BasisStore, data_key, keep_basis, kept_basis

#: Whole units are rounded down from the relaxation with this tolerance (0.9999999 -> 1).
ROUNDING_TOLERANCE = 1e-6

#: The least time each LP the plan is judged by (the relaxation, a baseline, a rounding) has
#: of its own, however short the search's limit: a plan found in 0.3 s is still compared with
#: its baselines and its bound, never shown without them.
MIN_LP_SECONDS = 10.0


@dataclass(eq=False)
class Candidate:
    """A plan the search found: where it came from, its objective and every column's value."""

    source: str  # "rounded", "mip", or a baseline's name
    objective: float
    values: np.ndarray


@dataclass(eq=False)
class SearchResult:
    """What the search gives `solve_inputs`: the chosen plan's run (its values are on the
    PuLP variables), the relaxation for the diagnosis (the PuLP constraints hold its duals),
    the baselines, and the findings of any step that did not finish."""

    run: SolverRun
    source: str | None = None
    relaxed_run: SolverRun | None = None
    relaxed: Solution | None = None
    more_money: np.ndarray | None = None
    baselines: Baselines = field(default_factory=Baselines)
    coverages: dict[str, pd.DataFrame] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    times: dict[str, float] = field(default_factory=dict)


def search(
    model: HavenModel,
    *,
    time_limit_s: float,
    mip_gap: float,
    diagnostics: bool = True,
    baselines: bool = True,
    highs_options: dict[str, object] | None = None,
    bases: BasisStore | None = None,
) -> SearchResult:
    """Find the plan of `model` with HiGHS, as the module says. `time_limit_s` is the MIP's
    own budget; each LP step has max(`time_limit_s`, `MIN_LP_SECONDS`) of its own."""
    version = highs_version()
    if not model.columns():
        empty = SolverRun("optimal", "highs", version, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, "empty model")
        return SearchResult(run=empty, source="mip")
    times = {"handover": hand_over(model, mip_gap=mip_gap, options=highs_options or {})}
    kept = KeptModel(model)
    integers = [v for v in model.columns() if v.cat == pulp.LpInteger]
    kept.relax_integers()
    warm_key, warm = _warm_start(model, kept, bases)
    lp_seconds = max(time_limit_s, MIN_LP_SECONDS)
    candidates: list[Candidate] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The baselines need no relaxation: they run on a copy of the LP in another thread
        # (HiGHS runs without Python's lock) while this one solves the relaxation, the
        # diagnosis and the rounding.
        started = time.perf_counter()
        fixed = [
            (name, capacity_values(model, baseline_rules.baseline_units(model.inputs, name)))
            for name in (baseline_rules.BASELINES if baselines else ())
        ]
        twin = kept.copy() if fixed else None
        if twin is not None and warm is not None:
            twin.set_basis(warm)
        starts = {name: kept_basis(f"{warm_key}:{name}", bases) for name, _ in fixed}
        pending = pool.submit(_baseline_runs, twin, fixed, lp_seconds, starts) if twin else None
        lp, lp_values, result = _relaxation(
            model, kept, lp_seconds, diagnostics, lambda basis: keep_basis(warm_key, basis, bases)
        )
        if lp_values is not None and integers:
            started_rounding = time.perf_counter()
            lp_bound = float(lp.objective or 0.0)
            candidates += _rounded(
                model, kept, lp_values, lp_seconds, lambda value: _gap(value, lp_bound) <= mip_gap
            )
            result.times["rounding"] = time.perf_counter() - started_rounding
        if pending is not None:
            runs = pending.result()
            _keep_bases(runs, warm_key, bases)
            result.baselines = _baselines(model, runs, candidates, result.coverages)
            result.findings += tuple(
                Finding(F.BASELINE_UNFINISHED, baseline=b.name, limit=lp_seconds)
                for b in result.baselines
                if b.totals is None
            )
            result.times["baselines"] = time.perf_counter() - started
    result.times = {**times, **result.times}
    if lp.status == "infeasible":  # no plan at all: nothing else to try
        return result
    _free(model, kept)
    if lp_values is not None and not integers:  # a pure LP: the relaxation is the plan
        candidates = [Candidate("mip", float(lp.objective or 0.0), lp_values)]
    best = min(candidates, key=lambda c: c.objective, default=None)
    bound = lp.objective if lp.optimal else None
    mip: HighsResult | None = None
    if integers and (best is None or bound is None or _gap(best.objective, bound) > mip_gap):
        started = time.perf_counter()
        mip, best = _mip(kept, integers, best, time_limit_s)
        result.times["mip"] = time.perf_counter() - started
    if best is None:  # neither the MIP nor any rule found a plan in time
        result.run = highs_run(mip if mip is not None else lp)
        return result
    result.source = best.source
    kept.write_values(best.values)
    result.run = _chosen(best, bound, mip, mip_gap, version)
    if result.run.status == "time_limit" and best.source in baseline_rules.BASELINES:
        result.findings += (Finding(F.PLAN_IS_BASELINE, baseline=best.source, limit=time_limit_s),)
    return result


def _warm_start(
    model: HavenModel, kept: KeptModel, bases: BasisStore | None
) -> tuple[str, Basis | None]:
    """The relaxation (and the baselines' copy) start from the basis of an earlier plan of
    the same data (planner.optimise.warm), kept in the process and in `bases`: its key and
    the basis set on `kept`, if any."""
    key = f"{data_key(model.inputs)}:{len(model.columns())}x{len(model.constraints)}"
    warm = kept_basis(key, bases)
    if warm is not None and not kept.set_basis(warm):
        warm = None
    return key, warm


def _keep_bases(runs: list[_BaselineRun], key: str, bases: BasisStore | None) -> None:
    """Each finished baseline's basis, for the next plan's same baseline to start from."""
    for run in runs:
        if run.basis is not None:
            keep_basis(f"{key}:{run.name}", run.basis, bases)


def _relaxation(
    model: HavenModel,
    kept: KeptModel,
    seconds: float,
    diagnostics: bool,
    keep: Callable[[Basis], None],
) -> tuple[HighsResult, np.ndarray | None, SearchResult]:
    """The LP relaxation (its values when solved; its basis to `keep`) and, with
    `diagnostics`, what it says."""
    started = time.perf_counter()
    lp = _timed(kept, seconds)
    basis = kept.basis() if lp.optimal else None
    if basis is not None:
        keep(basis)
    times = {"relaxation": time.perf_counter() - started}
    result = SearchResult(run=highs_run(lp), relaxed_run=highs_run(lp), times=times)
    if lp.status == "infeasible":
        return lp, None, result
    lp_values = kept.values() if lp.optimal else None
    if diagnostics:
        _diagnose(model, kept, result, seconds, solved=lp.optimal)
    return lp, lp_values, result


def _diagnose(
    model: HavenModel, kept: KeptModel, result: SearchResult, seconds: float, *, solved: bool
) -> None:
    """The relaxation's values and duals on the PuLP model, and the same LP with one more
    step of money; a finding instead when the relaxation did not finish."""
    if not solved:
        result.findings += (Finding(F.DIAGNOSIS_UNFINISHED, limit=seconds),)
        return
    started = time.perf_counter()
    kept.read_back()
    result.relaxed = read_solution(model)
    result.more_money = explain.unmet_with_more_money(model, "highs", time_limit_s=seconds)
    result.times["diagnosis"] = time.perf_counter() - started


def _mip(
    kept: KeptModel, integers: list[pulp.LpVariable], best: Candidate | None, seconds: float
) -> tuple[HighsResult, Candidate | None]:
    """The MIP from the best plan so far; its plan replaces that one only where better."""
    kept.restore_integers(integers)
    if best is not None:
        kept.set_start(best.values)
    mip = _timed(kept, seconds, relaxed=False)
    if mip.objective is not None and (best is None or mip.objective < best.objective - 1e-9):
        best = Candidate("mip", mip.objective, kept.values())
    return mip, best


def _timed(kept: KeptModel, seconds: float, *, relaxed: bool = True) -> HighsResult:
    kept.set_time_limit(seconds)
    return kept.solve(relaxed=relaxed)


@dataclass(frozen=True, eq=False)
class _BaselineRun:
    name: str
    status: str
    objective: float | None
    values: np.ndarray | None
    basis: Basis | None = None


def _baseline_runs(
    twin: KeptModel,
    fixed: list[tuple[str, list[tuple[pulp.LpVariable, float]]]],
    seconds: float,
    starts: dict[str, Basis | None],
) -> list[_BaselineRun]:
    """Each baseline's capacity columns fixed on `twin` (a copy of the LP) and solved, from
    its basis in an earlier plan of the same data when `starts` has one, else warm from the
    last baseline's: HiGHS calls only, for another thread."""
    runs = []
    for name, columns in fixed:
        twin.fix_columns(columns)
        start = starts.get(name)
        if start is not None:
            twin.set_basis(start)
        run = _timed(twin, seconds)
        solved = run.optimal and run.objective is not None
        values = twin.values() if solved else None
        basis = twin.basis() if solved else None
        objective = run.objective if solved else None
        runs.append(_BaselineRun(name, run.status, objective, values, basis))
    return runs


def _baselines(
    model: HavenModel,
    runs: list[_BaselineRun],
    candidates: list[Candidate],
    coverages: dict[str, pd.DataFrame],
) -> Baselines:
    """The baselines' totals (and coverage) from their runs; each finished one is a
    candidate plan too."""
    inputs = model.inputs
    results = []
    for run in runs:
        if run.values is None or run.objective is None:
            results.append(BaselineResult(run.name, run.status))
            continue
        candidates.append(Candidate(run.name, run.objective, run.values))
        solution = solution_from_values(model, run.values)
        funding, capacity, coverage = plan_tables(model, solution)
        groups = group_coverage_table(inputs, model.flows, solution.x)
        totals = plan_totals(inputs, funding, capacity, coverage, groups)
        totals = {**totals, "objective": run.objective}
        results.append(BaselineResult(run.name, "optimal", Totals.from_dict(totals)))
        coverages[run.name] = coverage
    return Baselines(tuple(results))


def _rounded(
    model: HavenModel,
    kept: KeptModel,
    lp_values: np.ndarray,
    time_limit_s: float,
    good_enough: Callable[[float], bool],
) -> list[Candidate]:
    """The relaxation's whole units rounded (to the nearest, then down) and fixed, each new
    service opened where units are added, the rest solved again: a plan per rounding, until
    one is `good_enough`."""
    found = []
    for rounding in (_nearest, _down):
        fixed = _rounded_columns(model, lp_values, rounding)
        _free(model, kept)
        kept.fix_columns(fixed)
        run = _timed(kept, time_limit_s)
        if run.optimal and run.objective is not None:
            found.append(Candidate("rounded", run.objective, kept.values()))
            if good_enough(run.objective):
                break
    return found


def _nearest(value: float) -> float:
    return float(math.floor(value + 0.5))


def _down(value: float) -> float:
    return float(math.floor(value + ROUNDING_TOLERANCE))


def _rounded_columns(
    model: HavenModel, lp_values: np.ndarray, rounding: Callable[[float], float]
) -> list[tuple[pulp.LpVariable, float]]:
    """Integer columns at their rounded relaxed values: whole units by `rounding`, a new
    service opened where whole units are added, or (for a continuous service) by `rounding`
    of its relaxed opening."""
    fixed: list[tuple[pulp.LpVariable, float]] = []
    if model.inputs.years is not None:
        return _rounded_by_year(model, lp_values, rounding)
    for pos, var in enumerate(model.k):
        opening = model.y.get(pos)
        if var.cat == pulp.LpInteger:
            value = rounding(lp_values[var.index])
            fixed.append((var, value))
            if opening is not None:
                fixed.append((opening, 1.0 if value > 0 else 0.0))
        elif opening is not None:
            fixed.append((opening, min(1.0, rounding(lp_values[opening.index]))))
    return fixed


def _rounded_by_year(
    model: HavenModel, lp_values: np.ndarray, rounding: Callable[[float], float]
) -> list[tuple[pulp.LpVariable, float]]:
    """With years (issue 20): each year's whole units by `rounding`; a new service opened
    once, in the first year with whole units (or, for a continuous service, the first year
    its relaxed openings so far round to one), never after."""
    width = n_grow(model)
    fixed: list[tuple[pulp.LpVariable, float]] = []
    for pos in range(width):
        columns = [k_column(model, pos, year, width) for year in range(1, n_years(model) + 1)]
        opened, so_far = False, 0.0
        for column in columns:
            var, opening = model.k[column], model.y.get(column)
            value = None
            if var.cat == pulp.LpInteger:
                value = rounding(lp_values[var.index])
                fixed.append((var, value))
            if opening is None:
                continue
            so_far += float(lp_values[opening.index])
            wanted = value > 0 if value is not None else rounding(so_far) >= 1.0
            opens = wanted and not opened
            opened = opened or opens
            fixed.append((opening, 1.0 if opens else 0.0))
    return fixed


def _free(model: HavenModel, kept: KeptModel) -> None:
    """The capacity columns back to their own bounds (after a baseline fixed them)."""
    variables = list(model.k) + list(model.y.values())
    kept.set_column_bounds(
        variables,
        [v.lowBound if v.lowBound is not None else -np.inf for v in variables],
        [v.upBound if v.upBound is not None else np.inf for v in variables],
    )


def _gap(objective: float, bound: float) -> float:
    return abs(objective - bound) / max(abs(objective), 1e-10) if objective else 0.0


def _chosen(
    best: Candidate, bound: float | None, mip: HighsResult | None, mip_gap: float, version: str
) -> SolverRun:
    """The run of the chosen plan: optimal when within the gap of the best bound known."""
    bounds = [b for b in (bound, mip.bound if mip is not None else None) if b is not None]
    best_bound = max(bounds) if bounds else None
    gap = _gap(best.objective, best_bound) if best_bound is not None else None
    if mip is not None and mip.optimal and best.source == "mip":
        status, gap = "optimal", mip.gap
    elif gap is not None and gap <= mip_gap + 1e-12:
        status = "optimal"
    else:
        status = "time_limit"
    message = mip.message if mip is not None else ("Optimal" if status == "optimal" else "")
    return SolverRun(
        status=status,
        solver="highs",
        version=version,
        objective=best.objective,
        bound=best_bound,
        gap=gap,
        handover_s=0.0,
        solve_s=0.0,
        readback_s=0.0,
        message=message,
    )


__all__ = ["Candidate", "SearchResult", "search"]
