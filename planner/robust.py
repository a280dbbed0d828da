r"""The two-stage robust plan of ../shared/MODEL.md ("Uncertainty").

K demand scenarios s are sampled from the forecast's distribution
(`planner.forecast.sample_demand_paths`). The first stage, what the plan decides now, is
shared by every scenario: capacity added k[a,s], services opened y[a,s], money g[f,a,s]. The
second stage, how the capacity is used once demand is known, is per scenario: x^s, u^s, v^s.

Constraints: (3) funding, (4) budgets and (5) expansion once, on the first stage; (1) balance,
(2) capacity and (6) the equity floor (soft, whatever the scenario says: a sampled month may
make a hard floor impossible) once per scenario, named with the scenario first:
`balance[s3,D1,shelter,2027-01]`, `capacity[s3,A1,shelter,2027-01]`, `floor[s3,D1,shelter]`.

Loss of scenario s:  L_s = sum |b| w u^s + W_eq sum w v^s  (weighted unmet demand and shortfall)

Objective, `risk="mean"`:  min  (1/K) sum_s L_s  + tie-breakers
          `risk="cvar"`:   min  eta + 1/((1 - a) K) sum_s z_s  + tie-breakers
                           cvar[s]:  L_s - eta - z_s <= 0,   z_s >= 0
(CVaR_a of L: the mean of the worst (1 - a) share of scenarios, Rockafellar-Uryasev.)
Tie-breakers as in the plan's model: lambda (1/K) sum_s |b| dist x^s  +  epsilon sum g.

The per-scenario families are added by the plan model's own `define_*` functions
(`planner.optimise.model`), each given a view of the problem whose names carry the scenario,
so the formulation of each scenario is the plan's, constraint for constraint.

`evaluate_out_of_sample` fixes the first stage (a `capacity_added` table) and solves the
recourse, the plan's model with k and y fixed, on fresh samples neither plan saw.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import pulp

from planner.executor import run_all
from planner.findings import Baselines, Diagnostics, RobustRun, Totals
from planner.geo import distances_km
from planner.i18n import t
from planner.optimise.highs import KeptModel
from planner.optimise.inputs import EQUITY_WEIGHT, ModelInputs, prepare_inputs
from planner.optimise.model import (
    MONEY_UNIT,
    HavenModel,
    build_model,
    define_budgets,
    define_capacity,
    define_capacity_variables,
    define_demand_balance,
    define_equity_floor,
    define_expansion,
    define_floor_variables,
    define_flow_variables,
    define_funding,
    define_funding_variables,
)
from planner.optimise.plan import Plan
from planner.optimise.readback import plan_tables, plan_totals, read_solution
from planner.optimise.solve import DEFAULT_MIP_GAP
from planner.optimise.solvers import run_solver
from planner.problems import InvalidInput, Problem

if TYPE_CHECKING:
    from planner.package import CityPackage
    from planner.scenario import Scenario

Risk = Literal["mean", "cvar"]
Periods = Literal["monthly", "mean"]
#: Seed of the scenarios the robust plan is made on; evaluation draws from another stream.
PLAN_SEED = 0
EVALUATION_SEED = 1_000_003


@dataclass(frozen=True)
class RobustOptions:
    """How the robust plan is made; a field left None takes its setting (planner.settings:
    HAVEN_ROBUST_SCENARIOS, _RISK, _CVAR_ALPHA, _PERIODS)."""

    n_scenarios: int | None = None
    risk: Risk | None = None
    cvar_alpha: float | None = None
    periods: Periods | None = None
    seed: int = PLAN_SEED
    mip_gap: float = DEFAULT_MIP_GAP


@dataclass(frozen=True, eq=False)
class RobustPlan:
    """The robust plan: first-stage tables in `plan`, and the loss of every scenario."""

    plan: Plan  # funding and capacity_added: the first stage; coverage: mean over scenarios
    risk: str
    cvar_alpha: float
    n_scenarios: int
    scenario_losses: pd.DataFrame  # sample, demand, served, unmet, weighted_unmet

    @property
    def first_stage(self) -> pd.DataFrame:
        return self.plan.capacity_added


@dataclass(frozen=True, eq=False)
class OutOfSample:
    """How a first stage does on fresh samples: per sample, and the summary figures."""

    per_sample: pd.DataFrame  # sample, status, demand, served, unmet, weighted_unmet
    expected_weighted_unmet: float
    p90_weighted_unmet: float
    expected_unmet: float
    times: dict[str, float] = field(default_factory=dict)
    unfinished: int = 0
    """Samples whose recourse did not finish in its time: the summary figures are then NaN
    (never an average of the samples that happened to finish)."""


@dataclass(eq=False)
class _NamedView:
    """The problem as the `define_*` functions see it, with the scenario in every name."""

    problem: pulp.LpProblem
    tag: str
    names: list[str]

    def add_variable(
        self,
        name: str,
        lowBound: float | None = None,
        upBound: float | None = None,
        cat: str = pulp.LpContinuous,
    ) -> pulp.LpVariable:
        return self.problem.add_variable(f"{self.tag}_{name}", lowBound, upBound, cat)

    def addConstraint(self, constraint: pulp.LpConstraint, name: str) -> None:
        family, _, ids = name.partition("[")
        full = f"{family}[{self.tag},{ids}"
        self.names.append(full)
        self.problem.addConstraint(constraint, full)


@dataclass(eq=False)
class RobustModel:
    """The built two-stage problem: the first stage and one plan-model view per scenario."""

    problem: pulp.LpProblem
    first: HavenModel
    scenarios: list[HavenModel]
    eta: pulp.LpVariable | None = None
    z: list[pulp.LpVariable] = field(default_factory=list)
    #: Every constraint's name as `family[ids]` (PuLP's own names replace the brackets).
    constraint_names: list[str] = field(default_factory=list)

    def size(self) -> dict[str, int]:
        variables = self.problem.variables() if hasattr(self.problem, "variables") else []
        constraints = self.problem.constraints
        return {
            "scenarios": len(self.scenarios),
            "variables": len(variables),
            "integer_variables": self.first.n_integer,
            "constraints": len(constraints),
            "nonzeros": sum(len(c) for c in constraints.values()),
        }


def sample_scenarios(
    package: CityPackage, scenario: Scenario, n_samples: int, seed: int
) -> list[pd.DataFrame]:
    """`n_samples` demand frames (district_id, service_id, period, demand) from the forecast,
    times the scenario's latent-demand factor (as planner.demand does for the plan)."""
    from planner.forecast import sample_demand_paths

    paths = sample_demand_paths(package, scenario.horizon_months, n_samples, seed)
    if scenario.demand_factor != 1.0 and not paths.empty:
        paths = paths.assign(demand=paths["demand"] * scenario.demand_factor)
    if paths.empty:
        raise InvalidInput(
            [
                Problem(
                    "demand.csv",
                    message=t("no demand history: nothing to sample scenarios from"),
                )
            ]
        )
    columns = ["district_id", "service_id", "period", "demand"]
    return [
        frame[columns].reset_index(drop=True) for _, frame in paths.groupby("sample", sort=True)
    ]


