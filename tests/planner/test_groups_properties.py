"""Random small cities with groups, eligibility and languages against a second formulation.

The scipy model is written from the city's own lists, cohort by cohort and month by month
(no merging of cohorts or months), with MODEL.md's constraints (1)-(5), (7) and the group
floors as matrices: x only where the agency accepts the group for the service and the
district is within the radius; (7) per month over every flow across a language barrier.
Its optimum must equal the plan's, and the plan must keep the invariants.
"""

from __future__ import annotations

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
from planner.scenario import Scenario
from tests.planner.groups_city import with_groups
from tests.planner.optimiser_city import make_city

EXACT = SolveOptions(mip_gap=1e-9)
GROUPS = ("women", "men", "youth")
LANGUAGES = ("", "es")


def random_group_city(seed: int):
    rng = np.random.default_rng(seed)
    n_districts, n_agencies = int(rng.integers(1, 4)), int(rng.integers(2, 4))
    n_services, months = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    groups = list(GROUPS[: int(rng.integers(2, 4))])
    districts = [
        (f"D{i}", f"District {i}", 1000, *rng.uniform(0, 15, 2)) for i in range(n_districts)
    ]
    services = [
        {
            "service_id": f"S{s}",
            "name": f"Service {s}",
            "integer": bool(rng.random() < 0.5),
            "unit_cost": float(rng.choice([1200.0, 6000.0])),
            "weight": float(rng.choice([1.0, 2.0])),
            "radius_km": float(rng.choice([np.nan, 8.0])),
            "open_cost": 0.0,
            "open_max": float(rng.choice([0.0, 2.0])),
        }
        for s in range(n_services)
    ]
    services.append(
        {"service_id": "I", "name": "Interpretation", "integer": False, "unit_cost": 600.0}
    )
    agencies = [(f"A{i}", f"Agency {i}", "ngo", *rng.uniform(0, 15, 2)) for i in range(n_agencies)]
    capacity, accepts = [], {}
    for a in range(n_agencies):
        for s in range(n_services):
            if rng.random() < 0.7:
                capacity.append(
                    {
                        "agency_id": f"A{a}",
                        "service_id": f"S{s}",
                        "capacity": float(rng.integers(0, 4)),
                        "max_expansion": float(rng.integers(0, 3)),
                    }
                )
                if rng.random() < 0.5:
                    chosen = rng.choice(
                        groups, size=int(rng.integers(1, len(groups))), replace=False
                    )
                    accepts[(f"A{a}", f"S{s}")] = ";".join(sorted(chosen))
        if rng.random() < 0.4:
            capacity.append(
                {
                    "agency_id": f"A{a}",
                    "service_id": "I",
                    "capacity": float(rng.integers(0, 3)),
                    "max_expansion": float(rng.integers(0, 3)),
                }
            )
    package = make_city(
        districts=districts,
        services=services,
        agencies=agencies,
        capacity=capacity,
        funders=[("F0", "City", float(rng.choice([0.0, 1500.0, 6000.0])))],
    )
    weights = {g: float(rng.choice([1.0, 1.5, 3.0])) for g in groups}
    package = with_groups(
        package,
        populations=[(g, g.title(), weights[g]) for g in groups],
        accepts=accepts,
        languages={f"A{a}": str(rng.choice(["en", "en;es"])) for a in range(n_agencies)},
        interpretation_service="I",
        interpretation_per_unit={
            f"S{s}": float(rng.choice([0.0, 0.5, 1.0])) for s in range(n_services)
        },
    )
    periods = [str(p) for p in pd.period_range("2026-01", periods=months, freq="M")]
    demand = pd.DataFrame(
        [
            (d[0], s["service_id"], t, g, lang, float(rng.choice([0, 0, 1, 2, 3.5])))
            for d in districts
            for s in services[:-1]
            for t in periods
            for g in groups
            for lang in LANGUAGES
        ],
        columns=["district_id", "service_id", "period", "population", "language", "demand"],
    )
    floors = {}
    if rng.random() < 0.6:
        floors[str(rng.choice(groups))] = float(rng.choice([0.3, 0.6, 1.0]))
    scenario = Scenario(
        name=f"groups {seed}",
        horizon_months=months,
        equity_mode=str(rng.choice(["soft", "hard"])),  # type: ignore[arg-type]
        allow_new_services=bool(rng.random() < 0.5),
        group_floors=floors,
    )
    return package, scenario, demand


