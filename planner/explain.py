"""What limits a plan, and why a scenario cannot hold, in words a city analyst reads.

`diagnose` reads the LP relaxation (integers relaxed) solved on the plan's model: the budget's
shadow price (how much weighted unmet demand one more unit of money removes), the binding
constraints by kind (budget, funder, expansion, capacity, floor, and radius: unmet demand with
an agency just beyond reach), and the districts below the floor in the plan.
`explain_infeasible` relaxes the floor and the budgets and reads which slack is used.

The sentences are written in the current language (planner.i18n) when the plan is solved and
kept as written; the numbers beside them (duals, ids, amounts) stay machine-readable.
"""

from __future__ import annotations

import math
from typing import Any, cast

import highspy
import numpy as np
import pandas as pd

from planner.i18n import NARROW_NBSP, NBSP, fmt_percent, get_language, t
from planner.optimise.inputs import ModelInputs, rows
from planner.optimise.model import MONEY_UNIT, HavenModel, build_model
from planner.optimise.readback import Solution, read_solution
from planner.optimise.solvers import run_solver

DUAL_TOLERANCE = 1e-9
MAX_LISTED = 10
MAX_IN_SUMMARY = 4
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}
CURRENCY_SYMBOLS_FR = {"USD": "$", "CAD": "$", "EUR": "€", "GBP": "£", "AUD": f"${NBSP}AU"}
"""In French the symbol follows the figure; a city's dollar is "$", as in `fmt_money`."""


def money(amount: float, currency: str) -> str:
    """A whole amount: "$2,500,000" in English, "2 500 000 $" in French."""
    if get_language() == "fr":
        after = CURRENCY_SYMBOLS_FR.get(currency.upper(), currency)
        return f"{number(amount, ',.0f')}{NBSP}{after}"
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    text = f"{amount:,.0f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def number(value: float, spec: str) -> str:
    """`format(value, spec)` with the current language's decimal comma and thousands groups."""
    text = format(value, spec)
    if get_language() != "fr":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", NARROW_NBSP)


def percent(fraction: float) -> str:
    """A whole percentage: "10%" / "10 %"."""
    return fmt_percent(fraction, 0)


def money_step(total_budget: float) -> float:
    """A round amount near 1% of the budget (10,000 for a budget of 2.5 million)."""
    if total_budget <= 0:
        return 10_000.0
    return float(10 ** max(0, math.floor(math.log10(total_budget / 100))))


def _service_name(inputs: ModelInputs, service_id: str) -> str:
    return str(inputs.services.at[service_id, "name"])


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return t("{first} and {last}", first=", ".join(names[:-1]), last=names[-1])


def diagnose(
    model: HavenModel,
    relaxed: Solution | None,
    coverage: pd.DataFrame,
    *,
    more_money_unmet: np.ndarray | None = None,
) -> dict[str, Any]:
    """Diagnostics of a plan; `model` holds the LP relaxation's duals when `relaxed` is given.

    `more_money_unmet` is u of the LP relaxation re-solved with one more `money_step`
    (see `unmet_with_more_money`): where the next money goes.
    """
    inputs = model.inputs
    result: dict[str, Any] = {}
    if relaxed is not None:
        result["shadow_price"] = shadow_price(model, relaxed, more_money_unmet)
        result["binding"] = binding_constraints(model)
    result["radius"] = radius_limits(inputs, coverage)
    result["below_floor"] = below_floor(inputs, coverage)
    return result


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
        h = model.problem.solverModel
        bounds = [(row.index, row.getUb()) for row in rows]
        for index, upper in bounds:
            h.changeRowBounds(index, -highspy.kHighsInf, upper + step)
        h.setOptionValue("time_limit", float(time_limit_s))
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        values = np.asarray(h.getSolution().col_value)
        for index, upper in bounds:
            h.changeRowBounds(index, -highspy.kHighsInf, upper)
        if not ok:
            return None
        return values[[u.index for u in model.u]] if model.u else np.zeros(0)
    integer = [v for v in model.problem.variables() if v.cat == "Integer"]
    uppers = [row.getUb() for row in rows]
    try:
        for var in integer:
            var.cat = "Continuous"
        for row, upper in zip(rows, uppers, strict=True):
            row.changeRHS(upper + step)
        run = run_solver(model, solver, time_limit_s=time_limit_s, mip_gap=0.0, relax=True)
        if not run.has_plan:
            return None
        return np.array([u.varValue or 0.0 for u in model.u], dtype=float)
    finally:
        for var in integer:
            var.cat = "Integer"
        for row, upper in zip(rows, uppers, strict=True):
            row.changeRHS(upper)