def build_robust_model(
    inputs: list[ModelInputs], *, risk: Risk = "mean", cvar_alpha: float = 0.9
) -> RobustModel:
    """The two-stage model over the scenarios' inputs (same city and scenario, demand apart)."""
    if not inputs:
        raise ValueError(t("the robust model needs at least one scenario"))
    problem = pulp.LpProblem("haven_robust", pulp.LpMinimize)
    arcs = pd.concat([i.arcs for i in inputs], ignore_index=True).drop_duplicates(
        ["district_id", "agency_id", "service_id"]
    )
    first = HavenModel(replace(inputs[0], arcs=arcs), problem, "none")
    define_capacity_variables(first, None)
    define_funding_variables(first)
    define_funding(first)
    define_budgets(first, "limited")
    define_expansion(first)

    names = list(first.constraints)
    scenarios: list[HavenModel] = []
    for s, scenario_inputs in enumerate(inputs):
        view: Any = _NamedView(problem, f"s{s}", names)
        floor_mode = "soft" if scenario_inputs.equity_floor > 0 else "none"
        model = HavenModel(scenario_inputs, view, floor_mode)
        model.pairs, model.k, model.y = first.pairs, first.k, first.y
        model.g, model.money = first.g, first.money
        define_flow_variables(model)
        define_floor_variables(model)
        define_demand_balance(model)
        define_capacity(model)
        define_equity_floor(model)
        scenarios.append(model)
    robust = RobustModel(problem, first, scenarios, constraint_names=names)
    _define_objective(robust, risk, cvar_alpha)
    return robust


