"""The columns of every file in a city data package (../shared/DATA_PACKAGE.md).

One table here is the single source of truth for the reader, the validator, the writer,
the database import and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "int", "float", "bool", "date", "period"]

AGENCY_KINDS = (
    "ngo",
    "city",
    "county",
    "health",
    "legal",
    "shelter",
    "police",
    "faith",
    "other",
    "labour_inspection",
    "worker_centre",
    "union",
    "immigration_legal",
)
"""The first nine are version 1's; the labour actors (issue 15) are version 2's."""
SEGMENTS = ("women", "men", "youth", "any")
DEMAND_SOURCES = ("hotline", "police", "ngo", "health", "other")
PERIODS = ("month",)
HOTLINE_CHANNELS = ("phone", "sms", "chat", "email", "web", "app")
EXPLOITATION_TYPES = ("labour", "sex", "domestic_servitude", "criminal", "other", "unknown")
ANY_POPULATION = "any"
"""The group of demand that names none, and the only group of a package without
populations.csv; reserved (populations.csv may not define it)."""
UNKNOWN_EXPLOITATION = "unknown"


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
    # version 2: interpretation units one unit consumes across a language barrier
    Column("interpretation_per_unit", "float", minimum=0, default=0.0),
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
    Column("funded", "float", minimum=0),  # version 2: units funded, >= capacity (in service)
    Column("populations", "text"),  # version 2: ';'-separated population_ids accepted ('': all)
)

DEMAND_COLUMNS = (
    Column("district_id", "text", required=True),
    Column("service_id", "text", required=True),
    Column("period", "period", required=True),
    Column("cases", "int", required=True, minimum=0),
    Column("source", "text", choices=DEMAND_SOURCES),
)
"""demand.csv's version-1 columns: the frame `CityPackage.demand` always has."""

DEMAND_GROUP_COLUMN_NAMES = ("population", "language", "exploitation")
"""demand.csv's version-2 columns: rows that differ only in them are separate cells."""

DEMAND_GROUP_COLUMNS = (
    *DEMAND_COLUMNS,
    Column("population", "text", default=ANY_POPULATION),
    Column("language", "text"),
    Column("exploitation", "text", choices=EXPLOITATION_TYPES, default=UNKNOWN_EXPLOITATION),
)
"""demand.csv as read and written (version 2): `CityPackage.demand_groups`' columns."""

FUNDER_COLUMNS = (
    Column("funder_id", "text", required=True),
    Column("name", "text", required=True),
    Column("budget", "float", required=True, minimum=0),
    Column("start", "period"),  # version 2: the first month the money may pay for
    Column("end", "period"),  # version 2: the last month (end >= start)
)

ELIGIBILITY_COLUMNS = (
    Column("funder_id", "text", required=True),
    Column("service_id", "text"),
    Column("agency_kind", "text", choices=AGENCY_KINDS),
)

HOTLINE_COLUMNS = (
    Column("period", "period", required=True),
    Column("channel", "text", required=True, choices=HOTLINE_CHANNELS),
    Column("contacts", "int", required=True, minimum=0),
    Column("district_id", "text"),
    Column("language", "text"),
    Column("exploitation", "text", choices=EXPLOITATION_TYPES),
    Column("referred", "int", minimum=0),
)
"""hotline.csv (version 2): aggregate contacts, never one per person."""

POPULATION_COLUMNS = (
    Column("population_id", "text", required=True),
    Column("name", "text", required=True),
    Column("weight", "float", minimum=0, exclusive_minimum=True, default=1.0),
)
"""populations.csv (version 2): the population groups the city plans for."""

PATHWAY_COLUMNS = (
    Column("from_service", "text", required=True),
    Column("to_service", "text", required=True),
    Column("share", "float", required=True, minimum=0, maximum=1),
    Column("lag_months", "int", minimum=0, default=0),
)
"""pathways.csv (version 2): of the cases served by from_service, `share` go on to need
to_service `lag_months` later. No cycles."""

CITY_SMALL_COUNT_K = "small_count_k"
"""city.json's version-2 key (an integer >= 1, not 2): overrides HAVEN_SMALL_COUNT_K."""
CITY_INTERPRETATION_SERVICE = "interpretation_service"
"""city.json's version-2 key: the service_id of the interpretation service."""

CSV_FILES: dict[str, tuple[Column, ...]] = {
    "services.csv": SERVICE_COLUMNS,
    "agencies.csv": AGENCY_COLUMNS,
    "capacity.csv": CAPACITY_COLUMNS,
    "demand.csv": DEMAND_GROUP_COLUMNS,
    "funders.csv": FUNDER_COLUMNS,
    "eligibility.csv": ELIGIBILITY_COLUMNS,
}

OPTIONAL_CSV_FILES: dict[str, tuple[Column, ...]] = {
    "populations.csv": POPULATION_COLUMNS,
    "pathways.csv": PATHWAY_COLUMNS,
    "hotline.csv": HOTLINE_COLUMNS,
}
"""Files a package may leave out (version 2): without one, its frame is empty."""

DISTRICT_FILES = ("districts.geojson", "districts.gpkg", "districts.shp")


def column_names(columns: tuple[Column, ...]) -> list[str]:
    return [c.name for c in columns]


UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "districts": ("district_id",),
    "services.csv": ("service_id",),
    "agencies.csv": ("agency_id",),
    "capacity.csv": ("agency_id", "service_id", "as_of"),
    "demand.csv": (
        "district_id",
        "service_id",
        "period",
        "source",
        "population",
        "language",
        "exploitation",
    ),
    "funders.csv": ("funder_id",),
    "hotline.csv": ("period", "channel", "district_id", "language", "exploitation"),
    "populations.csv": ("population_id",),
    "pathways.csv": ("from_service", "to_service"),
}
"""The columns that identify a row; two rows with the same values are an error."""

OPTIONAL_KEY_COLUMNS = ("as_of", "source", "population", "language", "exploitation")
"""Parts of a key that may be empty: an empty cell is then one value like any other."""

HOTLINE_OPTIONAL_KEY_COLUMNS = ("district_id", "language", "exploitation")
"""hotline.csv's key parts that may be empty (the city's contacts, any language, unknown)."""
