"""Writing HSDS: a package's agencies and current capacity as HSDS 3.1 tables and
datapackage.json (`write_hsds`)."""

from __future__ import annotations

import csv
import json
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.cells import neutralise
from planner.hsds.schema import (
    AGENCY_ID_TYPE,
    ATTRIBUTES,
    CONFIDENTIAL,
    FOREIGN_KEYS,
    HSDS_COLUMNS,
    HSDS_VERSION,
    ID_NAMESPACE,
    KIND_TAXONOMY,
    LANGUAGES,
    LOCATIONS,
    ORGANIZATIONS,
    POPULATION_TAXONOMY,
    PRIVACY_TAXONOMY,
    PUBLIC,
    SERVICE_AT_LOCATION,
    SERVICE_CAPACITY,
    SERVICE_TAXONOMY,
    SERVICES,
    TAXONOMIES,
    TAXONOMY_TERMS,
    UNITS,
    record_rows,
)
from planner.package import CityPackage
from planner.schema import column_names

_WRITE_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(column_names(columns)) for name, columns in HSDS_COLUMNS.items()
}
_NUMBER_FIELDS = {"latitude", "longitude", "available", "maximum"}
_TABLE_NAMES = {
    ORGANIZATIONS: "organization",
    SERVICES: "service",
    LOCATIONS: "location",
    SERVICE_AT_LOCATION: "service_at_location",
    SERVICE_CAPACITY: "service_capacity",
    UNITS: "unit",
    LANGUAGES: "language",
    ATTRIBUTES: "attribute",
    TAXONOMY_TERMS: "taxonomy_term",
    TAXONOMIES: "taxonomy",
}


