"""Reading a solved model back into the plan's tables and totals (only after a plan was found)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.optimise.cohorts import class_weights
from planner.optimise.inputs import EQUITY_WEIGHT, ModelInputs
from planner.optimise.model import (
    MONEY_UNIT,
    HavenModel,
    block_years,
    k_column,
    n_years,
    running_cost,
)

TOLERANCE = 1e-7
GROUP_COVERAGE_COLUMNS = [
    "district_id",
    "service_id",
    "population",
    "language",
    "demand",
    "served",
    "unmet",
    "coverage",
]


@dataclass(frozen=True, eq=False)
class Solution:
    """Variable values in the model's order (integers rounded)."""

    k: np.ndarray
    y: dict[int, float]
    g: np.ndarray
    x: np.ndarray
    u: np.ndarray
    v: dict[int, float]


def read_solution(model: HavenModel) -> Solution:
    def values(variables: list) -> np.ndarray:
        return np.array([v.varValue or 0.0 for v in variables], dtype=float)

    k = values(model.k)
    integer = np.array([v.cat == "Integer" for v in model.k], dtype=bool)
    if integer.any():
        k[integer] = np.round(k[integer])
    return Solution(
        k=np.clip(k, 0.0, None),
        y={i: round(v.varValue or 0.0) for i, v in model.y.items()},
        g=np.clip(values(model.g), 0.0, None) * MONEY_UNIT,
        x=np.clip(values(model.x), 0.0, None),
        u=np.clip(values(model.u), 0.0, None),
        v={i: max(v.varValue or 0.0, 0.0) for i, v in model.v.items()},
    )


def solution_from_values(model: HavenModel, values: np.ndarray) -> Solution:
    """As `read_solution`, from a vector of every column's value (`KeptModel.values()`)
    rather than from the PuLP variables."""

    def pick(variables: list) -> np.ndarray:
        return values[np.fromiter((v.index for v in variables), np.int64, len(variables))]

    k = pick(model.k)
    integer = np.array([v.cat == "Integer" for v in model.k], dtype=bool)
    if integer.any():
        k[integer] = np.round(k[integer])
    return Solution(
        k=np.clip(k, 0.0, None),
        y={i: round(float(values[v.index])) for i, v in model.y.items()},
        g=np.clip(pick(model.g), 0.0, None) * MONEY_UNIT,
        x=np.clip(pick(model.x), 0.0, None),
        u=np.clip(pick(model.u), 0.0, None),
        v={i: max(float(values[v.index]), 0.0) for i, v in model.v.items()},
    )


