"""The two-stage robust plan: its model, and how it does out of sample against the P50 plan.

The skewed city: West (D1) needs about 4 beds a month, every month; East (D2) needs none in
most months and 6 in about one month of three. The median of East's demand is 0, so the P50
plan adds no bed in the East; beds cost little and the budget is ample, so a plan that looks
at the spread of demand should add beds there and leave less demand unmet on fresh samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.optimise.solve import SolveOptions, solve
from planner.robust import (
    RobustOptions,
    build_robust_model,
    compare_out_of_sample,
    evaluate_out_of_sample,
    robust_plan,
)
from planner.scenario import Scenario
from tests.planner.optimiser_city import make_city

PERIODS = [str(p) for p in pd.period_range("2024-01", periods=24, freq="M")]
HORIZON = ["2026-01", "2026-02", "2026-03"]


def skewed_city():
    rng = np.random.default_rng(3)
    rows = []
    for period in PERIODS:
        rows.append(("D1", "shelter", period, 4, "ngo"))
        rows.append(("D2", "shelter", period, int(rng.random() < 0.3) * 6, "ngo"))
    history = pd.DataFrame(rows, columns=["district_id", "service_id", "period", "cases", "source"])
    return make_city(
        districts=[("D1", "West", 1000, 0.0, 0.0), ("D2", "East", 1000, 50.0, 0.0)],
        services=[
            {
                "service_id": "shelter",
                "name": "Shelter",
                "unit": "bed",
                "integer": True,
                "unit_cost": 1000.0,
                "weight": 1.0,
                "radius_km": 10.0,
            }
        ],
        agencies=[("A1", "West House", "ngo", 0.0, 0.0), ("A2", "East House", "ngo", 50.0, 0.0)],
        capacity=[
            {"agency_id": "A1", "service_id": "shelter", "capacity": 2, "max_expansion": 10},
            {"agency_id": "A2", "service_id": "shelter", "capacity": 0, "max_expansion": 10},
        ],
        funders=[("city", "City", 12000.0)],
        demand=history,
    )


def demand_samples(n: int, seed: int) -> list[pd.DataFrame]:
    """Monthly demand: West 3 to 5 beds, East 6 beds with probability 0.3, else none."""
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n):
        west = rng.integers(3, 6, size=len(HORIZON)).astype(float)
        east = np.where(rng.random(len(HORIZON)) < 0.3, 6.0, 0.0)
        samples.append(
            pd.DataFrame(
                {
                    "district_id": ["D1"] * len(HORIZON) + ["D2"] * len(HORIZON),
                    "service_id": "shelter",
                    "period": HORIZON * 2,
                    "demand": np.concatenate([west, east]),
                }
            )
        )
    return samples


def median_demand() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "district_id": ["D1"] * 3 + ["D2"] * 3,
            "service_id": "shelter",
            "period": HORIZON * 2,
            "demand": [4.0] * 3 + [0.0] * 3,
        }
    )


@pytest.fixture(scope="module")
def city():
    return skewed_city()


@pytest.fixture(scope="module")
def scenario():
    return Scenario(name="skewed", horizon_months=3)


@pytest.mark.parametrize(
    ("risk", "periods"), [("mean", "monthly"), ("cvar", "monthly"), ("mean", "mean")]
)
def test_robust_plan_beats_the_p50_plan_out_of_sample(city, scenario, risk, periods) -> None:
    options = SolveOptions(diagnostics=False, baselines=False)
    p50 = solve(city, scenario, demand=median_demand(), options=options)
    robust = robust_plan(
        city,
        scenario,
        RobustOptions(risk=risk, periods=periods),
        samples=demand_samples(20, seed=1),
    )
    assert robust.plan.status == "optimal"
    assert robust.n_scenarios == 20
    east = robust.first_stage.loc[robust.first_stage["agency_id"] == "A2", "units"].sum()
    assert east >= 1  # the P50 plan adds none there
    assert p50.capacity_added.loc[p50.capacity_added["agency_id"] == "A2", "units"].sum() == 0

    fresh = demand_samples(200, seed=99)  # neither plan saw these
    p50_result = evaluate_out_of_sample(city, scenario, p50.capacity_added, fresh)
    robust_result = evaluate_out_of_sample(city, scenario, robust.first_stage, fresh)
    assert len(robust_result.per_sample) == 200
    assert (robust_result.per_sample["status"] == "optimal").all()
    assert robust_result.expected_weighted_unmet < p50_result.expected_weighted_unmet
    assert robust_result.p90_weighted_unmet <= p50_result.p90_weighted_unmet


def test_reused_recourse_lp_matches_one_model_per_sample(city) -> None:
    scenario = Scenario(name="floor", horizon_months=3, equity_floor=0.6)
    first_stage = pd.DataFrame({"agency_id": ["A1", "A2"], "service_id": "shelter", "units": 1.0})
    fresh = demand_samples(8, seed=7)
    reused = evaluate_out_of_sample(city, scenario, first_stage, fresh, reuse=True)
    rebuilt = evaluate_out_of_sample(city, scenario, first_stage, fresh, reuse=False)
    assert (reused.per_sample["status"] == "optimal").all()
    for column in ("demand", "served", "unmet", "weighted_unmet"):
        np.testing.assert_allclose(
            reused.per_sample[column], rebuilt.per_sample[column], rtol=1e-7, atol=1e-6
        )


def test_first_stage_is_shared_and_losses_match_the_objective(city, scenario) -> None:
    samples = demand_samples(4, seed=5)
    robust = robust_plan(
        city, scenario, RobustOptions(risk="mean", periods="monthly"), samples=samples
    )
    # With the tie-breakers tiny, the objective is the mean weighted unmet demand.
    mean_loss = robust.scenario_losses["weighted_unmet"].mean()
    assert robust.plan.objective == pytest.approx(mean_loss, abs=1e-2)
    # Money spent fits the budget; every unit added is paid for.
    spent = robust.plan.funding["amount"].sum()
    assert spent <= 12000.0 + 1e-6
    assert spent == pytest.approx(robust.plan.capacity_added["cost"].sum())


def test_model_names_carry_the_scenario_and_cvar_rows(city, scenario) -> None:
    from planner.geo import distances_km
    from planner.optimise.inputs import prepare_inputs

    distances = distances_km(city.districts, city.agencies)
    inputs = [
        prepare_inputs(city, scenario, d, distances=distances.copy())
        for d in demand_samples(3, seed=2)
    ]
    model = build_robust_model(inputs, risk="cvar", cvar_alpha=0.8)
    names = set(model.constraint_names)
    assert "budget" in names
    assert {"cvar[s0]", "cvar[s1]", "cvar[s2]"} <= names
    assert any(name.startswith("balance[s2,D2,shelter") for name in names)
    assert any(name.startswith("capacity[s1,A1,shelter") for name in names)
    # One k per growable pair, shared: not one per scenario.
    assert model.size()["integer_variables"] == 2


def test_compare_through_the_forecast(city, scenario) -> None:
    table = compare_out_of_sample(city, scenario, RobustOptions(n_scenarios=10), samples=100)
    assert list(table["plan"]) == ["P50 plan", "robust plan (mean)"]
    p50, robust = table.iloc[0], table.iloc[1]
    assert robust["expected_weighted_unmet"] <= p50["expected_weighted_unmet"] + 1e-6
