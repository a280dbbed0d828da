"""Small in-memory cities with population groups, eligibility and languages (issue 15).

`with_groups` adds the version-2 parts to a package made by `optimiser_city.make_city`:
populations, demand by group, the groups each agency accepts per service, the languages
each agency works in and the interpretation service.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from planner.package import CityPackage


def _set(package: CityPackage, name: str, value: object) -> CityPackage:
    names = {f.name for f in dataclasses.fields(package)}
    if name in names:
        return dataclasses.replace(package, **{name: value})
    copy = dataclasses.replace(package)
    object.__setattr__(copy, name, value)  # before the package's version 2 lands
    return copy


def with_groups(
    package: CityPackage,
    *,
    populations: Sequence[tuple[str, str, float]] = (),
    demand_groups: Sequence[tuple[str, str, str, str, str, float]] = (),
    accepts: Mapping[tuple[str, str], str] | None = None,
    languages: Mapping[str, str] | None = None,
    interpretation_service: str | None = None,
    interpretation_per_unit: Mapping[str, float] | None = None,
) -> CityPackage:
    """populations: (id, name, weight); demand_groups: (district, service, period,
    population, language, cases); accepts: (agency, service) -> 'men;women'; languages:
    agency -> 'en;es'."""
    if populations:
        package = _set(
            package,
            "populations",
            pd.DataFrame(populations, columns=["population_id", "name", "weight"]),
        )
    if demand_groups:
        frame = pd.DataFrame(
            demand_groups,
            columns=["district_id", "service_id", "period", "population", "language", "cases"],
        )
        frame["exploitation"] = "unknown"
        frame["source"] = "ngo"
        package = _set(package, "demand_groups", frame)
        totals = (
            frame.groupby(["district_id", "service_id", "period"], as_index=False)["cases"]
            .sum()
            .assign(source="ngo")
        )
        package = dataclasses.replace(package, demand=totals)
    capacity = package.capacity.copy()
    capacity["populations"] = [
        (accepts or {}).get((a, s), "")
        for a, s in zip(capacity["agency_id"], capacity["service_id"], strict=True)
    ]
    package = dataclasses.replace(package, capacity=capacity)
    if languages:
        agencies = package.agencies.copy()
        agencies["languages"] = agencies["agency_id"].map(languages).fillna("")
        package = dataclasses.replace(package, agencies=agencies)
    if interpretation_per_unit:
        services = package.services.copy()
        services["interpretation_per_unit"] = (
            services["service_id"].map(interpretation_per_unit).fillna(0.0).astype(float)
        )
        package = dataclasses.replace(package, services=services)
    if interpretation_service is not None:
        city = package.city
        if "interpretation_service" in {f.name for f in dataclasses.fields(city)}:
            city = dataclasses.replace(city, interpretation_service=interpretation_service)
        else:
            city = dataclasses.replace(city)
            object.__setattr__(city, "interpretation_service", interpretation_service)
        package = dataclasses.replace(package, city=city)
    return package


def cohort_demand_frame(
    cells: Mapping[tuple[str, str, str, str], float], periods: Sequence[str]
) -> pd.DataFrame:
    """Planned demand per cohort, the same every period: (district, service, population,
    language) -> units per month."""
    rows = [
        (d, s, p, population, language, float(value))
        for (d, s, population, language), value in sorted(cells.items())
        for p in periods
    ]
    return pd.DataFrame(
        rows,
        columns=["district_id", "service_id", "period", "population", "language", "demand"],
    )
