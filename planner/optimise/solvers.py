"""Running a built model with HiGHS (in-process) or CBC, and reading the status.

PuLP reports "Optimal" for integer runs stopped by the time limit; the status here comes from
the solver itself (HiGHS's model status and `mip_gap`, CBC's log). Everything that touches
HiGHS itself (the bulk hand-over, the kept model changed and solved again) is in
`planner.optimise.highs`; this module speaks only of `SolverRun`s.
"""

from __future__ import annotations

import contextlib
import math
import re
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import pulp

from planner.optimise.highs import HighsResult, KeptModel, highs_version, run_highs
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
    version = highs_version()  # before the first solve: keeps HiGHS's banner off stdout
    if not model.problem.variables():
        return _empty_run("highs", version)
    result = run_highs(
        model, time_limit_s=time_limit_s, mip_gap=mip_gap, relax=relax, options=options
    )
    return highs_run(result)


def resolve_relaxed_highs(model: HavenModel, time_limit_s: float) -> SolverRun:
    """Re-solve the LP relaxation on the HiGHS model left by the integer run (no hand-over)."""
    KeptModel(model).relax_integers()
    return rerun_highs(model, time_limit_s, relaxed=True)


def rerun_highs(model: HavenModel, time_limit_s: float, *, relaxed: bool) -> SolverRun:
    """Solve again the HiGHS model kept from an earlier run on `model` (after bounds or
    integrality changed there), from its last basis, and read the values back."""
    kept = KeptModel(model)
    kept.set_time_limit(time_limit_s)
    result = kept.solve(relaxed=relaxed)
    return highs_run(replace(result, readback_s=kept.read_back()))


def refix_highs(
    model: HavenModel, fixed: list[tuple[pulp.LpVariable, float]], time_limit_s: float
) -> SolverRun:
    """Fix the given variables on the kept HiGHS model (see model.fix_capacity) and solve
    again from the last basis; the model must have been handed over as an LP."""
    KeptModel(model).fix_columns(fixed)
    return rerun_highs(model, time_limit_s, relaxed=True)


def highs_run(result: HighsResult) -> SolverRun:
    """A HiGHS result as a `SolverRun` (HiGHS's version, the result's status and times)."""
    return SolverRun(
        status=result.status,
        solver="highs",
        version=highs_version(),
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        handover_s=result.handover_s,
        solve_s=result.solve_s,
        readback_s=result.readback_s,
        message=result.message,
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
