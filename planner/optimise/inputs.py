"""From a city package, a scenario and demand to the arrays and ids the model sees.

Geometry stops here: distances are measured once (planner.geo) and the model gets frames keyed
by ids. Everything below is sparse: only agency-service pairs that exist or may be opened,
only district-agency arcs within the service's radius where the district has demand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from planner.findings import AGENCY_UNREACHABLE, SERVICE_UNAVAILABLE, Finding
from planner.geo import distances_km
from planner.i18n import t
from planner.optimise.cohorts import CohortInputs, cohort_demand, prepare_cohorts
from planner.problems import InvalidInput, Problem
from planner.years import YearInputs, funder_windows, year_inputs

if TYPE_CHECKING:
    from planner.package import CityPackage
    from planner.scenario import Scenario

#: Weight of the equity shortfall v against unmet demand (MODEL.md's W_eq).
EQUITY_WEIGHT = 10.0
#: The tie-breakers are capped so that, along any chain of reroutes, they are worth at most this
#: share of one unit of the least weighted demand (see `tie_breaker_weights`).
TIE_BREAK_SHARE = 0.01
#: Id of the implicit funder used when a city lists no funders at all.
IMPLICIT_FUNDER = "new_budget"


@dataclass(frozen=True, eq=False)
class ModelInputs:
    """Everything the model needs, as frames and dicts keyed by ids (no geometry)."""

    currency: str
    district_ids: tuple[str, ...]
    district_names: dict[str, str]
    population: dict[str, float]
    services: pd.DataFrame  # index service_id: name, unit, integer, weight, radius_km
    agency_names: dict[str, str]
    funder_names: dict[str, str]
    funder_budget: dict[str, float]
    total_budget: float
    periods: tuple[str, ...]
    demand: pd.DataFrame  # district_id, service_id, period, cohort, demand (every cell)
    block_demand: pd.DataFrame  # district_id, service_id, cohort, block, months, demand (> 0)
    blocks: pd.DataFrame  # service_id, block, months, periods (';'-joined)
    pairs: pd.DataFrame  # agency_id, service_id, c0, m, cost, open_cost, is_new
    arcs: pd.DataFrame  # district_id, agency_id, service_id, dist_km
    eligible: pd.DataFrame  # funder_id, agency_id, service_id
    beyond_radius: pd.DataFrame  # district_id, service_id, agency_id, dist_km (nearest outside)
    equity_floor: float
    equity_mode: str
    distance_weight: float
    cost_weight: float
    horizon_months: int
    notes: tuple[Finding, ...] = field(default=())  # planner.findings.NOTE_KINDS
    #: Groups, eligibility and languages (planner.optimise.cohorts); empty for version 1.
    cohorts: CohortInputs = field(default_factory=CohortInputs)
    #: Referral pathways (FLOW, issue 16): from_service, to_service, share, lag_months; None
    #: without pathways.csv. `served_today`: district_id, service_id, period, served (units a
    #: month in the status quo), set by planner.optimise.pathways before the plan's solve.
    pathways: pd.DataFrame | None = None
    served_today: pd.DataFrame | None = None
    #: Wait targets' caps (FLOW): (agency_id, service_id) -> the largest utilisation allowed.
    wait_caps: dict[tuple[str, str], float] | None = None
    #: Years and grant windows (YEARS, issue 20): the plan years and each funder's share of
    #: them when the horizon is above 12 months and a funder has a window; None otherwise
    #: (one horizon, the model exactly as before).
    years: YearInputs | None = None


def prepare_inputs(
    package: CityPackage,
    scenario: Scenario,
    demand: pd.DataFrame,
    *,
    aggregate_periods: bool = True,
    distances: pd.DataFrame | None = None,
) -> ModelInputs:
    """Turn a package, a scenario and horizon demand into `ModelInputs`.

    `distances` (districts x agencies, km) is measured from the geometry when not given.
    `aggregate_periods` merges, per service, the months whose demand is identical in every
    district into one block weighted by its number of months: exact, since capacity is the
    same every month.
    """
    scenario.ensure_valid_for(package)
    notes: list[Finding] = []
    district_ids = tuple(package.districts["district_id"].astype(str))
    services = _services(package, scenario)
    agencies = package.agencies.assign(agency_id=package.agencies["agency_id"].astype(str))
    demand = cohort_demand(package, _check_demand(demand, set(district_ids), set(services.index)))
    periods = tuple(sorted(demand["period"].unique()))

    pairs = _pairs(package, scenario, services, set(agencies["agency_id"]))
    pairs = _closed_and_locked(pairs, scenario)  # FLOW (issue 16): what-ifs per agency
    funder_names, funder_budget, total_budget = _budgets(package, scenario)
    kinds = dict(zip(agencies["agency_id"], agencies["kind"].astype(str), strict=True))
    eligible = _eligibility(package, pairs, kinds, list(funder_budget))
    # An expansion that costs money but that no funder may pay for cannot happen.
    paid = (pairs["cost"] > 0) | (pairs["open_cost"] > 0)
    funded = pd.MultiIndex.from_frame(eligible[["agency_id", "service_id"]]).unique()
    has_funder = pd.MultiIndex.from_frame(pairs[["agency_id", "service_id"]]).isin(funded)
    pairs.loc[paid & ~has_funder, "m"] = 0.0
    pairs = pairs[(pairs["c0"] > 0) | (pairs["m"] > 0)].reset_index(drop=True)
    eligible = eligible.merge(
        pairs.loc[pairs["m"] > 0, ["agency_id", "service_id"]], on=["agency_id", "service_id"]
    )

    for service_id in services.index:
        if not (pairs["service_id"] == service_id).any():
            notes.append(Finding(SERVICE_UNAVAILABLE, service_id=str(service_id)))

    if distances is None:
        distances = (
            distances_km(package.districts, agencies)
            if len(agencies) and len(district_ids)
            else pd.DataFrame(index=list(district_ids), columns=agencies["agency_id"].tolist())
        )
    distances.index = distances.index.astype(str)
    distances.columns = distances.columns.astype(str)

    demand, cohorts = prepare_cohorts(package, scenario, demand, pairs, services)
    pathways = _pathways(package)  # FLOW: months on a pathway are not merged across a lag
    years = year_inputs(scenario.horizon_months, funder_windows(package), periods)  # YEARS
    block_demand, blocks = _blocks(
        demand,
        aggregate_periods and pathways is None,
        year_of=years.year_of() if years is not None else None,
    )
    arcs, beyond = _arcs(block_demand, pairs, services, distances)

    served_somewhere = set(arcs["agency_id"])
    for agency_id in sorted(set(pairs["agency_id"]) - served_somewhere):
        notes.append(Finding(AGENCY_UNREACHABLE, agency_ids=(str(agency_id),)))

    weights = services["weight"].astype(float)
    distance_weight, cost_weight = tie_breaker_weights(
        scenario.distance_weight,
        scenario.cost_weight,
        min_weight=float(weights.min()) if len(weights) else 1.0,
        max_distance_km=float(arcs["dist_km"].max()) if len(arcs) else 0.0,
        chain_length=max(1, block_demand["district_id"].nunique()),
        max_unit_money=float((pairs["cost"] + pairs["open_cost"]).max()) if len(pairs) else 0.0,
    )
    population = dict(
        zip(
            package.districts["district_id"].astype(str),
            package.districts["population"].astype(float),
            strict=True,
        )
    )
    return ModelInputs(
        currency=str(package.city.currency),
        district_ids=district_ids,
        district_names=dict(zip(district_ids, package.districts["name"].astype(str), strict=True)),
        population=population,
        services=services,
        agency_names=dict(zip(agencies["agency_id"], agencies["name"].astype(str), strict=True)),
        funder_names=funder_names,
        funder_budget=funder_budget,
        total_budget=total_budget,
        periods=periods,
        demand=demand,
        block_demand=block_demand,
        blocks=blocks,
        pairs=pairs,
        arcs=arcs,
        eligible=eligible,
        beyond_radius=beyond,
        equity_floor=float(scenario.equity_floor),
        equity_mode=scenario.equity_mode,
        distance_weight=distance_weight,
        cost_weight=cost_weight,
        horizon_months=scenario.horizon_months,
        notes=tuple(notes),
        cohorts=cohorts,
        pathways=pathways,
        years=years,
    )


def tie_breaker_weights(
    distance_weight: float,
    cost_weight: float,
    *,
    min_weight: float,
    max_distance_km: float,
    chain_length: int,
    max_unit_money: float,
) -> tuple[float, float]:
    """The scenario's lambda and epsilon, capped so that they never cost a served unit.

    Serving one more unit may reroute a chain of at most `chain_length` districts, each leg at
    most `max_distance_km`, and buy one unit costing at most `max_unit_money`; each of these is
    kept below `TIE_BREAK_SHARE` of the smallest weight.
    """
    budget = TIE_BREAK_SHARE * min_weight
    if max_distance_km > 0:
        distance_weight = min(distance_weight, budget / (max_distance_km * chain_length))
    if max_unit_money > 0:
        cost_weight = min(cost_weight, budget / max_unit_money)
    return distance_weight, cost_weight


def _services(package: CityPackage, scenario: Scenario) -> pd.DataFrame:
    services = package.services.copy()
    services["service_id"] = services["service_id"].astype(str)
    services = services.set_index("service_id")
    services["integer"] = services["integer"].astype(bool)
    services["weight"] = [
        float(scenario.weights.get(s, w))
        for s, w in zip(services.index, services["weight"], strict=True)
    ]
    radius = services["radius_km"].astype(float)
    for service_id, override in scenario.radius_km.items():
        radius[service_id] = np.nan if override is None else float(override)
    services["radius_km"] = radius
    for column, default in (
        ("units_per_case", 1.0),
        ("open_cost", 0.0),
        ("open_max", 0.0),
        ("interpretation_per_unit", 0.0),
    ):
        if column not in services:
            services[column] = default
        services[column] = services[column].astype(float).fillna(default)
    return services


def _check_demand(demand: pd.DataFrame, districts: set[str], services: set[str]) -> pd.DataFrame:
    missing = {"district_id", "service_id", "period", "demand"} - set(demand.columns)
    if missing:
        raise InvalidInput(
            [Problem("demand", column=c, message=t("is missing")) for c in sorted(missing)]
        )
    keys = ["district_id", "service_id", "period"]
    keys += [c for c in ("population", "language") if c in demand.columns]
    demand = demand[[*keys, "demand"]].astype(
        {"district_id": str, "service_id": str, "period": str}
    )
    demand["demand"] = pd.to_numeric(demand["demand"], errors="coerce").astype(float)
    problems = []
    bad = demand["demand"].isna() | ~np.isfinite(demand["demand"]) | (demand["demand"] < 0)
    for row in rows(demand[bad].head(5)):
        problems.append(
            Problem(
                "demand",
                column="demand",
                message=t("{value} is not a number >= 0", value=row.demand),
            )
        )
    for column, known in (("district_id", districts), ("service_id", services)):
        for value in sorted(set(demand[column]) - known)[:5]:
            message = t("{value} is unknown", value=repr(value))
            problems.append(Problem("demand", column=column, message=message))
    if demand.duplicated(keys).any():
        problems.append(Problem("demand", message=t("a district, service and period repeat")))
    if problems:
        raise InvalidInput(problems)
    return demand.reset_index(drop=True)


def _pathways(package: CityPackage) -> pd.DataFrame | None:
    pathways = getattr(package, "pathways", None)
    return None if pathways is None or len(pathways) == 0 else pathways.copy()


def _closed_and_locked(pairs: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    from planner.optimise.pathways import close_and_lock  # it imports this module

    return close_and_lock(pairs, scenario)


def _pairs(
    package: CityPackage, scenario: Scenario, services: pd.DataFrame, agencies: set[str]
) -> pd.DataFrame:
    """Agency-service pairs that exist (capacity rows) or may be opened."""
    factor = scenario.horizon_months / 12.0
    current = package.current_capacity()
    current = current.assign(
        agency_id=current["agency_id"].astype(str), service_id=current["service_id"].astype(str)
    )
    current = current[
        current["agency_id"].isin(agencies) & current["service_id"].isin(services.index)
    ]
    unit_cost = current["unit_cost"].astype(float)
    unit_cost = unit_cost.fillna(
        services["unit_cost"].reindex(current["service_id"]).set_axis(current.index)
    )
    offered = pd.DataFrame(
        {
            "agency_id": current["agency_id"],
            "service_id": current["service_id"],
            "c0": current["capacity"].astype(float),
            "m": current["max_expansion"].astype(float).fillna(0.0),
            "cost": unit_cost.astype(float) * factor,
            "open_cost": 0.0,
            "is_new": False,
        }
    )
    frames = [offered]
    if scenario.allow_new_services:
        openable = services[services["open_max"] > 0]
        if len(openable):
            grid = pd.MultiIndex.from_product(
                [sorted(agencies), openable.index], names=["agency_id", "service_id"]
            )
            existing = pd.MultiIndex.from_frame(offered[["agency_id", "service_id"]])
            grid = grid[~grid.isin(existing)]
            service_of = grid.get_level_values("service_id")
            frames.append(
                pd.DataFrame(
                    {
                        "agency_id": grid.get_level_values("agency_id"),
                        "service_id": service_of,
                        "c0": 0.0,
                        "m": openable["open_max"].reindex(service_of).to_numpy(float),
                        "cost": openable["unit_cost"].reindex(service_of).to_numpy(float) * factor,
                        "open_cost": openable["open_cost"].reindex(service_of).to_numpy(float),
                        "is_new": True,
                    }
                )
            )
    pairs = pd.concat(frames, ignore_index=True)
    pairs = pairs.astype({"agency_id": str, "service_id": str, "is_new": bool})
    return pairs.sort_values(["agency_id", "service_id"], kind="stable").reset_index(drop=True)


def _budgets(
    package: CityPackage, scenario: Scenario
) -> tuple[dict[str, str], dict[str, float], float]:
    funders = package.funders
    if len(funders) == 0:
        total = float(scenario.budget or 0.0)
        return {IMPLICIT_FUNDER: "New budget"}, {IMPLICIT_FUNDER: total}, total
    ids = funders["funder_id"].astype(str).tolist()
    names = dict(zip(ids, funders["name"].astype(str), strict=True))
    budget = {
        f: float(scenario.funder_budgets.get(f, b))
        for f, b in zip(ids, funders["budget"].astype(float), strict=True)
    }
    total = float(scenario.budget) if scenario.budget is not None else float(sum(budget.values()))
    return names, budget, total


def _eligibility(
    package: CityPackage, pairs: pd.DataFrame, kinds: dict[str, str], funders: list[str]
) -> pd.DataFrame:
    """Funder-agency-service triples a funder may pay for.

    A funder with no row in eligibility.csv may pay for anything (so may every funder when the
    file is empty, and the implicit funder of a city without funders).
    """
    rules = package.eligibility.copy()
    rules["funder_id"] = rules["funder_id"].astype(str)
    candidates = pairs.loc[pairs["m"] > 0, ["agency_id", "service_id"]].copy()
    candidates["kind"] = candidates["agency_id"].map(kinds)
    frames = []
    restricted = set(rules["funder_id"])
    for funder_id in funders:
        if funder_id not in restricted:
            frames.append(candidates.assign(funder_id=funder_id))
            continue
        mask = np.zeros(len(candidates), dtype=bool)
        for rule in rows(rules[rules["funder_id"] == funder_id]):
            ok = np.ones(len(candidates), dtype=bool)
            if isinstance(rule.service_id, str) and rule.service_id:
                ok &= (candidates["service_id"] == rule.service_id).to_numpy()
            if isinstance(rule.agency_kind, str) and rule.agency_kind:
                ok &= (candidates["kind"] == rule.agency_kind).to_numpy()
            mask |= ok
        frames.append(candidates[mask].assign(funder_id=funder_id))
    columns = ["funder_id", "agency_id", "service_id"]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
    eligible = pd.concat(frames, ignore_index=True)[columns].astype(str)
    return eligible.sort_values(columns, kind="stable").reset_index(drop=True)


def _blocks(
    demand: pd.DataFrame, aggregate: bool, *, year_of: dict[str, int] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per service, group months into blocks of identical demand (or one block per month);
    with `year_of` (a plan with years), never across two plan years."""
    pieces: dict[str, list[np.ndarray]] = {
        name: [] for name in ("district", "service", "block", "cohort")
    }
    months: list[np.ndarray] = []
    values: list[np.ndarray] = []
    block_rows = []
    for service_id, frame in demand.groupby("service_id", sort=True):
        table = frame.pivot(
            index=["district_id", "cohort"], columns="period", values="demand"
        ).fillna(0.0)
        table = table.reindex(sorted(table.columns), axis=1)
        matrix = table.to_numpy(float)  # (district, cohort) x periods
        districts = table.index.get_level_values("district_id").astype(str).to_numpy()
        cohorts = table.index.get_level_values("cohort").astype(str).to_numpy()
        groups: dict[object, list[int]] = {}
        for j, period in enumerate(table.columns):
            key: object = matrix[:, j].tobytes() if aggregate else period
            if year_of is not None and aggregate:
                key = (year_of.get(str(period), 0), key)
            groups.setdefault(key, []).append(j)
        for members in groups.values():
            periods = [str(table.columns[j]) for j in members]
            label = _block_label(periods)
            block_rows.append((service_id, label, len(members), ";".join(periods)))
            column = matrix[:, members[0]]
            positive = column > 0
            count = int(positive.sum())
            pieces["district"].append(districts[positive])
            pieces["cohort"].append(cohorts[positive])
            pieces["service"].append(np.full(count, str(service_id), dtype=object))
            pieces["block"].append(np.full(count, label, dtype=object))
            months.append(np.full(count, len(members), dtype=int))
            values.append(column[positive])
    columns = ["district_id", "service_id", "cohort", "block", "months", "demand"]
    if block_rows:
        block_demand = pd.DataFrame(
            {
                "district_id": np.concatenate(pieces["district"]).astype(str),
                "service_id": np.concatenate(pieces["service"]).astype(str),
                "cohort": np.concatenate(pieces["cohort"]).astype(str),
                "block": np.concatenate(pieces["block"]).astype(str),
                "months": np.concatenate(months).astype(int),
                "demand": np.concatenate(values).astype(float),
            }
        )
    else:
        block_demand = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    block_demand = block_demand.astype(
        {
            "district_id": str,
            "service_id": str,
            "cohort": str,
            "block": str,
            "months": int,
            "demand": float,
        }
    )
    blocks = pd.DataFrame(block_rows, columns=["service_id", "block", "months", "periods"])
    return block_demand, blocks


