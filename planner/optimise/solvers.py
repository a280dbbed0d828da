"""Running a built model with HiGHS (in-process, `highspy`) or CBC, and reading the status.

PuLP reports "Optimal" for integer runs stopped by the time limit; the status here comes from
the solver itself (HiGHS's model status and `mip_gap`, CBC's log). The hand-over to HiGHS is
PuLP's `HiGHS` solver with its model built in bulk (`addCols` / `addRows` once, instead of one
call per column and per row), which is what makes the hand-over cheap at full size.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np
import pulp

from planner.optimise.model import HavenModel

SOLVERS = ("highs", "cbc")


@dataclass(frozen=True)
class SolverRun:
    """What one solver call gave: the solver's own status, its gap and the times."""

    status: str  # optimal | time_limit | infeasible | unbounded | not_solved | error
    solver: str
    version: str
    objective: float | None
    bound: float | None
    gap: float | None
    handover_s: float
    solve_s: float
    readback_s: float
    message: str = ""

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "time_limit")


class TimedHiGHS(pulp.HiGHS):  # type: ignore[misc,valid-type]
    """PuLP's in-process HiGHS with a bulk hand-over and the time of each step."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.times: dict[str, float] = {}

    def buildSolverModel(self, lp: pulp.LpProblem) -> None:
        inf = highspy.kHighsInf
        variables = lp.variables()
        objective = lp.objective or {}
        n = len(variables)
        cost = np.zeros(n)
        lower = np.empty(n)
        upper = np.empty(n)
        integer = []
        for i, var in enumerate(variables):
            var.index = i
            cost[i] = objective.get(var, 0.0)
            lower[i] = -inf if var.lowBound is None else var.lowBound
            upper[i] = inf if var.upBound is None else var.upBound
            if var.cat == pulp.LpInteger and self.mip:
                integer.append(i)
        if lp.sense == pulp.LpMaximize:
            cost = -cost
        h = lp.solverModel
        h.addCols(n, cost, lower, upper, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), [])
        if integer:
            kinds = np.full(len(integer), highspy.HighsVarType.kInteger)
            h.changeColsIntegrality(len(integer), np.array(integer, np.int32), kinds)
        constraints = list(lp._constraints.values())
        starts = np.zeros(len(constraints), np.int32)
        index: list[int] = []
        value: list[float] = []
        row_lower = np.empty(len(constraints))
        row_upper = np.empty(len(constraints))
        for i, constraint in enumerate(constraints):
            constraint.index = i
            starts[i] = len(index)
            items = constraint.expr.items()
            index.extend([var.index for var, _ in items])
            value.extend([coef for _, coef in items])
            lb = constraint.getLb()
            ub = constraint.getUb()
            row_lower[i] = -inf if lb is None else lb
            row_upper[i] = inf if ub is None else ub
        if constraints:
            h.addRows(
                len(constraints),
                row_lower,
                row_upper,
                len(index),
                starts,
                np.array(index, np.int32),
                np.array(value, float),
            )

    def findSolutionValues(self, lp: pulp.LpProblem) -> tuple[int, int]:
        h = lp.solverModel
        solution = h.getSolution()
        values = list(solution.col_value)
        duals = list(solution.col_dual)
        for var in lp._variables:
            var.varValue = values[var.index]
            var.dj = duals[var.index]
        row_values = list(solution.row_value)
        row_duals = list(solution.row_dual)
        for constraint in lp._constraints.values():
            slack = constraint.constant + row_values[constraint.index]
            constraint.slack = -slack if constraint.sense == pulp.LpConstraintLE else slack
            constraint.pi = row_duals[constraint.index]
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return pulp.LpStatusOptimal, pulp.LpSolutionOptimal
        if status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible
        return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound

    def actualSolve(self, lp: pulp.LpProblem) -> int:
        start = time.perf_counter()
        self.createAndConfigureSolver(lp)
        self.buildSolverModel(lp)
        built = time.perf_counter()
        self.callSolver(lp)
        solved = time.perf_counter()
        status, sol_status = self.findSolutionValues(lp)
        lp.assignStatus(status, sol_status)
        self.times = {
            "handover": built - start,
            "solve": solved - built,
            "readback": time.perf_counter() - solved,
        }
        return status


@functools.cache
def highs_version() -> str:
    """HiGHS's version; the first `Highs()` of a process prints a banner, kept off stdout here."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            version = highspy.Highs().version()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return f"HiGHS {version}"


