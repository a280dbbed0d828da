"""The city at a glance: the aggregates that the overview page, the CLI and reports share."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    return totals.drop(columns="cases")


def service_summary(package: CityPackage) -> pd.DataFrame:
    """Per service: current capacity and occupancy, recent demand in units, and the gap."""
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
    return table.drop(columns="units_per_case").reset_index()


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


def capacity_by_agency(package: CityPackage) -> pd.DataFrame:
    """One row per agency, one column per service name: current capacity in that service's
    units. Coordinates are left out: this table is safe to show to every role."""
    capacity = package.current_capacity()
    names = package.services.set_index("service_id")["name"]
    wide = capacity.pivot_table(
        index="agency_id", columns="service_id", values="capacity", aggfunc="sum"
    )
    wide = wide.rename(columns=names.to_dict())
    wide.columns.name = None
    districts = package.districts.set_index("district_id")["name"].rename("district")
    agencies = package.agencies.set_index("agency_id")[["name", "kind", "district_id"]]
    agencies = agencies.join(districts, on="district_id").drop(columns="district_id")
    return agencies.join(wide, how="left").reset_index().rename(columns={"agency_id": "id"})