def _loss_terms(model: HavenModel) -> dict[pulp.LpVariable, float]:
    """L_s: weighted unmet demand and weighted floor shortfall of one scenario."""
    weight = model.inputs.services["weight"].astype(float)
    cells = model.cells
    u_coef = cells["months"].to_numpy(float) * weight.reindex(cells["service_id"]).to_numpy(float)
    terms = dict(zip(model.u, u_coef.tolist(), strict=True))
    v_weight = weight.reindex(model.floor_cells["service_id"]).to_numpy(float)
    for i, var in model.v.items():
        terms[var] = EQUITY_WEIGHT * float(v_weight[i])
    return terms


def _define_objective(robust: RobustModel, risk: Risk, cvar_alpha: float) -> None:
    k = len(robust.scenarios)
    objective: dict[pulp.LpVariable, float] = {}
    if risk == "cvar":
        robust.eta = robust.problem.add_variable("eta", None, None)
        objective[robust.eta] = 1.0
    for s, model in enumerate(robust.scenarios):
        loss = _loss_terms(model)
        if risk == "cvar":
            assert robust.eta is not None
            z = robust.problem.add_variable(f"z_{s}", 0.0)
            robust.z.append(z)
            objective[z] = 1.0 / ((1.0 - cvar_alpha) * k)
            terms = {**loss, robust.eta: -1.0, z: -1.0}
            constraint = pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE)
            robust.problem.addConstraint(constraint, f"cvar[s{s}]")
            robust.constraint_names.append(f"cvar[s{s}]")
        else:
            for var, coef in loss.items():
                objective[var] = coef / k
        inputs = model.inputs
        if inputs.distance_weight > 0 and len(model.flows):
            flows = model.flows
            x_coef = inputs.distance_weight / k * flows["months"].to_numpy(float)
            x_coef = x_coef * flows["dist_km"].to_numpy(float)
            objective.update(zip(model.x, x_coef.tolist(), strict=True))
    cost_weight = robust.first.inputs.cost_weight
    if cost_weight > 0:
        objective.update(dict.fromkeys(robust.first.g, cost_weight * MONEY_UNIT))
    robust.problem.setObjective(pulp.LpAffineExpression(objective))


