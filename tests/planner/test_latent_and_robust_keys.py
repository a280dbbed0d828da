"""The scenario keys `latent_demand` and `robust` (../shared/DATA_PACKAGE.md, issue 17): their
checks, latent demand applied where the plan's demand is made, and the plan for bad months
compared with the plan on fresh samples."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from planner.demand import horizon_demand
from planner.optimise.solve import SolveOptions, solve
from planner.problems import InvalidInput
from planner.robust import PLAN, ROBUST, compare_with_plan, sample_scenarios
from planner.scenario import EVALUATION_SAMPLES, ROBUST_SCENARIOS, Scenario
from tests.planner.optimiser_city import hand_city
from tests.planner.test_robust import skewed_city


def test_the_keys_of_data_package_md_are_read() -> None:
    scenario = Scenario.from_dict(
        {
            "name": "x",
            "latent_demand": {"multiplier": 2.4, "share": 0.25},
            "robust": {"scenarios": 20, "risk": "cvar", "alpha": 0.9},
        }
    )
    assert scenario.demand_factor == pytest.approx(1 + 0.25 * 1.4)
    assert scenario.robust is not None and scenario.robust.scenarios == 20
    again = Scenario.from_dict(json.loads(json.dumps(scenario.to_dict())))
    assert again == scenario and hash(again) == hash(scenario)


def test_defaults_plan_as_before() -> None:
    scenario = Scenario(name="x")
    assert scenario.latent_demand is None and scenario.robust is None
    assert scenario.demand_factor == 1.0
    robust = Scenario.from_dict({"name": "x", "robust": {}}).robust
    assert robust is not None
    assert (robust.scenarios, robust.risk, robust.alpha) == (ROBUST_SCENARIOS, "mean", 0.9)


@pytest.mark.parametrize(
    ("value", "column"),
    [
        ({"latent_demand": {"multiplier": 0.5, "share": 0.2}}, "latent_demand.multiplier"),
        ({"latent_demand": {"multiplier": 2, "share": 1.5}}, "latent_demand.share"),
        ({"latent_demand": {"multiplier": 2}}, "latent_demand.share"),
        ({"latent_demand": {"multiplier": "nan", "share": 0.1}}, "latent_demand.multiplier"),
        ({"latent_demand": {"multiplier": 2, "share": 0.1, "extra": 1}}, "latent_demand.extra"),
        ({"latent_demand": 3}, "latent_demand"),
        ({"robust": {"scenarios": 1}}, "robust.scenarios"),
        ({"robust": {"scenarios": 100000}}, "robust.scenarios"),
        ({"robust": {"risk": "worst"}}, "robust.risk"),
        ({"robust": {"alpha": 1.0}}, "robust.alpha"),
    ],
)
def test_a_value_out_of_range_is_an_error_that_names_it(value, column) -> None:
    with pytest.raises(InvalidInput) as raised:
        Scenario.from_dict({"name": "x", **value})
    assert column in [p.column for p in raised.value.problems]


def test_latent_demand_multiplies_the_plans_demand() -> None:
    package = hand_city()
    plain = horizon_demand(package, Scenario(name="x"))
    latent = horizon_demand(
        package, Scenario(name="x", latent_demand={"multiplier": 3.0, "share": 0.5})
    )
    np.testing.assert_allclose(latent["demand"], plain["demand"] * 2.0)
    assert latent[["district_id", "service_id", "period"]].equals(
        plain[["district_id", "service_id", "period"]]
    )


def test_latent_demand_reaches_the_solve_and_the_robust_samples() -> None:
    package = skewed_city()
    options = SolveOptions(diagnostics=False, baselines=False)
    plain = solve(package, Scenario(name="x", horizon_months=3), options=options)
    scenario = Scenario(name="x", horizon_months=3, latent_demand={"multiplier": 2.0, "share": 0.5})
    latent = solve(package, scenario, options=options)
    assert latent.totals.demand == pytest.approx(plain.totals.demand * 1.5)
    base = sample_scenarios(package, Scenario(name="x", horizon_months=3), 3, 5)
    scaled = sample_scenarios(package, scenario, 3, 5)
    for a, b in zip(base, scaled, strict=True):
        np.testing.assert_allclose(b["demand"], a["demand"] * 1.5)
    assert latent.summary()["scenario"]["latent_demand"] == {"multiplier": 2.0, "share": 0.5}


def test_the_plan_for_bad_months_against_the_plan() -> None:
    package = skewed_city()
    scenario = Scenario(
        name="bad months", horizon_months=3, robust={"scenarios": 6, "risk": "cvar", "alpha": 0.8}
    )
    plan = solve(package, scenario, options=SolveOptions(diagnostics=False, baselines=False))
    steps: list[tuple[float, str]] = []
    comparison = compare_with_plan(
        package, scenario, plan, evaluation_samples=12, progress=lambda s, w: steps.append((s, w))
    )
    assert comparison.robust.n_scenarios == 6 and comparison.robust.risk == "cvar"
    assert list(comparison.table["plan"]) == [PLAN, ROBUST]
    assert comparison.evaluation_samples == 12
    assert steps[0] == (0.0, "robust") and steps[-1][0] == pytest.approx(1.0)
    for which in (PLAN, ROBUST):
        row = comparison.row(which)
        assert row["status"] == "optimal"
        assert row["p90_weighted_unmet"] >= row["expected_weighted_unmet"] - 1e-9
    record = json.loads(json.dumps(comparison.to_dict()))
    assert record["scenarios"] == 6 and record["cvar_alpha"] == 0.8
    assert [r["plan"] for r in record["rows"]] == [PLAN, ROBUST]


def test_the_default_evaluation_is_small() -> None:
    assert EVALUATION_SAMPLES <= 50 and ROBUST_SCENARIOS <= 10  # the Plan page waits for it


def test_a_city_without_history_says_so() -> None:
    package = hand_city(
        demand=pd.DataFrame(columns=["district_id", "service_id", "period", "cases", "source"])
    )
    scenario = Scenario(name="x", robust={})
    plan = solve(package, scenario, options=SolveOptions(diagnostics=False, baselines=False))
    with pytest.raises(InvalidInput):
        compare_with_plan(package, scenario, plan, evaluation_samples=2)


def test_compare_lists_latent_demand_and_warns_of_other_demand() -> None:
    from planner.compare import compare_plans

    package = hand_city()
    options = SolveOptions(diagnostics=False, baselines=False)
    plain = solve(package, Scenario(name="plain"), options=options)
    latent = solve(
        package,
        Scenario(name="unseen", latent_demand={"multiplier": 2.0, "share": 0.5}),
        options=options,
    )
    tables = compare_plans({"plain": plain, "unseen": latent}, package)
    rows = tables.parameters.set_index("parameter")
    assert rows.loc["latent_demand", "unseen"] == {"multiplier": 2.0, "share": 0.5}
    assert rows.loc["latent_demand", "plain"] is None
    assert "robust" not in rows.index
    assert tables.demand_basis_differs
