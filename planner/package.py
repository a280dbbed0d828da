"""The city data package in memory: `CityPackage`, and reading, validating and writing it.

A package is a folder (or a .zip of one) with the files of ../shared/DATA_PACKAGE.md.
`read_package` checks every file before returning anything and reports every problem at
once; `write_package` writes a package that reads back to the same data, row for row.

Canonical frames (after reading: defaults filled, types normalised, ids as text):
- districts: GeoDataFrame `district_id, name, population, geometry`, EPSG:4326.
- services: `service_id, name, unit, integer (bool), unit_cost, weight, radius_km (NaN:
  reachable from anywhere), units_per_case (1), segment ('any'), open_cost (0), open_max (0)`.
- agencies: `agency_id, name, kind, lat, lon, district_id (derived from the point when
  empty), languages (';'-separated text, '' when none), confidential (bool; default True for
  kind 'shelter')`.
- capacity: `agency_id, service_id, capacity, occupied (NaN), max_expansion (0),
  unit_cost (NaN: the service's), as_of (ISO date text or NaN)`. Several rows for one
  agency and service with different `as_of` are its history; `current_capacity()` keeps the
  newest (a row without as_of is older than any dated one).
- demand: `district_id, service_id, period ('YYYY-MM'), cases (int), source (NaN)`.
- funders: `funder_id, name, budget`.
- eligibility: `funder_id, service_id (NaN: any), agency_kind (NaN: any)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd


@dataclass(frozen=True)
class CityInfo:
    name: str
    currency: str
    period: str = "month"
    country: str | None = None
    notes: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "currency": self.currency, "period": self.period}
        if self.country:
            data["country"] = self.country
        if self.notes:
            data["notes"] = self.notes
        return data


@dataclass(frozen=True, eq=False)
class CityPackage:
    city: CityInfo
    districts: gpd.GeoDataFrame
    services: pd.DataFrame
    agencies: pd.DataFrame
    capacity: pd.DataFrame
    demand: pd.DataFrame
    funders: pd.DataFrame
    eligibility: pd.DataFrame
    warnings: tuple[str, ...] = field(default=())

    def current_capacity(self) -> pd.DataFrame:
        """One row per (agency_id, service_id): the newest by `as_of`."""
        cap = self.capacity.copy()
        cap["_order"] = cap["as_of"].fillna("")
        cap = cap.sort_values(["agency_id", "service_id", "_order"], kind="stable")
        current = cap.drop_duplicates(["agency_id", "service_id"], keep="last")
        return current.drop(columns="_order").reset_index(drop=True)
