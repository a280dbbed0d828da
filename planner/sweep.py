"""Sensitivity sweeps (../shared/MODEL.md, "Uncertainty"): re-solve over budget, floor, quantile.

A sweep is the grid quantile x equity floor x budget factor. The budget factor scales the
scenario's total budget and every funder's budget together (0 to 2x by default: at 1x the
scenario itself). Points that share a quantile and a floor form a *chain* of budgets in
ascending order; a chain is solved on one HiGHS model, kept between solves (`reuse=True`):
only the budget rows' right-hand sides change, and the previous plan, still feasible with
more money, is handed to HiGHS as its starting solution. Chains (split into as many pieces
as there are workers) are independent solves for `planner.executor`, so a sweep spreads over
a local process pool or a Dask cluster unchanged.

Results are a frame per point (`served`, `unmet`, `weighted_unmet`, `coverage`, money) and a
frame per point and district; `reuse=False` solves each point cold, for comparison.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.demand import horizon_demand
from planner.executor import run_all
from planner.i18n import t
from planner.optimise.highs import KeptModel
from planner.optimise.inputs import ModelInputs, prepare_inputs
from planner.optimise.model import MONEY_UNIT, HavenModel, build_model
from planner.optimise.readback import plan_tables, read_solution
from planner.optimise.solve import DEFAULT_MIP_GAP
from planner.optimise.solvers import rerun_highs, run_solver
from planner.problems import InvalidInput, Problem

if TYPE_CHECKING:
    from planner.package import CityPackage
    from planner.scenario import Scenario

POINT_COLUMNS = [
    "point",
    "quantile",
    "equity_floor",
    "budget_factor",
    "budget",
    "status",
    "objective",
    "demand",
    "served",
    "unmet",
    "weighted_unmet",
    "coverage",
    "money_spent",
    "solve_s",
]
DISTRICT_COLUMNS = ["point", "district_id", "district", "demand", "served", "unmet", "coverage"]


@dataclass(frozen=True, eq=False)
class ChainTask:
    """Budgets to solve in ascending order on one model (what one worker gets)."""

    inputs: ModelInputs
    solver: str
    time_limit_s: float
    mip_gap: float
    quantile: float
    equity_floor: float
    points: tuple[tuple[int, float], ...]  # (point id, budget factor)
    reuse: bool


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A sweep's points and, for each point, its districts."""

    points: pd.DataFrame  # POINT_COLUMNS
    districts: pd.DataFrame  # DISTRICT_COLUMNS
    times: dict[str, float] = field(default_factory=dict)


