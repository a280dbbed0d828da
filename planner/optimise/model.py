r"""The allocation model of ../shared/MODEL.md, written with PuLP from sparse index lists.

Sets: districts N, agencies A, services S, periods T (merged into blocks b of identical demand,
each weighted by its number of months |b|), funders F; R(n,s) the agencies within the radius.

Variables (only where they can be non-zero):
    k[a,s]     capacity added (integer for whole-unit services)        pairs with m[a,s] > 0
    y[a,s]     service opened (binary)                                  new pairs only
    g[f,a,s]   money from funder f                                      eligible and paid pairs
    x[n,a,s,b] demand of n served by a, per month of block b            a in R(n,s), d > 0
    u[n,s,b]   demand left unmet, per month of block b                  d > 0
    v[n,s]     shortfall below the equity floor                         soft mode, alpha > 0

Constraints (numbers as in MODEL.md; names as `family[ids]`):
    (1) balance[n,s,b]:     sum_{a in R(n,s)} x[n,a,s,b] + u[n,s,b] = d[n,s,b]
    (2) capacity[a,s,b]:    sum_n x[n,a,s,b] - k[a,s] <= c0[a,s]
    (3) funding[a,s]:       sum_f g[f,a,s] - cost[a,s] k[a,s] - open[a,s] y[a,s] = 0
    (4) funder_budget[f]:   sum_{a,s} g[f,a,s] <= B[f];   budget: sum g <= B
    (5) expansion[a,s]:     k[a,s] <= m[a,s]   (offered);   k[a,s] - m[a,s] y[a,s] <= 0 (new)
    (6) floor[n,s]:         sum_b |b| u[n,s,b] - v[n,s] <= (1 - alpha) sum_b |b| d[n,s,b]
                            (v absent in hard mode)

Population groups and eligibility (planner.optimise.cohorts): cells, flows and unmet demand
carry a cohort q (a class of cohorts the service cannot tell apart); x[n,a,s,q,b] exists only
where a accepts q's group for s. (1) holds per cohort, (2) and (6) sum over cohorts, and
    (7) interpretation[t]:  sum h[s] x[n,a,s,q,b(t)] over flows across a language barrier
                            + sum x[n,a,I,q,b(t)] - sum_a k[a,I] <= sum_a c0[a,I]
        (one row per set of months that fall in the same blocks of every service involved)
    (8) group_floor[s,p]:   sum |b| u[.,s,q in p,b] - vg[s,p] <= (1 - beta[p]) sum |b| d[...]
                            (city-wide, vg absent in hard mode)
A version-1 package has one cohort per service (`any`, left out of the names): its model
is exactly version 1's.

Objective:
    min  sum |b| w[s] wp[q] u  +  W_eq sum w[s] v  +  W_eq sum w[s] wp[p] vg
         +  lambda sum |b| dist[n,a] x  +  epsilon sum g

Money is measured in thousands (`MONEY_UNIT`) inside the model: g and the budgets' right-hand
sides are divided by 1,000, and epsilon multiplied by it, so that the money tie-breaker is a
cost well above the solvers' optimality tolerances (1e-7) instead of below them.

Merging months into blocks is exact: the months of a block have the same demand in every
district and the same capacity, so one month's optimal flows serve them all.

Years and grant windows (issue 20; `inputs.years`, planner.years): with a horizon above 12
months and a funder with a window, the plan is made year by year in this same model. Blocks
never cross a plan year, and
    k[a,s,y]   capacity in operation added in year y (k in year-major order: the column of
               pair position p in year y is (y - 1) |grow| + p; `k_pos` is year 1's)
    y[a,s,y]   service opened in year y (new pairs; keyed as k)
    g[f,a,s,y] money from f in year y, only where f's window covers part of year y
    (2) capacity[a,s,b]:    sum_n x - k[a,s,y(b)] <= c0   (and (7) with k of the month's year)
    (3) funding[a,s,y]:     sum_f g[f,a,s,y] - run[a,s,y] k[a,s,y] - open[a,s] y[a,s,y] = 0,
                            run = the yearly unit cost x months(y) / 12
        window[f,a,s,y]:    g[f,a,s,y] - share[f,y] (run k + open y) <= 0   (0 < share < 1)
    (4) budgets over the whole horizon, as above
    (5) expansion[a,s,y]:   k[a,s,y] <= m;  k[a,s,y] - m sum_{y' <= y} y[a,s,y'] <= 0 (new)
        opened_once[a,s]:   sum_y y[a,s,y] <= 1   (an opening is paid once)
Growth in a year is within the expansion limit because capacity in operation is, every year.
A grant's money spent in a later year weighs `LATER_MONEY` more per year (among equal plans,
money early: the cliff falls where money or window ends). Groups, interpretation, pathways,
wait caps and floors are the same rows as without years. `flat_target` adds the "keep
coverage flat" variant's rows: served(y) >= target (served(y) + unmet(y)) every year, with new
money (`BRIDGE`, any pair and year, outside the budgets) priced above anything it serves.

Besides the plan's model, `build_model` builds the variants the diagnosis needs: budgets
removed (`budget="unlimited"`) or elastic (`budget="elastic"`, slack `extra[...]` priced 1),
the objective of the floor's shortfall only (`objective="shortfall"`), or the extra money
(`objective="extra_budget"`), and capacity fixed to a baseline's (`fixed_units`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pulp

from planner.optimise.cohorts import ANY_COHORT, class_weights
from planner.optimise.inputs import EQUITY_WEIGHT, ModelInputs, _block_label, rows

#: Money inside the model is counted in units of this many currency units.
MONEY_UNIT = 1000.0
#: Objective weight of a thousand of grant money per year it is spent after the first (years).
LATER_MONEY = 1e-7
#: The "keep coverage flat" variant's new money, in any year (never a funder of a package).
BRIDGE = "__bridge__"

FloorMode = Literal["scenario", "soft", "hard", "none"]
BudgetMode = Literal["limited", "unlimited", "elastic"]
ObjectiveMode = Literal["plan", "shortfall", "extra_budget"]


@dataclass(eq=False)
class HavenModel:
    """A built PuLP problem with its variables and constraints keyed by domain ids."""

    inputs: ModelInputs
    problem: pulp.LpProblem
    floor_mode: str
    pairs: pd.DataFrame = field(default_factory=pd.DataFrame)  # k / y rows, with positions
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)  # x rows
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)  # u rows (block demand)
    floor_cells: pd.DataFrame = field(default_factory=pd.DataFrame)  # v / floor rows
    group_floor_mode: str = "none"
    group_floor_cells: pd.DataFrame = field(default_factory=pd.DataFrame)  # vg / (8) rows
    money: pd.DataFrame = field(default_factory=pd.DataFrame)  # g rows
    k: list[pulp.LpVariable] = field(default_factory=list)
    y: dict[int, pulp.LpVariable] = field(default_factory=dict)
    g: list[pulp.LpVariable] = field(default_factory=list)
    x: list[pulp.LpVariable] = field(default_factory=list)
    u: list[pulp.LpVariable] = field(default_factory=list)
    v: dict[int, pulp.LpVariable] = field(default_factory=dict)
    vg: dict[int, pulp.LpVariable] = field(default_factory=dict)
    served: dict[int, pulp.LpVariable] = field(default_factory=dict)  # pathways' sources
    extra: dict[str, pulp.LpVariable] = field(default_factory=dict)
    constraints: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    flat_target: float | None = None  # YEARS: the "keep coverage flat" variant's target
    _columns: list[pulp.LpVariable] | None = field(default=None, repr=False)

    def columns(self) -> list[pulp.LpVariable]:
        """Every variable of the model, family by family (the solver's columns), listed once
        and registered on the PuLP problem: `LpProblem.variables()` walks every constraint
        and sorts by name on each call, a second per call on the demo city."""
        if self._columns is None:
            listed = [
                *self.k,
                *self.y.values(),
                *self.g,
                *self.x,
                *self.u,
                *self.v.values(),
                *self.vg.values(),
                *self.served.values(),
                *self.extra.values(),
            ]
            self.problem._variables = listed
            self.problem._variable_ids = {var.hash: var for var in listed}
            self._columns = listed
        return self._columns

    @property
    def n_integer(self) -> int:
        return sum(1 for v in self.k if v.cat == pulp.LpInteger) + len(self.y)

    def add(self, kind: str, name: str, terms: dict, sense: int, rhs: float) -> None:
        """Add one named constraint `terms (sense) rhs` of a family."""
        expression = pulp.LpAffineExpression(terms)
        constraint = pulp.LpConstraint(expression, sense=sense, rhs=float(rhs))
        self.problem.addConstraint(constraint, name)
        self.constraints[name] = constraint
        self.kinds[name] = kind

    def size(self) -> dict[str, int]:
        variables = len(self.k) + len(self.y) + len(self.g) + len(self.x) + len(self.u)
        variables += len(self.v) + len(self.vg) + len(self.served) + len(self.extra)
        nonzeros = sum(len(c.expr) for c in self.constraints.values())
        return {
            "variables": variables,
            "integer_variables": self.n_integer,
            "constraints": len(self.constraints),
            "nonzeros": nonzeros,
        }


def build_model(
    inputs: ModelInputs,
    *,
    floor: FloorMode = "scenario",
    budget: BudgetMode = "limited",
    objective: ObjectiveMode = "plan",
    fixed_units: pd.DataFrame | None = None,
    flat_target: float | None = None,
) -> HavenModel:
    """Build the model, one `define_*` function per family, in MODEL.md's order;
    `flat_target` (a plan with years): the "keep coverage flat" variant."""
    floor_mode = inputs.equity_mode if floor == "scenario" else floor
    if inputs.equity_floor <= 0:
        floor_mode = "none"
    model = HavenModel(inputs, pulp.LpProblem("haven", pulp.LpMinimize), floor_mode)
    model.flat_target = flat_target if inputs.years is not None else None
    model.group_floor_mode = inputs.equity_mode if floor == "scenario" else floor
    define_capacity_variables(model, fixed_units)
    define_funding_variables(model)
    define_flow_variables(model)
    define_floor_variables(model)
    define_group_floor_variables(model)
    define_demand_balance(model)
    define_capacity(model)
    _define_flow(model)  # FLOW (issue 16): referral pathways and wait targets' caps
    define_funding(model)
    define_budgets(model, budget)
    define_expansion(model)
    define_equity_floor(model)
    define_interpretation(model)
    define_group_floors(model)
    define_flat(model)
    define_objective(model, objective)
    return model


# --- years (issue 20) ----------------------------------------------------------------------


def n_years(model: HavenModel) -> int:
    """The plan's years (1 for a plan of one horizon)."""
    years = model.inputs.years
    return years.count if years is not None else 1


def n_grow(model: HavenModel) -> int:
    """Pairs with a capacity column (a column per year with years)."""
    return int((model.pairs["k_pos"] >= 0).sum()) if "k_pos" in model.pairs else 0


def k_column(model: HavenModel, k_pos: int, year: int, grow: int | None = None) -> int:
    """Position in `model.k` of pair `k_pos`'s capacity column in `year` (1-based)."""
    return (year - 1) * (n_grow(model) if grow is None else grow) + k_pos


def block_years(model: HavenModel) -> dict[str, int]:
    """Each block label's plan year (a block never crosses one; 1 without years)."""
    years = model.inputs.years
    if years is None:
        return {}
    year_of = years.year_of()
    labels = set(model.flows["block"].astype(str)) if len(model.flows) else set()
    labels |= set(model.cells["block"].astype(str)) if len(model.cells) else set()
    return {label: year_of.get(label[:7], 1) for label in labels}


def capacity_column(model: HavenModel, name: str) -> pulp.LpVariable | None:
    """The capacity column k of a capacity row `capacity[a,s,block]` (its year's with
    years), None where the pair cannot grow."""
    agency_id, service_id, block = name[len("capacity[") : -1].split(",", 2)
    pairs = model.pairs
    match = pairs[(pairs["agency_id"] == agency_id) & (pairs["service_id"] == service_id)]
    if len(match) == 0 or int(match["k_pos"].iloc[0]) < 0:
        return None
    k_pos = int(match["k_pos"].iloc[0])
    year = block_years(model).get(block, 1) if model.inputs.years is not None else 1
    return model.k[k_column(model, k_pos, year)]


def define_flat(model: HavenModel) -> None:
    """The "keep coverage flat" variant (`model.flat_target`): every year's served at least
    the target share of its demand (served + unmet: demand induced along pathways
    included), flat[y]: (1 - target) served(y) - target unmet(y) >= 0."""
    target = model.flat_target
    if target is None or model.inputs.years is None:
        return
    years = block_years(model)
    flows, cells = model.flows, model.cells
    flow_year = np.array([years.get(str(b), 1) for b in flows["block"]], dtype=np.int64)
    cell_year = np.array([years.get(str(b), 1) for b in cells["block"]], dtype=np.int64)
    flow_months = flows["months"].to_numpy(float)
    cell_months = cells["months"].to_numpy(float)
    for year in range(1, n_years(model) + 1):
        terms: dict[pulp.LpVariable, float] = {
            model.x[i]: (1.0 - target) * float(flow_months[i])
            for i in np.flatnonzero(flow_year == year).tolist()
        }
        for i in np.flatnonzero(cell_year == year).tolist():
            terms[model.u[i]] = -target * float(cell_months[i])
        if terms:
            model.add("flat", f"flat[{year}]", terms, pulp.LpConstraintGE, -1e-9)


def bridge_price(model: HavenModel) -> float:
    """Per thousand of the variant's new money: above what any unit-month it buys could
    remove (with the floor's weight), so that new money pays only what coverage kept flat
    needs."""
    inputs = model.inputs
    weight = float(inputs.services["weight"].astype(float).max() or 1.0)
    if inputs.cohorts.grouped:
        weight *= float(max(inputs.cohorts.classes["weight"].astype(float).max(), 1.0))
    grow = model.pairs[model.pairs["k_pos"] >= 0]
    factor = inputs.horizon_months / 12.0 if inputs.horizon_months > 0 else 1.0
    costs = grow["cost"].astype(float) / factor / 12.0
    costs = costs[costs > 0]
    cheapest = float(costs.min()) if len(costs) else 1.0
    return 1.1 * (1.0 + 2.0 * EQUITY_WEIGHT) * weight * MONEY_UNIT / cheapest


def running_cost(model: HavenModel, cost: float, year: int) -> float:
    """A unit's running cost in `year`: the horizon's cost per unit, per year of the
    horizon, times the year's months / 12."""
    inputs = model.inputs
    years = inputs.years
    if years is None:
        return cost
    factor = inputs.horizon_months / 12.0
    annual = cost / factor if factor > 0 else 0.0
    return annual * years.months(year) / 12.0


def _define_flow(model: HavenModel) -> None:
    from planner.optimise.pathways import define_flow  # it imports this module

    define_flow(model)


def define_capacity_variables(model: HavenModel, fixed_units: pd.DataFrame | None) -> None:
    """k[a,s] for pairs that may grow and reach someone; y[a,s] for new pairs."""
    inputs = model.inputs
    pairs = inputs.pairs
    reached = pd.MultiIndex.from_frame(inputs.arcs[["agency_id", "service_id"]]).unique()
    keys = pd.MultiIndex.from_frame(pairs[["agency_id", "service_id"]])
    pairs = pairs.assign(reached=keys.isin(reached)).reset_index(drop=True)
    if _interpretation_used(inputs):  # (7) reaches I's capacity from every district
        pairs.loc[pairs["service_id"] == inputs.cohorts.interpretation_service, "reached"] = True
    pairs["k_pos"] = -1
    grow = pairs.index[(pairs["m"] > 0) & pairs["reached"]]
    pairs.loc[grow, "k_pos"] = np.arange(len(grow))
    integer = inputs.services["integer"].to_dict()
    problem = model.problem
    if inputs.years is None:
        for pos, row in enumerate(rows(pairs.loc[grow])):
            cat = pulp.LpInteger if integer[row.service_id] else pulp.LpContinuous
            model.k.append(problem.add_variable(f"k_{pos}", 0.0, float(row.m), cat))
            if row.is_new:
                model.y[pos] = problem.add_variable(f"y_{pos}", 0.0, 1.0, pulp.LpInteger)
    else:  # YEARS: a column per year, year-major (`k_column`)
        grown = list(rows(pairs.loc[grow]))
        for year in range(1, inputs.years.count + 1):
            for pos, row in enumerate(grown):
                cat = pulp.LpInteger if integer[row.service_id] else pulp.LpContinuous
                column = len(model.k)
                model.k.append(problem.add_variable(f"k_{pos}_{year}", 0.0, float(row.m), cat))
                if row.is_new:
                    name = f"y_{pos}_{year}"
                    model.y[column] = problem.add_variable(name, 0.0, 1.0, pulp.LpInteger)
    model.pairs = pairs
    if fixed_units is not None:
        fix_capacity(model, fixed_units)


def fix_capacity(
    model: HavenModel, fixed_units: pd.DataFrame
) -> list[tuple[pulp.LpVariable, float]]:
    """Fix k to `fixed_units` on the PuLP variables (see `capacity_values`); returns the
    (variable, value) pairs, for a solver that holds the model already (`refix_highs`)."""
    changed = capacity_values(model, fixed_units)
    for var, value in changed:
        var.lowBound = var.upBound = value
    return changed


def capacity_values(
    model: HavenModel, fixed_units: pd.DataFrame
) -> list[tuple[pulp.LpVariable, float]]:
    """k at `fixed_units` (agency_id, service_id, units; capped by the expansion limit, 0
    where absent) and y at whether anything is added, as (variable, value) pairs; the PuLP
    variables are left as they are."""
    fixed = fixed_units.set_index(["agency_id", "service_id"])["units"].to_dict()
    grow = model.pairs[model.pairs["k_pos"] >= 0]
    changed: list[tuple[pulp.LpVariable, float]] = []
    if model.inputs.years is not None:
        return _capacity_values_by_year(model, fixed, grow)  # type: ignore[arg-type]
    for row in rows(grow):
        value = min(float(row.m), float(fixed.get((row.agency_id, row.service_id), 0.0)))
        changed.append((model.k[row.k_pos], value))
        if row.k_pos in model.y:
            changed.append((model.y[row.k_pos], 1.0 if value > 0 else 0.0))
    return changed


def _capacity_values_by_year(
    model: HavenModel, fixed: dict[tuple[str, str], float], grow: pd.DataFrame
) -> list[tuple[pulp.LpVariable, float]]:
    """With years: the units in every year that the pair's funders can pay in full, each
    within its share of the year and what is left of its budget and of the total (pairs and
    years in order, funders in id order); 0 in the others; a new service opened in the
    first year with units. A pair that costs nothing keeps its units every year."""
    years = model.inputs.years
    assert years is not None
    share = years.share()
    eligible = model.inputs.eligible.groupby(["agency_id", "service_id"])["funder_id"].apply(
        lambda funders: sorted(str(f) for f in funders)
    )
    left = {str(f): float(b) for f, b in model.inputs.funder_budget.items()}
    total_left = float(model.inputs.total_budget)
    count, width = years.count, len(grow)
    values: dict[int, float] = {}
    openings: dict[int, float] = {}
    for year in range(1, count + 1):
        for row in rows(grow):
            key = (row.agency_id, row.service_id)
            units = min(float(row.m), float(fixed.get(key, 0.0)))
            column = k_column(model, int(row.k_pos), year, width)
            opens = (
                column in model.y
                and units > 0
                and not any(
                    openings.get(k_column(model, int(row.k_pos), y, width), 0.0) > 0
                    for y in range(1, year)
                )
            )
            need = units * running_cost(model, float(row.cost), year)
            need += float(row.open_cost) if opens else 0.0
            if units > 0 and need > 0:
                paid = _pay(need, list(eligible.get(key, [])), year, share, left, total_left)
                if paid is None:
                    units, opens = 0.0, False
                else:
                    total_left -= need
            values[column] = units
            if column in model.y:
                openings[column] = 1.0 if opens else 0.0
    changed: list[tuple[pulp.LpVariable, float]] = []
    for column in sorted(values):
        changed.append((model.k[column], values[column]))
        if column in openings:
            changed.append((model.y[column], openings[column]))
    return changed


def _pay(
    need: float,
    funders: list[str],
    year: int,
    share: dict[tuple[str, int], float],
    left: dict[str, float],
    total_left: float,
) -> float | None:
    """Take `need` from `funders` in order, each at most its share of it and what is left
    of its budget (`left` is changed only when all of it is found); None when it cannot."""
    if need > total_left + 1e-6:
        return None
    takes: dict[str, float] = {}
    still = need
    for funder in funders:
        take = min(share.get((funder, year), 0.0) * need, left.get(funder, 0.0), still)
        if take > 0:
            takes[funder] = take
            still -= take
    if still > 1e-6 * max(need, 1.0):
        return None
    for funder, take in takes.items():
        left[funder] -= take
    return need


def define_funding_variables(model: HavenModel) -> None:
    """g[f,a,s] where the funder may pay and the pair costs money to grow."""
    pairs = model.pairs
    paid = pairs[(pairs["k_pos"] >= 0) & ((pairs["cost"] > 0) | (pairs["open_cost"] > 0))]
    money = model.inputs.eligible.merge(
        paid[["agency_id", "service_id", "k_pos"]], on=["agency_id", "service_id"]
    )
    if model.inputs.years is not None:
        money = _money_by_year(model, money, paid)
    else:
        money = money.sort_values(["k_pos", "funder_id"], kind="stable").reset_index(drop=True)
    add = model.problem.add_variable
    model.g = [add(f"g_{i}", 0.0) for i in range(len(money))]
    model.money = money


def _money_by_year(model: HavenModel, money: pd.DataFrame, paid: pd.DataFrame) -> pd.DataFrame:
    """g rows per year: a funder only in the years its window covers (share > 0); with the
    flat variant, new money (`BRIDGE`, share 1) for every paid pair and year. Sorted by
    year, pair and funder; `year` and `share` columns added."""
    years = model.inputs.years
    assert years is not None
    shares = years.shares[years.shares["share"] > 0]
    money = money.merge(shares, on="funder_id")
    if model.flat_target is not None:
        bridge = paid[["agency_id", "service_id", "k_pos"]].merge(
            pd.DataFrame({"year": range(1, years.count + 1)}), how="cross"
        )
        bridge = bridge.assign(funder_id=BRIDGE, share=1.0)
        money = pd.concat([money, bridge[money.columns]], ignore_index=True)
    money = money.astype({"year": int, "share": float})
    money = money.sort_values(["year", "k_pos", "funder_id"], kind="stable")
    money = money.reset_index(drop=True)
    # the capacity column each row pays for (year-major, as k)
    money["column"] = (money["year"] - 1) * n_grow(model) + money["k_pos"]
    return money


def define_flow_variables(model: HavenModel) -> None:
    """x[n,a,s,q,b] on reachable arcs where there is demand and a accepts q, u[n,s,q,b] where
    there is demand."""
    inputs = model.inputs
    cells = inputs.block_demand.reset_index(drop=True)
    cells["u_pos"] = np.arange(len(cells))
    flows = inputs.arcs.merge(
        cells[["district_id", "service_id", "cohort", "block", "months", "u_pos"]],
        on=["district_id", "service_id"],
    )
    if inputs.cohorts.grouped:  # no x where the group is not accepted
        flows = flows.merge(inputs.cohorts.access, on=["agency_id", "service_id", "cohort"])
    flows = flows.sort_values(["u_pos", "agency_id"], kind="stable").reset_index(drop=True)
    pair_pos = model.pairs.reset_index().set_index(["agency_id", "service_id"])
    flows["pair"] = (
        pair_pos["index"]
        .reindex(pd.MultiIndex.from_frame(flows[["agency_id", "service_id"]]))
        .to_numpy()
    )
    add = model.problem.add_variable
    model.x = [add(f"x_{i}", 0.0) for i in range(len(flows))]
    model.u = [add(f"u_{i}", 0.0) for i in range(len(cells))]
    model.flows = flows
    model.cells = cells


def define_floor_variables(model: HavenModel) -> None:
    """v[n,s] (soft floor) and the cells the floor applies to."""
    if model.floor_mode == "none":
        model.floor_cells = pd.DataFrame(columns=["district_id", "service_id", "demand"])
        return
    cells = model.cells
    total = (
        cells.assign(total=cells["demand"] * cells["months"])
        .groupby(["district_id", "service_id"], sort=True)["total"]
        .sum()
        .reset_index()
    )
    total = total[total["total"] > 0].reset_index(drop=True)
    model.floor_cells = total.rename(columns={"total": "demand"})
    if model.floor_mode == "soft":
        add = model.problem.add_variable
        model.v = {i: add(f"v_{i}", 0.0) for i in range(len(total))}


def define_demand_balance(model: HavenModel) -> None:
    """(1) sum_a x + u = d for every district, service and block with demand."""
    cells, flows = model.cells, model.flows
    groups = _group_positions(flows["u_pos"].to_numpy(), len(cells))
    x, u = model.x, model.u
    for row, members in zip(rows(cells), groups, strict=True):
        terms = dict.fromkeys([x[i] for i in members], 1.0)
        terms[u[row.u_pos]] = 1.0
        cohort = "" if row.cohort == ANY_COHORT else f",{row.cohort}"
        name = f"balance[{row.district_id},{row.service_id}{cohort},{row.block}]"
        model.add("balance", name, terms, pulp.LpConstraintEQ, row.demand)


def define_capacity(model: HavenModel) -> None:
    """(2) sum_n x <= c0 + k for every reached pair and block."""
    flows, pairs = model.flows, model.pairs
    if len(flows) == 0:
        return
    key = flows.groupby(["pair", "block"], sort=True).ngroup().to_numpy()
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    x, k = model.x, model.k
    pair_of = flows["pair"].to_numpy()
    block_of = flows["block"].to_numpy()
    agency = pairs["agency_id"].tolist()
    service = pairs["service_id"].tolist()
    k_pos = pairs["k_pos"].tolist()
    c0 = pairs["c0"].astype(float).tolist()
    years = block_years(model)  # YEARS: the column of the block's year ({}: one horizon)
    grow = n_grow(model)
    for members in np.split(order, bounds):
        p = int(pair_of[members[0]])
        terms = dict.fromkeys([x[i] for i in members], 1.0)
        if k_pos[p] >= 0:
            year = years.get(str(block_of[members[0]]), 1)
            terms[k[k_column(model, k_pos[p], year, grow) if years else k_pos[p]]] = -1.0
        name = f"capacity[{agency[p]},{service[p]},{block_of[members[0]]}]"
        model.add("capacity", name, terms, pulp.LpConstraintLE, c0[p])


def define_funding(model: HavenModel) -> None:
    """(3) money from funders pays for what is added (and opened)."""
    if model.inputs.years is not None:
        _define_funding_by_year(model)
        return
    pairs, money = model.pairs, model.money
    groups = _group_positions(money["k_pos"].to_numpy(), len(model.k))
    grow = pairs[pairs["k_pos"] >= 0]
    for row in rows(grow):
        pos = int(row.k_pos)
        if row.cost <= 0 and row.open_cost <= 0:
            continue
        terms = dict.fromkeys([model.g[i] for i in groups[pos]], 1.0)
        if row.cost > 0:
            terms[model.k[pos]] = -float(row.cost) / MONEY_UNIT
        if pos in model.y and row.open_cost > 0:
            terms[model.y[pos]] = -float(row.open_cost) / MONEY_UNIT
        name = f"funding[{row.agency_id},{row.service_id}]"
        model.add("funding", name, terms, pulp.LpConstraintEQ, 0.0)


def _define_funding_by_year(model: HavenModel) -> None:
    """(3) per pair and year: the year's running cost and an opening in that year paid by
    the funders whose window covers the year, each at most its share of the year."""
    years = model.inputs.years
    assert years is not None
    money = model.money
    width = n_grow(model)
    groups = _group_positions(money["column"].to_numpy(), len(model.k))
    funder = money["funder_id"].astype(str).tolist()
    share = money["share"].astype(float).tolist()
    grow = model.pairs[model.pairs["k_pos"] >= 0]
    for row in rows(grow):
        if row.cost <= 0 and row.open_cost <= 0:
            continue
        for year in range(1, years.count + 1):
            column = k_column(model, int(row.k_pos), year, width)
            run = running_cost(model, float(row.cost), year) / MONEY_UNIT
            opening = float(row.open_cost) / MONEY_UNIT if column in model.y else 0.0
            cost: dict[pulp.LpVariable, float] = {}
            if run > 0:
                cost[model.k[column]] = run
            if opening > 0:
                cost[model.y[column]] = opening
            terms = dict.fromkeys([model.g[i] for i in groups[column]], 1.0)
            for var, value in cost.items():
                terms[var] = -value
            ids = f"{row.agency_id},{row.service_id},{year}"
            model.add("funding", f"funding[{ids}]", terms, pulp.LpConstraintEQ, 0.0)
            for i in groups[column].tolist():
                if share[i] >= 1.0 - 1e-12 or not cost:
                    continue
                cap = {model.g[i]: 1.0}
                for var, value in cost.items():
                    cap[var] = -share[i] * value
                name = f"window[{funder[i]},{ids}]"
                model.add("window", name, cap, pulp.LpConstraintLE, 0.0)


def define_budgets(model: HavenModel, mode: BudgetMode) -> None:
    """(4) each funder's budget and the total budget (elastic: with priced slack)."""
    if mode == "unlimited":
        return
    inputs, money = model.inputs, model.money
    add = model.problem.add_variable
    for funder_id in inputs.funder_budget:
        members = np.flatnonzero(money["funder_id"].to_numpy() == funder_id)
        terms = dict.fromkeys([model.g[i] for i in members], 1.0)
        if mode == "elastic":
            slack = add(f"extra_{len(model.extra)}", 0.0)
            model.extra[funder_id] = slack
            terms[slack] = -1.0
        if terms:
            name = f"funder_budget[{funder_id}]"
            rhs = inputs.funder_budget[funder_id] / MONEY_UNIT
            model.add("funder", name, terms, pulp.LpConstraintLE, rhs)
    terms = dict.fromkeys(model.g, 1.0)
    if model.flat_target is not None:  # the variant's new money is beyond the budget
        bridge = money["funder_id"].to_numpy() == BRIDGE
        terms = dict.fromkeys([g for g, b in zip(model.g, bridge, strict=True) if not b], 1.0)
    if mode == "elastic":
        slack = add(f"extra_{len(model.extra)}", 0.0)
        model.extra["budget"] = slack
        terms[slack] = -1.0
    if terms:
        model.add("budget", "budget", terms, pulp.LpConstraintLE, inputs.total_budget / MONEY_UNIT)


def define_expansion(model: HavenModel) -> None:
    """(5) k <= m, and k <= m y for services an agency starts."""
    grow = model.pairs[model.pairs["k_pos"] >= 0]
    if model.inputs.years is not None:
        _define_expansion_by_year(model, grow)
        return
    for row in rows(grow):
        pos = int(row.k_pos)
        terms = {model.k[pos]: 1.0}
        rhs = float(row.m)
        if pos in model.y:
            terms[model.y[pos]] = -rhs
            rhs = 0.0
        name = f"expansion[{row.agency_id},{row.service_id}]"
        model.add("expansion", name, terms, pulp.LpConstraintLE, rhs)


def _define_expansion_by_year(model: HavenModel, grow: pd.DataFrame) -> None:
    """(5) every year k[a,s,y] <= m, or m times the openings up to y for a new service, and
    a service opened once at most."""
    count = n_years(model)
    width = len(grow)
    for row in rows(grow):
        ids = f"{row.agency_id},{row.service_id}"
        columns = [k_column(model, int(row.k_pos), year, width) for year in range(1, count + 1)]
        new = columns[0] in model.y
        for year, column in enumerate(columns, start=1):
            terms = {model.k[column]: 1.0}
            rhs = float(row.m)
            if new:
                for earlier in columns[:year]:
                    terms[model.y[earlier]] = -float(row.m)
                rhs = 0.0
            model.add("expansion", f"expansion[{ids},{year}]", terms, pulp.LpConstraintLE, rhs)
        if new:
            once = {model.y[column]: 1.0 for column in columns}
            model.add("opened_once", f"opened_once[{ids}]", once, pulp.LpConstraintLE, 1.0)


def define_equity_floor(model: HavenModel) -> None:
    """(6) unmet demand over the horizon at most (1 - alpha) of demand, plus v in soft mode."""
    if model.floor_mode == "none" or len(model.floor_cells) == 0:
        return
    alpha = model.inputs.equity_floor
    cells = model.cells
    index = pd.MultiIndex.from_frame(model.floor_cells[["district_id", "service_id"]])
    owner = index.get_indexer(pd.MultiIndex.from_frame(cells[["district_id", "service_id"]]))
    groups = _group_positions(owner, len(index))
    months = cells["months"].to_numpy(float)
    for i, row in enumerate(rows(model.floor_cells)):
        terms = {model.u[j]: float(months[j]) for j in groups[i]}
        if i in model.v:
            terms[model.v[i]] = -1.0
        rhs = (1.0 - alpha) * float(row.demand)
        name = f"floor[{row.district_id},{row.service_id}]"
        model.add("floor", name, terms, pulp.LpConstraintLE, rhs)


def define_objective(model: HavenModel, mode: ObjectiveMode) -> None:
    """Weighted unmet demand, the floor's shortfall, and the two small tie-breakers."""
    inputs = model.inputs
    weight = inputs.services["weight"].astype(float)
    terms: dict[pulp.LpVariable, float] = {}
    if mode == "extra_budget":
        terms = dict.fromkeys(model.extra.values(), 1.0)
        model.problem.setObjective(pulp.LpAffineExpression(terms))
        return
    v_weight = weight.reindex(model.floor_cells["service_id"]).to_numpy(float)
    if mode == "shortfall":
        terms = {model.v[i]: float(v_weight[i]) for i in model.v}
        terms.update(_group_shortfall_terms(model))
        model.problem.setObjective(pulp.LpAffineExpression(terms))
        return
    cells = model.cells
    u_coef = cells["months"].to_numpy(float) * weight.reindex(cells["service_id"]).to_numpy(float)
    if inputs.cohorts.grouped:
        u_coef = u_coef * class_weights(inputs.cohorts, cells)
    terms = dict(zip(model.u, u_coef.tolist(), strict=True))
    for i, var in model.v.items():
        terms[var] = EQUITY_WEIGHT * float(v_weight[i])
    terms.update(_group_shortfall_terms(model))
    if inputs.distance_weight > 0 and len(model.flows):
        flows = model.flows
        x_coef = inputs.distance_weight * flows["months"].to_numpy(float)
        x_coef = x_coef * flows["dist_km"].to_numpy(float)
        terms.update(zip(model.x, x_coef.tolist(), strict=True))
    if inputs.years is not None:
        terms.update(_money_terms_by_year(model))
    elif inputs.cost_weight > 0:
        terms.update(dict.fromkeys(model.g, inputs.cost_weight * MONEY_UNIT))
    model.problem.setObjective(pulp.LpAffineExpression(terms))


def _money_terms_by_year(model: HavenModel) -> dict[pulp.LpVariable, float]:
    """epsilon per thousand of grant money and `LATER_MONEY` per year after the first (a
    grant's money spent early rather than late when it serves as much: the cliff then falls
    where the money or the window ends); the flat variant's new money at `bridge_price`."""
    money = model.money
    price = bridge_price(model) if model.flat_target is not None else 0.0
    base = model.inputs.cost_weight * MONEY_UNIT
    terms: dict[pulp.LpVariable, float] = {}
    for var, funder, year in zip(
        model.g, money["funder_id"].tolist(), money["year"].tolist(), strict=True
    ):
        terms[var] = price if funder == BRIDGE else base + LATER_MONEY * (int(year) - 1)
    return terms


def define_group_floor_variables(model: HavenModel) -> None:
    """vg[s,p] (soft group floor) and the (service, group) rows of (8): every group with a
    floor in the scenario and every service where it has demand."""
    inputs = model.inputs
    floors = inputs.cohorts.group_floors
    columns = ["service_id", "population", "floor", "demand"]
    model.group_floor_cells = pd.DataFrame(columns=columns)
    if model.group_floor_mode == "none" or not floors or not inputs.cohorts.grouped:
        return
    classes = inputs.cohorts.classes
    floored = classes[classes["floor_group"] != ""]
    if len(floored) == 0:
        return
    cells = model.cells.merge(
        floored[["service_id", "cohort", "floor_group"]], on=["service_id", "cohort"]
    )
    total = (
        cells.assign(total=cells["demand"] * cells["months"])
        .groupby(["service_id", "floor_group"], sort=True)["total"]
        .sum()
        .reset_index()
    )
    total = total[total["total"] > 0].rename(
        columns={"floor_group": "population", "total": "demand"}
    )
    total["floor"] = total["population"].map(floors).astype(float)
    total = total[total["floor"] > 0]
    model.group_floor_cells = pd.DataFrame(total[columns]).reset_index(drop=True)
    if model.group_floor_mode == "soft":
        add = model.problem.add_variable
        model.vg = {i: add(f"vg_{i}", 0.0) for i in range(len(model.group_floor_cells))}


def define_group_floors(model: HavenModel) -> None:
    """(8) a group's unmet demand for a service, city-wide, at most (1 - beta[p]) of its
    demand, plus vg in soft mode."""
    floors = model.group_floor_cells
    if len(floors) == 0:
        return
    classes = model.inputs.cohorts.classes
    owner_of = classes.set_index(["service_id", "cohort"])["floor_group"]
    cells = model.cells
    owner = owner_of.reindex(pd.MultiIndex.from_frame(cells[["service_id", "cohort"]]))
    index = pd.MultiIndex.from_frame(floors[["service_id", "population"]])
    position = index.get_indexer(
        pd.MultiIndex.from_arrays([cells["service_id"], owner.fillna("").to_numpy()])
    )
    groups = _group_positions(np.where(position < 0, len(index), position), len(index) + 1)
    months = cells["months"].to_numpy(float)
    for i, row in enumerate(rows(floors)):
        terms = {model.u[j]: float(months[j]) for j in groups[i]}
        if i in model.vg:
            terms[model.vg[i]] = -1.0
        rhs = (1.0 - float(row.floor)) * float(row.demand)
        name = f"group_floor[{row.service_id},{row.population}]"
        model.add("group_floor", name, terms, pulp.LpConstraintLE, rhs)


def _group_shortfall_terms(model: HavenModel) -> dict[pulp.LpVariable, float]:
    """W_eq w[s] wp[p] per unit of a group floor's shortfall."""
    if not model.vg:
        return {}
    inputs = model.inputs
    weight = inputs.services["weight"].astype(float)
    classes = inputs.cohorts.classes
    wp = classes[classes["floor_group"] != ""].drop_duplicates("floor_group")
    wp_of = dict(zip(wp["floor_group"], wp["weight"].astype(float), strict=True))
    floors = model.group_floor_cells
    return {
        model.vg[i]: EQUITY_WEIGHT * float(weight[row.service_id]) * wp_of.get(row.population, 1.0)
        for i, row in enumerate(rows(floors))
    }


def _interpretation_used(inputs: ModelInputs) -> bool:
    cohorts = inputs.cohorts
    if not cohorts.grouped or cohorts.interpretation_service is None:
        return False
    access = cohorts.access
    barrier = access[access["barrier"].astype(bool)]
    h = inputs.services["interpretation_per_unit"].astype(float)
    return bool((h.reindex(barrier["service_id"]).to_numpy(float) > 0).any())


def define_interpretation(model: HavenModel) -> None:
    """(7) interpretation across language barriers within the interpretation service's
    capacity (c0 + k of I summed over agencies), every month; months that fall in the same
    blocks of every service involved share one row."""
    inputs = model.inputs
    if not _interpretation_used(inputs):
        return
    service_i = str(inputs.cohorts.interpretation_service)
    flows = model.flows
    h = inputs.services["interpretation_per_unit"].astype(float)
    coef = np.where(
        flows["barrier"].fillna(False).to_numpy(bool),
        h.reindex(flows["service_id"]).to_numpy(float),
        0.0,
    )
    coef = np.where(flows["service_id"].to_numpy() == service_i, coef + 1.0, coef)
    used = np.flatnonzero(coef > 0)
    # Each month's block in every service involved: months with the same blocks, one row.
    involved = set(flows["service_id"].iloc[used]) | {service_i}
    block_of: dict[tuple[str, str], str] = {}
    for row in rows(inputs.blocks[inputs.blocks["service_id"].isin(involved)]):
        for month in str(row.periods).split(";"):
            block_of[(str(row.service_id), month)] = str(row.block)
    services = sorted(involved)
    signature: dict[tuple[str, ...], list[str]] = {}
    for month in inputs.periods:
        key = tuple(block_of.get((s, month), "") for s in services)
        signature.setdefault(key, []).append(month)
    pairs = model.pairs[model.pairs["service_id"] == service_i]
    rhs = float(pairs["c0"].sum())
    used_service = flows["service_id"].to_numpy()[used].astype(str)
    used_block = flows["block"].to_numpy()[used].astype(str)
    position = {service: n for n, service in enumerate(services)}
    service_pos = np.array([position[s] for s in used_service], dtype=np.int64)
    if len(used) == 0:
        return
    year_of = inputs.years.year_of() if inputs.years is not None else None
    width = n_grow(model)
    for key, months in signature.items():
        wanted = np.array(key, dtype=object)[service_pos] if len(used) else np.array([])
        members = used[used_block == wanted.astype(str)]
        terms: dict[pulp.LpVariable, float] = {model.x[i]: float(coef[i]) for i in members.tolist()}
        year = year_of.get(months[0], 1) if year_of is not None else 1
        for pos in pairs["k_pos"]:
            if pos >= 0:
                column = k_column(model, int(pos), year, width) if year_of else int(pos)
                terms[model.k[column]] = -1.0
        if len(members) == 0:
            continue
        name = f"interpretation[{_block_label(months)}]"
        model.add("interpretation", name, terms, pulp.LpConstraintLE, rhs)


def _group_positions(owner: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """For each group 0..n_groups-1, the positions i with owner[i] == group (in order)."""
    owner = np.asarray(owner, dtype=np.int64)
    order = np.argsort(owner, kind="stable")
    starts = np.searchsorted(owner[order], np.arange(n_groups + 1))
    return [order[starts[i] : starts[i + 1]] for i in range(n_groups)]