def shadow_price(
    model: HavenModel, relaxed: Solution, more_money_unmet: np.ndarray | None = None
) -> dict[str, Any]:
    """The budget's shadow price from the LP relaxation, with a sentence."""
    inputs = model.inputs
    budget_dual, funder_duals, best_funder = budget_duals(model)
    per_unit = budget_dual + (funder_duals[best_funder] if best_funder else 0.0)
    step = money_step(inputs.total_budget)
    gain = per_unit * step
    where = ""
    if more_money_unmet is not None:
        cells = model.cells
        weight = inputs.services["weight"].reindex(cells["service_id"]).to_numpy(float)
        drop = (relaxed.u - more_money_unmet) * cells["months"].to_numpy(float) * weight
        measured = float(drop.sum())
        if measured > 1e-9:
            gain = measured
            where = _where(inputs, cells.assign(drop=drop))
    if gain > 1e-6:
        sentence = t(
            "one more {amount} removes about {gain} weighted units of unmet demand",
            amount=money(step, inputs.currency),
            gain=number(gain, ".2g"),
        )
        if where:
            sentence += t(", mostly {where}", where=where)
        if best_funder and funder_duals[best_funder] > DUAL_TOLERANCE and len(funder_duals) > 1:
            funder = inputs.funder_names.get(best_funder, best_funder)
            sentence += t(" (given to {funder})", funder=funder)
    else:
        sentence = t(
            "one more {amount} would not serve more people: the plan is limited by how much "
            "agencies can add, by the radius, or by who may be funded, not by money",
            amount=money(step, inputs.currency),
        )
    return {
        "per_unit_money": per_unit,
        "step": step,
        "gain_per_step": gain,
        "budget_dual": budget_dual,
        "funder_duals": funder_duals,
        "best_funder": best_funder,
        "sentence": sentence,
    }


def _where(inputs: ModelInputs, cells: pd.DataFrame) -> str:
    """The service and districts where unmet demand drops most."""
    gained = cells[cells["drop"] > 1e-9]
    if len(gained) == 0:
        return ""
    service = gained.groupby("service_id")["drop"].sum().sort_values(ascending=False, kind="stable")
    top = str(service.index[0])
    districts = (
        gained[gained["service_id"] == top]
        .groupby("district_id")["drop"]
        .sum()
        .sort_values(ascending=False, kind="stable")
    )
    names = [inputs.district_names.get(str(d), str(d)) for d in districts.index[:3]]
    return t(
        "{service} in {districts}",
        service=_service_name(inputs, top).lower(),
        districts=_join(names),
    )


def binding_constraints(model: HavenModel) -> dict[str, Any]:
    """Constraints with a non-zero dual in the LP relaxation, by kind, strongest first."""
    by_kind: dict[str, list[tuple[float, str]]] = {}
    for name, constraint in model.constraints.items():
        kind = model.kinds[name]
        if kind == "balance":
            continue
        dual = abs(constraint.pi or 0.0)
        if dual > DUAL_TOLERANCE:
            by_kind.setdefault(kind, []).append((dual, name))
    result: dict[str, Any] = {}
    for kind in ("budget", "funder", "expansion", "capacity", "floor"):
        entries = sorted(by_kind.get(kind, []), key=lambda e: (-e[0], e[1]))
        result[kind] = {
            "count": len(entries),
            "top": [{"constraint": name, "dual": dual} for dual, name in entries[:MAX_LISTED]],
            "words": [_describe(model, name) for _, name in entries[:3]],
        }
    return result