# Written out flat on purpose (as bench/highs_direct.py): one reading of MODEL.md, top down.
def scipy_objective(package, scenario, demand) -> float | None:  # noqa: C901, PLR0912, PLR0915
    inputs = prepare_inputs(package, scenario, demand)  # only for lambda and epsilon
    lam, eps = inputs.distance_weight, inputs.cost_weight
    services = package.services.set_index("service_id")
    dist = distances_km(package.districts, package.agencies)
    periods = sorted(demand["period"].unique())
    groups = package.populations.set_index("population_id")["weight"].to_dict()
    languages = {
        a: set(str(v).split(";"))
        for a, v in zip(package.agencies["agency_id"], package.agencies["languages"], strict=True)
    }
    factor = scenario.horizon_months / 12
    pairs = {}
    for row in package.capacity.itertuples(index=False):
        accepted = set(filter(None, str(row.populations).split(";")))
        pairs[(row.agency_id, row.service_id)] = (
            row.capacity,
            row.max_expansion,
            services.at[row.service_id, "unit_cost"] * factor,
            False,
            accepted,
        )
    if scenario.allow_new_services:
        for a in package.agencies["agency_id"]:
            for s in services.index:
                if services.at[s, "open_max"] > 0 and (a, s) not in pairs:
                    pairs[(a, s)] = (
                        0.0,
                        services.at[s, "open_max"],
                        services.at[s, "unit_cost"] * factor,
                        True,
                        set(),
                    )
    budget = float(package.funders["budget"].sum())
    h = services["interpretation_per_unit"].to_dict()
    columns, cost, lower, upper, integrality = [], [], [], [], []

    def add(key, c, lo, hi, integer):
        columns.append(key)
        cost.append(c)
        lower.append(lo)
        upper.append(hi)
        integrality.append(1 if integer else 0)
        return len(columns) - 1

    k, y, g, x, u, vg = {}, {}, {}, {}, {}, {}
    for (a, s), (_, m, _, new, _) in pairs.items():
        k[(a, s)] = add(("k", a, s), 0.0, 0.0, m, bool(services.at[s, "integer"]))
        if new:
            y[(a, s)] = add(("y", a, s), 0.0, 0.0, 1.0, True)
        g[(a, s)] = add(("g", a, s), eps * 1000, 0.0, np.inf, False)
    cells = demand.set_index(["district_id", "service_id", "population", "language", "period"])[
        "demand"
    ].to_dict()
    for (n, s, p, lang, t), _ in cells.items():
        u[(n, s, p, lang, t)] = add(
            ("u", n, s, p, lang, t), services.at[s, "weight"] * groups[p], 0, np.inf, False
        )
        radius = services.at[s, "radius_km"]
        for (a, s2), (_, _, _, _, accepted) in pairs.items():
            if s2 != s or (accepted and p not in accepted):
                continue
            km = dist.at[n, a]
            if pd.isna(radius) or km <= radius + 1e-9:
                x[(n, a, s, p, lang, t)] = add(
                    ("x", n, a, s, p, lang, t), lam * km, 0, np.inf, False
                )
    floors = scenario.group_floors
    for s in services.index:
        for p, beta in floors.items():
            total = sum(v for (n, s2, p2, _, _), v in cells.items() if s2 == s and p2 == p)
            if total > 0 and beta > 0 and scenario.equity_mode == "soft":
                vg[(s, p)] = add(
                    ("vg", s, p),
                    EQUITY_WEIGHT * services.at[s, "weight"] * groups[p],
                    0,
                    np.inf,
                    False,
                )
    rows = []
    for key, d in cells.items():  # (1)
        terms = {j: 1.0 for (n, a, s, p, lang, t), j in x.items() if (n, s, p, lang, t) == key}
        terms[u[key]] = 1.0
        rows.append((terms, d, d))
    for (a, s), (c0, m, unit, new, _) in pairs.items():
        for t in periods:  # (2)
            terms = {
                j: 1.0 for (n, a2, s2, p, lang, t2), j in x.items() if (a2, s2, t2) == (a, s, t)
            }
            terms[k[(a, s)]] = -1.0
            rows.append((terms, -np.inf, c0))
        rows.append(({g[(a, s)]: 1.0, k[(a, s)]: -unit / 1000}, 0.0, 0.0))  # (3)
        if new:
            rows.append(({k[(a, s)]: 1.0, y[(a, s)]: -m}, -np.inf, 0.0))  # (5)
    rows.append(({j: 1.0 for j in g.values()}, -np.inf, budget / 1000))  # (4)
    i_pairs = [(a, s) for (a, s) in pairs if s == "I"]
    for t in periods:  # (7)
        terms = {}
        for (_n, a, s, _p, lang, t2), j in x.items():
            if t2 == t and lang and lang not in languages[a] and h.get(s, 0.0) > 0:
                terms[j] = h[s]
        for pair in i_pairs:
            terms[k[pair]] = -1.0
        rows.append((terms, -np.inf, sum(pairs[pair][0] for pair in i_pairs)))
    for s in services.index:  # group floors
        for p, beta in floors.items():
            total = sum(v for (n, s2, p2, _, _), v in cells.items() if s2 == s and p2 == p)
            if total <= 0 or beta <= 0:
                continue
            terms = {u[key]: 1.0 for key in cells if key[1] == s and key[2] == p}
            if (s, p) in vg:
                terms[vg[(s, p)]] = -1.0
            rows.append((terms, -np.inf, (1 - beta) * total))
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


