"""The allocation optimiser (../shared/MODEL.md): inputs, model, solvers, plan.

`solve(package, scenario)` is the entry point; the formulation is in `planner.optimise.model`.
"""

from planner.optimise.plan import Plan
from planner.optimise.solve import SolveOptions, demand_basis, solve, solve_inputs

__all__ = ["Plan", "SolveOptions", "demand_basis", "solve", "solve_inputs"]
