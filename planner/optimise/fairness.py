"""Group floors: their price, and why a hard one cannot hold (MODEL.md "Population groups").

The price of fairness of a group floor in force is what it costs everyone else: the same
scenario is solved again without that floor (no baselines, no diagnosis), and the plan's
weighted unmet demand is compared with that solve's. The difference is in weighted units of
unmet demand, and in money at the budget's shadow price (the weighted units one more unit of
money removes, from the plan's LP relaxation): the money that would serve as much elsewhere.
No shadow price (the budget does not limit the plan, or the diagnosis did not run): no money.

`group_floor_problems` says, before any solver, why a hard group floor cannot hold: no
accepting agency within reach of enough of the group's demand, or not enough capacity at
the accepting agencies even if they added all they may. Codes and values only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from planner import findings as F
from planner.findings import Finding
from planner.optimise.inputs import ModelInputs

if TYPE_CHECKING:
    from planner.optimise.plan import Plan
    from planner.optimise.solve import SolveOptions
    from planner.scenario import Scenario

#: Below this many weighted units per unit of money the budget is taken not to limit the plan.
SHADOW_TOLERANCE = 1e-12
MAX_DISTRICTS = 3


@dataclass(frozen=True)
class FairnessPrice:
    """What one group floor costs: `units` of weighted unmet demand more than without it
    (0 when it costs nothing), `money` at the budget's shadow price (None: no price), and
    the group's own demand served with and without the floor (units over the horizon)."""

    population_id: str
    floor: float
    units: float | None
    money: float | None
    group_served: float | None
    group_served_without: float | None
    group_demand: float | None
    status_without: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "population_id": self.population_id,
            "floor": self.floor,
            "units": self.units,
            "money": self.money,
            "group_served": self.group_served,
            "group_served_without": self.group_served_without,
            "group_demand": self.group_demand,
            "status_without": self.status_without,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FairnessPrice:
        return cls(
            population_id=str(data.get("population_id", "")),
            floor=float(data.get("floor") or 0.0),
            units=data.get("units"),
            money=data.get("money"),
            group_served=data.get("group_served"),
            group_served_without=data.get("group_served_without"),
            group_demand=data.get("group_demand"),
            status_without=str(data.get("status_without", "")),
        )


def floors_in_force(inputs: ModelInputs) -> list[str]:
    """The groups with a floor above 0 and demand in the plan's horizon."""
    cohorts = inputs.cohorts
    if not cohorts.grouped or not cohorts.group_floors:
        return []
    present = set(cohorts.group_demand.loc[cohorts.group_demand["demand"] > 0, "population"])
    return [p for p, beta in sorted(cohorts.group_floors.items()) if beta > 0 and p in present]


def without_floor(inputs: ModelInputs, population_id: str) -> ModelInputs:
    floors = {p: b for p, b in inputs.cohorts.group_floors.items() if p != population_id}
    return replace(inputs, cohorts=replace(inputs.cohorts, group_floors=floors))


def _group_totals(groups: pd.DataFrame, population_id: str) -> tuple[float, float]:
    mine = groups[groups["population"] == population_id]
    return float(mine["served"].sum()), float(mine["demand"].sum())


def price_of_fairness(
    inputs: ModelInputs,
    scenario: Scenario,
    options: SolveOptions,
    plan: Plan,
    solve_inputs: Callable[[ModelInputs, Scenario, SolveOptions], Plan],
) -> tuple[FairnessPrice, ...]:
    """The price of every group floor in force, each by a second solve without it."""
    if not plan.has_plan or plan.totals.weighted_unmet is None:
        return ()
    value = plan.diagnostics.budget_value
    per_money = value.per_unit_money if value is not None else 0.0
    quick = replace(options, baselines=False, diagnostics=False)
    prices = []
    for population_id in floors_in_force(inputs):
        served, demand = _group_totals(plan.coverage_by_group, population_id)
        other = solve_inputs(without_floor(inputs, population_id), scenario, quick)
        units: float | None = None
        served_without: float | None = None
        if other.has_plan and other.totals.weighted_unmet is not None:
            units = max(0.0, plan.totals.weighted_unmet - other.totals.weighted_unmet)
            served_without, _ = _group_totals(other.coverage_by_group, population_id)
        money = units / per_money if units is not None and per_money > SHADOW_TOLERANCE else None
        prices.append(
            FairnessPrice(
                population_id=population_id,
                floor=float(inputs.cohorts.group_floors[population_id]),
                units=units,
                money=money,
                group_served=served,
                group_served_without=served_without,
                group_demand=demand,
                status_without=other.status,
            )
        )
    return tuple(prices)


