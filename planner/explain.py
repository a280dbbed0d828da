"""What limits a plan, and why a scenario cannot hold, as typed findings (planner.findings).

`diagnose` reads the LP relaxation (integers relaxed) solved on the plan's model: the budget's
shadow price (how much weighted unmet demand one more unit of money removes), the binding
constraints by kind (budget, funder, expansion, capacity, floor, and radius: unmet demand with
an agency just beyond reach), and the districts below the floor in the plan.
`explain_infeasible` relaxes the floor and the budgets and reads which slack is used.

No sentence is written here: findings carry codes, ids and amounts, and the edges
(reports.words) say them in the reader's language with the names that reader may see.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np
import pandas as pd

from planner import findings as F
from planner.findings import (
    BindingConstraint,
    BudgetValue,
    ConstraintFamily,
    Diagnostics,
    Finding,
    FindingKind,
    RelaxedCell,
)
from planner.optimise.highs import KeptModel
from planner.optimise.inputs import ModelInputs, rows
from planner.optimise.model import MONEY_UNIT, HavenModel, build_model
from planner.optimise.readback import Solution, read_solution
from planner.optimise.solvers import run_solver

DUAL_TOLERANCE = 1e-9
MAX_LISTED = 10
MAX_WHERE_DISTRICTS = 3
BINDING_FAMILIES: tuple[ConstraintFamily, ...] = (
    "budget",
    "funder",
    "expansion",
    "capacity",
    "floor",
)


def money_step(total_budget: float) -> float:
    """A round amount near 1% of the budget (10,000 for a budget of 2.5 million)."""
    if total_budget <= 0:
        return 10_000.0
    return float(10 ** max(0, math.floor(math.log10(total_budget / 100))))


def diagnose(
    model: HavenModel,
    relaxed: Solution | None,
    coverage: pd.DataFrame,
    *,
    more_money_unmet: np.ndarray | None = None,
) -> tuple[Diagnostics, tuple[Finding, ...]]:
    """Diagnostics of a plan and its findings; `model` holds the LP relaxation's duals when
    `relaxed` is given.

    `more_money_unmet` is u of the LP relaxation re-solved with one more `money_step`
    (see `unmet_with_more_money`): where the next money goes.
    """
    inputs = model.inputs
    found: list[Finding] = []
    diagnostics = Diagnostics()
    if relaxed is not None:
        value, value_finding = shadow_price(model, relaxed, more_money_unmet)
        counts, top, binding = binding_constraints(model)
        found += [value_finding, *binding]
        diagnostics = Diagnostics(budget_value=value, binding_counts=counts, binding_top=top)
    found += radius_limits(inputs, coverage)
    found += below_floor(inputs, coverage)
    return diagnostics, tuple(found)


def budget_duals(model: HavenModel) -> tuple[float, dict[str, float], str | None]:
    """|dual| of the total budget and of each funder's budget, and the best funder."""
    inputs = model.inputs
    budget = model.constraints.get("budget")
    budget_dual = abs(budget.pi or 0.0) / MONEY_UNIT if budget is not None else 0.0
    funder_duals = {}
    for funder_id in inputs.funder_budget:
        row = model.constraints.get(f"funder_budget[{funder_id}]")
        funder_duals[funder_id] = abs(row.pi or 0.0) / MONEY_UNIT if row is not None else 0.0
    best = max(sorted(funder_duals), key=lambda f: funder_duals[f], default=None)
    return budget_dual, funder_duals, best


def unmet_with_more_money(
    model: HavenModel, solver: str, *, time_limit_s: float
) -> np.ndarray | None:
    """u of the LP relaxation with one more `money_step` in the budget and the best funder.

    Call right after the relaxation was solved on `model`; the budgets are restored after.
    """
    inputs = model.inputs
    step = money_step(inputs.total_budget) / MONEY_UNIT
    _, _, best = budget_duals(model)
    names = ["budget"] + ([f"funder_budget[{best}]"] if best else [])
    rows = [model.constraints[n] for n in names if n in model.constraints]
    if not rows:
        return None
    if solver == "highs":
        kept = KeptModel(model)
        present = [n for n in names if n in model.constraints]
        uppers = np.array([row.getUb() for row in rows], float)
        no_lower = np.full(len(present), -np.inf)
        kept.set_row_bounds(present, no_lower, uppers + step)
        kept.set_time_limit(time_limit_s)
        ok = kept.solve().optimal
        values = kept.values(model.u)
        kept.set_row_bounds(present, no_lower, uppers)
        return values if ok else None
    integer = [v for v in model.problem.variables() if v.cat == "Integer"]
    limits = [row.getUb() for row in rows]
    try:
        for var in integer:
            var.cat = "Continuous"
        for row, upper in zip(rows, limits, strict=True):
            row.changeRHS(upper + step)
        run = run_solver(model, solver, time_limit_s=time_limit_s, mip_gap=0.0, relax=True)
        if not run.has_plan:
            return None
        return np.array([u.varValue or 0.0 for u in model.u], dtype=float)
    finally:
        for var in integer:
            var.cat = "Integer"
        for row, upper in zip(rows, limits, strict=True):
            row.changeRHS(upper)