def robust_plan(
    package: CityPackage,
    scenario: Scenario,
    options: RobustOptions | None = None,
    *,
    samples: list[pd.DataFrame] | None = None,
) -> RobustPlan:
    """Plan the first stage against K sampled demand scenarios (settings give the defaults);
    `samples` replaces the K scenarios drawn with `options.seed`.

    `periods="monthly"` keeps each scenario's month-by-month demand (K x months copies of the
    flows: exact, and slow beyond a few scenarios on a city of the demo's size);
    `periods="mean"` gives each scenario its own mean month over the horizon, so its months
    merge into one block: the scenarios keep their spread between districts and services,
    and lose the peaks within the horizon. The out-of-sample evaluation is monthly either way.
    """
    from planner.settings import get_settings

    options = options or RobustOptions()
    settings = get_settings()
    periods = options.periods or settings.robust_periods
    risk = options.risk or settings.robust_risk
    cvar_alpha = (
        options.cvar_alpha if options.cvar_alpha is not None else settings.robust_cvar_alpha
    )
    n_scenarios = options.n_scenarios or settings.robust_scenarios
    if risk not in ("mean", "cvar"):
        raise InvalidInput(
            [Problem("settings", column="risk", message=t("{risk}: mean or cvar", risk=repr(risk)))]
        )
    started = time.perf_counter()
    if samples is None:
        samples = sample_scenarios(package, scenario, n_scenarios, options.seed)
    if periods == "mean":
        samples = [_mean_month(frame) for frame in samples]
    distances = _distances(package)
    inputs = [
        _without_pathways(prepare_inputs(package, scenario, d, distances=distances.copy()))
        for d in samples
    ]
    prepared = time.perf_counter()
    robust = build_robust_model(inputs, risk=risk, cvar_alpha=cvar_alpha)
    built = time.perf_counter()
    run = run_solver(
        robust.first, scenario.solver, time_limit_s=scenario.time_limit_s, mip_gap=options.mip_gap
    )
    times = {"prepare": prepared - started, "build": built - prepared, "solve": run.solve_s}
    losses = []
    coverages = []
    funding = capacity = pd.DataFrame()
    if run.has_plan:
        # Every scenario's view shares the first stage: read k, y and g through the first.
        first_view = robust.scenarios[0]
        funding, capacity, _ = plan_tables(first_view, read_solution(first_view))
        for s, model in enumerate(robust.scenarios):
            _, _, coverage = plan_tables(model, read_solution(model))
            weight = model.inputs.services["weight"].reindex(coverage["service_id"]).to_numpy()
            losses.append(
                {
                    "sample": s,
                    "demand": float(coverage["demand"].sum()),
                    "served": float(coverage["served"].sum()),
                    "unmet": float(coverage["unmet"].sum()),
                    "weighted_unmet": float((coverage["unmet"].to_numpy(float) * weight).sum()),
                }
            )
            coverages.append(coverage)
    mean_coverage = _mean_coverage(coverages)
    totals = Totals.from_dict(
        {
            **(plan_totals(inputs[0], funding, capacity, mean_coverage) if run.has_plan else {}),
            "objective": run.objective,
        }
    )
    times["total"] = time.perf_counter() - started
    plan = Plan(
        scenario=scenario,
        status=run.status,
        solver=scenario.solver,
        solver_version=run.version,
        gap=run.gap,
        objective=run.objective,
        times=times,
        size=robust.size(),
        funding=funding,
        capacity_added=capacity,
        coverage=mean_coverage,
        totals=totals,
        diagnostics=Diagnostics(
            solver_message="" if run.has_plan else run.message,
            robust=RobustRun(risk, cvar_alpha, len(inputs), periods),
        ),
        baselines=Baselines(),
    )
    return RobustPlan(
        plan=plan,
        risk=risk,
        cvar_alpha=cvar_alpha,
        n_scenarios=len(inputs),
        scenario_losses=pd.DataFrame(
            losses, columns=["sample", "demand", "served", "unmet", "weighted_unmet"]
        ),
    )


@dataclass(frozen=True, eq=False)
class _RecourseTask:
    inputs: list[ModelInputs]
    first_samples: int
    first_stage: pd.DataFrame
    solver: str
    time_limit_s: float


def _solve_recourse(task: _RecourseTask) -> list[dict[str, Any]]:
    """Weighted unmet of each sample with the first stage fixed (module level: it pickles)."""
    rows = []
    for i, inputs in enumerate(task.inputs):
        model = build_model(inputs, floor="soft", fixed_units=task.first_stage)
        run = run_solver(model, task.solver, time_limit_s=task.time_limit_s, mip_gap=0.0)
        row: dict[str, Any] = {"sample": task.first_samples + i, "status": run.status}
        if run.has_plan:
            _, _, coverage = plan_tables(model, read_solution(model))
            weight = inputs.services["weight"].reindex(coverage["service_id"]).to_numpy(float)
            row.update(
                demand=float(coverage["demand"].sum()),
                served=float(coverage["served"].sum()),
                unmet=float(coverage["unmet"].sum()),
                weighted_unmet=float((coverage["unmet"].to_numpy(float) * weight).sum()),
            )
        rows.append(row)
    return rows


def _without_pathways(inputs: ModelInputs) -> ModelInputs:
    """The robust model plans the scenarios' demand as sampled, without the pathways' terms
    (no status quo is solved per scenario): the months merge into blocks as for a city
    without pathways (exact: each scenario's mean month repeats), so a city with pathways
    does not plan K x 12 copies of its flows."""
    if inputs.pathways is None:
        return inputs
    from planner.optimise.inputs import _blocks

    block_demand, blocks = _blocks(inputs.demand, True)
    return replace(inputs, pathways=None, block_demand=block_demand, blocks=blocks)