def _block_label(periods: list[str]) -> str:
    if len(periods) == 1:
        return periods[0]
    index = pd.PeriodIndex(periods, freq="M")
    if (index[-1] - index[0]).n == len(periods) - 1:
        return f"{periods[0]}..{periods[-1]}"
    return "+".join(periods)


def _arcs(
    block_demand: pd.DataFrame,
    pairs: pd.DataFrame,
    services: pd.DataFrame,
    distances: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reachable (district, agency, service) arcs, and the nearest agency beyond the radius."""
    columns = ["district_id", "agency_id", "service_id", "dist_km"]
    cells = block_demand[["district_id", "service_id"]].drop_duplicates()
    candidates = cells.merge(pairs[["agency_id", "service_id"]], on="service_id")
    if len(candidates) == 0:
        empty = pd.DataFrame({c: pd.Series(dtype=str) for c in columns}).astype({"dist_km": float})
        beyond = empty[["district_id", "service_id", "agency_id", "dist_km"]]
        return empty, beyond
    row_of = distances.index.get_indexer(pd.Index(candidates["district_id"]))
    col_of = distances.columns.get_indexer(pd.Index(candidates["agency_id"]))
    matrix = distances.to_numpy(dtype=float)
    candidates["dist_km"] = matrix[row_of, col_of]
    radius = services["radius_km"].reindex(candidates["service_id"]).to_numpy(float)
    inside = np.isnan(radius) | (candidates["dist_km"].to_numpy() <= radius + 1e-9)
    arcs = candidates[inside][columns].sort_values(
        ["district_id", "service_id", "agency_id"], kind="stable"
    )
    outside = candidates[~inside].sort_values(
        ["district_id", "service_id", "dist_km", "agency_id"], kind="stable"
    )
    beyond = outside.drop_duplicates(["district_id", "service_id"])[
        ["district_id", "service_id", "agency_id", "dist_km"]
    ]
    return arcs.reset_index(drop=True), beyond.reset_index(drop=True)


def rows(frame: pd.DataFrame) -> Iterator[Any]:
    """A frame's rows as named tuples (typed loosely: the columns are known by name)."""
    return frame.itertuples(index=False)  # type: ignore[return-value]
