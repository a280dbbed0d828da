"""The columns of every file in a city data package (../shared/DATA_PACKAGE.md).

One table here is the single source of truth for the reader, the validator, the writer,
the database import and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "int", "float", "bool", "date", "period"]

AGENCY_KINDS = ("ngo", "city", "county", "health", "legal", "shelter", "police", "faith", "other")
SEGMENTS = ("women", "men", "youth", "any")
DEMAND_SOURCES = ("hotline", "police", "ngo", "health", "other")
PERIODS = ("month",)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    default: object = None


CITY_FIELDS = (
    Column("name", "text", required=True),
    Column("currency", "text", required=True),
    Column("period", "text", required=True, choices=PERIODS),
    Column("country", "text"),
    Column("notes", "text"),
)

DISTRICT_COLUMNS = (
    Column("district_id", "text", required=True),
    Column("name", "text", required=True),
    Column("population", "int", required=True, minimum=0),
)

SERVICE_COLUMNS = (
    Column("service_id", "text", required=True),
    Column("name", "text", required=True),
    Column("unit", "text", required=True),
    Column("integer", "bool", required=True),
    Column("unit_cost", "float", required=True, minimum=0),
    Column("weight", "float", required=True, minimum=0, exclusive_minimum=True),
    Column("radius_km", "float", minimum=0),
    Column("units_per_case", "float", minimum=0, default=1.0),
    Column("segment", "text", choices=SEGMENTS, default="any"),
    Column("open_cost", "float", minimum=0, default=0.0),
    Column("open_max", "float", minimum=0, default=0.0),
)

AGENCY_COLUMNS = (
    Column("agency_id", "text", required=True),
    Column("name", "text", required=True),
    Column("kind", "text", required=True, choices=AGENCY_KINDS),
    Column("lat", "float", required=True, minimum=-90, maximum=90),
    Column("lon", "float", required=True, minimum=-180, maximum=180),
    Column("district_id", "text"),
    Column("languages", "text"),
    Column("confidential", "bool"),  # default: True for kind 'shelter', else False
)

CAPACITY_COLUMNS = (
    Column("agency_id", "text", required=True),
    Column("service_id", "text", required=True),
    Column("capacity", "float", required=True, minimum=0),
    Column("occupied", "float", minimum=0),
    Column("max_expansion", "float", minimum=0, default=0.0),
    Column("unit_cost", "float", minimum=0),
    Column("as_of", "date"),
)

DEMAND_COLUMNS = (
    Column("district_id", "text", required=True),
    Column("service_id", "text", required=True),
    Column("period", "period", required=True),
    Column("cases", "int", required=True, minimum=0),
    Column("source", "text", choices=DEMAND_SOURCES),
)

FUNDER_COLUMNS = (
    Column("funder_id", "text", required=True),
    Column("name", "text", required=True),
    Column("budget", "float", required=True, minimum=0),
)

ELIGIBILITY_COLUMNS = (
    Column("funder_id", "text", required=True),
    Column("service_id", "text"),
    Column("agency_kind", "text", choices=AGENCY_KINDS),
)

CSV_FILES: dict[str, tuple[Column, ...]] = {
    "services.csv": SERVICE_COLUMNS,
    "agencies.csv": AGENCY_COLUMNS,
    "capacity.csv": CAPACITY_COLUMNS,
    "demand.csv": DEMAND_COLUMNS,
    "funders.csv": FUNDER_COLUMNS,
    "eligibility.csv": ELIGIBILITY_COLUMNS,
}

DISTRICT_FILES = ("districts.geojson", "districts.gpkg", "districts.shp")


def column_names(columns: tuple[Column, ...]) -> list[str]:
    return [c.name for c in columns]


UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "districts": ("district_id",),
    "services.csv": ("service_id",),
    "agencies.csv": ("agency_id",),
    "capacity.csv": ("agency_id", "service_id", "as_of"),
    "demand.csv": ("district_id", "service_id", "period", "source"),
    "funders.csv": ("funder_id",),
}
"""The columns that identify a row; two rows with the same values are an error."""

OPTIONAL_KEY_COLUMNS = ("as_of", "source")
"""Parts of a key that may be empty: an empty cell is then one value like any other."""