def parse_steps(text: str, *, name: str) -> list[float]:
    """`0:2x:11` or `0:1:11` (start:stop:count, an `x` is ignored) or `0.5,0.8,0.9`."""
    problem = InvalidInput(
        [
            Problem(
                t("command line"),
                column=name,
                message=t("{text}: use start:stop:count or a,b,c", text=repr(text)),
            )
        ]
    )
    try:
        if ":" in text:
            start_text, stop_text, count_text = text.split(":")
            start = float(start_text.rstrip("xX"))
            stop = float(stop_text.rstrip("xX"))
            count = int(count_text)
            if count < 1 or not (math.isfinite(start) and math.isfinite(stop)):
                raise problem
            return [float(v) for v in np.linspace(start, stop, count)]
        return [float(part.rstrip("xX")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise problem from None


def sweep(
    package: CityPackage,
    scenario: Scenario,
    *,
    budget_factors: Sequence[float] = tuple(np.linspace(0.0, 2.0, 11)),
    floors: Sequence[float] | None = None,
    quantiles: Sequence[float] | None = None,
    reuse: bool = True,
    workers: int | None = None,
    client: Any = None,
    mip_gap: float = DEFAULT_MIP_GAP,
    progress: Callable[[float], None] | None = None,
    demand_for: Callable[[float | None], pd.DataFrame] | None = None,
) -> SweepResult:
    """Solve the grid quantile x floor x budget factor (None: the scenario's own value).

    Demand at a quantile comes from `demand_for(q)` (by default `horizon_demand` at q: the
    q-quantile of the city's demand per service from one draw of joint sample paths; the
    scenario's own demand when no quantile is swept). A point planned for the expected
    demand has quantile NaN.
    """
    _check(budget_factors, floors, quantiles)
    started = time.perf_counter()
    floor_values = list(floors) if floors is not None else [scenario.equity_floor]
    quantile_values = list(quantiles) if quantiles is not None else [None]
    n_pieces = _pieces(workers, client)
    tasks: list[ChainTask] = []
    point = 0
    factors = sorted(float(f) for f in budget_factors)
    paths = _paths(package, scenario) if quantiles is not None and demand_for is None else None
    for q in quantile_values:
        if q is None:
            demand = demand_for(scenario.demand_quantile) if demand_for else None
            demand = demand if demand is not None else horizon_demand(package, scenario)
        else:
            demand = demand_for(q) if demand_for else _demand_at(package, scenario, q, paths)
        inputs = prepare_inputs(package, scenario, demand)
        for alpha in floor_values:
            chain = []
            for factor in factors:
                chain.append((point, factor))
                point += 1
            for piece in _split(chain, n_pieces):
                tasks.append(
                    ChainTask(
                        inputs=replace(inputs, equity_floor=float(alpha)),
                        solver=scenario.solver,
                        time_limit_s=scenario.time_limit_s,
                        mip_gap=mip_gap,
                        quantile=_quantile_label(q, scenario),
                        equity_floor=float(alpha),
                        points=tuple(piece),
                        reuse=reuse,
                    )
                )
    prepared = time.perf_counter() - started
    if progress is not None and client is None and workers == 1:
        n_points, done = point, [0]

        def advance() -> None:
            done[0] += 1
            progress(done[0] / n_points)

        results = [solve_chain(task, on_point=advance) for task in tasks]
    else:
        results = run_all(solve_chain, tasks, workers=workers, client=client)
        if progress is not None:
            progress(1.0)
    points = pd.concat([r[0] for r in results], ignore_index=True)
    districts = pd.concat([r[1] for r in results], ignore_index=True)
    points = points.sort_values("point").reset_index(drop=True)[POINT_COLUMNS]
    districts = districts.sort_values(["point", "district_id"]).reset_index(drop=True)
    times = {"prepare": prepared, "total": time.perf_counter() - started}
    return SweepResult(points=points, districts=districts[DISTRICT_COLUMNS], times=times)


def solve_chain(
    task: ChainTask, on_point: Callable[[], None] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Solve one chain of budgets; module level so that it pickles for other processes."""
    point_rows: list[dict[str, Any]] = []
    district_frames: list[pd.DataFrame] = []
    model: HavenModel | None = None
    previous: np.ndarray | None = None
    for point, factor in task.points:
        inputs = _scaled(task.inputs, factor)
        started = time.perf_counter()
        warm = task.reuse and model is not None and task.solver == "highs"
        if warm:
            assert model is not None
            run = _resolve_highs(model, inputs, previous, task.time_limit_s)
        else:
            model = build_model(inputs)
            run = run_solver(
                model, task.solver, time_limit_s=task.time_limit_s, mip_gap=task.mip_gap
            )
        solve_s = time.perf_counter() - started
        assert model is not None
        row: dict[str, Any] = {
            "point": point,
            "quantile": task.quantile,
            "equity_floor": task.equity_floor,
            "budget_factor": factor,
            "budget": inputs.total_budget,
            "status": run.status,
            "objective": run.objective,
            "solve_s": solve_s,
        }
        if run.has_plan:
            solution = read_solution(model)
            funding, _capacity, coverage = plan_tables(model, solution)
            if task.solver == "highs":
                previous = KeptModel(model).values()
            weight = inputs.services["weight"].reindex(coverage["service_id"]).to_numpy(float)
            demand = float(coverage["demand"].sum())
            served = float(coverage["served"].sum())
            row.update(
                demand=demand,
                served=served,
                unmet=float(coverage["unmet"].sum()),
                weighted_unmet=float((coverage["unmet"].to_numpy(float) * weight).sum()),
                coverage=served / demand if demand > 0 else float("nan"),
                money_spent=float(funding["amount"].sum()) if len(funding) else 0.0,
            )
            district_frames.append(_by_district(inputs, coverage, point))
        else:
            previous = None
        point_rows.append(row)
        if on_point is not None:
            on_point()
    districts = (
        pd.concat(district_frames, ignore_index=True)
        if district_frames
        else pd.DataFrame(columns=DISTRICT_COLUMNS)
    )
    return pd.DataFrame(point_rows).reindex(columns=POINT_COLUMNS), districts


def marginal_served(result: SweepResult) -> pd.DataFrame:
    """Where the next dollar helps most: per district and budget step, the units served more
    per 1,000 of budget between successive budget points (same quantile and floor).

    Columns: district_id, district, quantile, equity_floor, budget_from, budget_to,
    served_per_1000.
    """
    points = result.points[["point", "quantile", "equity_floor", "budget"]]
    frame = result.districts.merge(points, on="point").sort_values(
        ["quantile", "equity_floor", "district_id", "budget"], kind="stable"
    )
    keys = ["quantile", "equity_floor", "district_id"]
    frame["budget_from"] = frame.groupby(keys, dropna=False)["budget"].shift(1)
    frame["served_from"] = frame.groupby(keys, dropna=False)["served"].shift(1)
    frame = frame.dropna(subset=["budget_from"])
    step = (frame["budget"] - frame["budget_from"]).to_numpy(float)
    gained = (frame["served"] - frame["served_from"]).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["served_per_1000"] = np.where(step > 0, 1000.0 * gained / step, np.nan)
    frame = frame.rename(columns={"budget": "budget_to"})
    columns = ["district_id", "district", *keys[:2], "budget_from", "budget_to"]
    return frame[[*columns, "served_per_1000"]].reset_index(drop=True)


def _resolve_highs(
    model: HavenModel, inputs: ModelInputs, start: np.ndarray | None, time_limit_s: float
) -> Any:
    """Change the budget rows' bounds on the kept HiGHS model and solve again from there."""
    kept = KeptModel(model)
    for name, constraint in model.constraints.items():
        kind = model.kinds[name]
        if kind == "budget":
            rhs = inputs.total_budget / MONEY_UNIT
        elif kind == "funder":
            funder_id = name[len("funder_budget[") : -1]
            rhs = inputs.funder_budget[funder_id] / MONEY_UNIT
        else:
            continue
        constraint.constant = -rhs  # keep the PuLP side in step with the solver's
        kept.set_row_bounds([name], [-np.inf], [rhs])
    if start is not None:
        kept.set_start(start)
    return rerun_highs(model, time_limit_s, relaxed=model.n_integer == 0)


def _scaled(inputs: ModelInputs, factor: float) -> ModelInputs:
    return replace(
        inputs,
        total_budget=inputs.total_budget * factor,
        funder_budget={f: b * factor for f, b in inputs.funder_budget.items()},
    )


def _by_district(inputs: ModelInputs, coverage: pd.DataFrame, point: int) -> pd.DataFrame:
    frame = coverage.groupby("district_id", sort=True)[["demand", "served", "unmet"]].sum()
    frame = frame.reset_index()
    frame.insert(0, "point", point)
    frame.insert(2, "district", frame["district_id"].map(inputs.district_names))
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["coverage"] = np.where(frame["demand"] > 0, frame["served"] / frame["demand"], np.nan)
    return frame


def _quantile_label(q: float | None, scenario: Scenario) -> float:
    """A point's quantile: the swept one, else the scenario's; NaN for the expected demand."""
    value = q if q is not None else scenario.demand_quantile
    return float(value) if value is not None else math.nan


def _paths(package: CityPackage, scenario: Scenario) -> pd.DataFrame | None:
    """The joint sample paths every swept quantile's demand comes from (drawn once)."""
    from planner.demand import MIN_FORECAST_MONTHS, case_paths, history_months

    if history_months(package) < MIN_FORECAST_MONTHS:
        return None
    return case_paths(package, scenario.horizon_months)


def _demand_at(
    package: CityPackage, scenario: Scenario, quantile: float, paths: pd.DataFrame | None
) -> pd.DataFrame:
    at_q = scenario.model_copy(update={"demand_quantile": quantile})
    return horizon_demand(package, at_q, paths)


def _pieces(workers: int | None, client: Any) -> int:
    from planner.settings import get_settings

    if client is not None:
        return max(1, len(client.scheduler_info().get("workers", {})))
    return max(1, workers if workers is not None else get_settings().sweep_workers)


def _split(chain: list[tuple[int, float]], pieces: int) -> list[list[tuple[int, float]]]:
    """Contiguous runs of the chain, as even as can be (each run keeps its warm start)."""
    pieces = max(1, min(pieces, len(chain)))
    return [list(part) for part in np.array_split(np.array(chain, dtype=object), pieces)]


def _check(
    budget_factors: Sequence[float],
    floors: Sequence[float] | None,
    quantiles: Sequence[float] | None,
) -> None:
    problems = []
    if not budget_factors:
        problems.append(Problem("sweep", column="budget", message=t("needs at least one point")))
    for value in budget_factors:
        if not math.isfinite(value) or value < 0:
            problems.append(
                Problem("sweep", column="budget", message=t("{value} is not >= 0", value=value))
            )
    for value in floors or ():
        if not 0 <= value <= 1:
            problems.append(
                Problem("sweep", column="floor", message=t("{value} is not in [0, 1]", value=value))
            )
    for value in quantiles or ():
        if not 0 < value < 1:
            problems.append(
                Problem(
                    "sweep", column="quantile", message=t("{value} is not in (0, 1)", value=value)
                )
            )
    if problems:
        raise InvalidInput(problems)


__all__ = ["ChainTask", "SweepResult", "marginal_served", "parse_steps", "solve_chain", "sweep"]