def _describe(model: HavenModel, name: str) -> str:
    inputs = model.inputs
    family, _, rest = name.partition("[")
    ids = rest.rstrip("]").split(",") if rest else []
    if family == "budget":
        return t(
            "the total budget of {amount} is all spent",
            amount=money(inputs.total_budget, inputs.currency),
        )
    if family == "funder_budget":
        funder = ids[0]
        amount = money(inputs.funder_budget.get(funder, 0.0), inputs.currency)
        return t(
            "{funder} spends all its {amount}",
            funder=inputs.funder_names.get(funder, funder),
            amount=amount,
        )
    if family == "expansion":
        agency, service = ids[0], ids[1]
        row = inputs.pairs[
            (inputs.pairs["agency_id"] == agency) & (inputs.pairs["service_id"] == service)
        ]
        m = float(row["m"].iloc[0]) if len(row) else 0.0
        unit = str(inputs.services.at[service, "unit"])
        return t(
            "{agency} cannot add more than {most} {unit}s of {service}",
            agency=inputs.agency_names.get(agency, agency),
            most=number(m, "g"),
            unit=unit,
            service=_service_name(inputs, service).lower(),
        )
    if family == "capacity":
        agency, service = ids[0], ids[1]
        return t(
            "{agency} is full for {service} ({periods})",
            agency=inputs.agency_names.get(agency, agency),
            service=_service_name(inputs, service).lower(),
            periods=",".join(ids[2:]),
        )
    if family == "floor":
        district, service = ids[0], ids[1]
        return t(
            "{district} is held at the {floor} floor for {service}",
            district=inputs.district_names.get(district, district),
            floor=percent(inputs.equity_floor),
            service=_service_name(inputs, service).lower(),
        )
    return name


def radius_limits(inputs: ModelInputs, coverage: pd.DataFrame) -> list[dict[str, Any]]:
    """Unmet demand where an agency offering the service lies just beyond the radius."""
    unmet = coverage[coverage["unmet"] > 1e-6]
    near = unmet.merge(inputs.beyond_radius, on=["district_id", "service_id"])
    near = near.sort_values(["unmet", "district_id"], ascending=[False, True], kind="stable")
    result = []
    for row in rows(near.head(MAX_LISTED)):
        radius = float(cast(float, inputs.services.at[row.service_id, "radius_km"]))
        result.append(
            {
                "district_id": row.district_id,
                "service_id": row.service_id,
                "unmet": float(row.unmet),
                "nearest_agency_beyond": row.agency_id,
                "distance_km": round(float(row.dist_km), 2),
                "radius_km": radius,
                "words": t(
                    "{district} leaves {unmet} units of {service} unmet; {agency} is "
                    "{distance} km away, beyond the {radius} km radius",
                    district=inputs.district_names.get(row.district_id, row.district_id),
                    unmet=number(row.unmet, ".3g"),
                    service=_service_name(inputs, row.service_id).lower(),
                    agency=inputs.agency_names.get(row.agency_id, row.agency_id),
                    distance=number(row.dist_km, ".1f"),
                    radius=number(radius, "g"),
                ),
            }
        )
    return result


def below_floor(inputs: ModelInputs, coverage: pd.DataFrame) -> list[dict[str, Any]]:
    alpha = inputs.equity_floor
    if alpha <= 0:
        return []
    low = coverage[(coverage["demand"] > 0) & (coverage["coverage"] < alpha - 1e-6)]
    return [
        {
            "district_id": row.district_id,
            "district": inputs.district_names.get(row.district_id, row.district_id),
            "service_id": row.service_id,
            "coverage": float(row.coverage),
            "floor": alpha,
        }
        for row in rows(low)
    ]