def run_solver(
    model: HavenModel,
    solver: str,
    *,
    time_limit_s: float,
    mip_gap: float,
    relax: bool = False,
    highs_options: dict[str, object] | None = None,
) -> SolverRun:
    """Solve `model` (its LP relaxation when `relax`), leaving values on the PuLP variables."""
    if solver == "highs":
        return _run_highs(model, time_limit_s, mip_gap, relax, highs_options or {})
    if solver == "cbc":
        return _run_cbc(model, time_limit_s, mip_gap, relax)
    raise ValueError(f"unknown solver {solver!r}: use one of {', '.join(SOLVERS)}")


def _run_highs(
    model: HavenModel, time_limit_s: float, mip_gap: float, relax: bool, options: dict
) -> SolverRun:
    engine = TimedHiGHS(
        mip=not relax,
        msg=False,
        timeLimit=time_limit_s,
        gapRel=mip_gap,
        # No `threads` here: HiGHS refuses to run when it differs from the thread count its
        # global scheduler started with (for instance by an earlier solve in the process).
        **{"random_seed": 0, **options},
    )
    problem = model.problem
    version = highs_version()  # before the first solve: keeps HiGHS's banner off stdout
    if not problem.variables():
        return _empty_run("highs", version)
    problem.solve(engine)
    return _read_highs(problem, engine.times, relaxed=relax or model.n_integer == 0)


def resolve_relaxed_highs(model: HavenModel, time_limit_s: float) -> SolverRun:
    """Re-solve the LP relaxation on the HiGHS model left by the integer run (no hand-over)."""
    h: highspy.Highs = model.problem.solverModel
    n = h.getNumCol()
    h.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kContinuous)
    )
    return rerun_highs(model, time_limit_s, relaxed=True)


def rerun_highs(model: HavenModel, time_limit_s: float, *, relaxed: bool) -> SolverRun:
    """Solve again the HiGHS model kept from an earlier run on `model` (after bounds or
    integrality changed there), from its last basis, and read the values back."""
    h: highspy.Highs = model.problem.solverModel
    h.setOptionValue("time_limit", float(time_limit_s))
    start = time.perf_counter()
    h.run()
    solved = time.perf_counter()
    TimedHiGHS(msg=False).findSolutionValues(model.problem)
    times = {"handover": 0.0, "solve": solved - start, "readback": time.perf_counter() - solved}
    return _read_highs(model.problem, times, relaxed=relaxed)


def refix_highs(
    model: HavenModel, fixed: list[tuple[pulp.LpVariable, float]], time_limit_s: float
) -> SolverRun:
    """Fix the given variables on the kept HiGHS model (see model.fix_capacity) and solve
    again from the last basis; the model must have been handed over as an LP."""
    h: highspy.Highs = model.problem.solverModel
    if fixed:
        columns = np.array([var.index for var, _ in fixed], np.int32)
        values = np.array([value for _, value in fixed], float)
        h.changeColsBounds(len(columns), columns, values, values)
    return rerun_highs(model, time_limit_s, relaxed=True)


def _read_highs(problem: pulp.LpProblem, times: dict[str, float], relaxed: bool) -> SolverRun:
    h: highspy.Highs = problem.solverModel
    status = h.getModelStatus()
    info = h.getInfo()
    statuses = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    objective = float(info.objective_function_value) if has_solution else None
    gap: float | None
    bound: float | None
    if relaxed:
        gap = 0.0 if status == statuses.kOptimal else None
        bound = objective if status == statuses.kOptimal else None
    else:
        gap = float(info.mip_gap) if has_solution and math.isfinite(info.mip_gap) else None
        bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    if status == statuses.kOptimal:
        name = "optimal"
    elif status in (statuses.kInfeasible, statuses.kUnboundedOrInfeasible):
        name = "infeasible"
    elif status == statuses.kUnbounded:
        name = "unbounded"
    elif status in (
        statuses.kTimeLimit,
        statuses.kIterationLimit,
        statuses.kInterrupt,
        statuses.kSolutionLimit,
    ):
        name = "time_limit" if has_solution else "not_solved"
    else:
        name = "error"
    return SolverRun(
        status=name,
        solver="highs",
        version=highs_version(),
        objective=objective,
        bound=bound,
        gap=gap,
        handover_s=times.get("handover", 0.0),
        solve_s=times.get("solve", 0.0),
        readback_s=times.get("readback", 0.0),
        message=h.modelStatusToString(status),
    )