def write_hsds(
    package: CityPackage,
    out_dir: str | Path,
    *,
    include_confidential_locations: bool = False,
    updated: datetime | None = None,
) -> Path:
    """Write the package's agencies and current capacity as HSDS 3.1 tables and datapackage.json.

    Each agency is an organization with one physical location (its Haven id in the location's
    external_identifier); each current capacity row is a service of that organization at that
    location with one service_capacity row (maximum = capacity, available = capacity -
    occupied; `updated` is as_of at midnight UTC, or `updated` (default: now) when as_of is
    empty). Haven's service types, agency kinds and location privacy are taxonomy terms
    linked by attributes.csv. A confidential agency goes out without its name
    (`CONFIDENTIAL_NAME`) and without coordinates unless `include_confidential_locations`;
    several such agencies share that name and keep their own ids. Ids are UUIDs derived from
    the city and Haven ids, so a second export gives the same ids.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = (updated or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    tables = _hsds_tables(package, include_confidential_locations, stamp)
    for name, rows in tables.items():
        _write_rows(out / name, _WRITE_COLUMNS[name], rows)
    descriptor = _datapackage(package)
    (out / "datapackage.json").write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out


def hsds_tables(
    package: CityPackage,
    *,
    include_confidential_locations: bool = False,
    updated: datetime | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The rows `write_hsds` writes, per table file name (`HSDS_COLUMNS`), as values rather
    than CSV cells (None for an empty cell): what the REST API serves as JSON."""
    stamp = (updated or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return _hsds_tables(package, include_confidential_locations, stamp)


CONFIDENTIAL_NAME = "Confidential location"
"""The name an organization and its location go out under when the agency is confidential
and its location withheld (as `service.access.CONFIDENTIAL_NAME`, in English: HSDS is data)."""
_TAXONOMIES = {
    SERVICE_TAXONOMY: "The service types of Haven's city data package (services.csv).",
    KIND_TAXONOMY: "The kinds of agency of Haven's city data package (agencies.csv).",
    PRIVACY_TAXONOMY: "Whether a location may be shown to the public.",
}

CAPACITY_TAXONOMY = "Haven capacity levels"
FUNDED_CODE = "funded"
"""A service_capacity's funded units (capacity.csv's `funded`, version 2), as an attribute
of that service_capacity row with the units as its value: HSDS 3.1's service_capacity has
`maximum` (Haven's capacity in service) and `available` (the vacancy: in service less
occupied), and no field for what is funded (the Open Referral capacity proposal's funded
capacity). The taxonomy is written only when some figure is funded."""


def _hsds_tables(
    package: CityPackage, include_confidential: bool, stamp: str
) -> dict[str, list[dict[str, Any]]]:
    tables = _Tables(package.city.name, stamp, _population_names(package))
    for service_id, name in zip(
        package.services["service_id"], package.services["name"], strict=True
    ):
        tables.term(SERVICE_TAXONOMY, str(service_id), str(name))
    for agency in record_rows(package.agencies):
        tables.add_agency(agency, hidden=bool(agency.confidential) and not include_confidential)
    services = package.services.set_index("service_id")
    for row in record_rows(package.current_capacity()):
        tables.add_capacity(row, services.loc[row.service_id])
    return tables.rows


class _Tables:
    """The HSDS rows of one export, with ids derived from the city and Haven's ids (a second
    export gives the same ids)."""

    def __init__(self, city: str, stamp: str, population_names: dict[str, str]) -> None:
        self.city = city
        self.stamp = stamp
        self.population_names = population_names
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in HSDS_COLUMNS}
        self.terms: dict[tuple[str, str], str] = {}
        self.units: dict[str, str] = {}
        for name, description in _TAXONOMIES.items():
            self.rows[TAXONOMIES].append(
                {"id": self.ident("taxonomy", name), "name": name, "description": description}
            )

    def ident(self, *parts: object) -> str:
        return str(uuid.uuid5(ID_NAMESPACE, "/".join([self.city, *map(str, parts)])))

    def term(self, taxonomy: str, code: str, name: str) -> str:
        key = (taxonomy, code)
        if key not in self.terms:
            self.terms[key] = self.ident("term", taxonomy, code)
            self.rows[TAXONOMY_TERMS].append(
                {
                    "id": self.terms[key],
                    "code": code,
                    "name": name,
                    "description": f"{taxonomy}: {name}",
                    "taxonomy": taxonomy,
                    "taxonomy_id": self.ident("taxonomy", taxonomy),
                }
            )
        return self.terms[key]

    def attribute(self, link_id: str, entity: str, term_id: str) -> None:
        self.rows[ATTRIBUTES].append(
            {
                "id": self.ident("attribute", link_id, term_id),
                "link_id": link_id,
                "taxonomy_term_id": term_id,
                "link_type": "haven",
                "link_entity": entity,
            }
        )

    def add_agency(self, agency: Any, *, hidden: bool) -> None:
        """An organization and its location; a hidden one (confidential, location withheld)
        without its name and coordinates, whatever the package holds."""
        org_id = self.ident("organization", agency.agency_id)
        loc_id = self.ident("location", agency.agency_id)
        name = CONFIDENTIAL_NAME if hidden else agency.name
        self.rows[ORGANIZATIONS].append(
            {
                "id": org_id,
                "name": name,
                "description": f"{name} ({agency.kind}), from Haven's city data package.",
            }
        )
        self.attribute(org_id, "organization", self.term(KIND_TAXONOMY, agency.kind, agency.kind))
        self.rows[LOCATIONS].append(
            {
                "id": loc_id,
                "location_type": "physical",
                "organization_id": org_id,
                "name": name,
                "description": "Confidential location: its address and coordinates are not "
                "published."
                if hidden
                else None,
                "latitude": None if hidden else agency.lat,
                "longitude": None if hidden else agency.lon,
                "external_identifier": agency.agency_id,
                "external_identifier_type": AGENCY_ID_TYPE,
            }
        )
        privacy = CONFIDENTIAL if agency.confidential else PUBLIC
        self.attribute(loc_id, "location", self.term(PRIVACY_TAXONOMY, privacy, privacy))
        codes = str(agency.languages).split(";") if isinstance(agency.languages, str) else []
        for code in filter(None, codes):
            self.rows[LANGUAGES].append(
                {
                    "id": self.ident("language", agency.agency_id, code),
                    "location_id": loc_id,
                    "code": code,
                }
            )

    def add_capacity(self, row: Any, service: pd.Series) -> None:
        """A service of the agency's organization at its location, and its capacity."""
        hsds_id = self.ident("service", row.agency_id, row.service_id)
        org_id = self.ident("organization", row.agency_id)
        accepted = _split_ids(getattr(row, "populations", None))
        self.rows[SERVICES].append(
            {
                "id": hsds_id,
                "organization_id": org_id,
                "name": service["name"],
                "status": "active",
                "eligibility_description": self.eligibility_words(accepted),
            }
        )
        self.attribute(hsds_id, "service", self.terms[(SERVICE_TAXONOMY, str(row.service_id))])
        for population_id in accepted:
            self.accepts(hsds_id, population_id)
        self.rows[SERVICE_AT_LOCATION].append(
            {
                "id": self.ident("service_at_location", row.agency_id, row.service_id),
                "service_id": hsds_id,
                "location_id": self.ident("location", row.agency_id),
            }
        )
        unit = str(service["unit"])
        if unit not in self.units:
            self.units[unit] = self.ident("unit", unit)
            self.rows[UNITS].append(
                {"id": self.units[unit], "name": unit, "scheme": "haven", "identifier": unit}
            )
        occupied = 0.0 if pd.isna(row.occupied) else float(row.occupied)
        self.rows[SERVICE_CAPACITY].append(
            {
                "id": self.ident("service_capacity", row.agency_id, row.service_id),
                "service_id": hsds_id,
                "unit_id": self.units[unit],
                "available": max(float(row.capacity) - occupied, 0.0),
                "maximum": float(row.capacity),
                "description": f"{service['name']} ({unit} per month)",
                "updated": f"{row.as_of}T00:00:00Z" if isinstance(row.as_of, str) else self.stamp,
            }
        )
        funded = getattr(row, "funded", None)
        if funded is not None and not pd.isna(funded):
            self.funded(self.ident("service_capacity", row.agency_id, row.service_id), funded)

    def eligibility_words(self, accepted: list[str]) -> str | None:
        """Who is accepted, in words (English: HSDS is data), or None when everyone is."""
        if not accepted:
            return None
        names = [self.population_names.get(p, p) for p in accepted]
        return "Accepts: " + "; ".join(names) + "."

    def accepts(self, service_id: str, population_id: str) -> None:
        """One group the service accepts, as an attribute (`POPULATION_TAXONOMY`)."""
        if not any(r["name"] == POPULATION_TAXONOMY for r in self.rows[TAXONOMIES]):
            self.rows[TAXONOMIES].append(
                {
                    "id": self.ident("taxonomy", POPULATION_TAXONOMY),
                    "name": POPULATION_TAXONOMY,
                    "description": "The population groups a service accepts (Haven's "
                    "populations.csv); a service without any accepts everyone.",
                }
            )
        name = self.population_names.get(population_id, population_id)
        term = self.term(POPULATION_TAXONOMY, population_id, name)
        self.attribute(service_id, "service", term)

    def funded(self, capacity_id: str, units: float) -> None:
        """The funded units of one service_capacity row (`FUNDED_CODE`)."""
        if not any(r["name"] == CAPACITY_TAXONOMY for r in self.rows[TAXONOMIES]):
            self.rows[TAXONOMIES].append(
                {
                    "id": self.ident("taxonomy", CAPACITY_TAXONOMY),
                    "name": CAPACITY_TAXONOMY,
                    "description": "Haven's capacity levels beyond HSDS's maximum and available.",
                }
            )
        term = self.term(CAPACITY_TAXONOMY, FUNDED_CODE, "funded capacity")
        self.attribute(capacity_id, "service_capacity", term)
        self.rows[ATTRIBUTES][-1]["value"] = _number_text(float(units))


