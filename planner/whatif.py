"""What a closure does (../shared/MODEL.md "What-ifs per agency").

`what_if(package, scenario)` plans the scenario twice on the same demand: as it is (its
`closed` and `locked` in force: c0 = 0 and no k where closed, no k where locked) and without
them, and reports

- per district: the unmet demand and the distance travelled (units x km) the closure adds;
- who takes the demand: per agency and service, the units it serves with the closure beyond
  what it serves without (and what the closed agencies served);
- the money that would bridge it: the least spending at which the plan with the closure
  leaves no more weighted unmet demand than the plan without it, by an exact solve with the
  budget lifted (not the shadow price, which holds for one more step of money only), less
  the scenario's budget; None when no money can (expansion limits, radii).

Nothing is stored: the package is read, never written (a test reads the audit log and the
repository after a what-if). Codes and numbers only; words in reports.whatif.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pulp

from planner.demand import horizon_demand
from planner.optimise import SolveOptions, solve
from planner.optimise.inputs import prepare_inputs
from planner.optimise.model import MONEY_UNIT, build_model
from planner.optimise.solvers import run_solver

if TYPE_CHECKING:
    from planner.optimise.plan import Plan
    from planner.package import CityPackage
    from planner.scenario import Scenario

DISTRICT_COLUMNS = [
    "district_id",
    "unmet_without",
    "unmet_with",
    "unmet_added",
    "unit_km_without",
    "unit_km_with",
    "unit_km_added",
]
TAKERS_COLUMNS = ["agency_id", "service_id", "served_without", "served_with", "taken"]


@dataclass(frozen=True, eq=False)
class WhatIf:
    """The scenario with its closures (`with_closure`) against the same without them.

    `districts`: DISTRICT_COLUMNS (units over the horizon; unit_km = units x km);
    `takers`: TAKERS_COLUMNS, agencies serving more with the closure (taken > 0), and the
    closed ones (served_with 0); `bridge_money`: extra money beyond the scenario's budget
    that serves as well as without the closure (0: the budget suffices; None: no money can,
    or not found in time), `bridge_method` says how it was found."""

    scenario: Scenario
    closed: tuple[str, ...]
    locked: tuple[str, ...]
    with_closure: Plan
    without: Plan
    districts: pd.DataFrame
    takers: pd.DataFrame
    bridge_money: float | None
    bridge_status: str
    bridge_method: str = "exact solve, budget lifted, weighted unmet held at the plan's without"
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def unmet_added(self) -> float:
        return float(self.districts["unmet_added"].sum())

    @property
    def unit_km_added(self) -> float:
        return float(self.districts["unit_km_added"].sum())

    def to_dict(self) -> dict[str, Any]:
        from planner.queues import _records

        return {
            "closed": list(self.closed),
            "locked": list(self.locked),
            "unmet_added": self.unmet_added,
            "unit_km_added": self.unit_km_added,
            "bridge_money": self.bridge_money,
            "bridge_status": self.bridge_status,
            "bridge_method": self.bridge_method,
            "districts": _records(self.districts),
            "takers": _records(self.takers),
            "with_closure": self.with_closure.summary(),
            "without": self.without.summary(),
        }


def what_if(
    package: CityPackage,
    scenario: Scenario,
    *,
    demand: pd.DataFrame | None = None,
    options: SolveOptions | None = None,
) -> WhatIf:
    """Plan `scenario` with and without its `closed` and `locked` (module docstring)."""
    options = options or SolveOptions()
    scenario.ensure_valid_for(package)
    if demand is None:
        demand = horizon_demand(package, scenario)
    open_scenario = scenario.model_copy(update={"closed": [], "locked": []})
    with_closure = solve(package, scenario, demand=demand, options=options)
    without = solve(package, open_scenario, demand=demand, options=options)
    districts = district_changes(with_closure, without)
    takers = who_takes(with_closure, without, scenario)
    money, status = bridge_money(package, scenario, demand, without, options)
    return WhatIf(
        scenario=scenario,
        closed=tuple(scenario.closed),
        locked=tuple(scenario.locked),
        with_closure=with_closure,
        without=without,
        districts=districts,
        takers=takers,
        bridge_money=money,
        bridge_status=status,
    )


def _unit_km(plan: Plan) -> pd.Series:
    assignments = plan.assignments
    if len(assignments) == 0:
        return pd.Series(dtype=float)
    units = assignments["served_per_month"].astype(float) * assignments["months"].astype(float)
    km = assignments["dist_km"].astype(float).fillna(0.0)
    return (units * km).groupby(assignments["district_id"].astype(str)).sum()


def district_changes(with_closure: Plan, without: Plan) -> pd.DataFrame:
    """Unmet demand and distance per district, with and without the closure."""
    unmet_with = with_closure.coverage.groupby("district_id")["unmet"].sum()
    unmet_without = without.coverage.groupby("district_id")["unmet"].sum()
    km_with, km_without = _unit_km(with_closure), _unit_km(without)
    index = unmet_with.index.union(unmet_without.index).astype(str)
    frame = pd.DataFrame(
        {
            "district_id": index,
            "unmet_without": unmet_without.reindex(index).fillna(0.0).to_numpy(float),
            "unmet_with": unmet_with.reindex(index).fillna(0.0).to_numpy(float),
            "unit_km_without": km_without.reindex(index).fillna(0.0).to_numpy(float),
            "unit_km_with": km_with.reindex(index).fillna(0.0).to_numpy(float),
        }
    )
    frame["unmet_added"] = frame["unmet_with"] - frame["unmet_without"]
    frame["unit_km_added"] = frame["unit_km_with"] - frame["unit_km_without"]
    return (
        frame[DISTRICT_COLUMNS]
        .sort_values(["unmet_added", "district_id"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )


def _served(plan: Plan) -> pd.Series:
    assignments = plan.assignments
    if len(assignments) == 0:
        return pd.Series(dtype=float)
    units = assignments["served_per_month"].astype(float) * assignments["months"].astype(float)
    keys = [assignments["agency_id"].astype(str), assignments["service_id"].astype(str)]
    return units.groupby(keys).sum()


def who_takes(with_closure: Plan, without: Plan, scenario: Scenario) -> pd.DataFrame:
    """Agencies that serve more with the closure, and the closed ones, per service."""
    served_with, served_without = _served(with_closure), _served(without)
    index = served_with.index.union(served_without.index)
    frame = pd.DataFrame(
        {
            "agency_id": index.get_level_values(0).astype(str),
            "service_id": index.get_level_values(1).astype(str),
            "served_without": served_without.reindex(index).fillna(0.0).to_numpy(float),
            "served_with": served_with.reindex(index).fillna(0.0).to_numpy(float),
        }
    )
    frame["taken"] = frame["served_with"] - frame["served_without"]
    closed = np.zeros(len(frame), dtype=bool)
    for agency_id, service_id in scenario.closed_or_locked("closed"):
        hit = frame["agency_id"].to_numpy() == agency_id
        if service_id is not None:
            hit &= frame["service_id"].to_numpy() == service_id
        closed |= hit
    # who takes the demand: agencies serving more of a service the closures touch (the rest
    # of the plan may shift too, along pathways or for the budget, but that is not "taking")
    touched = set(frame.loc[closed, "service_id"])
    for agency_id, service_id in scenario.closed_or_locked("locked"):
        touched |= (
            {service_id}
            if service_id
            else set(frame.loc[frame["agency_id"] == agency_id, "service_id"])
        )
    keep = closed | ((frame["taken"] > 1e-6) & frame["service_id"].isin(touched))
    return (
        frame[keep][TAKERS_COLUMNS]
        .sort_values(["taken", "agency_id"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )


def bridge_money(
    package: CityPackage,
    scenario: Scenario,
    demand: pd.DataFrame,
    without: Plan,
    options: SolveOptions,
) -> tuple[float | None, str]:
    """The least extra money (beyond the scenario's budget) with which the plan with the
    closure leaves no more weighted unmet demand than `without`: minimise sum g with the
    budgets lifted and sum w u <= the plan's without; (None, status) when no plan does."""
    if not without.has_plan or without.totals.weighted_unmet is None:
        return None, "no_plan_without"
    inputs = prepare_inputs(package, scenario, demand, aggregate_periods=options.aggregate_periods)
    model = build_model(inputs, floor="none", budget="unlimited")
    weight = inputs.services["weight"].astype(float)
    cells = model.cells
    u_coef = cells["months"].to_numpy(float) * weight.reindex(cells["service_id"]).to_numpy(float)
    target = float(without.totals.weighted_unmet)
    terms = dict(zip(model.u, u_coef.tolist(), strict=True))
    model.add("bridge", "bridge", terms, pulp.LpConstraintLE, target * (1 + 1e-6) + 1e-6)
    model.problem.setObjective(pulp.LpAffineExpression(dict.fromkeys(model.g, 1.0)))
    limit = float(options.time_limit_s or scenario.time_limit_s)
    run = run_solver(model, "highs", time_limit_s=limit, mip_gap=options.mip_gap)
    if not run.has_plan:
        return None, run.status
    spent = sum(float(var.varValue or 0.0) for var in model.g) * MONEY_UNIT
    return max(spent - inputs.total_budget, 0.0), run.status