def plan_tables(
    model: HavenModel, solution: Solution
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """funding, capacity_added and coverage frames of a solution.

    With years (issue 20) the tables keep their columns: funding is each funder's money to a
    pair over the whole horizon (its years summed), capacity_added the most capacity in
    operation in any year, opened if opened in some year, at the cost paid over the horizon;
    the detail per year is `plan_years`."""
    inputs = model.inputs
    if inputs.years is not None:
        funding, capacity = _tables_by_year(model, solution)
        return funding, capacity, coverage_table(inputs, model.flows, solution.x)
    money = model.money.assign(amount=solution.g)
    funding = money.loc[
        money["amount"] > TOLERANCE * 1e3, ["funder_id", "agency_id", "service_id", "amount"]
    ]
    funding = funding.reset_index(drop=True)

    grow = model.pairs[model.pairs["k_pos"] >= 0]
    positions = grow["k_pos"].to_numpy(int)
    units = solution.k[positions] if len(positions) else np.zeros(0)
    opened = np.array([solution.y.get(int(p), 0) > 0.5 for p in positions], dtype=bool)
    capacity = pd.DataFrame(
        {
            "agency_id": grow["agency_id"].to_numpy(str),
            "service_id": grow["service_id"].to_numpy(str),
            "units": units,
            "opened": opened,
            "cost": units * grow["cost"].to_numpy(float)
            + opened * grow["open_cost"].to_numpy(float),
        }
    )
    capacity = capacity[(capacity["units"] > TOLERANCE) | capacity["opened"]].reset_index(drop=True)

    coverage = coverage_table(inputs, model.flows, solution.x)
    return funding, capacity, coverage


def _tables_by_year(model: HavenModel, solution: Solution) -> tuple[pd.DataFrame, pd.DataFrame]:
    by_year, funding = _by_year(model, solution)
    if len(funding):
        keys = ["funder_id", "agency_id", "service_id"]
        funding = funding.groupby(keys, sort=False)["amount"].sum().reset_index()
    else:
        funding = funding[["funder_id", "agency_id", "service_id", "amount"]]
    keys = ["agency_id", "service_id"]
    if len(by_year):
        grouped = by_year.groupby(keys, sort=False)
        capacity = grouped.agg(
            units=("units", "max"), opened=("opened", "any"), cost=("cost", "sum")
        )
        capacity = capacity.reset_index()
    else:
        capacity = pd.DataFrame(columns=[*keys, "units", "opened", "cost"])
    capacity = capacity.astype({"units": float, "opened": bool, "cost": float})
    capacity = capacity[(capacity["units"] > TOLERANCE) | capacity["opened"]].reset_index(drop=True)
    return funding.reset_index(drop=True), capacity


def _by_year(model: HavenModel, solution: Solution) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per pair and year: units in operation, opened, cost (running and opening); and the
    money per funder, pair and year (> 0)."""
    grow = model.pairs[model.pairs["k_pos"] >= 0]
    width = len(grow)
    records = []
    for year in range(1, n_years(model) + 1):
        for a, s, pos, cost, open_cost in zip(
            grow["agency_id"].astype(str),
            grow["service_id"].astype(str),
            grow["k_pos"].astype(int),
            grow["cost"].astype(float),
            grow["open_cost"].astype(float),
            strict=True,
        ):
            column = k_column(model, pos, year, width)
            units = float(solution.k[column])
            opened = solution.y.get(column, 0) > 0.5
            paid = units * running_cost(model, cost, year) + (open_cost if opened else 0.0)
            records.append((a, s, year, units, opened, paid))
    by_year = pd.DataFrame(
        records, columns=["agency_id", "service_id", "year", "units", "opened", "cost"]
    )
    money = model.money
    funding = pd.DataFrame(
        {
            "funder_id": money["funder_id"].astype(str).to_numpy(),
            "agency_id": money["agency_id"].astype(str).to_numpy(),
            "service_id": money["service_id"].astype(str).to_numpy(),
            "year": money["year"].to_numpy(int) if "year" in money else np.zeros(0, int),
            "amount": solution.g,
        }
    )
    funding = funding[funding["amount"] > TOLERANCE * 1e3].reset_index(drop=True)
    return by_year, funding


def plan_years(model: HavenModel, solution: Solution | None = None) -> Any:
    """The plan's years (planner.years.YearsResult) read from its own solution: capacity in
    operation, money, demand (induced along pathways included: served + unmet of the
    balance rows), served and coverage per year, the cliffs; None for a plan of one horizon.
    The "keep coverage flat" variant is added after (planner.optimise.years.with_years)."""
    from planner.years import BY_YEAR_COLUMNS, CAPACITY_COLUMNS, YearsResult, funding_cliffs

    years = model.inputs.years
    if years is None:
        return None
    if solution is None:
        solution = read_solution(model)
    table = year_table(model, solution)
    capacity, funding = _by_year(model, solution)
    capacity = capacity[CAPACITY_COLUMNS].reset_index(drop=True)
    cliffs = funding_cliffs(capacity, funding, years.shares)
    table["cliff_units"] = (
        table["year"].map(cliffs.groupby("year")["units"].sum()).fillna(0.0).astype(float)
    )
    objective = model.problem.objective.value() if model.problem.objective is not None else None
    return YearsResult(
        status="optimal",
        objective=objective,
        size=model.size(),
        by_year=table[BY_YEAR_COLUMNS],
        capacity=capacity,
        funding=funding,
        cliffs=cliffs,
        shares=years.shares,
        inputs=model.inputs,
    )


def year_table(model: HavenModel, solution: Solution) -> pd.DataFrame:
    """planner.years.BY_YEAR_COLUMNS of a solution (cliff_units 0: see `plan_years`)."""
    from planner.years import BY_YEAR_COLUMNS

    years = model.inputs.years
    assert years is not None
    of_block = block_years(model)
    flows, cells = model.flows, model.cells
    flow_year = np.array([of_block.get(str(b), 1) for b in flows["block"]], dtype=np.int64)
    cell_year = np.array([of_block.get(str(b), 1) for b in cells["block"]], dtype=np.int64)
    served = solution.x * flows["months"].to_numpy(float) if len(flows) else np.zeros(0)
    unmet = solution.u * cells["months"].to_numpy(float) if len(cells) else np.zeros(0)
    capacity, funding = _by_year(model, solution)
    records = []
    for year, months in enumerate(years.periods, start=1):
        year_served = float(served[flow_year == year].sum())
        demand = year_served + float(unmet[cell_year == year].sum())
        records.append(
            {
                "year": year,
                "first_period": months[0],
                "last_period": months[-1],
                "months": len(months),
                "capacity_units": float(capacity.loc[capacity["year"] == year, "units"].sum()),
                "money": float(funding.loc[funding["year"] == year, "amount"].sum()),
                "demand": demand,
                "served": year_served,
                "coverage": year_served / demand if demand > 0 else float("nan"),
                "cliff_units": 0.0,
            }
        )
    return pd.DataFrame(records, columns=BY_YEAR_COLUMNS)


def group_coverage_table(inputs: ModelInputs, flows: pd.DataFrame, x: np.ndarray) -> pd.DataFrame:
    """Demand, served, unmet and coverage per district, service, population and language over
    the horizon (`GROUP_COVERAGE_COLUMNS`); empty for a package without groups.

    A merged class's service is split among its members in proportion to their demand (they
    are interchangeable: that split is an optimal plan of the unmerged model too)."""
    cohorts = inputs.cohorts
    if not cohorts.grouped:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in GROUP_COVERAGE_COLUMNS}).astype(
            {c: str for c in GROUP_COVERAGE_COLUMNS[:4]}
        )
    keys = ["district_id", "service_id", "cohort"]
    served = (
        flows[keys]
        .assign(served=np.asarray(x, float) * flows["months"].to_numpy(float))
        .groupby(keys, sort=True)["served"]
        .sum()
    )
    members = cohorts.group_demand.groupby(
        [*keys, "population", "language"], sort=True, as_index=False
    )["demand"].sum()
    class_demand = members.groupby(keys)["demand"].transform("sum").to_numpy(float)
    class_served = served.reindex(pd.MultiIndex.from_frame(pd.DataFrame(members[keys])))
    class_served = class_served.fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(class_demand > 0, members["demand"].to_numpy(float) / class_demand, 0.0)
    frame = members.drop(columns="cohort")
    frame["served"] = np.minimum(class_served.to_numpy(float) * share, frame["demand"])
    frame["unmet"] = np.clip(frame["demand"] - frame["served"], 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["coverage"] = np.where(frame["demand"] > 0, frame["served"] / frame["demand"], np.nan)
    return pd.DataFrame(frame[GROUP_COVERAGE_COLUMNS]).reset_index(drop=True)


def group_floor_shortfall(inputs: ModelInputs, groups: pd.DataFrame) -> float:
    """W_eq-free weighted shortfall below the group floors: sum over floored groups and
    services of w[s] wp[p] max(0, unmet - (1 - beta) demand)."""
    floors = inputs.cohorts.group_floors
    if not floors or groups.empty:
        return 0.0
    by = (
        groups[groups["population"].isin(floors)]
        .groupby(["service_id", "population"])[["demand", "unmet"]]
        .sum()
    )
    if by.empty:
        return 0.0
    beta = by.index.get_level_values("population").map(floors).to_numpy(float)
    allowed = (1 - beta) * by["demand"].to_numpy(float)
    short = np.clip(by["unmet"].to_numpy(float) - allowed, 0, None)
    w = inputs.services["weight"].astype(float)
    weight = w.reindex(by.index.get_level_values("service_id")).to_numpy(float)
    wp = _population_weights(inputs)
    weight = weight * np.array([wp.get(p, 1.0) for p in by.index.get_level_values("population")])
    return float((short * weight).sum())


def _population_weights(inputs: ModelInputs) -> dict[str, float]:
    members = inputs.cohorts.members
    if members.empty:
        return {}
    first = members.drop_duplicates("population")
    return dict(zip(first["population"], first["weight"].astype(float), strict=True))


def assignments_table(model: HavenModel, solution: Solution) -> pd.DataFrame:
    """Who serves whom: district, agency, service, block of months, units per month (> 0)."""
    used = np.flatnonzero(solution.x > TOLERANCE)  # a few of the arcs: picked before copying
    flows = model.flows.iloc[used]
    frame = pd.DataFrame(
        {
            "district_id": flows["district_id"].astype(str).to_numpy(),
            "agency_id": flows["agency_id"].astype(str).to_numpy(),
            "service_id": flows["service_id"].astype(str).to_numpy(),
            "periods": flows["block"].astype(str).to_numpy(),
            "months": flows["months"].to_numpy(int),
            "served_per_month": solution.x[used],
            "dist_km": flows["dist_km"].to_numpy(float),
        }
    )
    return frame


def coverage_table(inputs: ModelInputs, flows: pd.DataFrame, x: np.ndarray) -> pd.DataFrame:
    """Demand, served, unmet and coverage per district and service over the horizon."""
    demand, positions = _cells(inputs, flows)
    weights = np.asarray(x, float) * flows["months"].to_numpy(float)
    served = np.bincount(positions, weights=weights, minlength=len(demand))[: len(demand)]
    served = np.minimum(served, demand.to_numpy(float))
    frame = demand.reset_index()
    frame["served"] = served
    frame["unmet"] = np.clip(frame["demand"] - frame["served"], 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["coverage"] = np.where(frame["demand"] > 0, frame["served"] / frame["demand"], np.nan)
    if inputs.cohorts.grouped and len(frame):
        frame["priority_unmet"] = _priority_unmet(inputs, flows, x, frame)
    return frame.astype({"district_id": str, "service_id": str})


def _priority_unmet(
    inputs: ModelInputs, flows: pd.DataFrame, x: np.ndarray, frame: pd.DataFrame
) -> np.ndarray:
    """Unmet demand per district and service weighted by each cohort's wp (the group weight)."""
    keys = ["district_id", "service_id", "cohort"]
    demand = inputs.demand.groupby(keys, sort=True)["demand"].sum()
    served = (
        flows[keys]
        .assign(served=np.asarray(x, float) * flows["months"].to_numpy(float))
        .groupby(keys)["served"]
        .sum()
        .reindex(demand.index)
        .fillna(0.0)
    )
    cells = demand.index.to_frame(index=False)
    unmet = np.clip(demand.to_numpy(float) - served.to_numpy(float), 0.0, None)
    cells["priority_unmet"] = unmet * class_weights(inputs.cohorts, cells)
    by_cell = cells.groupby(["district_id", "service_id"])["priority_unmet"].sum()
    index = pd.MultiIndex.from_frame(frame[["district_id", "service_id"]].astype(str))
    return by_cell.reindex(index).fillna(0.0).to_numpy(float)


