"""Baselines on the same data: what simple rules would achieve with the same money.

- status_quo: no new money; existing capacity serves demand as well as it can.
- population: the budget split across districts in proportion to population, then across the
  district's services in proportion to its demand.
- demand: the budget split across districts and services in proportion to forecast demand.

A district's share buys units of existing services at the nearest reachable agencies that may
still grow (whole units for integer services), up to their expansion limits; what is left is
unspent. The units are then paid for from the eligible funders (in id order) within their
budgets and the total, dropping units that cannot be paid. Each baseline is evaluated on the
plan's own model with its capacity fixed, so its routing is the best possible and its figures
are comparable with the plan's: the optimised plan is never worse (its feasible set contains
every baseline's).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import pandas as pd

from planner.findings import BaselineResult, Baselines, Totals
from planner.optimise.highs import KeptModel
from planner.optimise.inputs import ModelInputs
from planner.optimise.model import FloorMode, HavenModel, build_model, fix_capacity
from planner.optimise.readback import plan_tables, plan_totals, read_solution
from planner.optimise.solvers import refix_highs, run_solver

BASELINES = ("status_quo", "population", "demand")


def baseline_units(inputs: ModelInputs, name: str) -> pd.DataFrame:
    """Units added per agency and service under one baseline rule, made payable."""
    if name == "status_quo" or inputs.total_budget <= 0:
        return pd.DataFrame({"agency_id": [], "service_id": [], "units": []})
    demand = inputs.demand.groupby(["district_id", "service_id"], sort=True)["demand"].sum()
    demand = demand[demand > 0]
    if len(demand) == 0:
        return pd.DataFrame({"agency_id": [], "service_id": [], "units": []})
    if name == "population":
        population = pd.Series(inputs.population, dtype=float)
        if population.sum() <= 0:
            return pd.DataFrame({"agency_id": [], "service_id": [], "units": []})
        district_share = population / population.sum()
        by_district = demand.groupby(level="district_id").transform("sum")
        share = district_share.reindex(demand.index.get_level_values("district_id")).to_numpy()
        shares = share * (demand / by_district).to_numpy()
    elif name == "demand":
        shares = (demand / demand.sum()).to_numpy()
    else:
        raise ValueError(f"unknown baseline {name!r}")
    money_for = pd.Series(shares * inputs.total_budget, index=demand.index)
    units = _buy(inputs, money_for)
    return _payable(inputs, units)


def _buy(inputs: ModelInputs, money_for: pd.Series) -> dict[tuple[str, str], float]:
    offered = inputs.pairs[~inputs.pairs["is_new"] & (inputs.pairs["m"] > 0)]
    keys = list(zip(offered["agency_id"], offered["service_id"], strict=True))
    room = dict(zip(keys, offered["m"].astype(float).tolist(), strict=True))
    cost = dict(zip(keys, offered["cost"].astype(float).tolist(), strict=True))
    integer = inputs.services["integer"].to_dict()
    arcs = inputs.arcs.sort_values(["district_id", "service_id", "dist_km", "agency_id"])
    nearest: dict[tuple[str, str], list[str]] = {}
    for district_id, service_id, agency_id in zip(
        arcs["district_id"].tolist(),
        arcs["service_id"].tolist(),
        arcs["agency_id"].tolist(),
        strict=True,
    ):
        nearest.setdefault((district_id, service_id), []).append(agency_id)
    units: dict[tuple[str, str], float] = {}
    for cell, amount in money_for.items():
        district_id, service_id = cast(tuple[str, str], cell)
        left = float(amount)
        for agency_id in nearest.get((district_id, service_id), []):
            key = (agency_id, service_id)
            if room.get(key, 0.0) <= 0:
                continue
            unit_cost = cost[key]
            if unit_cost <= 0:
                bought = room[key]
            else:
                bought = left / unit_cost * (1 - 1e-12)
                if integer[service_id]:
                    bought = math.floor(bought + 1e-9)
                bought = min(bought, room[key])
            if bought <= 0:
                if unit_cost > 0 and left < unit_cost:
                    break
                continue
            room[key] -= bought
            units[key] = units.get(key, 0.0) + bought
            left -= bought * unit_cost
            if left <= 1e-9:
                break
    return units


def _payable(inputs: ModelInputs, units: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Pay for the units from eligible funders in id order; drop what cannot be paid."""
    remaining = dict(inputs.funder_budget)
    total_left = inputs.total_budget
    pairs = inputs.pairs
    costs = dict(
        zip(
            zip(pairs["agency_id"].tolist(), pairs["service_id"].tolist(), strict=True),
            pairs["cost"].astype(float).tolist(),
            strict=True,
        )
    )
    eligible: dict[tuple[str, str], list[str]] = {}
    rules = inputs.eligible
    for agency_id, service_id, funder_id in zip(
        rules["agency_id"].tolist(),
        rules["service_id"].tolist(),
        rules["funder_id"].tolist(),
        strict=True,
    ):
        eligible.setdefault((agency_id, service_id), []).append(funder_id)
    for funders in eligible.values():
        funders.sort()
    integer = inputs.services["integer"].to_dict()
    rows = []
    for (agency_id, service_id), wanted in sorted(units.items()):
        unit_cost = costs[(agency_id, service_id)]
        if unit_cost <= 0:
            rows.append((agency_id, service_id, wanted))
            continue
        funders = eligible.get((agency_id, service_id), [])
        available = min(sum(remaining[f] for f in funders), total_left)
        affordable = available / unit_cost * (1 - 1e-12)
        if integer[service_id]:
            affordable = math.floor(affordable + 1e-9)
        bought = min(wanted, affordable)
        if bought <= 0:
            continue
        need = bought * unit_cost
        total_left -= need
        for funder_id in funders:
            take = min(need, remaining[funder_id])
            remaining[funder_id] -= take
            need -= take
            if need <= 0:
                break
        rows.append((agency_id, service_id, bought))
    return pd.DataFrame(rows, columns=["agency_id", "service_id", "units"])


