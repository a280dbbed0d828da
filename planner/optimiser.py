"""The allocation optimiser's public face: `solve(package, scenario) -> Plan`.

The code lives in the `planner.optimise` package (inputs, model, solvers, read-back, plan).
"""

from planner.optimise import Plan, SolveOptions, demand_basis, solve, solve_inputs
from planner.optimise.inputs import ModelInputs, prepare_inputs

__all__ = [
    "ModelInputs",
    "Plan",
    "SolveOptions",
    "demand_basis",
    "prepare_inputs",
    "solve",
    "solve_inputs",
]
