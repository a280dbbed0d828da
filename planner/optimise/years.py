r"""The year-by-year plan (MODEL.md "Years and grant windows", issue 20), written with PuLP.

With a horizon above 12 months and funders with windows (planner.years), the horizon is cut
into years y (12 months each from its first period) and the plan is made year by year on
the same inputs as the one-horizon model (planner.optimise.inputs): districts, agencies,
reachable arcs, expansion limits, eligibility, budgets, weights and tie-breakers.

Sets and parameters beyond the one-horizon model's:
    Y              the plan years;  b in B(y) the blocks of year y (months of identical demand)
    run[a,s,y]     a unit's running cost in year y: the yearly unit cost x months(y) / 12
    share[f,y]     the share of year y's months inside funder f's window (0..1)

Variables (only where they can be non-zero):
    K[a,s,y]       capacity in operation added in year y (integer for whole-unit services)
    O[a,s,y]       service opened in year y (binary; new pairs only)
    G[f,a,s,y]     money from f for (a,s) in year y       eligible, share[f,y] > 0, paid pairs
    x[n,a,s,b], u[n,s,b], v[n,s]  as in the one-horizon model (demand summed over cohorts)

Constraints (names as `family[ids]`):
    (Y1) balance[n,s,b]:        sum_a x + u = d
    (Y2) capacity[a,s,b]:       sum_n x - K[a,s,y(b)] <= c0
    (Y3) funding[a,s,y]:        sum_f G - run[a,s,y] K[a,s,y] - open[a,s] O[a,s,y] = 0
    (Y4) window[f,a,s,y]:       G[f,a,s,y] - share[f,y] (run K + open O) <= 0   (0 < share < 1)
    (Y5) funder_budget[f]:      sum_{a,s,y} G[f,.] <= B[f];   budget: sum G <= B
    (Y6) expansion[a,s,y]:      K <= m (offered);  K[a,s,y] - m sum_{y'<=y} O[a,s,y'] <= 0 (new)
         opened_once[a,s]:      sum_y O[a,s,y] <= 1
    (Y7) floor[n,s]:            as (6), over the whole horizon
    (F)  flat[y] (variant):     served(y) - target demand(y) >= 0, for every year

Growth per year is within the agency's expansion limit because the capacity in operation
is (K <= m every year, so no year adds more than m); capacity may fall in a year, and it
does when no funder whose window covers the year pays for it: the funding cliff.

Objective: as the one-horizon model's, with G for g; the variant adds new money (`bridge`,
any pair, any year) priced above anything it could serve, so it pays only what the grants
cannot for coverage to stay at the first year's. The variant is solved as its LP relaxation
(whole beds not enforced): it prices the flat line, it is not a plan to fund; on the
generated city at scale 0.1 the integer variant ran into a 300 s limit where the LP takes
13 s, and HiGHS's interior point method solves that LP 3x faster than its simplex
(bench/results/years.md).

The groups' eligibility and interpretation (issue 15) are not in this model: it plans for
districts and services (demand summed over cohorts), as version 1 does; docs/years.md.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pulp

from planner.optimise.inputs import EQUITY_WEIGHT, ModelInputs, rows
from planner.years import (
    BY_YEAR_COLUMNS,
    CAPACITY_COLUMNS,
    CLIFF_COLUMNS,
    FUNDING_COLUMNS,
    FlatCoverage,
    Window,
    YearsResult,
    applies,
    funder_windows,
    window_shares,
    year_periods,
)

if TYPE_CHECKING:
    from planner.optimise.plan import Plan
    from planner.optimise.solve import SolveOptions
    from planner.package import CityPackage
    from planner.scenario import Scenario

MONEY_UNIT = 1000.0
YEARS_MIP_GAP = 1e-3
"""The year-by-year solve's relative MIP gap at most (the plan's own when smaller)."""
LATER_MONEY = 1e-7
"""Objective weight of a thousand of grant money per year it is spent after the first."""
BRIDGE = "__bridge__"
"""The variant's new money, in any year (never a funder of the package)."""