def _population_names(package: CityPackage) -> dict[str, str]:
    populations = getattr(package, "populations", None)
    if populations is None or populations.empty:
        return {}
    return {
        str(p): str(n)
        for p, n in zip(populations["population_id"], populations["name"], strict=True)
    }


def _split_ids(value: object) -> list[str]:
    """capacity's populations as a list ('' or missing: everyone, [])."""
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(";") if part.strip()]


def _write_rows(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(name)) for name in columns])


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(neutralise(str(value)))  # the HSDS reader takes the quote off (planner.tables)


def _datapackage(package: CityPackage) -> dict[str, Any]:
    """The Tabular Data Package descriptor of the tables Haven writes (HSDS 3.1 names)."""
    foreign: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for file, key, target in FOREIGN_KEYS:
        foreign[file].append(
            {"fields": key, "reference": {"resource": _TABLE_NAMES[target], "fields": "id"}}
        )
    resources = []
    for name, specs in HSDS_COLUMNS.items():
        fields = []
        for column in specs:
            spec: dict[str, Any] = {
                "name": column.name,
                "type": "number" if column.name in _NUMBER_FIELDS else "string",
            }
            if column.name == "id" or column.name.endswith("_id"):
                spec["format"] = "uuid"
            if column.name == "updated":
                spec["type"] = "datetime"
            constraints: dict[str, Any] = {"required": column.required}
            if column.name == "id":
                constraints["unique"] = True
            if column.choices:
                constraints["enum"] = list(column.choices)
            spec["constraints"] = constraints
            fields.append(spec)
        schema: dict[str, Any] = {"fields": fields, "primaryKey": "id"}
        if foreign.get(name):
            schema["foreignKeys"] = foreign[name]
        resources.append(
            {
                "name": _TABLE_NAMES[name],
                "path": name,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "schema": schema,
            }
        )
    return {
        "name": "haven_hsds_export",
        "title": neutralise(f"{package.city.name}: agencies and capacity (HSDS {HSDS_VERSION})"),
        "profile": "tabular-data-package",
        "version": HSDS_VERSION,
        "homepage": "https://docs.openreferral.org",
        "resources": resources,
    }


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)