_CELLS: dict[tuple[int, int], tuple[Any, Any, pd.Series, np.ndarray]] = {}


def _cells(inputs: ModelInputs, flows: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """Demand per district and service over the horizon, and each flow's cell in it: worked
    out once per model (the baselines and the plan read the same flows; matching 66,000
    flows' string ids was most of a coverage table)."""
    key = (id(inputs.demand), id(flows))
    held = _CELLS.get(key)
    if held is not None and held[0]() is inputs.demand and held[1]() is flows:
        return held[2], held[3]
    demand = inputs.demand.groupby(["district_id", "service_id"], sort=True)["demand"].sum()
    cells = pd.MultiIndex.from_frame(flows[["district_id", "service_id"]])
    positions = demand.index.get_indexer(cells)
    # A flow outside the demand's cells (none in a built model) counts nowhere.
    positions = np.where(positions < 0, len(demand), positions)
    if len(_CELLS) > 8:
        _CELLS.clear()
    _CELLS[key] = (weakref.ref(inputs.demand), weakref.ref(flows), demand, positions)
    return demand, positions


def plan_totals(
    inputs: ModelInputs,
    funding: pd.DataFrame,
    capacity: pd.DataFrame,
    coverage: pd.DataFrame,
    groups: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Totals of MODEL.md: demand, served, unmet (weighted and not), money, units.
    `groups` (`group_coverage_table`) adds the group floors' shortfall to the objective."""
    weight = inputs.services["weight"].reindex(coverage["service_id"]).to_numpy(float)
    demand = float(coverage["demand"].sum())
    served = float(coverage["served"].sum())
    unmet = coverage["priority_unmet"] if "priority_unmet" in coverage else coverage["unmet"]
    weighted_unmet = float((unmet.to_numpy(float) * weight).sum())
    shortfall = 0.0
    alpha = inputs.equity_floor
    if alpha > 0:
        short = np.clip(
            (1 - alpha) * coverage["demand"].to_numpy(float) - coverage["unmet"].to_numpy(float),
            None,
            0.0,
        )
        shortfall = float((-short * weight).sum())
    if groups is not None:
        shortfall += group_floor_shortfall(inputs, groups)
    by_funder = funding.groupby("funder_id")["amount"].sum()
    money_by_funder = {f: float(by_funder.get(f, 0.0)) for f in inputs.funder_budget}
    spent = float(funding["amount"].sum())
    units_by_service = capacity.groupby("service_id")["units"].sum()
    return {
        "demand": demand,
        "served": served,
        "unmet": max(demand - served, 0.0),
        "coverage": served / demand if demand > 0 else None,
        "weighted_demand": float((coverage["demand"].to_numpy(float) * weight).sum()),
        "weighted_unmet": weighted_unmet,
        "floor_shortfall_weighted": shortfall,
        "primary_objective": weighted_unmet + EQUITY_WEIGHT * shortfall,
        "budget": inputs.total_budget,
        "money_spent": spent,
        "money_by_funder": money_by_funder,
        "units_added": float(capacity["units"].sum()),
        "units_added_by_service": {str(s): float(u) for s, u in units_by_service.items()},
        "services_opened": int(capacity["opened"].sum()) if "opened" in capacity else 0,
    }