def evaluate_out_of_sample(
    package: CityPackage,
    scenario: Scenario,
    first_stage: pd.DataFrame,
    samples: int | list[pd.DataFrame] = 200,
    *,
    seed: int = EVALUATION_SEED,
    workers: int | None = 1,
    reuse: bool = True,
) -> OutOfSample:
    """Fix k and y to `first_stage` (agency_id, service_id, units) and solve the recourse LP
    on each fresh sample: expected and P90 weighted unmet demand.

    `reuse` (HiGHS): one recourse LP is built for every cell any sample has demand in, month
    by month, and each sample only changes its demand rows' and floor rows' bounds, re-solved
    from the last basis. `reuse=False` prepares and builds the plan's model per sample (the
    reference the tests compare with); its samples are shared among `workers`.
    """
    started = time.perf_counter()
    demands = (
        sample_scenarios(package, scenario, samples, seed) if isinstance(samples, int) else samples
    )
    distances = _distances(package)
    fixed = first_stage[["agency_id", "service_id", "units"]].reset_index(drop=True)
    if reuse and scenario.solver == "highs":
        rows = _recourse_reused(package, scenario, fixed, demands, distances)
    else:
        inputs = [prepare_inputs(package, scenario, d, distances=distances.copy()) for d in demands]
        pieces = max(1, workers or 1)
        chunks = np.array_split(np.arange(len(inputs)), pieces)
        tasks = [
            _RecourseTask(
                [inputs[i] for i in chunk],
                int(chunk[0]),
                fixed,
                scenario.solver,
                scenario.time_limit_s,
            )
            for chunk in chunks
            if len(chunk)
        ]
        rows = [row for part in run_all(_solve_recourse, tasks, workers=workers) for row in part]
    per_sample = pd.DataFrame(rows).reindex(
        columns=["sample", "status", "demand", "served", "unmet", "weighted_unmet"]
    )
    weighted = per_sample["weighted_unmet"].astype(float)
    unfinished = int((per_sample["status"] != "optimal").sum())
    nothing = float("nan")
    return OutOfSample(
        per_sample=per_sample,
        expected_weighted_unmet=nothing if unfinished else float(weighted.mean()),
        p90_weighted_unmet=nothing if unfinished else float(weighted.quantile(0.9)),
        expected_unmet=nothing if unfinished else float(per_sample["unmet"].astype(float).mean()),
        times={"total": time.perf_counter() - started},
        unfinished=unfinished,
    )


def _recourse_reused(
    package: CityPackage,
    scenario: Scenario,
    fixed: pd.DataFrame,
    demands: list[pd.DataFrame],
    distances: pd.DataFrame,
) -> list[dict[str, Any]]:
    """The recourse of every sample on one HiGHS LP whose demand rows change per sample."""
    keys = ["district_id", "service_id", "period"]
    stacked = pd.concat(
        [frame.assign(sample=i) for i, frame in enumerate(demands)], ignore_index=True
    )
    union = stacked.groupby(keys, sort=True)["demand"].max().reset_index()
    inputs = prepare_inputs(package, scenario, union, aggregate_periods=False, distances=distances)
    model = build_model(inputs, floor="soft", fixed_units=fixed)
    # k and y are fixed: the LP relaxation is the recourse problem itself.
    first = run_solver(model, "highs", time_limit_s=scenario.time_limit_s, mip_gap=0.0, relax=True)
    if not first.has_plan:
        raise RuntimeError(f"the recourse LP has no solution: {first.message}")
    kept = KeptModel(model)
    period_of = inputs.blocks.set_index(["service_id", "block"])["periods"]
    cells = model.cells
    cell_keys = pd.MultiIndex.from_arrays(
        [
            cells["district_id"],
            cells["service_id"],
            period_of.reindex(pd.MultiIndex.from_frame(cells[["service_id", "block"]])).to_numpy(),
        ]
    )
    balance = kept.rows(name for name, kind in model.kinds.items() if kind == "balance")
    floors = kept.rows(name for name, kind in model.kinds.items() if kind == "floor")
    floor_index = pd.MultiIndex.from_frame(model.floor_cells[["district_id", "service_id"]])
    floor_owner = floor_index.get_indexer(
        pd.MultiIndex.from_frame(cells[["district_id", "service_id"]])
    )
    weight = inputs.services["weight"].astype(float)
    u_weight = cells["months"].to_numpy(float) * weight.reindex(cells["service_id"]).to_numpy()
    alpha = inputs.equity_floor
    rows: list[dict[str, Any]] = []
    # Demand of every sample (columns) in every cell of the model (rows), in the rows' order.
    by_cell = stacked.groupby([*keys, "sample"], sort=False)["demand"].sum()
    matrix = (
        by_cell.unstack("sample")
        .fillna(0.0)
        .reindex(columns=range(len(demands)), fill_value=0.0)
        .reindex(cell_keys, fill_value=0.0)
        .to_numpy(float)
    )
    # With population groups a cell has one row per cohort (version 2): each takes its
    # share of the sample's cell as of the plan's demand (1 without groups).
    cell_of = ["district_id", "service_id", "block"]
    cell_total = cells.groupby(cell_of, sort=False)["demand"].transform("sum").to_numpy(float)
    share = np.divide(
        cells["demand"].to_numpy(float),
        cell_total,
        out=np.zeros(len(cells)),
        where=cell_total > 0,
    )
    matrix = matrix * share[:, None]
    sample_totals = stacked.groupby("sample")["demand"].sum().reindex(range(len(demands)))
    for i in range(len(demands)):
        total = float(sample_totals.iloc[i])
        demand = np.ascontiguousarray(matrix[:, i])
        kept.set_row_bounds(balance, demand, demand)
        if len(floors):
            totals = np.bincount(floor_owner, weights=demand, minlength=len(floors))
            rhs = (1.0 - alpha) * totals
            kept.set_row_bounds(floors, np.full(len(floors), -np.inf), rhs)
        kept.set_time_limit(scenario.time_limit_s)  # each sample's own budget
        result = kept.solve()
        row: dict[str, Any] = {"sample": i, "status": "optimal"}
        if not result.optimal:
            row["status"] = result.message
            rows.append(row)
            continue
        u = np.clip(kept.values(model.u), 0.0, None)
        unmet = float(u.sum())
        row.update(
            demand=total,
            served=total - unmet,
            unmet=unmet,
            weighted_unmet=float((u * u_weight).sum()),
        )
        rows.append(row)
    return rows