def shadow_price(
    model: HavenModel, relaxed: Solution, more_money_unmet: np.ndarray | None = None
) -> tuple[BudgetValue, Finding]:
    """The budget's shadow price from the LP relaxation, and what it means as a finding."""
    inputs = model.inputs
    budget_dual, funder_duals, best_funder = budget_duals(model)
    per_unit = budget_dual + (funder_duals[best_funder] if best_funder else 0.0)
    step = money_step(inputs.total_budget)
    gain = per_unit * step
    service_id: str | None = None
    districts: tuple[str, ...] = ()
    if more_money_unmet is not None:
        cells = model.cells
        weight = inputs.services["weight"].reindex(cells["service_id"]).to_numpy(float)
        drop = (relaxed.u - more_money_unmet) * cells["months"].to_numpy(float) * weight
        measured = float(drop.sum())
        if measured > 1e-9:
            gain = measured
            service_id, districts = _where(cells.assign(drop=drop))
    value = BudgetValue(
        per_unit_money=per_unit,
        step=step,
        gain_per_step=gain,
        budget_dual=budget_dual,
        funder_duals=funder_duals,
        best_funder=best_funder,
    )
    if gain <= 1e-6:
        return value, Finding(F.MONEY_NOT_LIMITING, amount=step)
    named_funder = (
        best_funder
        if best_funder and funder_duals[best_funder] > DUAL_TOLERANCE and len(funder_duals) > 1
        else None
    )
    finding = Finding(
        F.BUDGET_VALUE,
        district_ids=districts,
        service_id=service_id,
        funder_id=named_funder,
        amount=step,
        units=gain,
    )
    return value, finding


def _where(cells: pd.DataFrame) -> tuple[str | None, tuple[str, ...]]:
    """The service and districts where unmet demand drops most."""
    gained = cells[cells["drop"] > 1e-9]
    if len(gained) == 0:
        return None, ()
    service = gained.groupby("service_id")["drop"].sum().sort_values(ascending=False, kind="stable")
    top = str(service.index[0])
    districts = (
        gained[gained["service_id"] == top]
        .groupby("district_id")["drop"]
        .sum()
        .sort_values(ascending=False, kind="stable")
    )
    return top, tuple(str(d) for d in districts.index[:MAX_WHERE_DISTRICTS])


def binding_constraints(
    model: HavenModel,
) -> tuple[dict[str, int], tuple[BindingConstraint, ...], list[Finding]]:
    """Constraints with a non-zero dual in the LP relaxation: their count by family, the
    strongest of each, and one finding per family and service (agencies and districts
    strongest first, each once)."""
    by_kind: dict[str, list[tuple[float, str]]] = {}
    total = model.inputs.total_budget
    for name, constraint in model.constraints.items():
        kind = model.kinds[name]
        if kind in ("balance", "pathway_served"):  # the latter defines a sum, limits nothing
            continue
        dual = abs(constraint.pi or 0.0)
        if dual <= DUAL_TOLERANCE:
            continue
        if kind == "funder" and model.inputs.funder_budget.get(_ids(name)[0], 0.0) >= total:
            # A funder who could pay the whole budget limits nothing the total does not: the
            # relaxation's dual lands on either row (degenerate), the reader is told the total.
            kind, name = "budget", "budget"
            if any(entry[1] == name for entry in by_kind.get(kind, [])):
                continue
        by_kind.setdefault(kind, []).append((dual, name))
    counts: dict[str, int] = {}
    top: list[BindingConstraint] = []
    found: list[Finding] = []
    for kind in BINDING_FAMILIES:
        entries = sorted(by_kind.get(kind, []), key=lambda e: (-e[0], e[1]))
        counts[kind] = len(entries)
        top += [BindingConstraint(kind, name, dual) for dual, name in entries[:MAX_LISTED]]
        found += _binding_findings(model, kind, [name for _, name in entries])
    return counts, tuple(top), found


def _ids(name: str) -> list[str]:
    _, _, rest = name.partition("[")
    return rest.rstrip("]").split(",") if rest else []


