"""The city at a glance: the aggregates that the overview page, the CLI and reports share."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from planner.demand import city_demand
from planner.geo import at_district_points
from planner.package import CityPackage

RECENT_MONTHS = 12


def recent_demand_cases(package: CityPackage, months: int = RECENT_MONTHS) -> pd.DataFrame:
    """Mean cases per month over the last `months` observed periods, per district and service.

    A district and service with no row in one of those months counts as zero that month.
    """
    demand = package.demand
    if demand.empty:
        return pd.DataFrame(columns=["district_id", "service_id", "cases_per_month"])
    periods = sorted(demand["period"].unique())[-months:]
    recent = demand[demand["period"].isin(periods)]
    totals = recent.groupby(["district_id", "service_id"], as_index=False)["cases"].sum()
    totals["cases_per_month"] = totals["cases"] / len(periods)
    return pd.DataFrame(totals[["district_id", "service_id", "cases_per_month"]])


def service_summary(package: CityPackage, forecast: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per service: current capacity and occupancy, recent demand in units, and the gap;
    with a `service_outlook` frame, also the forecast demand (the expected demand, units per
    month averaged over the forecast months: the default plan's demand) and the gap it
    would leave."""
    capacity = package.current_capacity()
    by_service = capacity.groupby("service_id").agg(
        capacity=("capacity", "sum"),
        occupied=("occupied", "sum"),
        agencies=("agency_id", "nunique"),
    )
    cases = recent_demand_cases(package).groupby("service_id")["cases_per_month"].sum()
    services = package.services.set_index("service_id")
    table = services[["name", "unit", "units_per_case"]].join(by_service, how="left")
    table["demand_units"] = cases.reindex(table.index).fillna(0.0) * table["units_per_case"]
    table[["capacity", "occupied", "agencies"]] = table[
        ["capacity", "occupied", "agencies"]
    ].fillna(0)
    table["occupancy"] = np.where(
        table["capacity"] > 0, table["occupied"] / table["capacity"].where(table["capacity"] > 0), 0
    )
    table["gap"] = table["demand_units"] - table["capacity"]
    if forecast is not None:
        expected = forecast.groupby("service_id")["mean"].mean()
        table["forecast_units"] = expected.reindex(table.index)
        table["forecast_gap"] = table["forecast_units"] - table["capacity"]
    return table.drop(columns="units_per_case").reset_index()


def service_outlook(
    package: CityPackage, paths: pd.DataFrame, quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)
) -> pd.DataFrame:
    """Per service and forecast month: the city's expected demand in units (`mean`, the
    default plan's demand), its demand at `quantiles` (columns `q0.1`, ...), today's
    capacity, and the gap at the expected demand.

    `paths` are joint sample paths of cases (`sample, district_id, service_id, period,
    cases`, planner.demand.case_paths, the plan's own): summed over districts first
    (`planner.demand.city_demand`, the function the plan's totals come from), so each
    figure is a quantile of the city's total, not a sum of the districts' quantiles.
    """
    columns = ["service_id", "period", "mean", *(f"q{q:g}" for q in quantiles)]
    columns += ["capacity_units", "gap_units", "service"]
    if paths.empty:
        return pd.DataFrame(columns=columns)
    keys = ["service_id", "period"]
    frame = city_demand(package, paths).rename(columns={"demand": "mean"})
    for q in quantiles:
        at_q = city_demand(package, paths, q).rename(columns={"demand": f"q{q:g}"})
        frame = frame.merge(at_q, on=keys)
    return with_capacity(frame, package)[columns]


def with_capacity(outlook: pd.DataFrame, package: CityPackage) -> pd.DataFrame:
    """`service_outlook`'s table with `capacity_units`, `gap_units` and the `service`'s name
    from `package` today: the demand columns depend on the demand history only, so a
    capacity edit recomputes these columns, not the forecast (service/city.py stores the
    rest by the history's fingerprint)."""
    capacity = package.current_capacity().groupby("service_id")["capacity"].sum()
    names = package.services.set_index("service_id")["name"]
    frame = outlook.copy()
    frame["service"] = frame["service_id"].map(names)
    frame["capacity_units"] = frame["service_id"].map(capacity).fillna(0.0).astype(float)
    frame["gap_units"] = frame["mean"] - frame["capacity_units"]
    return frame


def gap_trend(package: CityPackage, forecast: pd.DataFrame) -> pd.DataFrame:
    """The gap per service and month, observed then forecast (at the expected demand): `period,
    service_id, service, gap_units, observed` (a bool). Each service's forecast also starts
    at its last observed month, so that its line continues the observed one."""
    observed = gap_by_month(package)[["period", "service_id", "service", "gap_units"]]
    observed = observed.assign(observed=True)
    ahead = forecast[["period", "service_id", "service", "gap_units"]].assign(observed=False)
    if observed.empty or ahead.empty:
        return pd.concat([observed, ahead], ignore_index=True)
    last = observed[observed["period"] == observed["period"].max()].assign(observed=False)
    return pd.concat([observed, last, ahead], ignore_index=True)