def compare_out_of_sample(
    package: CityPackage,
    scenario: Scenario,
    options: RobustOptions | None = None,
    *,
    samples: int = 200,
    workers: int | None = 1,
) -> pd.DataFrame:
    """The P50 plan (the ordinary solve at quantile 0.5: the median of the city's demand per
    service, planner.demand) against the robust plan, on the same fresh samples: expected
    and P90 weighted unmet demand, and the money each spends."""
    from planner.demand import horizon_demand
    from planner.optimise.solve import SolveOptions, solve

    p50_scenario = scenario.model_copy(update={"demand_quantile": 0.5})
    p50_demand = horizon_demand(package, p50_scenario)
    p50 = solve(
        package,
        p50_scenario,
        demand=p50_demand,
        options=SolveOptions(diagnostics=False, baselines=False),
    )
    robust = robust_plan(package, scenario, options)
    fresh = sample_scenarios(package, scenario, samples, EVALUATION_SEED)
    rows = []
    for name, plan in (("P50 plan", p50), (f"robust plan ({robust.risk})", robust.plan)):
        result = evaluate_out_of_sample(
            package, scenario, plan.capacity_added, fresh, workers=workers
        )
        rows.append(
            {
                "plan": name,
                "status": plan.status,
                "money_spent": float(plan.funding["amount"].sum()) if len(plan.funding) else 0.0,
                "expected_weighted_unmet": result.expected_weighted_unmet,
                "p90_weighted_unmet": result.p90_weighted_unmet,
                "expected_unmet": result.expected_unmet,
            }
        )
    return pd.DataFrame(rows)


def _mean_month(demand: pd.DataFrame) -> pd.DataFrame:
    """Every month of a scenario set to that scenario's mean month, per district and service."""
    keys = ["district_id", "service_id"]
    mean = demand.groupby(keys, sort=False)["demand"].transform("mean")
    return demand.assign(demand=mean.to_numpy(float))


def _distances(package: CityPackage) -> pd.DataFrame:
    agencies = package.agencies.assign(agency_id=package.agencies["agency_id"].astype(str))
    return distances_km(package.districts, agencies)


def _mean_coverage(coverages: list[pd.DataFrame]) -> pd.DataFrame:
    """Demand, served and unmet per district and service, averaged over the scenarios."""
    if not coverages:
        return pd.DataFrame(columns=["district_id", "service_id", "demand", "served", "unmet"])
    stacked = pd.concat(coverages, ignore_index=True)
    mean = stacked.groupby(["district_id", "service_id"], sort=True)[
        ["demand", "served", "unmet"]
    ].sum() / len(coverages)
    mean = mean.reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        mean["coverage"] = np.where(mean["demand"] > 0, mean["served"] / mean["demand"], np.nan)
    return mean