@dataclass(eq=False)
class YearsModel:
    """A built year-by-year problem with its variables keyed by domain ids."""

    problem: pulp.LpProblem
    years: list[list[str]]
    cells: pd.DataFrame  # district_id, service_id, year, block, months, demand, u
    flows: pd.DataFrame  # district_id, agency_id, service_id, year, block, months, dist_km, x
    pairs: pd.DataFrame  # agency_id, service_id, c0, m, annual_cost, open_cost, is_new, grow
    shares: pd.DataFrame
    K: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    opened: dict[tuple[str, str, int], pulp.LpVariable] = field(default_factory=dict)
    G: dict[tuple[str, str, str, int], pulp.LpVariable] = field(default_factory=dict)
    x: list[pulp.LpVariable] = field(default_factory=list)
    u: list[pulp.LpVariable] = field(default_factory=list)
    v: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    constraints: int = 0
    nonzeros: int = 0

    def add(self, name: str, terms: dict[pulp.LpVariable, float], sense: int, rhs: float) -> None:
        constraint = pulp.LpConstraint(pulp.LpAffineExpression(terms), sense=sense, rhs=rhs)
        self.problem.addConstraint(constraint, name)
        self.constraints += 1
        self.nonzeros += len(terms)

    def size(self) -> dict[str, int]:
        integer = sum(1 for var in self.K.values() if var.cat == pulp.LpInteger) + len(self.opened)
        variables = len(self.K) + len(self.opened) + len(self.G) + len(self.x) + len(self.u)
        return {
            "variables": variables + len(self.v),
            "integer_variables": integer,
            "constraints": self.constraints,
            "nonzeros": self.nonzeros,
        }


def build_years_model(
    inputs: ModelInputs,
    windows: dict[str, Window],
    *,
    flat_target: float | None = None,
) -> YearsModel:
    """The year-by-year model of `inputs` with the funders' `windows`; with `flat_target`,
    the "keep coverage flat" variant (every year's coverage at least the target, new money
    allowed in any year)."""
    years = year_periods(inputs.periods)
    shares = window_shares({f: windows.get(f, (None, None)) for f in inputs.funder_budget}, years)
    model = YearsModel(
        problem=pulp.LpProblem("haven_years", pulp.LpMinimize),
        years=years,
        cells=_cells(inputs, years),
        flows=pd.DataFrame(),
        pairs=_pairs(inputs),
        shares=shares,
    )
    _define_flows(model, inputs)
    _define_capacity(model, inputs, bridge=flat_target is not None)
    _define_balance_and_capacity(model)
    _define_budgets(model, inputs)
    _define_floor(model, inputs)
    if flat_target is not None:
        _define_flat(model, flat_target)
    _define_objective(model, inputs, bridge=flat_target is not None)
    return model