def check_group_invariants(package, scenario, demand, plan) -> None:
    groups = plan.coverage_by_group
    tol = 1e-6
    # Cohort cells add up to the input's demand, and to the plan's district cells.
    assert groups["demand"].sum() == pytest.approx(demand["demand"].sum())
    by_cell = groups.groupby(["district_id", "service_id"])[["demand", "served"]].sum()
    cov = plan.coverage.set_index(["district_id", "service_id"])
    joined = by_cell.join(cov.add_suffix("_v1"))
    assert np.allclose(joined["demand"], joined["demand_v1"], atol=tol)
    assert np.allclose(joined["served"], joined["served_v1"], atol=1e-5)
    # Nobody is served by an agency that does not accept their group: every group's served
    # demand fits in the capacity of the agencies that accept it.
    capacity = package.capacity.set_index(["agency_id", "service_id"])
    added = plan.capacity_added.set_index(["agency_id", "service_id"])["units"]
    for (s, p), mine in groups.groupby(["service_id", "population"]):
        room = 0.0
        for (a, s2), row in capacity.iterrows():
            accepted = set(filter(None, str(row["populations"]).split(";")))
            if s2 == s and (not accepted or p in accepted):
                room += row["capacity"] + added.get((a, s), 0.0)
        new = plan.capacity_added[
            (plan.capacity_added["service_id"] == s) & plan.capacity_added["opened"]
        ]
        room += float(new["units"].sum())
        assert mine["served"].sum() <= room * scenario.horizon_months + 1e-5
    if scenario.equity_mode == "hard":
        for p, beta in scenario.group_floors.items():
            mine = (
                groups[groups["population"] == p].groupby("service_id")[["demand", "served"]].sum()
            )
            for row in mine.itertuples():
                if row.demand > 0:
                    assert row.served >= beta * row.demand - 1e-5


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_random_group_cities_match_scipy(seed):
    package, scenario, demand = random_group_city(seed)
    plan = solve(package, scenario, demand=demand, options=EXACT)
    expected = scipy_objective(package, scenario, demand)
    if expected is None:
        assert plan.status == "infeasible"
        assert findings_of(plan.findings, *INFEASIBLE_KINDS)
        return
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
    check_group_invariants(package, scenario, demand, plan)