def explain_infeasible(
    inputs: ModelInputs, *, solver: str, time_limit_s: float, mip_gap: float
) -> dict[str, Any]:
    """Why a hard floor cannot hold, and what would fix it.

    First the budgets are removed and the floor made soft: a shortfall left then cannot be
    fixed by money (the reachable agencies cannot add enough). Otherwise the budgets are made
    elastic with the floor hard: the slack used is the money missing.
    """
    alpha = inputs.equity_floor
    cannot: list[str] = []
    fixes: list[str] = []
    detail: list[dict[str, Any]] = []
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
            cannot.append(_capacity_sentence(inputs, row.district_id, row.service_id))
            detail.append(
                {
                    "district_id": row.district_id,
                    "service_id": row.service_id,
                    "coverage_when_relaxed": best,
                    "limit": "capacity",
                }
            )
    if cannot:
        fixes.append(
            t(
                "lower the floor, widen the radius, raise the agencies' expansion limits or "
                "allow a new service at a nearer agency"
            )
        )
    else:
        elastic = build_model(inputs, floor="hard", budget="elastic", objective="extra_budget")
        run = run_solver(elastic, solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
        if run.has_plan:
            extra = {
                name: float(var.varValue or 0.0) * MONEY_UNIT for name, var in elastic.extra.items()
            }
            missing_total = extra.pop("budget", 0.0)
            for funder, amount in sorted(extra.items()):
                if amount > 0.5:
                    name = inputs.funder_names.get(funder, funder)
                    cannot.append(
                        t(
                            "the {floor} floor needs {amount} more from {funder} than its "
                            "budget of {budget}",
                            floor=percent(alpha),
                            amount=money(amount, inputs.currency),
                            funder=name,
                            budget=money(inputs.funder_budget[funder], inputs.currency),
                        )
                    )
                    fixes.append(
                        t(
                            "raise {funder}'s budget by {amount}",
                            funder=name,
                            amount=money(amount, inputs.currency),
                        )
                    )
            if missing_total > 0.5:
                cannot.append(
                    t(
                        "the {floor} floor costs {amount} more than the total budget of {budget}",
                        floor=percent(alpha),
                        amount=money(missing_total, inputs.currency),
                        budget=money(inputs.total_budget, inputs.currency),
                    )
                )
                fixes.append(
                    t(
                        "raise the total budget by {amount}",
                        amount=money(missing_total, inputs.currency),
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
                            {
                                "district_id": row.district_id,
                                "service_id": row.service_id,
                                "coverage_when_relaxed": max(reached, 0.0),
                                "limit": "budget",
                            }
                        )
            fixes.append(t("or lower the floor, or make it soft (equity_mode: soft)"))
    if not cannot:
        cannot.append(t("the hard {floor} equity floor cannot hold", floor=percent(alpha)))
        fixes.append(t("lower the floor or make it soft (equity_mode: soft)"))
    shown = cannot[:MAX_IN_SUMMARY]
    if len(cannot) > MAX_IN_SUMMARY:
        shown.append(t("and {count} more (see plan.json)", count=len(cannot) - MAX_IN_SUMMARY))
    separator = t("; ")  # the app lists the reasons by splitting on ";"
    summary = t(
        "{causes}. To fix: {fixes}.", causes=separator.join(shown), fixes=separator.join(fixes)
    )
    return {"cannot_hold": cannot, "fixes": fixes, "cells": detail, "summary": summary}


def _capacity_sentence(inputs: ModelInputs, district_id: str, service_id: str) -> str:
    """Why a district's floor cannot hold even with unlimited money."""
    service = inputs.services.loc[service_id]
    reach = inputs.arcs[
        (inputs.arcs["district_id"] == district_id) & (inputs.arcs["service_id"] == service_id)
    ]
    pairs = inputs.pairs.merge(reach[["agency_id", "service_id"]], on=["agency_id", "service_id"])
    radius = float(cast(float, service["radius_km"]))
    where = (
        t("anywhere") if np.isnan(radius) else t("within {radius} km", radius=number(radius, "g"))
    )
    unit = str(service["unit"])
    name = inputs.district_names.get(district_id, district_id)
    head = t(
        "district {district} cannot reach {floor} coverage for {service}",
        district=name,
        floor=percent(inputs.equity_floor),
        service=service_id,
    )
    if len(pairs) == 0:
        return t("{head}: no agency {where} offers it", head=head, where=where)
    most = float(pairs["c0"].sum() + pairs["m"].sum())
    cells = inputs.block_demand[
        (inputs.block_demand["district_id"] == district_id)
        & (inputs.block_demand["service_id"] == service_id)
    ]
    months = cells["months"].to_numpy(float)
    demand = cells["demand"].to_numpy(float)
    alone = float((months * np.minimum(demand, most)).sum() / max((months * demand).sum(), 1e-12))
    detail = t(
        "the {count} agencies {where} have {capacity} {unit}s and can add at most {most}",
        count=len(pairs),
        where=where,
        capacity=number(pairs["c0"].sum(), "g"),
        unit=unit,
        most=number(pairs["m"].sum(), "g"),
    )
    if alone < inputs.equity_floor - 1e-9:
        return t(
            "{head}: {detail}, {share} of its demand even if they served it alone",
            head=head,
            detail=detail,
            share=percent(alone),
        )
    return t(
        "{head}: {detail}, and the districts they also serve need them for their own floors",
        head=head,
        detail=detail,
    )