def _cells(inputs: ModelInputs, years: list[list[str]]) -> pd.DataFrame:
    """Demand per district, service and block of a year (months of identical demand)."""
    demand = (
        inputs.demand.groupby(["district_id", "service_id", "period"], sort=True)["demand"]
        .sum()
        .reset_index()
    )
    frames = []
    for service_id, frame in demand.groupby("service_id", sort=True):
        table = frame.pivot(index="district_id", columns="period", values="demand").fillna(0.0)
        for year, months in enumerate(years, start=1):
            present = [p for p in months if p in table.columns]
            groups: dict[bytes, list[str]] = {}
            for period in present:
                groups.setdefault(table[period].to_numpy(float).tobytes(), []).append(period)
            for members in groups.values():
                column = table[members[0]]
                column = column[column > 0]
                frames.append(
                    pd.DataFrame(
                        {
                            "district_id": column.index.astype(str),
                            "service_id": str(service_id),
                            "year": year,
                            "block": f"{members[0]}+{len(members)}",
                            "months": len(members),
                            "demand": column.to_numpy(float),
                        }
                    )
                )
    columns = ["district_id", "service_id", "year", "block", "months", "demand"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def _pairs(inputs: ModelInputs) -> pd.DataFrame:
    pairs = inputs.pairs.copy()
    factor = inputs.horizon_months / 12.0
    pairs["annual_cost"] = pairs["cost"].astype(float) / factor if factor > 0 else 0.0
    reached = pd.MultiIndex.from_frame(inputs.arcs[["agency_id", "service_id"]]).unique()
    keys = pd.MultiIndex.from_frame(pairs[["agency_id", "service_id"]])
    pairs["grow"] = (pairs["m"] > 0) & keys.isin(reached)
    return pairs.reset_index(drop=True)


def _define_flows(model: YearsModel, inputs: ModelInputs) -> None:
    cells = model.cells.reset_index(drop=True)
    add = model.problem.add_variable
    model.u = [add(f"u_{i}", 0.0) for i in range(len(cells))]
    cells["u"] = np.arange(len(cells))
    flows = inputs.arcs.merge(cells, on=["district_id", "service_id"])
    flows = flows.sort_values(["u", "agency_id"], kind="stable").reset_index(drop=True)
    model.x = [add(f"x_{i}", 0.0) for i in range(len(flows))]
    flows["x"] = np.arange(len(flows))
    model.cells, model.flows = cells, flows


def _define_capacity(  # noqa: C901 (one pass over the pairs: K, O, G and their links)
    model: YearsModel, inputs: ModelInputs, *, bridge: bool
) -> None:
    """K, O and G, with (Y3) funding, (Y4) windows and (Y6) expansion."""
    add = model.problem.add_variable
    integer = inputs.services["integer"].to_dict()
    eligible = inputs.eligible.groupby(["agency_id", "service_id"])["funder_id"].apply(list)
    share = {(r.funder_id, int(r.year)): float(r.share) for r in rows(model.shares)}
    years = range(1, len(model.years) + 1)
    months = {y: len(m) for y, m in enumerate(model.years, start=1)}
    for row in rows(model.pairs[model.pairs["grow"]]):
        a, s = str(row.agency_id), str(row.service_id)
        cat = pulp.LpInteger if integer.get(s, False) else pulp.LpContinuous
        funders = list(eligible.get((a, s), []))
        for y in years:
            k = add(f"K[{a},{s},{y}]", 0.0, float(row.m), cat)
            model.K[(a, s, y)] = k
            if row.is_new:
                model.opened[(a, s, y)] = add(f"O[{a},{s},{y}]", 0.0, 1.0, pulp.LpInteger)
        if row.is_new:
            model.add(
                f"opened_once[{a},{s}]",
                {model.opened[(a, s, y)]: 1.0 for y in years},
                pulp.LpConstraintLE,
                1.0,
            )
            for y in years:
                terms = {model.K[(a, s, y)]: 1.0}
                for earlier in range(1, y + 1):
                    terms[model.opened[(a, s, earlier)]] = -float(row.m)
                model.add(f"expansion[{a},{s},{y}]", terms, pulp.LpConstraintLE, 0.0)
        if row.annual_cost <= 0 and row.open_cost <= 0:
            continue
        for y in years:
            run = float(row.annual_cost) * months[y] / 12.0 / MONEY_UNIT
            opening = float(row.open_cost) / MONEY_UNIT
            paying = [f for f in funders if share.get((f, y), 0.0) > 0]
            if bridge:
                paying.append(BRIDGE)
            paid: dict[pulp.LpVariable, float] = {}
            for f in paying:
                g = add(f"G[{f},{a},{s},{y}]", 0.0)
                model.G[(f, a, s, y)] = g
                paid[g] = 1.0
                part = 1.0 if f == BRIDGE else share[(f, y)]
                if part < 1.0:
                    cap = {g: 1.0, model.K[(a, s, y)]: -part * run}
                    if (a, s, y) in model.opened and opening > 0:
                        cap[model.opened[(a, s, y)]] = -part * opening
                    model.add(f"window[{f},{a},{s},{y}]", cap, pulp.LpConstraintLE, 0.0)
            if run > 0:
                paid[model.K[(a, s, y)]] = -run
            if (a, s, y) in model.opened and opening > 0:
                paid[model.opened[(a, s, y)]] = -opening
            model.add(f"funding[{a},{s},{y}]", paid, pulp.LpConstraintEQ, 0.0)


def _define_balance_and_capacity(model: YearsModel) -> None:
    """(Y1) balance per cell, (Y2) capacity per pair and block."""
    cells, flows = model.cells, model.flows
    by_cell = flows.groupby("u")["x"].apply(list).to_dict()
    for row in rows(cells):
        terms = {model.x[i]: 1.0 for i in by_cell.get(row.u, [])}
        terms[model.u[row.u]] = 1.0
        name = f"balance[{row.district_id},{row.service_id},{row.year},{row.block}]"
        model.add(name, terms, pulp.LpConstraintEQ, float(row.demand))
    c0 = model.pairs.set_index(["agency_id", "service_id"])["c0"].astype(float).to_dict()
    if len(flows) == 0:
        return
    # one constraint per (agency, service, block): members found by sorting, not by a
    # pandas group loop (86,000 groups at scale 1)
    key = flows.groupby(["agency_id", "service_id", "block"], sort=True).ngroup().to_numpy()
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    agency = flows["agency_id"].to_numpy()
    service = flows["service_id"].to_numpy()
    year = flows["year"].to_numpy()
    block = flows["block"].to_numpy()
    position = flows["x"].to_numpy()
    for members in np.split(order, bounds):
        first = members[0]
        a, s, y = str(agency[first]), str(service[first]), int(year[first])
        terms = {model.x[int(i)]: 1.0 for i in position[members]}
        k = model.K.get((a, s, y))
        if k is not None:
            terms[k] = -1.0
        name = f"capacity[{a},{s},{block[first]}]"
        model.add(name, terms, pulp.LpConstraintLE, c0.get((a, s), 0.0))


def _define_budgets(model: YearsModel, inputs: ModelInputs) -> None:
    """(Y5) each funder's budget over the horizon, and the total (the bridge is outside)."""
    by_funder: dict[str, dict[pulp.LpVariable, float]] = {}
    for (f, _a, _s, _y), g in model.G.items():
        if f != BRIDGE:
            by_funder.setdefault(f, {})[g] = 1.0
    for f, terms in by_funder.items():
        budget = inputs.funder_budget.get(f, 0.0) / MONEY_UNIT
        model.add(f"funder_budget[{f}]", terms, pulp.LpConstraintLE, budget)
    total = {g: 1.0 for terms in by_funder.values() for g in terms}
    if total:
        model.add("budget", total, pulp.LpConstraintLE, inputs.total_budget / MONEY_UNIT)


def _define_floor(model: YearsModel, inputs: ModelInputs) -> None:
    """(Y7) the equity floor over the whole horizon (soft: slack v priced in the objective)."""
    alpha = inputs.equity_floor
    if alpha <= 0 or len(model.cells) == 0:
        return
    cells = model.cells
    for key, frame in cells.groupby(["district_id", "service_id"], sort=True):
        n, s = str(key[0]), str(key[1])  # type: ignore[index]
        demand = float((frame["demand"] * frame["months"]).sum())
        if demand <= 0:
            continue
        terms = {
            model.u[int(i)]: float(m) for i, m in zip(frame["u"], frame["months"], strict=True)
        }
        if inputs.equity_mode == "soft":
            v = model.problem.add_variable(f"v[{n},{s}]", 0.0)
            model.v[(n, s)] = v
            terms[v] = -1.0
        model.add(f"floor[{n},{s}]", terms, pulp.LpConstraintLE, (1.0 - alpha) * demand)


def _define_flat(model: YearsModel, target: float) -> None:
    """(F) every year's city coverage at least `target`: served(y) >= target demand(y)."""
    cells, flows = model.cells, model.flows
    for year in range(1, len(model.years) + 1):
        in_year = cells[cells["year"] == year]
        demand = float((in_year["demand"] * in_year["months"]).sum())
        served = flows[flows["year"] == year]
        terms = {
            model.x[int(i)]: float(m) for i, m in zip(served["x"], served["months"], strict=True)
        }
        model.add(f"flat[{year}]", terms, pulp.LpConstraintGE, target * demand - 1e-9)


def _define_objective(model: YearsModel, inputs: ModelInputs, *, bridge: bool) -> None:
    weight = inputs.services["weight"].astype(float)
    cells, flows = model.cells, model.flows
    coef = cells["months"].to_numpy(float) * weight.reindex(cells["service_id"]).to_numpy(float)
    terms: dict[pulp.LpVariable, float] = dict(zip(model.u, coef.tolist(), strict=True))
    for (_n, s), v in model.v.items():
        terms[v] = EQUITY_WEIGHT * float(weight[s])
    if inputs.distance_weight > 0 and len(flows):
        x_coef = inputs.distance_weight * flows["months"].to_numpy(float)
        x_coef = x_coef * flows["dist_km"].to_numpy(float)
        terms.update(zip(model.x, x_coef.tolist(), strict=True))
    bridge_price = _bridge_price(model, inputs) if bridge else 0.0
    for (f, _a, _s, y), g in model.G.items():
        if f == BRIDGE:
            terms[g] = bridge_price
        else:
            # a grant's money spent earlier rather than later when it serves as much: the
            # cliff then falls where the money or the window ends, not between equal years
            terms[g] = inputs.cost_weight * MONEY_UNIT + LATER_MONEY * (y - 1)
    model.problem.setObjective(pulp.LpAffineExpression(terms))


def _bridge_price(model: YearsModel, inputs: ModelInputs) -> float:
    """Per thousand of new money: above what any unit-month it buys could remove (with the
    floor's weight), so that new money pays only what coverage kept flat needs."""
    weight = float(inputs.services["weight"].astype(float).max() or 1.0)
    costs = model.pairs.loc[model.pairs["grow"], "annual_cost"].astype(float) / 12.0
    costs = costs[costs > 0]
    cheapest = float(costs.min()) if len(costs) else 1.0
    return 1.1 * (1.0 + EQUITY_WEIGHT) * weight * MONEY_UNIT / cheapest


# --- solving and reading back -------------------------------------------------------------------


def solve_years(
    inputs: ModelInputs,
    windows: dict[str, Window],
    *,
    time_limit_s: float = 120.0,
    mip_gap: float = 1e-6,
    flat: bool = True,
) -> YearsResult:
    """The year-by-year plan and, with `flat`, its "keep coverage flat" variant."""
    started = time.perf_counter()
    model = build_years_model(inputs, windows)
    status = _solve(model, time_limit_s, mip_gap)
    if status not in ("optimal", "time_limit"):
        return YearsResult(
            status=status,
            objective=None,
            size=model.size(),
            by_year=pd.DataFrame(columns=BY_YEAR_COLUMNS),
            capacity=pd.DataFrame(columns=CAPACITY_COLUMNS),
            funding=pd.DataFrame(columns=FUNDING_COLUMNS),
            cliffs=pd.DataFrame(columns=CLIFF_COLUMNS),
            shares=model.shares,
            solve_s=time.perf_counter() - started,
        )
    capacity, funding, by_year = _read(model)
    cliffs = _cliffs(capacity, funding, model.shares)
    by_year["cliff_units"] = (
        by_year["year"].map(cliffs.groupby("year")["units"].sum()).fillna(0.0).astype(float)
    )
    flat_result = None
    if flat and len(by_year) > 1:
        flat_result = _flat(inputs, windows, by_year, time_limit_s, mip_gap)
    return YearsResult(
        status=status,
        objective=pulp.value(model.problem.objective),
        size=model.size(),
        by_year=by_year[BY_YEAR_COLUMNS],
        capacity=capacity,
        funding=funding,
        cliffs=cliffs,
        shares=model.shares,
        flat=flat_result,
        solve_s=time.perf_counter() - started,
    )


def _solve(model: YearsModel, time_limit_s: float, mip_gap: float, **options: str) -> str:
    """Solve with HiGHS through PuLP; the status read from HiGHS itself (PuLP says
    "Optimal" for a MIP stopped at its time limit with a feasible plan)."""
    if not model.problem.variables():
        return "optimal"
    from planner.optimise.highs import problem_status

    solver = pulp.HiGHS(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, random_seed=0, **options)
    model.problem.solve(solver)
    status = problem_status(model.problem)
    return "not_solved" if status == "error" else status


def _value(var: pulp.LpVariable) -> float:
    value = var.value()
    return float(value) if value is not None else 0.0


def _read(model: YearsModel) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    capacity = pd.DataFrame(
        [(a, s, y, _value(k)) for (a, s, y), k in model.K.items()], columns=CAPACITY_COLUMNS
    )
    funding = pd.DataFrame(
        [(f, a, s, y, _value(g) * MONEY_UNIT) for (f, a, s, y), g in model.G.items()],
        columns=FUNDING_COLUMNS,
    )
    funding = funding[funding["amount"] > 1e-6].reset_index(drop=True)
    cells, flows = model.cells, model.flows
    served = np.array([_value(v) for v in model.x]) * flows["months"].to_numpy(float)
    rows = []
    for year, months in enumerate(model.years, start=1):
        in_year = cells["year"].to_numpy() == year
        demand = float((cells["demand"] * cells["months"]).to_numpy(float)[in_year].sum())
        year_served = float(served[flows["year"].to_numpy() == year].sum()) if len(flows) else 0.0
        rows.append(
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
    return capacity, funding, pd.DataFrame(rows, columns=BY_YEAR_COLUMNS)


def _cliffs(capacity: pd.DataFrame, funding: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Per year and pair, the capacity in operation lost since the year before, and the
    funders that paid for the pair that year before and whose window covers less now."""
    if capacity.empty:
        return pd.DataFrame(columns=CLIFF_COLUMNS)
    share: dict[tuple[str, Any], float] = {
        (str(r.funder_id), int(r.year)): float(r.share) for r in rows(shares)
    }
    table = capacity.pivot_table(
        index=["agency_id", "service_id"], columns="year", values="units", aggfunc="sum"
    ).fillna(0.0)
    paid = funding.groupby(["agency_id", "service_id", "year"])["funder_id"].apply(set).to_dict()
    found: list[dict[str, Any]] = []
    years = sorted(table.columns)
    for key, values in table.iterrows():
        a, s = str(key[0]), str(key[1])  # type: ignore[index]
        for before, year in itertools.pairwise(years):
            lost = float(values[before]) - float(values[year])
            if lost <= 1e-6:
                continue
            ended = sorted(
                f
                for f in paid.get((a, s, before), set())
                if share.get((f, year), 0.0) < share.get((f, before), 0.0)
            )
            found.append(
                {
                    "year": int(year),
                    "agency_id": a,
                    "service_id": s,
                    "units": lost,
                    "funders_ended": ";".join(ended),
                }
            )
    return pd.DataFrame(found, columns=CLIFF_COLUMNS)


def _flat(
    inputs: ModelInputs,
    windows: dict[str, Window],
    by_year: pd.DataFrame,
    time_limit_s: float,
    mip_gap: float,
) -> FlatCoverage:
    target = float(by_year["coverage"].iloc[0])
    if not np.isfinite(target):
        return FlatCoverage("not_solved", None, None, None, None)
    model = build_years_model(inputs, windows, flat_target=target)
    for var in [*model.K.values(), *model.opened.values()]:
        var.cat = pulp.LpContinuous  # an estimate of the money: whole beds not enforced
    # interior point: 3x faster than simplex on this LP (19 s against 56 s at scale 0.25)
    status = _solve(model, time_limit_s, mip_gap, solver="ipm")
    if status not in ("optimal", "time_limit"):
        return FlatCoverage(status, target, None, None, None)
    capacity, funding, flat_years = _read(model)
    cliffs = _cliffs(capacity, funding, model.shares)
    flat_years["cliff_units"] = (
        flat_years["year"].map(cliffs.groupby("year")["units"].sum()).fillna(0.0).astype(float)
    )
    money = float(funding["amount"].sum())
    bridge = float(funding.loc[funding["funder_id"] == BRIDGE, "amount"].sum())
    return FlatCoverage(
        status=status,
        target=target,
        money=money,
        bridge_money=bridge,
        extra_cost=money - float(by_year["money"].sum()),
        by_year=flat_years,
    )


def with_years(
    package: CityPackage,
    inputs: ModelInputs,
    plan: Plan,
    options: SolveOptions,
    scenario: Scenario,
) -> Plan:
    """The plan with its year-by-year plan (`Plan.years`) when the horizon is above 12
    months and a funder has a window; the plan itself unchanged otherwise (and always: the
    one-horizon plan stays the plan, its years said beside it). The solve's time limit and
    MIP gap hold for each of the two year-by-year solves."""
    windows = funder_windows(package)
    if not plan.has_plan or not applies(inputs.horizon_months, windows):
        return plan
    started = time.perf_counter()
    years = solve_years(
        inputs,
        windows,
        time_limit_s=options.time_limit_s or scenario.time_limit_s,
        mip_gap=min(options.mip_gap, YEARS_MIP_GAP),
    )
    times = {**plan.times, "years": time.perf_counter() - started}
    return replace(plan, years=years, times=times)
