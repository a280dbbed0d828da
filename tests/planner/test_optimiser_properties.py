"""Invariants on random small cities, and an independent formulation with scipy's `milp`.

The scipy model is written from the city's own lists (not from the optimiser's index lists):
every month separately (no merging of months), every agency-service pair including those the
optimiser prunes, MODEL.md's constraints as matrices. Its optimum must equal the plan's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from planner.findings import INFEASIBLE_KINDS, findings_of
from planner.geo import distances_km
from planner.optimise.inputs import EQUITY_WEIGHT, prepare_inputs
from planner.optimiser import SolveOptions, solve
from planner.package import CityPackage
from planner.scenario import Scenario
from tests.planner.optimiser_city import make_city

EXACT = SolveOptions(mip_gap=1e-9)
QUICK = SolveOptions(mip_gap=1e-9, baselines=False, diagnostics=False)


@dataclass
class RandomCity:
    package: CityPackage
    scenario: Scenario
    demand: pd.DataFrame


def random_city(seed: int) -> RandomCity:
    rng = np.random.default_rng(seed)
    n_districts, n_agencies = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    n_services, months = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    districts = [
        (f"D{i}", f"District {i}", int(rng.integers(0, 5000)), *rng.uniform(0, 20, 2))
        for i in range(n_districts)
    ]
    services = []
    for s in range(n_services):
        opened = rng.random() < 0.4
        services.append(
            {
                "service_id": f"S{s}",
                "name": f"Service {s}",
                "unit": "bed" if s == 0 else "slot",
                "integer": bool(rng.random() < 0.6),
                "unit_cost": float(rng.choice([600.0, 1200.0, 3000.0, 6000.0])),
                "weight": float(rng.choice([1.0, 2.0, 3.0])),
                "radius_km": float(rng.choice([np.nan, 6.0, 12.0])),
                "open_cost": float(rng.choice([0.0, 1000.0])) if opened else 0.0,
                "open_max": 3.0 if opened else 0.0,
            }
        )
    agencies = [
        (f"A{i}", f"Agency {i}", str(rng.choice(["ngo", "shelter"])), *rng.uniform(0, 20, 2))
        for i in range(n_agencies)
    ]
    capacity = []
    for a in range(n_agencies):
        for s in range(n_services):
            if rng.random() < 0.6:
                row = {
                    "agency_id": f"A{a}",
                    "service_id": f"S{s}",
                    "capacity": float(rng.integers(0, 4)),
                    "max_expansion": float(rng.integers(0, 5)),
                }
                if rng.random() < 0.3:
                    row["unit_cost"] = float(rng.choice([500.0, 2500.0]))
                capacity.append(row)
    funders = [("F0", "City", float(rng.choice([0.0, 2000.0, 5000.0, 12000.0])))]
    eligibility: list[tuple[str, str | None, str | None]] = []
    if rng.random() < 0.5:
        funders.append(("F1", "Foundation", float(rng.choice([1000.0, 6000.0]))))
        eligibility.append(("F1", "S0", None))
        if rng.random() < 0.5:
            eligibility.append(("F1", None, "shelter"))
    package = make_city(
        districts=districts,
        services=services,
        agencies=agencies,
        capacity=capacity,
        funders=funders,
        eligibility=eligibility,
    )
    periods = [str(p) for p in pd.period_range("2026-01", periods=months, freq="M")]
    demand = pd.DataFrame(
        [
            (d[0], s["service_id"], p, float(rng.choice([0, 0, 0.5, 1, 2, 3.5, 5])))
            for d in districts
            for s in services
            for p in periods
        ],
        columns=["district_id", "service_id", "period", "demand"],
    )
    budget = None if rng.random() < 0.6 else float(rng.choice([0.0, 3000.0, 8000.0]))
    scenario = Scenario(
        name=f"random {seed}",
        budget=budget,
        horizon_months=months,
        equity_floor=float(rng.choice([0.0, 0.0, 0.3, 0.6])),
        equity_mode=str(rng.choice(["soft", "hard"])),  # type: ignore[arg-type]
        allow_new_services=bool(rng.random() < 0.5),
    )
    return RandomCity(package, scenario, demand)


def scipy_objective(city: RandomCity) -> float | None:
    """MODEL.md written directly as matrices for scipy.optimize.milp; None when infeasible."""
    package, scenario, demand = city.package, city.scenario, city.demand
    inputs = prepare_inputs(package, scenario, demand)  # only for lambda and epsilon
    lam, eps = inputs.distance_weight, inputs.cost_weight
    services = package.services.set_index("service_id")
    agencies = package.agencies.set_index("agency_id")
    dist = distances_km(package.districts, package.agencies)
    periods = sorted(demand["period"].unique())
    d = demand.set_index(["district_id", "service_id", "period"])["demand"].to_dict()
    districts = list(package.districts["district_id"])
    factor = scenario.horizon_months / 12
    pairs = {}
    for row in package.capacity.itertuples(index=False):
        unit = (
            row.unit_cost
            if not pd.isna(row.unit_cost)
            else services.at[row.service_id, "unit_cost"]
        )
        pairs[(row.agency_id, row.service_id)] = (
            row.capacity,
            row.max_expansion,
            unit * factor,
            0.0,
            False,
        )
    if scenario.allow_new_services:
        for a in agencies.index:
            for s in services.index:
                if services.at[s, "open_max"] > 0 and (a, s) not in pairs:
                    pairs[(a, s)] = (
                        0.0,
                        services.at[s, "open_max"],
                        services.at[s, "unit_cost"] * factor,
                        services.at[s, "open_cost"],
                        True,
                    )
    funders = {
        f: scenario.funder_budgets.get(f, b)
        for f, b in zip(package.funders["funder_id"], package.funders["budget"], strict=True)
    }
    total = scenario.budget if scenario.budget is not None else sum(funders.values())
    rules = package.eligibility

    def eligible(f, a, s):
        mine = rules[rules["funder_id"] == f]
        if len(mine) == 0:
            return True
        for rule in mine.itertuples(index=False):
            ok_s = pd.isna(rule.service_id) or rule.service_id == s
            ok_k = pd.isna(rule.agency_kind) or rule.agency_kind == agencies.at[a, "kind"]
            if ok_s and ok_k:
                return True
        return False

    # Money in thousands (g, budgets), as any careful formulation would: a tie-breaker of 1e-7
    # per currency unit is below the solvers' optimality tolerance.
    columns: list[tuple] = []
    cost, lower, upper, integrality = [], [], [], []

    def add(key, c, lo, hi, integer):
        columns.append(key)
        cost.append(c)
        lower.append(lo)
        upper.append(hi)
        integrality.append(1 if integer else 0)
        return len(columns) - 1

    k, y, g, x, u, v = {}, {}, {}, {}, {}, {}
    for (a, s), (_, m, _, _, new) in pairs.items():
        k[(a, s)] = add(("k", a, s), 0.0, 0.0, m, bool(services.at[s, "integer"]))
        if new:
            y[(a, s)] = add(("y", a, s), 0.0, 0.0, 1.0, True)
        for f in funders:
            if eligible(f, a, s):
                g[(f, a, s)] = add(("g", f, a, s), eps * 1000, 0.0, np.inf, False)
    for n in districts:
        for s in services.index:
            radius = services.at[s, "radius_km"]
            w = services.at[s, "weight"]
            for t in periods:
                u[(n, s, t)] = add(("u", n, s, t), w, 0.0, np.inf, False)
                for a, s2 in pairs:
                    if s2 != s:
                        continue
                    km = dist.at[n, a]
                    if pd.isna(radius) or km <= radius + 1e-9:
                        x[(n, a, s, t)] = add(("x", n, a, s, t), lam * km, 0.0, np.inf, False)
            if scenario.equity_mode == "soft" and scenario.equity_floor > 0:
                v[(n, s)] = add(("v", n, s), EQUITY_WEIGHT * w, 0.0, np.inf, False)

    rows: list[tuple[dict[int, float], float, float]] = []
    for n in districts:  # (1) balance
        for s in services.index:
            for t in periods:
                terms = {j: 1.0 for (n2, a, s2, t2), j in x.items() if (n2, s2, t2) == (n, s, t)}
                terms[u[(n, s, t)]] = 1.0
                rows.append((terms, d[(n, s, t)], d[(n, s, t)]))
    for (a, s), (c0, m, unit, open_cost, new) in pairs.items():
        for t in periods:  # (2) capacity
            terms = {j: 1.0 for (n, a2, s2, t2), j in x.items() if (a2, s2, t2) == (a, s, t)}
            terms[k[(a, s)]] = -1.0
            rows.append((terms, -np.inf, c0))
        terms = {j: 1.0 for (f, a2, s2), j in g.items() if (a2, s2) == (a, s)}  # (3) funding
        terms[k[(a, s)]] = terms.get(k[(a, s)], 0.0) - unit / 1000
        if new:
            terms[y[(a, s)]] = -open_cost / 1000
            rows.append(({k[(a, s)]: 1.0, y[(a, s)]: -m}, -np.inf, 0.0))  # (5) expansion
        rows.append((terms, 0.0, 0.0))
    for f, budget in funders.items():  # (4) budgets
        rows.append(({j: 1.0 for (f2, _, _), j in g.items() if f2 == f}, -np.inf, budget / 1000))
    rows.append(({j: 1.0 for j in g.values()}, -np.inf, total / 1000))
    if scenario.equity_floor > 0:  # (6) floor
        for n in districts:
            for s in services.index:
                total_d = sum(d[(n, s, t)] for t in periods)
                terms = {u[(n, s, t)]: 1.0 for t in periods}
                if (n, s) in v:
                    terms[v[(n, s)]] = -1.0
                rows.append((terms, -np.inf, (1 - scenario.equity_floor) * total_d))
    matrix = lil_matrix((len(rows), len(columns)))
    for i, (terms, _, _) in enumerate(rows):
        for j, coef in terms.items():
            matrix[i, j] = coef
    result = milp(
        c=np.array(cost),
        integrality=np.array(integrality),
        bounds=Bounds(np.array(lower), np.array(upper)),
        constraints=LinearConstraint(
            matrix.tocsr(), np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
        ),
        options={"mip_rel_gap": 1e-10},
    )
    if result.status == 2:
        return None
    assert result.status == 0, result.message
    return float(result.fun)


def check_invariants(city: RandomCity, plan) -> None:
    scenario, package = city.scenario, city.package
    inputs = prepare_inputs(package, scenario, city.demand)
    tol = 1e-6
    # Budgets: the total and each funder's.
    assert plan.funding["amount"].sum() <= inputs.total_budget + tol
    spent = plan.funding.groupby("funder_id")["amount"].sum()
    for funder_id, amount in spent.items():
        assert amount <= inputs.funder_budget[funder_id] + tol
    # Money pays exactly for what is added.
    assert plan.funding["amount"].sum() == pytest.approx(
        plan.capacity_added["cost"].sum(), abs=1e-4
    )
    # Capacity: each month's flows within existing plus added capacity.
    c0 = inputs.pairs.set_index(["agency_id", "service_id"])["c0"]
    added = plan.capacity_added.set_index(["agency_id", "service_id"])["units"]
    load = plan.assignments.groupby(["agency_id", "service_id", "periods"])[
        "served_per_month"
    ].sum()
    for (a, s, _), amount in load.items():
        assert amount <= c0.get((a, s), 0.0) + added.get((a, s), 0.0) + tol
    # Expansion limits and whole units.
    m = inputs.pairs.set_index(["agency_id", "service_id"])["m"]
    integer = inputs.services["integer"]
    for row in plan.capacity_added.itertuples(index=False):
        assert row.units <= m[(row.agency_id, row.service_id)] + tol
        if integer[row.service_id]:
            assert row.units == round(row.units)
    # Served + unmet = demand, in every district and service, and demand is the input's.
    cov = plan.coverage
    assert np.allclose(cov["served"] + cov["unmet"], cov["demand"], atol=tol)
    assert cov["demand"].sum() == pytest.approx(city.demand["demand"].sum())
    assert (cov["served"] >= -tol).all() and (cov["unmet"] >= -tol).all()
    # Reach: nobody is served from beyond the radius.
    radius = inputs.services["radius_km"]
    for row in plan.assignments.itertuples(index=False):
        r = radius[row.service_id]
        assert np.isnan(r) or row.dist_km <= r + 1e-6
    # Hard floor holds.
    if scenario.equity_mode == "hard" and scenario.equity_floor > 0:
        with_demand = cov[cov["demand"] > 0]
        assert (with_demand["coverage"] >= scenario.equity_floor - 1e-6).all()
    # Never worse than a baseline (weighted unmet plus the floor's penalty; in hard mode the
    # baselines may break the floor, so only the soft and floor-less cases compare).
    if scenario.equity_mode == "soft" or scenario.equity_floor == 0:
        for result in plan.baselines:
            totals, name = result.totals, result.name
            assert totals is not None, name
            assert plan.totals.primary_objective <= totals.primary_objective + 1e-6, name
            if scenario.equity_floor == 0:
                assert plan.totals.weighted_unmet is not None
                assert totals.weighted_unmet is not None
                assert plan.totals.weighted_unmet <= totals.weighted_unmet + 1e-6, name


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_random_cities_keep_the_invariants_and_match_scipy(seed):
    city = random_city(seed)
    plan = solve(city.package, city.scenario, demand=city.demand, options=EXACT)
    expected = scipy_objective(city)
    if expected is None:
        assert plan.status == "infeasible"
        assert findings_of(plan.findings, *INFEASIBLE_KINDS)
        return
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
    check_invariants(city, plan)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_cbc_and_highs_agree(seed):
    city = random_city(seed)
    highs = solve(city.package, city.scenario, demand=city.demand, options=QUICK)
    cbc = solve(
        city.package,
        city.scenario.model_copy(update={"solver": "cbc"}),
        demand=city.demand,
        options=SolveOptions(mip_gap=1e-9, baselines=False),
    )
    assert highs.status == cbc.status
    if highs.status == "optimal":
        assert highs.objective == pytest.approx(cbc.objective, rel=1e-6, abs=1e-6)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_tie_breakers_never_make_the_plan_serve_fewer(seed):
    city = random_city(seed)
    quiet = city.scenario.model_copy(update={"distance_weight": 0.0, "cost_weight": 0.0})
    loud = city.scenario.model_copy(update={"distance_weight": 10.0, "cost_weight": 1.0})
    plain = solve(city.package, quiet, demand=city.demand, options=QUICK)
    tied = solve(city.package, loud, demand=city.demand, options=QUICK)
    assert plain.status == tied.status
    if plain.status == "optimal":
        assert tied.totals.primary_objective == pytest.approx(
            plain.totals.primary_objective, rel=1e-6, abs=1e-6
        )