def district_measures(package: CityPackage) -> pd.DataFrame:
    """Per district (indexed by district_id): name, population, recent cases per month, cases
    per 10,000 residents, agencies located there and their current capacity in all units."""
    districts = package.districts.set_index("district_id")[["name", "population"]]
    cases = recent_demand_cases(package).groupby("district_id")["cases_per_month"].sum()
    located = package.agencies.groupby("district_id")["agency_id"].nunique()
    capacity = package.current_capacity().merge(
        package.agencies[["agency_id", "district_id"]], on="agency_id"
    )
    capacity_by_district = capacity.groupby("district_id")["capacity"].sum()
    table = districts.copy()
    table["cases_per_month"] = cases.reindex(table.index).fillna(0.0)
    population = table["population"].astype(float)
    table["cases_per_10k"] = np.where(
        population > 0, table["cases_per_month"] / population.where(population > 0) * 1e4, np.nan
    )
    table["agencies"] = located.reindex(table.index).fillna(0).astype(int)
    table["capacity"] = capacity_by_district.reindex(table.index).fillna(0.0)
    return table


def capacity_by_agency(package: CityPackage, today: date | None = None) -> pd.DataFrame:
    """One row per agency, one column per service name: current capacity in that service's
    units, then `as_of` (the oldest date among the agency's current figures, None when one
    is undated) and `stale` (one of them older than STALE_AFTER_DAYS, or undated).
    Coordinates are left out: this table is safe to show to every role."""
    from planner.capacity_levels import capacity_levels

    capacity = package.current_capacity()
    levels = capacity_levels(package, today or date.today())
    dated = levels.assign(when=pd.to_datetime(levels["as_of"], errors="coerce"))
    freshness = dated.groupby("agency_id").agg(
        oldest=("when", "min"), undated=("when", lambda v: v.isna().any()), stale=("stale", "any")
    )
    as_of = [
        None if undated or pd.isna(oldest) else oldest.date()
        for oldest, undated in zip(freshness["oldest"], freshness["undated"], strict=True)
    ]
    freshness = pd.DataFrame(
        {"as_of": as_of, "stale": freshness["stale"].astype(bool)}, index=freshness.index
    )
    names = package.services.set_index("service_id")["name"]
    wide = capacity.pivot_table(
        index="agency_id", columns="service_id", values="capacity", aggfunc="sum"
    )
    wide = wide.rename(columns=names.to_dict())
    wide.columns.name = None
    districts = package.districts.set_index("district_id")["name"].rename("district")
    agencies = package.agencies.set_index("agency_id")[["name", "kind", "district_id"]]
    agencies = agencies.join(districts, on="district_id").drop(columns="district_id")
    table = agencies.join(wide, how="left").join(freshness, how="left")
    return table.reset_index().rename(columns={"agency_id": "id"})


def district_service_measures(
    package: CityPackage, coverage: pd.DataFrame, service_id: str | None = None
) -> pd.DataFrame:
    """Per district (indexed by district_id), for one service or all of them: monthly demand
    and located capacity in units, the gap between them, demand per 10,000 residents, and
    coverage from `coverage` (a plan's coverage table: district_id, service_id, demand, served).
    """
    units = package.services.set_index("service_id")["units_per_case"]
    cases = recent_demand_cases(package)
    cases["demand_units"] = cases["cases_per_month"] * cases["service_id"].map(units)
    capacity = package.current_capacity().merge(
        package.agencies[["agency_id", "district_id"]], on="agency_id"
    )
    if service_id is not None:
        cases = cases[cases["service_id"] == service_id]
        capacity = capacity[capacity["service_id"] == service_id]
        coverage = coverage[coverage["service_id"] == service_id]
    table = package.districts.set_index("district_id")[["name", "population"]].copy()
    table["demand_units"] = cases.groupby("district_id")["demand_units"].sum()
    table["capacity_units"] = capacity.groupby("district_id")["capacity"].sum()
    table[["demand_units", "capacity_units"]] = table[["demand_units", "capacity_units"]].fillna(0)
    table["gap_units"] = table["demand_units"] - table["capacity_units"]
    population = table["population"].astype(float).where(table["population"] > 0)
    table["demand_per_10k"] = table["demand_units"] / population * 1e4
    # A figure hidden from the reader (NaN) leaves its district's coverage unknown (NaN).
    served = coverage.groupby("district_id")[["demand", "served"]].sum(skipna=False)
    table["coverage"] = (served["served"] / served["demand"].where(served["demand"] > 0)).reindex(
        table.index
    )
    return table