# --- the robust plan against the plan, for the Plan page, the CLI and the report -------------

PLAN = "plan"
ROBUST = "robust"
COMPARISON_COLUMNS = [
    "plan",
    "status",
    "money_spent",
    "units_added",
    "expected_weighted_unmet",
    "p90_weighted_unmet",
    "expected_unmet",
]
"""`RobustComparison.table`: one row per plan (`plan` is the code PLAN or ROBUST)."""


@dataclass(frozen=True, eq=False)
class RobustComparison:
    """The robust plan of a scenario's `robust` choice and the scenario's own plan, judged on
    the same fresh samples that neither saw: codes and figures, no sentences."""

    robust: RobustPlan
    table: pd.DataFrame  # COMPARISON_COLUMNS
    evaluation_samples: int
    times: dict[str, float] = field(default_factory=dict)

    def row(self, which: str) -> dict[str, Any]:
        rows = self.table[self.table["plan"] == which].to_dict("records")
        return {str(k): v for k, v in rows[0].items()} if rows else {}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able (robust.json of the CLI, the report's record)."""
        return {
            "risk": self.robust.risk,
            "cvar_alpha": self.robust.cvar_alpha,
            "scenarios": self.robust.n_scenarios,
            "evaluation_samples": self.evaluation_samples,
            "rows": [
                {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
                for r in self.table.to_dict("records")
            ],
        }


def _units_added(plan: Plan) -> float:
    capacity = plan.capacity_added
    return float(capacity["units"].sum()) if len(capacity) and "units" in capacity else 0.0


def compare_with_plan(
    package: CityPackage,
    scenario: Scenario,
    plan: Plan,
    *,
    evaluation_samples: int | None = None,
    progress: Any = None,
) -> RobustComparison:
    """The robust plan of `scenario.robust` (K scenarios, mean or CVaR at alpha; periods from
    the settings) against `plan`, the scenario's own plan (its demand basis: expected or a
    quantile), both judged on `evaluation_samples` fresh samples (EVALUATION_SEED).
    `progress(fraction, step)` is told of each step ("robust", "evaluate");
    `evaluation_samples` None: planner.scenario.EVALUATION_SAMPLES."""
    from planner import scenario as scenario_keys

    evaluation_samples = evaluation_samples or scenario_keys.EVALUATION_SAMPLES
    choice = scenario.robust or scenario_keys.RobustChoice()
    started = time.perf_counter()

    def tell(fraction: float, step: str) -> None:
        if progress is not None:
            progress(fraction, step)

    tell(0.0, ROBUST)
    robust = robust_plan(
        package,
        scenario,
        RobustOptions(n_scenarios=choice.scenarios, risk=choice.risk, cvar_alpha=choice.alpha),
    )
    planned = time.perf_counter()
    tell(0.6, "evaluate")
    fresh = sample_scenarios(package, scenario, evaluation_samples, EVALUATION_SEED)
    rows = []
    for name, first in ((PLAN, plan), (ROBUST, robust.plan)):
        row: dict[str, Any] = {
            "plan": name,
            "status": first.status,
            "money_spent": float(first.funding["amount"].sum()) if len(first.funding) else 0.0,
            "units_added": _units_added(first),
            "expected_weighted_unmet": float("nan"),
            "p90_weighted_unmet": float("nan"),
            "expected_unmet": float("nan"),
        }
        if first.has_plan:
            result = evaluate_out_of_sample(package, scenario, first.capacity_added, fresh)
            row.update(
                expected_weighted_unmet=result.expected_weighted_unmet,
                p90_weighted_unmet=result.p90_weighted_unmet,
                expected_unmet=result.expected_unmet,
            )
        rows.append(row)
        tell(0.6 + 0.2 * len(rows), "evaluate")
    return RobustComparison(
        robust=robust,
        table=pd.DataFrame(rows, columns=COMPARISON_COLUMNS),
        evaluation_samples=evaluation_samples,
        times={
            "robust": planned - started,
            "evaluate": time.perf_counter() - planned,
            "total": time.perf_counter() - started,
        },
    )