_CBC_RESULT = re.compile(r"^Result - (.*)$", re.MULTILINE)
_CBC_NUMBER = r"([-+0-9.eE]+|inf|-inf)"


def _run_cbc(model: HavenModel, time_limit_s: float, mip_gap: float, relax: bool) -> SolverRun:
    problem = model.problem
    if not problem.variables():
        return _empty_run("cbc", "CBC")
    with tempfile.TemporaryDirectory(prefix="haven-cbc-") as folder:
        log_path = Path(folder) / "cbc.log"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            engine = pulp.PULP_CBC_CMD(
                mip=not relax,
                msg=False,
                timeLimit=time_limit_s,
                gapRel=mip_gap,
                threads=1,
                logPath=str(log_path),
                keepFiles=False,
                options=["randomSeed 1", "randomCbcSeed 1"],
            )
        start = time.perf_counter()
        problem.solve(engine)
        total = time.perf_counter() - start
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
    return _read_cbc(problem, log, total, relaxed=relax or model.n_integer == 0)


def _read_cbc(problem: pulp.LpProblem, log: str, total_s: float, relaxed: bool) -> SolverRun:
    version_match = re.search(r"Version:\s*(\S+)", log)
    version = f"CBC {version_match.group(1)}" if version_match else "CBC"
    wall = re.findall(r"Wallclock seconds\):\s*([0-9.]+)", log)
    solve_s = float(wall[-1]) if wall else total_s
    results = _CBC_RESULT.findall(log)
    result = results[-1] if results else ""
    objective = _cbc_value(log, "Objective value:")
    bound = _cbc_value(log, "Lower bound:")
    gap = _cbc_value(log, "Gap:")
    has_solution = problem.sol_status in (
        pulp.LpSolutionOptimal,
        pulp.LpSolutionIntegerFeasible,
    )
    lowered = (result + " " + log[-2000:]).lower()
    if "infeasible" in lowered and not has_solution:
        name = "infeasible"
    elif "unbounded" in lowered and not has_solution:
        name = "unbounded"
    elif "stopped" in lowered or "time limit" in lowered:
        name = "time_limit" if has_solution else "not_solved"
    elif problem.status == pulp.LpStatusOptimal and has_solution:
        name = "optimal"
    elif problem.status == pulp.LpStatusInfeasible:
        name = "infeasible"
    else:
        name = "error"
    if has_solution:
        # CBC's log prints the objective rounded to its own precision: recompute it.
        objective = pulp.value(problem.objective)
    if name == "optimal":
        gap = 0.0 if relaxed or gap is None else gap
        bound = objective if bound is None else bound
    if name == "time_limit" and objective is not None and bound is not None:
        gap = abs(objective - bound) / max(abs(objective), 1e-10)
    return SolverRun(
        status=name,
        solver="cbc",
        version=version,
        objective=float(objective) if objective is not None else None,
        bound=float(bound) if bound is not None else None,
        gap=float(gap) if gap is not None else None,
        handover_s=max(total_s - solve_s, 0.0),
        solve_s=solve_s,
        readback_s=0.0,
        message=result or pulp.LpStatus[problem.status],
    )


def _cbc_value(log: str, label: str) -> float | None:
    found = re.findall(re.escape(label) + r"\s*" + _CBC_NUMBER, log)
    if not found:
        return None
    text = found[-1]
    with contextlib.suppress(ValueError):
        value = float(text)
        return value if math.isfinite(value) else None
    return None


def _empty_run(solver: str, version: str) -> SolverRun:
    """Nothing to decide (no demand anywhere): the empty plan is optimal."""
    return SolverRun("optimal", solver, version, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, "empty model")
