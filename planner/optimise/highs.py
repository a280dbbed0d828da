"""HiGHS behind one door: the only module that imports `highspy`.

Two ways in. `run_highs` hands a built `HavenModel` to HiGHS through PuLP (`TimedHiGHS`, a
bulk hand-over: `addCols` / `addRows` once instead of one call per column and per row) and
solves it. `KeptModel` is the HiGHS model such a run leaves on the `HavenModel`, changed in
place and solved again from its last basis, which is what the sweep (budget rows), the
baselines (capacity columns fixed), the robust plan's recourse (demand rows per sample) and
the diagnosis (one more unit of money) do. Columns are named by the model's PuLP variables
(`model.k[...]`, `model.u`), rows by the model's constraint names (`budget`,
`balance[D1,shelter,0]`), never by HiGHS's positions.

What comes back is typed: `HighsResult` with the status as a code (`optimal`, `time_limit`,
`infeasible`, `unbounded`, `not_solved`, `error`, as `SolverRun.status`) and HiGHS's own
words for it in `message`; values and duals as arrays in the order asked for.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import highspy
import numpy as np
import pulp

from planner.optimise.warm import Basis

if TYPE_CHECKING:
    from planner.optimise.model import HavenModel

RunStatus = Literal["optimal", "time_limit", "infeasible", "unbounded", "not_solved", "error"]

_STATUS = highspy.HighsModelStatus
_LIMITS = (_STATUS.kTimeLimit, _STATUS.kIterationLimit, _STATUS.kInterrupt, _STATUS.kSolutionLimit)
_FEASIBLE = 2  # HiGHS's kSolutionStatusFeasible


@dataclass(frozen=True)
class HighsResult:
    """One HiGHS solve: status code, HiGHS's words for it, objective, bound, gap and times."""

    status: RunStatus
    message: str
    objective: float | None
    bound: float | None
    gap: float | None
    handover_s: float = 0.0
    solve_s: float = 0.0
    readback_s: float = 0.0

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


@dataclass(frozen=True)
class Rows:
    """Rows of a kept model picked once by constraint name, to change many times."""

    names: tuple[str, ...]
    positions: np.ndarray

    def __len__(self) -> int:
        return len(self.names)


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