def evaluate_baselines(
    inputs: ModelInputs,
    *,
    solver: str,
    time_limit_s: float,
    mip_gap: float,
    names: tuple[str, ...] = BASELINES,
    on_each: Callable[[BaselineResult], None] | None = None,
    coverages: dict[str, pd.DataFrame] | None = None,
) -> Baselines:
    """Each baseline evaluated on the plan's model with capacity fixed; with `coverages`,
    each baseline's coverage table (as `Plan.coverage`) is put there too."""
    results: list[BaselineResult] = []
    floor: FloorMode = "soft" if inputs.equity_floor > 0 else "none"
    model: HavenModel | None = None
    for name in names:
        units = baseline_units(inputs, name)
        if model is not None and KeptModel.of(model) is not None:
            # Only the fixed capacity differs between baselines: HiGHS keeps the model and
            # starts from the last baseline's basis (a third of the time of a fresh build).
            run = refix_highs(model, fix_capacity(model, units), time_limit_s)
        else:
            model = build_model(inputs, floor=floor, fixed_units=units)
            # Every integer is fixed, so the LP is the integer model (HiGHS keeps it as an LP).
            relax = solver == "highs"
            run = run_solver(model, solver, time_limit_s=time_limit_s, mip_gap=mip_gap, relax=relax)
        if not run.has_plan:
            results.append(BaselineResult(name, run.status))
            continue
        solution = read_solution(model)
        funding, capacity, coverage = plan_tables(model, solution)
        totals = Totals.from_dict(
            {**plan_totals(inputs, funding, capacity, coverage), "objective": run.objective}
        )
        result = BaselineResult(name, run.status, totals)
        results.append(result)
        if coverages is not None:
            coverages[name] = coverage
        if on_each is not None:
            on_each(result)
    return Baselines(tuple(results))


__all__ = ["BASELINES", "baseline_units", "evaluate_baselines"]
