"""Into a city package: an HSDS import's agencies and capacity put into a city
(`hsds_to_package`), read back with the package reader's rules."""

from __future__ import annotations

import math
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from shapely.ops import unary_union

from planner import geo
from planner.hsds.read import HsdsImport
from planner.hsds.schema import (
    CAPACITY_FRAME_COLUMNS,
    LOCATIONS,
    agency_frame,
    dict_rows,
)
from planner.i18n import t
from planner.package import CityPackage, read_package, write_package
from planner.problems import InvalidInput, Problem

# --- Into a city package ------------------------------------------------------------------


def hsds_to_package(hsds_import: HsdsImport, base: CityPackage) -> CityPackage:
    """The city `base` with its agencies and capacity replaced by those of `hsds_import`.

    Districts, demand, funders and eligibility stay the city's. Agencies at a virtual
    location are put at the city's representative point; an agency published without
    coordinates (a confidential one, its name withheld too) keeps the name and place of the
    city's agency with the same id (or is left out, with a warning); an agency outside every
    district is left out with a warning. max_expansion and unit_cost, which HSDS does not
    carry, are kept from the city's rows for the same agency and service. The result is
    written and read back by the package reader, so it is importable; raises `InvalidInput`
    when the import or the result has errors.
    """
    errors = [p for p in hsds_import.problems if p.is_error]
    if errors:
        raise InvalidInput(errors)
    source = hsds_import.mapping_source
    notes: list[Problem] = [p for p in hsds_import.problems if not p.is_error]
    services, service_problems = _merged_services(
        base.services, hsds_import.services_to_add, source
    )
    known_services = set(services["service_id"])
    capacity = hsds_import.capacity.copy()
    missing = sorted(set(capacity["service_id"]) - known_services)
    for service_id in missing:
        message = t(
            "{service} is not a service of the city nor in new_services; add it under new_services",
            service=repr(service_id),
        )
        service_problems.append(Problem(source, column="services", message=message))
    if any(p.is_error for p in service_problems):
        raise InvalidInput(service_problems)
    notes.extend(service_problems)
    notes.extend(_radius_warnings(services, hsds_import, source))

    agencies, dropped, placement_notes = _placed_agencies(hsds_import, base)
    notes.extend(placement_notes)
    capacity = capacity[~capacity["agency_id"].isin(dropped)]
    capacity = _with_planning_fields(capacity, base)
    package = replace(
        base,
        services=services,
        agencies=agencies.reset_index(drop=True),
        capacity=capacity.reset_index(drop=True),
        warnings=(),
    )
    with tempfile.TemporaryDirectory(prefix="haven-hsds-") as tmp:
        result = read_package(write_package(package, Path(tmp) / "city"))
    return replace(result, warnings=(*(str(p) for p in notes), *result.warnings))


def _merged_services(
    base: pd.DataFrame, added: pd.DataFrame, source: str
) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    if added.empty:
        return base, problems
    clash = sorted(set(added["service_id"].dropna()) & set(base["service_id"]))
    for service_id in clash:
        message = t(
            "{service} is already a service of the city; the city's is kept",
            service=repr(service_id),
        )
        problems.append(Problem(source, column="new_services", message=message, severity="warning"))
    fresh = added[~added["service_id"].isin(clash)]
    return pd.concat([base, fresh], ignore_index=True), problems


def _radius_warnings(services: pd.DataFrame, hsds_import: HsdsImport, source: str) -> list[Problem]:
    radius = dict(zip(services["service_id"], services["radius_km"], strict=True))
    problems = []
    for service_id in sorted(hsds_import.virtual_services):
        value = radius.get(service_id)
        if value is not None and not math.isnan(float(value)):
            message = t(
                "{service} is offered at a virtual location (a hotline, a website) but has a "
                "radius of {radius} km: the planner will count what is offered there as "
                "reachable only near the city's representative point; map it to a service "
                "without radius_km",
                service=repr(service_id),
                radius=f"{float(value):g}",
            )
            problems.append(Problem(source, column="services", message=message, severity="warning"))
    return problems


def _placed_agencies(
    hsds_import: HsdsImport, base: CityPackage
) -> tuple[pd.DataFrame, set[str], list[Problem]]:
    notes: list[Problem] = []
    dropped: set[str] = set()
    point = unary_union(base.districts.to_crs(geo.WGS84).geometry.to_numpy()).representative_point()
    known = {str(a["agency_id"]): a for a in dict_rows(base.agencies)}
    rows: list[dict[str, Any]] = []
    for row in dict_rows(hsds_import.agencies):
        agency_id = str(row["agency_id"])
        if math.isnan(row["lat"]):
            if agency_id in hsds_import.virtual_agency_ids:
                row["lat"], row["lon"] = round(point.y, 7), round(point.x, 7)
            elif agency_id in known:
                city_agency = known[agency_id]  # withheld by the export: the city's own
                row["lat"], row["lon"] = city_agency["lat"], city_agency["lon"]
                row["district_id"] = city_agency["district_id"]
                row["name"] = city_agency["name"]
            else:
                dropped.add(agency_id)
                message = t(
                    "agency {agency}: its location has no coordinates and the city has no "
                    "agency with that id; not imported",
                    agency=repr(agency_id),
                )
                line = hsds_import.agency_lines.get(agency_id)
                notes.append(Problem(LOCATIONS, line=line, message=message, severity="warning"))
                continue
        rows.append(row)
    located = geo.locate_points(base.districts, [r["lon"] for r in rows], [r["lat"] for r in rows])
    kept: list[dict[str, Any]] = []
    for row, district in zip(rows, located, strict=True):
        if isinstance(row["district_id"], str) or district is not None:
            kept.append(row)
            continue
        dropped.add(str(row["agency_id"]))
        message = t(
            "agency {agency} ({name}) at ({lat}, {lon}) is outside every district of the city; "
            "not imported",
            agency=repr(row["agency_id"]),
            name=row["name"],
            lat=row["lat"],
            lon=row["lon"],
        )
        line = hsds_import.agency_lines.get(str(row["agency_id"]))
        notes.append(
            Problem(
                LOCATIONS,
                line=line,
                column="latitude, longitude",
                message=message,
                severity="warning",
            )
        )
    return agency_frame(kept), dropped, notes


def _with_planning_fields(capacity: pd.DataFrame, base: CityPackage) -> pd.DataFrame:
    """max_expansion and unit_cost from the city's rows (HSDS does not carry them), and who
    is accepted from the city's rows where the HSDS services say nothing of it."""
    columns = ["agency_id", "service_id", "max_expansion", "unit_cost", "populations"]
    current = base.current_capacity()[columns].rename(columns={"populations": "city_populations"})
    merged = capacity.drop(columns=["max_expansion", "unit_cost"]).merge(
        current, on=["agency_id", "service_id"], how="left"
    )
    merged["max_expansion"] = merged["max_expansion"].fillna(0.0)
    said = merged["populations"].notna()
    merged["populations"] = (
        merged["populations"].where(said, merged["city_populations"]).fillna("").astype("str")
    )
    return merged[list(CAPACITY_FRAME_COLUMNS)]