def agency_points(
    package: CityPackage, service_id: str | None = None, kinds: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The agencies to draw on a map, with their current capacity (of one service or all).

    A confidential agency is never placed at its own coordinates: it is drawn at its
    district's representative point, and `located` says which is which.
    """
    capacity = package.current_capacity()
    if service_id is not None:
        capacity = capacity[capacity["service_id"] == service_id]
    totals = capacity.groupby("agency_id")["capacity"].sum()
    agencies = package.agencies[package.agencies["agency_id"].isin(totals.index)]
    if kinds:
        agencies = agencies[agencies["kind"].isin(kinds)]
    table = agencies[["agency_id", "name", "kind", "lat", "lon", "district_id", "confidential"]]
    table = table.assign(capacity=table["agency_id"].map(totals).to_numpy())
    hidden = table["confidential"].astype(bool).to_numpy()
    lat, lon = at_district_points(package.districts, table.loc[hidden, "district_id"])
    table.loc[hidden, "lat"] = lat
    table.loc[hidden, "lon"] = lon
    table["located"] = np.where(hidden, "at its district (confidential)", "at its address")
    return table.drop(columns="confidential").reset_index(drop=True)


STALE_AFTER_DAYS = 30


def data_freshness(
    package: CityPackage, today: date, stale_after_days: int = STALE_AFTER_DAYS
) -> pd.DataFrame:
    """Per agency: the oldest `as_of` of its current capacity rows, its age in days and
    whether it is stale (older than `stale_after_days`, or never dated). Oldest first."""
    capacity = package.current_capacity()
    as_of = pd.to_datetime(capacity["as_of"], errors="coerce")
    oldest = as_of.groupby(capacity["agency_id"]).min()
    names = package.agencies.set_index("agency_id")["name"]
    table = pd.DataFrame({"agency": names.reindex(oldest.index), "oldest_as_of": oldest})
    table["age_days"] = (pd.Timestamp(today) - table["oldest_as_of"]).dt.days
    table["stale"] = table["age_days"].isna() | (table["age_days"] > stale_after_days)
    table["oldest_as_of"] = table["oldest_as_of"].dt.date
    return table.sort_values("age_days", ascending=False, na_position="first").reset_index()


def gap_by_month(package: CityPackage) -> pd.DataFrame:
    """Per observed month and service: demand in units, today's capacity, and the gap."""
    units = package.services.set_index("service_id")["units_per_case"]
    names = package.services.set_index("service_id")["name"]
    demand = package.demand.groupby(["period", "service_id"], as_index=False)["cases"].sum()
    demand["demand_units"] = demand["cases"] * demand["service_id"].map(units)
    capacity = package.current_capacity().groupby("service_id")["capacity"].sum()
    demand["capacity_units"] = demand["service_id"].map(capacity).fillna(0.0)
    demand["gap_units"] = demand["demand_units"] - demand["capacity_units"]
    demand["service"] = demand["service_id"].map(names)
    return pd.DataFrame(demand.drop(columns="cases"))


def largest_unmet_need(package: CityPackage, coverage: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The districts with the most weighted unmet demand in a plan's coverage table, with the
    service that leaves most unmet in each."""
    weights = package.services.set_index("service_id")["weight"]
    names = package.services.set_index("service_id")["name"]
    table = coverage.assign(weighted_unmet=coverage["unmet"] * coverage["service_id"].map(weights))
    by_district = table.groupby("district_id").agg(
        unmet=("unmet", "sum"), weighted_unmet=("weighted_unmet", "sum")
    )
    worst = table.sort_values("weighted_unmet").groupby("district_id").tail(1)
    worst_service = worst.set_index("district_id")["service_id"].map(names)
    by_district["most_unmet_service"] = worst_service
    by_district["name"] = package.districts.set_index("district_id")["name"]
    by_district = by_district[by_district["unmet"] > 0]
    ordered = by_district.sort_values("weighted_unmet", ascending=False).head(top)
    return ordered.reset_index()[["name", "unmet", "weighted_unmet", "most_unmet_service"]]


# --- population groups (issue 15) ------------------------------------------------------------


def exploitation_types(package: CityPackage) -> list[str]:
    """The exploitation types the group history records, in order."""
    from planner.groups import group_history

    history = group_history(package)
    return sorted(history["exploitation"].unique().tolist()) if len(history) else []


def recent_cases_by_group(
    package: CityPackage, exploitation: str | None = None, months: int = RECENT_MONTHS
) -> pd.DataFrame:
    """Cases per population group over the last `months` observed periods, city-wide (one
    exploitation type, or all): population, name, cases. Empty without group history."""
    from planner.groups import group_history
    from planner.plan_tables import population_names

    history = group_history(package)
    if history.empty:
        return pd.DataFrame(columns=["population", "name", "cases"])
    periods = sorted(history["period"].unique())[-months:]
    recent = history[history["period"].isin(periods)]
    if exploitation:
        recent = recent[recent["exploitation"] == exploitation]
    table = recent.groupby("population", sort=True)["cases"].sum().reset_index()
    names = population_names(package)
    table["name"] = [names.get(p, p) for p in table["population"]]
    return pd.DataFrame(table[["population", "name", "cases"]])
