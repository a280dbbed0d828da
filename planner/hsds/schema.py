"""The HSDS 3.1 tables Haven reads and writes: their names, columns and keys (from the
published schemas), the taxonomies Haven links, and the frames both directions share."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from planner.schema import Column
from planner.tables import LINE

HSDS_VERSION = "3.1"
AGENCY_ID_TYPE = "haven_agency_id"
"""`locations.external_identifier_type` when external_identifier is a Haven agency_id."""

SERVICE_TAXONOMY = "Haven service types"
KIND_TAXONOMY = "Haven agency kinds"
PRIVACY_TAXONOMY = "Haven location privacy"
POPULATION_TAXONOMY = "Haven population groups"
"""Who a service accepts (capacity.csv's `populations`, version 2): one attribute per group,
linking the HSDS service to the group's term (code: its population_id). HSDS 3.x has no
eligibility table (3.0 folded it into attributes); `eligibility_description` says the same
in words for people, and is not read back."""
CONFIDENTIAL, PUBLIC = "confidential", "public"

ID_NAMESPACE = uuid.UUID("6f1c4a52-2d0e-4c4f-9a57-61a8e0b3c7d1")
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
CLOSED_STATUSES = ("inactive", "defunct")

# --- The HSDS tables Haven reads and writes (names and order from the HSDS 3.1 schemas) ---

ORGANIZATIONS = "organizations.csv"
SERVICES = "services.csv"
LOCATIONS = "locations.csv"
SERVICE_AT_LOCATION = "service_at_location.csv"
SERVICE_CAPACITY = "service_capacity.csv"
UNITS = "units.csv"
LANGUAGES = "languages.csv"
ATTRIBUTES = "attributes.csv"
TAXONOMY_TERMS = "taxonomy_terms.csv"
TAXONOMIES = "taxonomies.csv"

TABLE_ALIASES = {SERVICE_AT_LOCATION: ("service_at_locations.csv", "services_at_location.csv")}
"""Other names seen in the wild for a table (older drafts, hand-made exports)."""

HSDS_COLUMNS: dict[str, tuple[Column, ...]] = {
    ORGANIZATIONS: (
        Column("id", "text", required=True),
        Column("name", "text", required=True),
        Column("description", "text"),
    ),
    SERVICES: (
        Column("id", "text", required=True),
        Column("organization_id", "text"),
        Column("name", "text", required=True),
        Column("description", "text"),
        Column("status", "text", choices=("active", "inactive", "defunct", "temporarily closed")),
        Column("eligibility_description", "text"),
    ),
    LOCATIONS: (
        Column("id", "text", required=True),
        Column("location_type", "text", required=True, choices=("physical", "postal", "virtual")),
        Column("url", "text"),
        Column("organization_id", "text"),
        Column("name", "text"),
        Column("description", "text"),
        Column("latitude", "float", minimum=-90, maximum=90),
        Column("longitude", "float", minimum=-180, maximum=180),
        Column("external_identifier", "text"),
        Column("external_identifier_type", "text"),
    ),
    SERVICE_AT_LOCATION: (
        Column("id", "text", required=True),
        Column("service_id", "text", required=True),
        Column("location_id", "text", required=True),
    ),
    SERVICE_CAPACITY: (
        Column("id", "text", required=True),
        Column("service_id", "text", required=True),
        Column("unit_id", "text", required=True),
        Column("available", "float", required=True, minimum=0),
        Column("maximum", "float", minimum=0),
        Column("description", "text"),
        Column("updated", "text", required=True),
    ),
    UNITS: (
        Column("id", "text", required=True),
        Column("name", "text", required=True),
        Column("scheme", "text"),
        Column("identifier", "text"),
        Column("uri", "text"),
    ),
    LANGUAGES: (
        Column("id", "text", required=True),
        Column("service_id", "text"),
        Column("location_id", "text"),
        Column("name", "text"),
        Column("code", "text"),
    ),
    ATTRIBUTES: (
        Column("id", "text", required=True),
        Column("link_id", "text", required=True),
        Column("taxonomy_term_id", "text", required=True),
        Column("link_type", "text"),
        Column("link_entity", "text", required=True),
        Column("value", "text"),
    ),
    TAXONOMY_TERMS: (
        Column("id", "text", required=True),
        Column("code", "text"),
        Column("name", "text", required=True),
        Column("description", "text"),
        Column("parent_id", "text"),
        Column("taxonomy", "text"),
        Column("taxonomy_id", "text"),
    ),
    TAXONOMIES: (
        Column("id", "text", required=True),
        Column("name", "text", required=True),
        Column("description", "text"),
        Column("uri", "text"),
        Column("version", "text"),
    ),
}

REQUIRED_TABLES = (ORGANIZATIONS, SERVICES, LOCATIONS, SERVICE_AT_LOCATION)
FOREIGN_KEYS: tuple[tuple[str, str, str], ...] = (
    (SERVICES, "organization_id", ORGANIZATIONS),
    (LOCATIONS, "organization_id", ORGANIZATIONS),
    (SERVICE_AT_LOCATION, "service_id", SERVICES),
    (SERVICE_AT_LOCATION, "location_id", LOCATIONS),
    (SERVICE_CAPACITY, "service_id", SERVICES),
    (SERVICE_CAPACITY, "unit_id", UNITS),
    (ATTRIBUTES, "taxonomy_term_id", TAXONOMY_TERMS),
    (TAXONOMY_TERMS, "taxonomy_id", TAXONOMIES),
    (LANGUAGES, "location_id", LOCATIONS),
)


# --- Frames shared by reading, merging and writing --------------------------------------

AGENCY_FRAME_COLUMNS = (
    "agency_id",
    "name",
    "kind",
    "lat",
    "lon",
    "district_id",
    "languages",
    "confidential",
)
CAPACITY_FRAME_COLUMNS = (
    "agency_id",
    "service_id",
    "capacity",
    "occupied",
    "max_expansion",
    "unit_cost",
    "as_of",
    "populations",
)
"""`populations` is NaN where HSDS says nothing of who is accepted (the city's own is kept)."""


def record_rows(frame: pd.DataFrame) -> Iterable[Any]:
    """Rows as attribute-access records (Haven's canonical column names are identifiers)."""
    return (SimpleNamespace(**{str(k): v for k, v in r.items()}) for r in frame.to_dict("records"))


def dict_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def parse_datetime(text: str) -> datetime | None:
    """An ISO 8601 date-time (or date) as an aware datetime; naive ones are taken as UTC.

    `as_of` is the date as written (in the publisher's own offset), not converted to UTC.
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def line_rows(frame: pd.DataFrame) -> Iterable[Any]:
    """Rows as named tuples with the source line as `line` (a leading '_' is not a field name)."""
    return frame.rename(columns={LINE: "line"}).itertuples(index=False)


def agency_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(AGENCY_FRAME_COLUMNS))
    for column in ("agency_id", "name", "kind", "district_id", "languages"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), np.nan)
        frame[column] = frame[column].astype("str")
    for column in ("lat", "lon"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["confidential"] = frame["confidential"].astype(bool)
    return frame


def capacity_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(CAPACITY_FRAME_COLUMNS))
    for column in ("agency_id", "service_id", "as_of", "populations"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), np.nan)
        frame[column] = frame[column].astype("str")
    for column in ("capacity", "occupied", "max_expansion", "unit_cost"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame
