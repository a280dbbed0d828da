r"""The plan's years (MODEL.md "Years and grant windows", issue 20): the "keep coverage flat"
variant and the hook that adds it to a plan.

With a horizon above 12 months and funders with windows (planner.years.applies), the plan
itself is made year by year: `planner.optimise.inputs.prepare_inputs` sets
`ModelInputs.years`, and the one model (`planner.optimise.model.build_model`) has capacity
in operation per year k[a,s,y], money per funder and year g[f,a,s,y] within each funder's
window, an opening paid once, growth per year within the expansion limit; groups,
interpretation, pathways, wait caps and floors are its rows as for any plan. The plan's
years (`Plan.years`, planner.years.YearsResult) are read from the plan's own solution
(`planner.optimise.readback.plan_years`).

What this module adds:
- `flat_variant`: the same full model (the plan's final inputs: pathways' status quo and
  wait caps included) with every year's coverage at least the first year's and new money
  (`BRIDGE`, any pair and year, outside the budgets) priced above anything it serves, so it
  pays only what the grants cannot. Solved as its LP relaxation (whole beds not enforced: it
  prices the flat line, it is not a plan to fund) by HiGHS's interior point method.
- `with_years`: the hook in `planner.optimise.solve.solve` that adds the variant to a plan
  with years (a plan of one horizon is returned as it is).
- `solve_years`: the plan's model of prepared inputs with `windows`, solved and read per
  year (the hand-solved tests and the benchmark use it without a package).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.optimise.inputs import ModelInputs, _blocks
from planner.optimise.model import BRIDGE, LATER_MONEY, build_model
from planner.optimise.readback import plan_years, read_solution
from planner.optimise.solvers import run_solver
from planner.years import (
    BY_YEAR_COLUMNS,
    CAPACITY_COLUMNS,
    CLIFF_COLUMNS,
    FUNDING_COLUMNS,
    FlatCoverage,
    Window,
    YearsResult,
    year_inputs,
)

if TYPE_CHECKING:
    from planner.optimise.plan import Plan
    from planner.optimise.solve import SolveOptions
    from planner.package import CityPackage
    from planner.scenario import Scenario

__all__ = ["BRIDGE", "LATER_MONEY", "flat_variant", "solve_years", "with_years"]

YEARS_MIP_GAP = 1e-3
"""The flat variant's relative gap at most (the plan's own when smaller)."""


def with_years(
    package: CityPackage,
    inputs: ModelInputs,
    plan: Plan,
    options: SolveOptions,
    scenario: Scenario,
) -> Plan:
    """The plan with its "keep coverage flat" variant when it has years (the plan's own
    years are read from its solution by the solve); a plan of one horizon unchanged."""
    years = plan.years
    if years is None or not plan.has_plan:
        return plan
    started = time.perf_counter()
    flat = None
    if len(years.by_year) > 1:
        flat = flat_variant(
            years.inputs if years.inputs is not None else inputs,
            years,
            time_limit_s=options.time_limit_s or scenario.time_limit_s,
            mip_gap=min(options.mip_gap, YEARS_MIP_GAP),
        )
    # the years are the plan's: its status (a plan stopped at its time limit) is theirs
    years = replace(years, status=plan.status, flat=flat, inputs=None)
    times = {**plan.times, "years_flat": time.perf_counter() - started}
    return replace(plan, years=years, times=times)


def flat_variant(
    inputs: ModelInputs, years: YearsResult, *, time_limit_s: float, mip_gap: float
) -> FlatCoverage:
    """Every year's coverage at least the plan's first year's, with new money where the
    grants cannot pay (the module's docstring)."""
    target = float(years.by_year["coverage"].iloc[0])
    if not np.isfinite(target):
        return FlatCoverage("not_solved", None, None, None, None)
    model = build_model(inputs, flat_target=target)
    run = run_solver(
        model,
        "highs",
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
        relax=True,
        highs_options={"solver": "ipm"},  # 3x faster than simplex on this LP (years.md)
    )
    if not run.has_plan:
        return FlatCoverage(run.status, target, None, None, None)
    flat = plan_years(model, read_solution(model))
    funding = flat.funding
    money = float(funding["amount"].sum())
    bridge = float(funding.loc[funding["funder_id"] == BRIDGE, "amount"].sum())
    return FlatCoverage(
        status=run.status,
        target=target,
        money=money,
        bridge_money=bridge,
        extra_cost=money - float(years.by_year["money"].sum()),
        by_year=flat.by_year,
    )


def solve_years(
    inputs: ModelInputs,
    windows: Mapping[str, Window],
    *,
    time_limit_s: float = 120.0,
    mip_gap: float = 1e-6,
    flat: bool = True,
) -> YearsResult:
    """The plan's model of `inputs` with the funders' `windows` (blocks cut per year), solved
    with HiGHS and read per year, with its flat variant when `flat`. For inputs built
    without a package (tests, the benchmark); `planner.optimise.solve` plans a package."""
    started = time.perf_counter()
    with_windows = _with_windows(inputs, windows)
    model = build_model(with_windows)
    run = run_solver(model, "highs", time_limit_s=time_limit_s, mip_gap=mip_gap)
    if not run.has_plan:
        return YearsResult(
            status=run.status,
            objective=None,
            size=model.size(),
            by_year=pd.DataFrame(columns=BY_YEAR_COLUMNS),
            capacity=pd.DataFrame(columns=CAPACITY_COLUMNS),
            funding=pd.DataFrame(columns=FUNDING_COLUMNS),
            cliffs=pd.DataFrame(columns=CLIFF_COLUMNS),
            shares=with_windows.years.shares if with_windows.years is not None else pd.DataFrame(),
            solve_s=time.perf_counter() - started,
        )
    years = plan_years(model, read_solution(model))
    years = replace(years, status=run.status, objective=run.objective)
    flat_result = None
    if flat and len(years.by_year) > 1:
        flat_result = flat_variant(
            with_windows, years, time_limit_s=time_limit_s, mip_gap=max(mip_gap, 0.0)
        )
    return replace(years, flat=flat_result, inputs=None, solve_s=time.perf_counter() - started)


def _with_windows(inputs: ModelInputs, windows: Mapping[str, Window]) -> ModelInputs:
    """`inputs` with the years of `windows` and blocks that never cross a year."""
    funders = {f: windows.get(f, (None, None)) for f in inputs.funder_budget}
    years = year_inputs(inputs.horizon_months, funders, inputs.periods)
    aggregate = inputs.pathways is None
    block_demand, blocks = _blocks(
        inputs.demand, aggregate, year_of=years.year_of() if years is not None else None
    )
    return replace(inputs, years=years, block_demand=block_demand, blocks=blocks)
