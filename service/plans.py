"""Plans for one actor: solved once on the exact data, shown as the actor's audience may.

A plan is solved in service/ on the exact package (the optimiser needs exact demand and
places) and cached per (database, city, data version, scenario): one solve serves every
reader. What leaves this module is `disclose_plan(plan, package, audience)`:

- confidential agencies: their ids stay in the tables (names come from the visible package,
  where they are `access.CONFIDENTIAL_NAME`); the plan's findings are masked with
  `planner.findings.mask_findings` (no name, no distance to them); assignments (served per
  district and agency, with distances) are left out for any audience but the exact one;
- counts: for an audience without exact counts the coverage table (served and unmet per
  district and service, in cases = units / units per case, rounded) is suppressed as ONE
  table with its totals (`planner.disclosure.suppress_table`: districts × (service, served |
  unmet), row totals a district's demand, column totals the city's); every figure shown
  (demand = served + unmet of a cell, a district's coverage, the headline totals) is derived
  from shown counts only, NaN otherwise. The status quo "before" table is not shown to
  such an audience (it shares its demand with the plan's).

API (names kept stable; tests attack them):
- `run_plan(actor, city, scenario) -> Plan`, `status_quo_plan(actor, city) -> Plan`;
- `disclose_plan(plan, package, audience) -> Plan` (pure);
- `plan_files(actor, city, scenario) -> dict[str, bytes]` (funding.csv, capacity_added.csv,
  coverage.csv, plan_tables.xlsx as the actor may download them);
- `saved_scenarios(actor, city)`, `save_scenario(actor, city, scenario, note)`,
  `delete_scenario(actor, city, name)`;
- `compare(actor, city, names) -> Comparison`;
- `run_sweep(actor, city, scenario, factors, progress) -> SweepResult`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from models import scenarios
from models.errors import UnknownScenario
from models.tables import ScenarioPublic
from planner import disclosure
from planner import findings as F
from planner.compare import ComparisonTables, compare_plans
from planner.demand import horizon_demand
from planner.exchange import csv_bytes, plan_tables, xlsx_bytes
from planner.findings import Baselines, Finding, Totals, mask_findings
from planner.i18n import N_, get_language, t
from planner.optimiser import Plan, SolveOptions, demand_basis, solve
from planner.package import CityPackage
from planner.plan_tables import coverage_by_group
from planner.problems import InvalidInput
from planner.queues import disclosed as disclosed_waiting
from planner.robust import RobustComparison, compare_with_plan
from planner.scenario import Scenario
from planner.sweep import SweepResult, sweep
from planner.years import disclosed as disclosed_years
from service import access, forecasts, statusquo, store
from service.access import Action, Actor, require
from service.audience import Audience, audience_for
from service.city import FORECAST_MONTHS, _visible, outlook_exact, require_city
from service.groups import disclose_groups
from service.published import hidden_agency_ids

SavedScenario = ScenarioPublic
"""A saved scenario (name, note, parameters, created_by, created_at)."""

STATUS_QUO = "Status quo"


# --- solving (exact, cached) ----------------------------------------------------------------


def _solver_code() -> str:
    """A fingerprint of the optimiser's source: a plan stored by older code is not read."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent / "planner"
    for path in sorted([*root.glob("optimise/*.py"), *root.glob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


_SOLVER_CODE = _solver_code()


def _solve(
    package: CityPackage, scenario: Scenario, demand: pd.DataFrame, options: SolveOptions
) -> Plan:
    """`planner.optimiser.solve`; in a child process when the background worker asks
    (service.forecasts.in_child): building the model is Python that holds the GIL, so in a
    thread of the serving process it would slow every page rendered meanwhile."""
    job = (package, scenario, demand, options)
    if forecasts.in_background():
        return forecasts.in_child(_solve_job, job)
    return _solve_job(job)


def _solve_job(job: tuple[CityPackage, Scenario, pd.DataFrame, SolveOptions]) -> Plan:
    package, scenario, demand, options = job
    return solve(package, scenario, demand=demand, options=options)


def _exact_plan(city_name: str, version: str, scenario: Scenario) -> Plan:
    """The plan on the exact data, once per data version and scenario: a plan holds codes
    and values, no sentences (planner.findings), so one solve serves every language. The
    `robust` key does not change the plan (it asks for a plan for bad months beside it:
    `run_robust`), so the plan without it is solved once and carries the scenario as asked."""
    if scenario.robust is not None:
        plain = _exact_plan(city_name, version, scenario.model_copy(update={"robust": None}))
        return dataclasses.replace(plain, scenario=scenario)
    key = (city_name, version, scenario.model_dump_json())

    def make() -> Plan:
        package = store.exact_package(city_name, version)
        demand = _plan_demand(city_name, version, scenario)
        options = SolveOptions(
            status_quo_store=statusquo.disk_store(), basis_store=statusquo.basis_store()
        )
        plan = _solve(package, scenario, demand, options)
        # The demand was given, so the solve cannot say how it was made: add its basis.
        return dataclasses.replace(plan, findings=(demand_basis(package, scenario), *plan.findings))

    # On disk too (beside the stored forecasts, per data version): a restarted server reads
    # a scenario solved before (Compare's saved scenarios, a shared link) instead of solving.
    return forecasts.by_version("plan", city_name, version, (_plan_key(key[2]),), make)


def _plan_key(scenario_json: str) -> str:
    return hashlib.sha256((_SOLVER_CODE + scenario_json).encode()).hexdigest()[:16]


def _plan_ready(city_name: str, version: str, scenario: Scenario) -> bool:
    plain = scenario.model_copy(update={"robust": None}) if scenario.robust else scenario
    key = (_plan_key(plain.model_dump_json()),)
    return forecasts.by_version_ready("plan", city_name, version, key)


def _plan_demand(city_name: str, version: str, scenario: Scenario) -> pd.DataFrame:
    """The plan's demand (planner.demand.horizon_demand, latent demand included), on disk
    per horizon, quantile and latent-demand factor."""
    return forecasts.stored(
        "horizon_demand",
        city_name,
        version,
        forecasts.demand_params(scenario),
        lambda: horizon_demand(
            store.exact_package(city_name, version),
            Scenario(
                name="demand",
                horizon_months=scenario.horizon_months,
                demand_quantile=scenario.demand_quantile,
                latent_demand=scenario.latent_demand,
            ),
            _shared_paths(city_name, version, scenario.horizon_months),
        ),
    )


def _shared_paths(city_name: str, version: str, horizon_months: int) -> pd.DataFrame | None:
    """The Overview's and the Demand page's joint sample paths when the plan's horizon is
    theirs: the plan's demand and the city's forecast figures are then one figure
    (planner.demand). Other horizons draw their own (None)."""
    if horizon_months != FORECAST_MONTHS:
        return None
    return outlook_exact(city_name, version).paths


def _status_quo_scenario() -> Scenario:
    return Scenario(name=STATUS_QUO, budget=0.0)


def status_quo_coverage_exact(city_name: str, version: str) -> pd.DataFrame:
    """Service use only: the status quo's exact coverage, for exact audiences (on disk per
    data version, so that a restarted server does not solve it again: SPEED)."""
    return forecasts.by_version(
        "status_quo_coverage",
        city_name,
        version,
        (),
        lambda: _status_quo_coverage_plan(city_name, version).coverage,
    )


def _status_quo_coverage_plan(city_name: str, version: str) -> Plan:
    """The status quo solved for its coverage only (no diagnosis, no baselines: with no new
    money they are the status quo itself), once per data version: after a capacity edit the
    Overview and the map wait for this one solve (SPEED). `status_quo_plan` is the full one."""

    def make() -> Plan:
        scenario = _status_quo_scenario()
        package = store.exact_package(city_name, version)
        demand = _plan_demand(city_name, version, scenario)
        options = SolveOptions(
            diagnostics=False, baselines=False, status_quo_store=statusquo.disk_store()
        )
        return _solve(package, scenario, demand, options)

    # On disk too: any audience's disclosure after a restart reads it back (SPEED).
    return forecasts.by_version("status_quo_coverage_plan", city_name, version, (), make)


def status_quo_coverage_for(audience: Audience, city_name: str, version: str) -> pd.DataFrame:
    """The status quo's coverage table as `audience` may see it (on disk per data version
    and audience, as above)."""
    return forecasts.by_version(
        "status_quo_coverage_for",
        city_name,
        version,
        (audience.key,),
        lambda: (
            disclose_plan(
                _status_quo_coverage_plan(city_name, version),
                store.exact_package(city_name, version),
                audience,
            ).coverage
        ),
    )


def status_quo_ready(city_name: str, version: str) -> bool:
    """True when the status quo of this data version is solved (in memory or on disk): what
    the Overview's unmet need, its coverage by group and the map's coverage read."""
    return forecasts.by_version_ready("status_quo_coverage_plan", city_name, version, ())


def status_quo_groups_for(audience: Audience, city_name: str, version: str) -> pd.DataFrame:
    """The status quo's coverage per population group as `audience` may see it
    (`planner.plan_tables.coverage_by_group` of the disclosed plan: the Overview's table by
    group), on disk per data version and audience: a restarted server reads it back instead
    of solving the status quo again (SPEED, issue 14)."""

    def make() -> pd.DataFrame:
        package = store.exact_package(city_name, version)
        shown = disclose_plan(_status_quo_coverage_plan(city_name, version), package, audience)
        return coverage_by_group(shown, package)

    return forecasts.by_version("status_quo_groups_for", city_name, version, (audience.key,), make)


def _disclosed(city_name: str, version: str, scenario: Scenario, audience: Audience) -> Plan:
    """The plan disclosed for an audience, once per data version, scenario and audience."""
    return store.cached(
        "disclosed_plan",
        (city_name, version, scenario.model_dump_json(), audience.key),
        lambda: disclose_plan(
            _exact_plan(city_name, version, scenario),
            store.exact_package(city_name, version),
            audience,
        ),
    )


def run_plan(actor: Actor, city_name: str, scenario: Scenario) -> Plan:
    """The plan of this scenario as the actor may see it (funders, analysts, admins)."""
    require(actor, Action.RUN_SCENARIOS, N_("run scenarios"))
    require_city(actor, city_name)
    version = store.data_version(city_name)
    return _disclosed(city_name, version, scenario, audience_for(actor, city_name=city_name))


def status_quo_plan(actor: Actor, city_name: str) -> Plan:
    """Today's capacity assigned as well as it can be, with no new money, for the actor."""
    return run_plan(actor, city_name, _status_quo_scenario())


# --- planning for bad months (the robust plan) ----------------------------------------------


COUNT_COLUMNS = ("expected_weighted_unmet", "p90_weighted_unmet", "expected_unmet")
"""The comparison's columns that are sums of demand: hidden when the plan's own are."""


def _exact_robust(city_name: str, version: str, scenario: Scenario, progress: Any) -> Any:
    key = (city_name, version, scenario.model_dump_json())

    def make() -> RobustComparison:
        package = store.exact_package(city_name, version)
        plan = _exact_plan(city_name, version, scenario)
        return compare_with_plan(package, scenario, plan, progress=progress)

    return store.cached("robust_plan", key, make)


def run_robust(
    actor: Actor,
    city_name: str,
    scenario: Scenario,
    progress: Callable[[float, str], None] | None = None,
) -> RobustComparison:
    """The scenario's plan for bad months (its `robust` key; K = 8 scenarios and the mean
    when it has none) against its own plan on fresh samples, as the actor may see it: the
    robust plan's first stage (funding, capacity added) with findings and assignments left
    out; for an audience without exact counts its per-district coverage too, and the
    comparison's unmet figures when the scenario's own disclosed plan hides its totals."""
    require(actor, Action.RUN_SCENARIOS, N_("run scenarios"))
    require_city(actor, city_name)
    version = store.data_version(city_name)
    exact = _exact_robust(city_name, version, scenario, progress)
    audience = audience_for(actor, city_name=city_name)
    if audience.exact_counts and audience.confidential_places:
        return exact  # type: ignore[no-any-return]
    robust_plan = exact.robust.plan
    shown = dataclasses.replace(
        robust_plan,
        findings=(),
        assignments=robust_plan.assignments.iloc[0:0],
        coverage=robust_plan.coverage if audience.exact_counts else robust_plan.coverage.iloc[0:0],
    )
    losses = exact.robust.scenario_losses
    if not audience.exact_counts:
        shown = dataclasses.replace(
            shown,
            totals=dataclasses.replace(
                shown.totals,
                demand=None,
                served=None,
                unmet=None,
                coverage=None,
                weighted_unmet=None,
            ),
        )
        losses = losses.iloc[0:0]
    table = exact.table.copy()
    own = _disclosed(city_name, version, scenario, audience).totals
    if own.demand is None or own.served is None:
        for column in COUNT_COLUMNS:
            table[column] = math.nan
    robust = dataclasses.replace(exact.robust, plan=shown, scenario_losses=losses)
    return dataclasses.replace(exact, robust=robust, table=table)


# --- disclosure -----------------------------------------------------------------------------


def disclose_plan(plan: Plan, package: CityPackage, audience: Audience) -> Plan:
    """The plan as `audience` may see it (pure): see the module's docstring."""
    if audience.exact_counts and audience.confidential_places:
        return plan
    hidden = hidden_agency_ids(package, audience)
    changes: dict[str, Any] = {}
    changes["findings"] = mask_findings(plan.findings, hidden)
    assignments = plan.assignments
    if not audience.exact_counts:
        assignments = assignments.iloc[0:0]
    elif hidden and "dist_km" in assignments:
        assignments = assignments.copy()
        assignments.loc[assignments["agency_id"].isin(hidden), "dist_km"] = float("nan")
    changes["assignments"] = assignments
    changes["waiting"] = disclosed_waiting(plan.waiting, exact_counts=audience.exact_counts)
    if not audience.exact_counts and plan.has_plan:
        coverage, totals = suppressed_coverage(plan.coverage, package, audience.k)
        changes["coverage"] = coverage
        changes["status_quo_coverage"] = plan.status_quo_coverage.iloc[0:0]
        changes["totals"] = _with_totals(plan, totals)
        changes["findings"] = _findings_of_cells(changes["findings"], coverage)
        if totals["demand"] is None:
            changes["baselines"] = _baselines_without_counts(plan.baselines)
    changes["years"] = disclosed_years(  # issue 20: no counts; coverage with the totals
        plan.years,
        exact_counts=audience.exact_counts,
        coverage_shown=changes.get("totals", plan.totals).served is not None,
    )
    return disclose_groups(dataclasses.replace(plan, **changes), package, audience)  # issue 15


def _findings_of_cells(
    findings: tuple[Finding, ...], coverage: pd.DataFrame
) -> tuple[Finding, ...]:
    """Findings about one district and service (out of reach: its unmet units; below the
    floor: its coverage) with the figures of the suppressed table: None where the cell is
    hidden, its shown value otherwise."""
    keys = list(
        zip(coverage["district_id"].astype(str), coverage["service_id"].astype(str), strict=True)
    )
    unmet_of = dict(zip(keys, coverage["unmet"].astype(float), strict=True))
    share_of = dict(zip(keys, coverage["coverage"].astype(float), strict=True))
    result = []
    for finding in findings:
        if len(finding.district_ids) != 1 or finding.service_id is None:
            result.append(finding)
            continue
        key = (finding.district_ids[0], finding.service_id)
        if finding.kind == F.OUT_OF_REACH and finding.units is not None:
            finding = dataclasses.replace(finding, units=_shown(unmet_of.get(key)))
        elif finding.kind == F.BELOW_FLOOR and finding.share is not None:
            finding = dataclasses.replace(finding, share=_shown(share_of.get(key)))
        result.append(finding)
    return tuple(result)


def _shown(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def _baselines_without_counts(baselines: Baselines) -> Baselines:
    """When the plan's own demand total is hidden, the baselines' totals (same demand) would
    give it back: their counts are hidden too (money stays)."""
    results = tuple(
        dataclasses.replace(
            result,
            totals=None
            if result.totals is None
            else dataclasses.replace(
                result.totals,
                demand=None,
                served=None,
                unmet=None,
                coverage=None,
                weighted_unmet=None,
            ),
        )
        for result in baselines.results
    )
    return dataclasses.replace(baselines, results=results)


def suppressed_coverage(
    coverage: pd.DataFrame, package: CityPackage, k: int
) -> tuple[pd.DataFrame, dict[str, float | None]]:
    """A plan's coverage table for an audience without exact counts, and its totals.

    Served and unmet per district and service become cases (units / units per case,
    rounded), suppressed as one table of districts × (service, served | unmet) with its row
    and column totals. Shown counts go back to units; a cell's demand is served + unmet
    when both are shown; hidden figures are NaN. The totals (units: demand, served, unmet,
    coverage, weighted_unmet) are sums of the table's column totals, None when any is hidden.
    """
    services = package.services.set_index("service_id")
    units = services["units_per_case"].astype(float)
    table = disclosure.suppress_coverage(coverage, units, k)
    totals = _table_totals(table.city, units, services["weight"].astype(float))
    return table.coverage, totals


def _table_totals(city: pd.Series, units: pd.Series, weights: pd.Series) -> dict[str, float | None]:
    sums: dict[str, float | None] = {}
    for kind, name in (("served_cases", "served"), ("unmet_cases", "unmet")):
        values = city[[c for c in city.index if c.endswith("\t" + kind)]]
        service_ids = [c.split("\t")[0] for c in values.index]
        if values.isna().any():
            sums[name] = None
            if name == "unmet":
                sums["weighted_unmet"] = None
            continue
        sums[name] = float((values.to_numpy() * units.reindex(service_ids).to_numpy()).sum())
        if name == "unmet":
            weighted = values.to_numpy() * units.reindex(service_ids).to_numpy()
            sums["weighted_unmet"] = float(
                (weighted * weights.reindex(service_ids).to_numpy()).sum()
            )
    served, unmet = sums["served"], sums["unmet"]
    sums["demand"] = None if served is None or unmet is None else served + unmet
    demand = sums["demand"]
    sums["coverage"] = None if demand is None or served is None or demand <= 0 else served / demand
    return sums


def _with_totals(plan: Plan, shown: dict[str, float | None]) -> Totals:
    """The plan's totals with the counts replaced by the suppressed table's (None: hidden)."""
    totals = plan.totals
    status_quo = plan.baselines.status_quo
    served = shown["served"]
    extra = None
    if served is not None and status_quo is not None and status_quo.served is not None:
        extra = served - status_quo.served
    spent = totals.money_spent
    return dataclasses.replace(
        totals,
        demand=shown["demand"],
        served=served,
        unmet=shown["unmet"],
        coverage=shown["coverage"],
        weighted_unmet=shown["weighted_unmet"],
        served_beyond_status_quo=extra,
        cost_per_additional_unit_served=spent / extra if extra is not None and extra > 0 else None,
    )


# --- downloads ------------------------------------------------------------------------------


def plan_files(actor: Actor, city_name: str, scenario: Scenario) -> dict[str, bytes]:
    """The plan's tables as the actor may download them: `funding.csv`,
    `capacity_added.csv`, `coverage.csv` and one `plan_tables.xlsx` (names as the visible
    package has them; coverage suppressed for an audience without exact counts)."""
    plan = run_plan(actor, city_name, scenario)
    audience = audience_for(actor, city_name=city_name)
    version = store.data_version(city_name)
    visible = _visible(city_name, version, audience)
    tables = plan_tables(plan, visible)
    files = {f"{name}.csv": csv_bytes(table) for name, table in tables.items()}
    files["plan_tables.xlsx"] = xlsx_bytes(tables)
    return files


# --- saved scenarios ------------------------------------------------------------------------


def saved_scenarios(actor: Actor, city_name: str) -> list[SavedScenario]:
    """The city's saved scenarios, by name (read fresh)."""
    require(actor, Action.RUN_SCENARIOS, N_("run scenarios"))
    require_city(actor, city_name)
    with store.session() as opened:
        return scenarios.list_scenarios(opened, city_name=city_name)


def save_scenario(actor: Actor, city_name: str, scenario: Scenario, note: str) -> int:
    """Save the scenario under the actor's name (audited), with its plan's summary."""
    require_city(actor, city_name)
    version = store.data_version(city_name)
    plan = _exact_plan(city_name, version, scenario)
    with store.session() as opened:
        scenario_id = access.save_scenario_as(
            actor,
            opened,
            city_name=city_name,
            name=scenario.name,
            note=note,
            parameters=scenario.to_dict(),
        )
        scenarios.save_plan_run(
            opened,
            city_name=city_name,
            scenario_id=scenario_id,
            parameters=scenario.to_dict(),
            status=plan.status,
            summary=plan.summary(),
            solver=plan.solver,
            wall_time_s=float(plan.times.get("total", 0.0)),
        )
        return scenario_id


def delete_scenario(actor: Actor, city_name: str, name: str) -> None:
    """Delete a saved scenario (admins and analysts any, a funder its own)."""
    require_city(actor, city_name)
    with store.session() as opened:
        access.delete_scenario_as(actor, opened, city_name=city_name, name=name)


# --- comparing ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Comparison:
    """Saved plans side by side, as the actor may see them: `tables` (None when fewer than
    two could be solved), why any chosen scenario could not be compared (`problems`, in the
    current language), and the `package` to draw them with (the visible one)."""

    tables: ComparisonTables | None
    problems: tuple[str, ...]
    package: CityPackage


def compare(actor: Actor, city_name: str, names: Sequence[str]) -> Comparison:
    """Re-solve the chosen saved scenarios (cached) and compare them for the actor, once
    per data version, audience, language and the chosen scenarios' saved parameters."""
    require(actor, Action.RUN_SCENARIOS, N_("run scenarios"))
    require_city(actor, city_name)
    audience = audience_for(actor, city_name=city_name)
    version = store.data_version(city_name)
    by_name = {s.name: s for s in saved_scenarios(actor, city_name)}
    chosen = tuple(
        (name, json.dumps(dict(by_name[name].parameters), sort_keys=True, default=str))
        if name in by_name
        else (name, None)
        for name in names
    )
    key = (city_name, version, audience.key, get_language(), chosen)
    return store.cached(
        "comparison",
        key,
        lambda: _comparison(actor, city_name, version, audience, names, by_name),
    )


def comparison_pending(
    actor: Actor, city_name: str, names: Sequence[str]
) -> forecasts.Recomputing | None:
    """The background worker's progress while it solves the chosen saved scenarios again
    for the current data version (after a write it solves the first `forecasts.SAVED_PLANS`,
    what Compare shows first); None when they are solved, or when the worker is not solving
    them (Compare then solves them itself, and waits)."""
    require(actor, Action.RUN_SCENARIOS, N_("run scenarios"))
    require_city(actor, city_name)
    version = store.data_version(city_name)
    saved = saved_scenarios(actor, city_name)
    first = {s.name: s for s in saved[: forecasts.SAVED_PLANS]}
    if any(name not in first for name in names):
        return None
    try:
        chosen = [Scenario.from_dict(dict(first[n].parameters), source=n) for n in names]
    except InvalidInput:
        return None
    if all(_plan_ready(city_name, version, scenario) for scenario in chosen):
        return None
    return forecasts.progress(city_name, version)


def _comparison(
    actor: Actor,
    city_name: str,
    version: str,
    audience: Audience,
    names: Sequence[str],
    by_name: dict[str, SavedScenario],
) -> Comparison:
    visible = _visible(city_name, version, audience)
    plans: dict[str, Plan] = {}
    problems: list[str] = []
    for name in names:
        saved = by_name.get(name)
        if saved is None:
            problems.append(str(UnknownScenario(name)))
            continue
        try:
            scenario = Scenario.from_dict(dict(saved.parameters), source=saved.name)
        except InvalidInput as exc:
            problems.append(
                t("“{name}” has parameters Haven cannot use: {error}", name=saved.name, error=exc)
            )
            continue
        unknown = scenario.validate_for(visible)
        if unknown:
            problems.append(
                t(
                    "“{name}” no longer fits the city's data: {problems}",
                    name=saved.name,
                    problems="; ".join(unknown),
                )
            )
            continue
        plan = run_plan(actor, city_name, scenario)
        if not plan.has_plan:
            problems.append(
                t(
                    "“{name}” has no plan ({status}): open it on the Plan page to see why.",
                    name=saved.name,
                    status=plan.status,
                )
            )
            continue
        plans[saved.name] = plan
    tables = compare_plans(plans, visible) if len(plans) >= 2 else None
    return Comparison(tables=tables, problems=tuple(problems), package=visible)


def solve_saved(actor: Actor, city_name: str, count: int) -> None:
    """Solve the city's first `count` saved scenarios on its current data (the background
    worker after a write: Compare shows the first two; the plans are kept per data version)."""
    first = saved_scenarios(actor, city_name)[:count]
    for saved in first:
        try:
            scenario = Scenario.from_dict(dict(saved.parameters), source=saved.name)
        except InvalidInput:
            continue  # Compare says why
        version = store.data_version(city_name)
        if not scenario.validate_for(store.exact_package(city_name, version)):
            _exact_plan(city_name, version, scenario)
    if len(first) >= 2:
        compare(actor, city_name, [saved.name for saved in first])


# --- the budget sweep -----------------------------------------------------------------------


def run_sweep(
    actor: Actor,
    city_name: str,
    scenario: Scenario,
    factors: Sequence[float],
    progress: Callable[[float], None] | None = None,
) -> SweepResult:
    """The scenario solved again at each budget factor: the city's served units and each
    district's coverage per point. For an audience without exact counts, no district's
    counts (shares only), and no city counts when the scenario's own disclosed plan hides
    its totals."""
    require(actor, Action.RUN_SCENARIOS, N_("run scenarios"))
    require_city(actor, city_name)
    version = store.data_version(city_name)
    package = store.exact_package(city_name, version)
    result = sweep(package, scenario, budget_factors=tuple(factors), workers=1, progress=progress)
    audience = audience_for(actor, city_name=city_name)
    if audience.exact_counts:
        return result
    districts = result.districts.copy()
    for column in ("demand", "served", "unmet"):
        if column in districts:
            districts[column] = math.nan
    points = result.points
    own = _disclosed(city_name, version, scenario, audience).totals
    if own.demand is None or own.served is None:
        # The sweep's plans share the scenario's demand: its city totals would give back
        # what the scenario's own plan hides from this audience.
        points = points.copy()
        for column in ("demand", "served", "unmet", "weighted_unmet", "coverage"):
            if column in points:
                points[column] = math.nan
    return dataclasses.replace(result, districts=districts, points=points)