class TimedHiGHS(pulp.HiGHS):  # type: ignore[misc,valid-type]
    """PuLP's in-process HiGHS with a bulk hand-over and the time of each step."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.times: dict[str, float] = {}
        self.columns: list[pulp.LpVariable] | None = None  # lp.variables(), when known

    def buildSolverModel(self, lp: pulp.LpProblem) -> None:
        inf = highspy.kHighsInf
        variables = self.columns if self.columns is not None else lp.variables()
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
        if status == _STATUS.kOptimal:
            return pulp.LpStatusOptimal, pulp.LpSolutionOptimal
        if status in (_STATUS.kInfeasible, _STATUS.kUnboundedOrInfeasible):
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


def run_highs(
    model: HavenModel,
    *,
    time_limit_s: float,
    mip_gap: float,
    relax: bool,
    options: dict[str, object],
) -> HighsResult:
    """Hand `model` over to HiGHS (its LP relaxation when `relax`) and solve it, leaving the
    values on the PuLP variables and the HiGHS model on `model` for `KeptModel`."""
    engine = TimedHiGHS(
        mip=not relax,
        msg=False,
        timeLimit=time_limit_s,
        gapRel=mip_gap,
        # No `threads` here: HiGHS refuses to run when it differs from the thread count its
        # global scheduler started with (for instance by an earlier solve in the process).
        **{"random_seed": 0, **options},
    )
    highs_version()  # before the first solve: keeps HiGHS's banner off stdout
    model.problem.solve(engine)
    times = engine.times
    return _result(
        model.problem.solverModel,
        relaxed=relax or model.n_integer == 0,
        handover_s=times.get("handover", 0.0),
        solve_s=times.get("solve", 0.0),
        readback_s=times.get("readback", 0.0),
    )


def hand_over(model: HavenModel, *, mip_gap: float, options: dict[str, object]) -> float:
    """Hand `model` to HiGHS once (integers kept), without solving, for `KeptModel`; returns
    the seconds it took. Every solve after this one has its own time limit (`set_time_limit`)."""
    engine = TimedHiGHS(mip=True, msg=False, gapRel=mip_gap, **{"random_seed": 0, **options})
    highs_version()  # before the first solve: keeps HiGHS's banner off stdout
    start = time.perf_counter()
    engine.columns = model.columns()
    engine.createAndConfigureSolver(model.problem)
    engine.buildSolverModel(model.problem)
    return time.perf_counter() - start


class KeptModel:
    """The HiGHS model an earlier `run_highs` left on a `HavenModel`, changed and solved again.

    Changes stay on HiGHS's side: the PuLP problem keeps its own bounds unless the caller
    changes them too. `solve` starts from the last basis (or from `set_start`'s values).
    """

    def __init__(self, model: HavenModel, highs: highspy.Highs | None = None) -> None:
        highs = highs if highs is not None else getattr(model.problem, "solverModel", None)
        if not isinstance(highs, highspy.Highs):
            raise ValueError("no HiGHS model is kept on this model: solve it with HiGHS first")
        self._model = model
        self._highs = highs

    def copy(self) -> KeptModel:
        """A second HiGHS model with the same columns, rows, bounds and options, to change and
        solve on its own (in another thread: highspy releases the GIL while HiGHS runs)."""
        twin = highspy.Highs()
        twin.passOptions(self._highs.getOptions())
        twin.passModel(self._highs.getModel())
        return KeptModel(self._model, twin)

    @staticmethod
    def of(model: HavenModel | None) -> KeptModel | None:
        """The kept HiGHS model of `model`, or None when HiGHS never ran on it."""
        if model is None:
            return None
        highs = getattr(model.problem, "solverModel", None)
        return KeptModel(model) if isinstance(highs, highspy.Highs) else None

    # --- options -------------------------------------------------------------------------

    def set_time_limit(self, seconds: float) -> None:
        """Give the next `solve` `seconds` of its own. HiGHS measures its time limit on a kept
        model from the model's first run, not from each run: without this, a re-solve after a
        long solve would stop at once with "Time limit reached"."""
        self._highs.setOptionValue("time_limit", self._highs.getRunTime() + float(seconds))

    def set_gap(self, relative_gap: float) -> None:
        self._highs.setOptionValue("mip_rel_gap", float(relative_gap))

    # --- columns -------------------------------------------------------------------------

    def relax_integers(self) -> None:
        """Make every column continuous (the LP relaxation of the kept model)."""
        n = self._highs.getNumCol()
        kinds = np.full(n, highspy.HighsVarType.kContinuous)
        self._highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), kinds)

    def restore_integers(self, variables: Sequence[pulp.LpVariable]) -> None:
        """Make these columns integer again (after `relax_integers`)."""
        if not variables:
            return
        columns = self._columns(variables)
        kinds = np.full(len(columns), highspy.HighsVarType.kInteger)
        self._highs.changeColsIntegrality(len(columns), columns, kinds)

    def set_column_bounds(
        self, variables: Sequence[pulp.LpVariable], lower: Iterable[float], upper: Iterable[float]
    ) -> None:
        if not variables:
            return
        columns = self._columns(variables)
        low = np.fromiter(lower, float, len(columns))
        up = np.fromiter(upper, float, len(columns))
        self._highs.changeColsBounds(len(columns), columns, low, up)

    def fix_columns(self, fixed: Sequence[tuple[pulp.LpVariable, float]]) -> None:
        """Fix each variable to its value (lower = upper = value)."""
        values = [value for _, value in fixed]
        self.set_column_bounds([var for var, _ in fixed], values, values)

    def set_column_costs(
        self, variables: Sequence[pulp.LpVariable], costs: Iterable[float]
    ) -> None:
        if not variables:
            return
        columns = self._columns(variables)
        self._highs.changeColsCost(len(columns), columns, np.fromiter(costs, float, len(columns)))

    def set_start(self, values: np.ndarray) -> None:
        """Hand HiGHS a starting solution (every column's value, in column order)."""
        solution = self._highs.getSolution()
        solution.col_value = list(values)
        self._highs.setSolution(solution)

    # --- rows ----------------------------------------------------------------------------

    def rows(self, names: Iterable[str]) -> Rows:
        """The rows of these constraint names, to change many times."""
        chosen = tuple(names)
        constraints = self._model.constraints
        positions = np.fromiter((constraints[n].index for n in chosen), np.int32, len(chosen))
        return Rows(chosen, positions)

    def set_row_bounds(
        self, rows: Rows | Sequence[str], lower: Iterable[float], upper: Iterable[float]
    ) -> None:
        """Set lower and upper bounds of rows (-inf / inf for a side without a bound)."""
        picked = rows if isinstance(rows, Rows) else self.rows(rows)
        if not len(picked):
            return
        n = len(picked)
        low = np.fromiter(lower, float, n)
        up = np.fromiter(upper, float, n)
        # changeRowsBounds is in highspy, but missing from its stubs.
        self._highs.changeRowsBounds(n, picked.positions, low, up)  # type: ignore[attr-defined]

    # --- warm starts ---------------------------------------------------------------------

    def basis(self) -> Basis | None:
        """The last solve's basis (None when HiGHS has no valid one)."""
        basis = self._highs.getBasis()
        if not basis.valid:
            return None
        columns, rows = basis.col_status, basis.row_status  # each read copies the list
        return Basis(
            np.array([s.value for s in columns], dtype=np.int8),
            np.array([s.value for s in rows], dtype=np.int8),
        )

    def set_basis(self, basis: Basis) -> bool:
        """Start the next solve from `basis` (planner.optimise.warm); False, and nothing
        changed, when it does not fit this model or HiGHS refuses it."""
        if not basis.fits(self._highs.getNumCol(), self._highs.getNumRow()):
            return False
        start = highspy.HighsBasis()
        statuses = list(highspy.HighsBasisStatus.__members__.values())
        by_value = {int(s): s for s in statuses}
        try:
            start.col_status = [by_value[v] for v in basis.columns.tolist()]
            start.row_status = [by_value[v] for v in basis.rows.tolist()]
        except KeyError:
            return False
        return self._highs.setBasis(start) == highspy.HighsStatus.kOk

    # --- solving and reading -------------------------------------------------------------

    def solve(self, *, relaxed: bool = True) -> HighsResult:
        """Solve again from the last basis; nothing is written on the PuLP variables
        (`read_back` does that). `relaxed`: read the result as an LP's (gap 0 when optimal)."""
        start = time.perf_counter()
        self._highs.run()
        return _result(self._highs, relaxed=relaxed, solve_s=time.perf_counter() - start)

    def read_back(self) -> float:
        """Write the last solution's values and duals on the PuLP variables and constraints;
        returns the seconds it took."""
        start = time.perf_counter()
        TimedHiGHS(msg=False).findSolutionValues(self._model.problem)
        return time.perf_counter() - start

    def write_values(self, values: np.ndarray) -> None:
        """Put a full column vector (as `values()` gave it) on the PuLP variables, leaving the
        constraints' duals as they are (those of the last LP read back)."""
        for var in self._model.columns():
            var.varValue = float(values[var.index])

    def values(self, variables: Sequence[pulp.LpVariable] | None = None) -> np.ndarray:
        """The last solution's values of these variables (of every column when None)."""
        values = np.asarray(self._highs.getSolution().col_value)
        return values if variables is None else values[self._columns(variables)]

    def row_duals(self, rows: Rows | Sequence[str]) -> np.ndarray:
        """The last solution's duals of these rows (in HiGHS's sign convention)."""
        picked = rows if isinstance(rows, Rows) else self.rows(rows)
        return np.asarray(self._highs.getSolution().row_dual)[picked.positions]

    @staticmethod
    def _columns(variables: Sequence[pulp.LpVariable]) -> np.ndarray:
        return np.fromiter((var.index for var in variables), np.int32, len(variables))


def problem_status(problem: pulp.LpProblem, *, relaxed: bool = False) -> RunStatus:
    """The status HiGHS gave the last `problem.solve(pulp.HiGHS(...))` (PuLP says "Optimal"
    for a MIP stopped at its limit with a feasible plan): for models solved through PuLP
    outside `run_highs`, such as the year-by-year plan."""
    return _result(problem.solverModel, relaxed=relaxed).status


def _result(
    h: highspy.Highs,
    *,
    relaxed: bool,
    handover_s: float = 0.0,
    solve_s: float = 0.0,
    readback_s: float = 0.0,
) -> HighsResult:
    """HiGHS's model status and info as a typed result."""
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == _FEASIBLE
    objective = float(info.objective_function_value) if has_solution else None
    gap: float | None
    bound: float | None
    if relaxed:
        gap = 0.0 if status == _STATUS.kOptimal else None
        bound = objective if status == _STATUS.kOptimal else None
    else:
        gap = float(info.mip_gap) if has_solution and math.isfinite(info.mip_gap) else None
        bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    return HighsResult(
        status=_status_code(status, has_solution),
        message=h.modelStatusToString(status),
        objective=objective,
        bound=bound,
        gap=gap,
        handover_s=handover_s,
        solve_s=solve_s,
        readback_s=readback_s,
    )


def _status_code(status: highspy.HighsModelStatus, has_solution: bool) -> RunStatus:
    if status == _STATUS.kOptimal:
        return "optimal"
    if status in (_STATUS.kInfeasible, _STATUS.kUnboundedOrInfeasible):
        return "infeasible"
    if status == _STATUS.kUnbounded:
        return "unbounded"
    if status in _LIMITS:
        return "time_limit" if has_solution else "not_solved"
    return "error"


__all__ = [
    "HighsResult",
    "KeptModel",
    "Rows",
    "RunStatus",
    "TimedHiGHS",
    "hand_over",
    "highs_version",
    "problem_status",
    "run_highs",
]