def _binding_findings(model: HavenModel, kind: str, names: list[str]) -> list[Finding]:
    inputs = model.inputs
    if not names:
        return []
    if kind == "budget":
        return [Finding(F.BUDGET_SPENT, amount=inputs.total_budget)]
    if kind == "funder":
        funders = [_ids(name)[0] for name in names]
        return [
            Finding(F.FUNDER_EXHAUSTED, funder_id=f, amount=inputs.funder_budget.get(f, 0.0))
            for f in dict.fromkeys(funders)
        ]
    grouped: dict[str, list[list[str]]] = {}
    for name in names:
        ids = _ids(name)
        grouped.setdefault(ids[1], []).append(ids)
    found = []
    for service_id, members in grouped.items():
        if kind == "expansion":
            agencies = tuple(dict.fromkeys(ids[0] for ids in members))
            most = inputs.pairs[
                (inputs.pairs["service_id"] == service_id)
                & inputs.pairs["agency_id"].isin(agencies)
            ]["m"].sum()
            found.append(
                Finding(
                    F.EXPANSION_LIMIT,
                    agency_ids=agencies,
                    service_id=service_id,
                    units=float(most),
                    count=len(members),
                )
            )
        elif kind == "capacity":
            agencies = tuple(dict.fromkeys(ids[0] for ids in members))
            blocks = {ids[2] for ids in members}
            found.append(
                Finding(
                    F.AGENCY_FULL,
                    agency_ids=agencies,
                    service_id=service_id,
                    months=_months(inputs, service_id, blocks),
                    count=len(members),
                )
            )
        elif kind == "floor":
            districts = tuple(dict.fromkeys(ids[0] for ids in members))
            found.append(
                Finding(
                    F.FLOOR_HELD,
                    district_ids=districts,
                    service_id=service_id,
                    floor=inputs.equity_floor,
                    count=len(members),
                )
            )
    return found


def _months(inputs: ModelInputs, service_id: str, blocks: set[str]) -> tuple[str, ...]:
    """The months of these blocks of a service, in order ("2026-12", "2027-03", ...); none
    when they are every month of the horizon."""
    table = inputs.blocks[
        (inputs.blocks["service_id"] == service_id) & inputs.blocks["block"].isin(blocks)
    ]
    months = {m for periods in table["periods"] for m in str(periods).split(";") if m}
    if months >= set(inputs.periods):
        return ()  # every month of the horizon
    return tuple(sorted(months))


def radius_limits(inputs: ModelInputs, coverage: pd.DataFrame) -> list[Finding]:
    """Unmet demand where an agency offering the service lies just beyond the radius: every
    district and service, most unmet first (the edges list the first few and map them)."""
    unmet = coverage[coverage["unmet"] > 1e-6]
    near = unmet.merge(inputs.beyond_radius, on=["district_id", "service_id"])
    near = near.sort_values(["unmet", "district_id"], ascending=[False, True], kind="stable")
    return [
        Finding(
            F.OUT_OF_REACH,
            agency_ids=(str(row.agency_id),),
            district_ids=(str(row.district_id),),
            service_id=str(row.service_id),
            units=float(row.unmet),
            distance_km=round(float(row.dist_km), 2),
            radius_km=float(cast(float, inputs.services.at[row.service_id, "radius_km"])),
        )
        for row in rows(near)
    ]


def below_floor(inputs: ModelInputs, coverage: pd.DataFrame) -> list[Finding]:
    """Every district and service whose coverage in the plan is below the floor."""
    alpha = inputs.equity_floor
    if alpha <= 0:
        return []
    low = coverage[(coverage["demand"] > 0) & (coverage["coverage"] < alpha - 1e-6)]
    return [
        Finding(
            F.BELOW_FLOOR,
            district_ids=(str(row.district_id),),
            service_id=str(row.service_id),
            share=float(row.coverage),
            floor=alpha,
        )
        for row in rows(low)
    ]


