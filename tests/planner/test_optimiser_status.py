"""The status comes from the solver itself, not from PuLP (which says 'Optimal' for integer runs
stopped at the time limit)."""

from __future__ import annotations

import pulp
import pytest

from planner.optimise.solvers import _read_cbc

CBC_STOPPED = """Welcome to the CBC MILP Solver
Version: 2.10.3
Build Date: Dec 15 2019

Result - Stopped on time limit

Objective value:                47664.46505598
Lower bound:                    47654.231
Gap:                            0.00
Enumerated nodes:               812
Total iterations:               120031
Time (CPU seconds):             59.91
Time (Wallclock seconds):       60.02
"""

CBC_OPTIMAL = """Version: 2.10.3
Result - Optimal solution found

Objective value:                180.20230000
Enumerated nodes:               0
Time (CPU seconds):             0.01
Time (Wallclock seconds):       0.02
"""


def _problem(status: int, sol_status: int, value: float) -> pulp.LpProblem:
    problem = pulp.LpProblem("p", pulp.LpMinimize)
    x = problem.add_variable("x", 0, 10)
    problem += x
    x.varValue = value
    problem.assignStatus(status, sol_status)
    return problem


def test_cbc_stopped_on_time_is_time_limit_with_its_own_gap():
    # PuLP calls this "Optimal" with an integer-feasible solution.
    problem = _problem(pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible, 47664.46505598)
    run = _read_cbc(problem, CBC_STOPPED, total_s=61.0, relaxed=False)
    assert run.status == "time_limit"
    assert run.bound == pytest.approx(47654.231)
    assert run.gap == pytest.approx((47664.46505598 - 47654.231) / 47664.46505598)
    assert run.version == "CBC 2.10.3"
    assert run.solve_s == pytest.approx(60.02)
    assert run.has_plan


def test_cbc_optimal():
    problem = _problem(pulp.LpStatusOptimal, pulp.LpSolutionOptimal, 180.2023)
    run = _read_cbc(problem, CBC_OPTIMAL, total_s=0.1, relaxed=False)
    assert run.status == "optimal" and run.gap == 0.0


def test_cbc_stopped_without_a_solution_is_no_plan():
    problem = _problem(pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, 0.0)
    log = CBC_STOPPED.replace("Objective value:                47664.46505598\n", "")
    run = _read_cbc(problem, log, total_s=61.0, relaxed=False)
    assert run.status == "not_solved" and not run.has_plan


def test_highs_stopped_early_reports_its_gap():
    """A HiGHS MIP stopped after its first improving solution: not 'optimal', with a gap."""
    from planner.optimise.inputs import prepare_inputs
    from planner.optimise.model import build_model
    from planner.optimise.solvers import run_solver
    from tests.planner.test_optimiser_properties import random_city

    for seed in range(40):
        city = random_city(seed)
        inputs = prepare_inputs(city.package, city.scenario, city.demand)
        model = build_model(inputs)
        if model.n_integer == 0:
            continue
        full = run_solver(model, "highs", time_limit_s=30, mip_gap=1e-9)
        if full.status != "optimal":
            continue
        model = build_model(inputs)
        early = run_solver(
            model,
            "highs",
            time_limit_s=30,
            mip_gap=1e-9,
            highs_options={"mip_max_improving_sols": 1, "presolve": "off"},
        )
        if early.status == "optimal":
            continue
        assert early.status == "time_limit"
        assert early.gap is not None and early.gap > 0
        assert early.objective >= full.objective - 1e-9
        return
    pytest.skip("no random city stopped before optimality")
