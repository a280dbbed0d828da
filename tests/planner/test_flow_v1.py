"""A version-1 package (no pathways, no closures, no wait targets) plans exactly as before
the flow and time of issue 16: the same tables as the solve without its hook, and waits
added beside them."""

from __future__ import annotations

import pandas as pd

from planner.demand import horizon_demand
from planner.optimise import SolveOptions, solve, solve_inputs
from planner.optimise.inputs import prepare_inputs
from planner.scenario import Scenario
from tests.package_factory import tiny_package


def test_a_version_1_package_plans_exactly_as_without_the_flow_hook() -> None:
    package = tiny_package()
    assert len(package.pathways) == 0
    scenario = Scenario(name="v1")
    demand = horizon_demand(package, scenario)
    options = SolveOptions()
    plan = solve(package, scenario, demand=demand, options=options)
    inputs = prepare_inputs(package, scenario, demand)
    assert inputs.pathways is None and inputs.wait_caps is None
    plain = solve_inputs(inputs, scenario, options)  # the model's own solve, no flow
    assert plan.status == plain.status and plan.objective == plain.objective
    for name in ("funding", "capacity_added", "coverage", "assignments"):
        pd.testing.assert_frame_equal(
            getattr(plan, name).reset_index(drop=True), getattr(plain, name).reset_index(drop=True)
        )
    assert plan.totals == plain.totals
    assert plain.waiting is None and plan.waiting is not None  # waits are added beside
    assert plan.waiting.targets == [] and plan.waiting.induced == []
    summary = plan.summary()
    assert set(summary) - set(plain.summary()) == {"waiting"}