def group_floor_problems(inputs: ModelInputs) -> tuple[Finding, ...]:
    """Why the hard group floors cannot hold, floor by floor and service by service:
    `GROUP_FLOOR_NO_AGENCY` when too little of the group's demand has an accepting agency
    within reach, `GROUP_FLOOR_CAPACITY_SHORT` when the accepting agencies cannot serve
    enough even with every unit they may add."""
    cohorts = inputs.cohorts
    floors = {p: b for p, b in cohorts.group_floors.items() if b > 0}
    if not cohorts.grouped or not floors:
        return ()
    classes = cohorts.classes[cohorts.classes["floor_group"].isin(floors)]
    cells = inputs.block_demand.merge(
        classes[["service_id", "cohort", "floor_group"]], on=["service_id", "cohort"]
    )
    if cells.empty:
        return ()
    reach = inputs.arcs.merge(cohorts.access, on=["agency_id", "service_id"])
    found: list[Finding] = []
    for (service_id, population_id), mine in cells.groupby(
        ["service_id", "floor_group"], sort=True
    ):
        beta = floors[str(population_id)]
        links = reach.merge(
            mine[["district_id", "service_id", "cohort"]].drop_duplicates(),
            on=["district_id", "service_id", "cohort"],
        )
        total = float((mine["demand"] * mine["months"]).sum())
        if total <= 0:
            continue
        reached_cells = pd.MultiIndex.from_frame(links[["district_id", "cohort"]]).unique()
        keys = pd.MultiIndex.from_frame(mine[["district_id", "cohort"]])
        reachable = keys.isin(reached_cells)
        weight = (mine["demand"] * mine["months"]).to_numpy(float)
        share = float(weight[reachable].sum() / total)
        radius = float(cast(float, inputs.services.at[service_id, "radius_km"]))
        common: dict[str, Any] = {
            "population_id": str(population_id),
            "service_id": str(service_id),
            "floor": beta,
            "radius_km": None if np.isnan(radius) else radius,
            "share": share,
        }
        if share < beta - 1e-9:
            missing = mine[~reachable].groupby("district_id")["demand"].sum()
            districts = tuple(
                str(d) for d in missing.sort_values(ascending=False).index[:MAX_DISTRICTS]
            )
            found.append(Finding(F.GROUP_FLOOR_NO_AGENCY, district_ids=districts, **common))
            continue
        agencies = set(links["agency_id"])
        pairs = inputs.pairs[
            (inputs.pairs["service_id"] == service_id) & inputs.pairs["agency_id"].isin(agencies)
        ]
        most = float(pairs["c0"].sum() + pairs["m"].sum())
        served = (
            mine[reachable]
            .groupby("block")
            .agg(demand=("demand", "sum"), months=("months", "first"))
        )
        best = float((np.minimum(served["demand"], most) * served["months"]).sum() / total)
        if best < beta - 1e-9:
            found.append(
                Finding(
                    F.GROUP_FLOOR_CAPACITY_SHORT,
                    agency_ids=tuple(sorted(agencies)),
                    units=float(pairs["c0"].sum()),
                    limit=float(pairs["m"].sum()),
                    count=len(pairs),
                    **{**common, "share": best},
                )
            )
    return tuple(found)