def explain_infeasible(
    inputs: ModelInputs, *, solver: str, time_limit_s: float, mip_gap: float
) -> tuple[tuple[Finding, ...], tuple[RelaxedCell, ...]]:
    """Why a hard floor cannot hold (findings of `planner.findings.INFEASIBLE_KINDS`), and
    the coverage each failing cell reaches with the floor relaxed.

    First the budgets are removed and the floor made soft: a shortfall left then cannot be
    fixed by money (the reachable agencies cannot add enough). Otherwise the budgets are made
    elastic with the floor hard: the slack used is the money missing.
    """
    alpha = inputs.equity_floor
    cannot: list[Finding] = []
    detail: list[RelaxedCell] = []
    unlimited = build_model(inputs, floor="soft", budget="unlimited", objective="shortfall")
    run = run_solver(unlimited, solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if run.has_plan:
        solution = read_solution(unlimited)
        shortfalls = sorted(
            ((solution.v.get(i, 0.0), i) for i in range(len(unlimited.floor_cells))),
            key=lambda pair: (-pair[0], pair[1]),
        )
        for _, i in shortfalls:
            row = unlimited.floor_cells.iloc[i]
            short = solution.v.get(i, 0.0)
            if short <= 1e-6:
                continue
            best = max(0.0, 1.0 - ((1 - alpha) * row.demand + short) / row.demand)
            cannot.append(_capacity_finding(inputs, str(row.district_id), str(row.service_id)))
            detail.append(RelaxedCell(str(row.district_id), str(row.service_id), best, "capacity"))
    if not cannot:
        cannot, relaxed = _missing_money(
            inputs, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap
        )
        detail += relaxed
    if not cannot:
        cannot.append(Finding(F.INFEASIBLE_FLOOR, floor=alpha))
    return tuple(cannot), tuple(detail)


def _missing_money(
    inputs: ModelInputs, *, solver: str, time_limit_s: float, mip_gap: float
) -> tuple[list[Finding], list[RelaxedCell]]:
    """The money each budget lacks for the hard floor, and the cells short without it."""
    alpha = inputs.equity_floor
    cannot: list[Finding] = []
    detail: list[RelaxedCell] = []
    elastic = build_model(inputs, floor="hard", budget="elastic", objective="extra_budget")
    run = run_solver(elastic, solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if not run.has_plan:
        return cannot, detail
    extra = {name: float(var.varValue or 0.0) * MONEY_UNIT for name, var in elastic.extra.items()}
    missing_total = extra.pop("budget", 0.0)
    for funder, amount in sorted(extra.items()):
        if amount > 0.5:
            cannot.append(
                Finding(
                    F.FLOOR_NEEDS_FUNDER,
                    funder_id=funder,
                    amount=amount,
                    limit=inputs.funder_budget[funder],
                    floor=alpha,
                )
            )
    if missing_total > 0.5:
        cannot.append(
            Finding(
                F.FLOOR_NEEDS_BUDGET,
                amount=missing_total,
                limit=inputs.total_budget,
                floor=alpha,
            )
        )
    soft = build_model(inputs, floor="soft")
    run = run_solver(soft, solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if run.has_plan:
        solution = read_solution(soft)
        for i, row in enumerate(rows(soft.floor_cells)):
            short = solution.v.get(i, 0.0)
            if short > 1e-6:
                reached = 1.0 - ((1 - alpha) * row.demand + short) / row.demand
                detail.append(
                    RelaxedCell(
                        str(row.district_id), str(row.service_id), max(reached, 0.0), "budget"
                    )
                )
    return cannot, detail


def _capacity_finding(inputs: ModelInputs, district_id: str, service_id: str) -> Finding:
    """Why a district's floor cannot hold even with unlimited money."""
    service = inputs.services.loc[service_id]
    reach = inputs.arcs[
        (inputs.arcs["district_id"] == district_id) & (inputs.arcs["service_id"] == service_id)
    ]
    pairs = inputs.pairs.merge(reach[["agency_id", "service_id"]], on=["agency_id", "service_id"])
    radius = float(cast(float, service["radius_km"]))
    common = {
        "district_ids": (district_id,),
        "service_id": service_id,
        "floor": inputs.equity_floor,
        "radius_km": None if np.isnan(radius) else radius,
    }
    if len(pairs) == 0:
        return Finding(F.FLOOR_NO_AGENCY, **common)  # type: ignore[arg-type]
    most = float(pairs["c0"].sum() + pairs["m"].sum())
    cells = inputs.block_demand[
        (inputs.block_demand["district_id"] == district_id)
        & (inputs.block_demand["service_id"] == service_id)
    ]
    months = cells["months"].to_numpy(float)
    demand = cells["demand"].to_numpy(float)
    alone = float((months * np.minimum(demand, most)).sum() / max((months * demand).sum(), 1e-12))
    kind: FindingKind = (
        F.FLOOR_CAPACITY_SHORT if alone < inputs.equity_floor - 1e-9 else F.FLOOR_CAPACITY_SHARED
    )
    return Finding(
        kind,
        agency_ids=tuple(str(a) for a in pairs["agency_id"]),
        count=len(pairs),
        units=float(pairs["c0"].sum()),
        limit=float(pairs["m"].sum()),
        share=alone,
        **common,  # type: ignore[arg-type]
    )
