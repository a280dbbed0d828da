"""Open Referral HSDS 3.1 interchange: a 211 directory's tables in, Haven agencies and capacity out.

HSDS (the Human Services Data Specification, https://docs.openreferral.org) publishes a
directory as a Tabular Data Package: one CSV per object plus `datapackage.json`. Haven reads
and writes these tables of HSDS 3.1 (the version that added `service_capacity` and `unit`):

    organizations.csv, services.csv, locations.csv, service_at_location.csv,
    service_capacity.csv, units.csv, languages.csv, attributes.csv, taxonomy_terms.csv,
    taxonomies.csv

- `read_hsds(folder, mapping)` turns the tables into Haven's canonical frames
  (`planner.package`): one Haven agency per HSDS location where a mapped service is
  delivered, one capacity row per agency and Haven service. Which HSDS services are which
  Haven service types is said by a mapping file (YAML, docs/hsds.md); services it does not
  map are listed in `HsdsImport.unmapped`, never dropped silently.
- `hsds_to_package(hsds_import, base)` puts those agencies and capacity into a city package
  (districts, demand, funders and eligibility stay the city's) and reads it back with the
  package reader's rules, so the result is importable.
- `write_hsds(package, out_dir)` writes the package's agencies and current capacity as HSDS
  tables. A confidential agency's location goes out without coordinates unless asked
  (`include_confidential_locations=True`): a shelter's address is never published to those
  who may not know it.

Capacity: HSDS `maximum` is Haven's `capacity`, `maximum - available` its `occupied`, and the
date of `updated` its `as_of`. A virtual HSDS location (a hotline, a website) has no place:
its agency is put at the city's representative point and the Haven service it offers should
have no radius (reachable from anywhere); a radius is warned about.
"""

from __future__ import annotations

import csv
import json
import math
import re
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import yaml
from shapely.ops import unary_union

from planner import geo
from planner.i18n import t
from planner.package import CityPackage, read_package, write_package
from planner.problems import InvalidInput, Problem
from planner.schema import AGENCY_KINDS, SERVICE_COLUMNS, Column, column_names
from planner.tables import LINE, Table, convert_frame, duplicate_problems, parse_csv, read_text

HSDS_VERSION = "3.1"
AGENCY_ID_TYPE = "haven_agency_id"
"""`locations.external_identifier_type` when external_identifier is a Haven agency_id."""

SERVICE_TAXONOMY = "Haven service types"
KIND_TAXONOMY = "Haven agency kinds"
PRIVACY_TAXONOMY = "Haven location privacy"
CONFIDENTIAL, PUBLIC = "confidential", "public"

_ID_NAMESPACE = uuid.UUID("6f1c4a52-2d0e-4c4f-9a57-61a8e0b3c7d1")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_CLOSED = ("inactive", "defunct")

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

_ALIASES = {SERVICE_AT_LOCATION: ("service_at_locations.csv", "services_at_location.csv")}
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

_REQUIRED_TABLES = (ORGANIZATIONS, SERVICES, LOCATIONS, SERVICE_AT_LOCATION)
_FOREIGN_KEYS: tuple[tuple[str, str, str], ...] = (
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


# --- The mapping file ---------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceRule:
    """Which HSDS services are the Haven service `haven_service_id`.

    A service matches by its id, else by a taxonomy term code linked to it in attributes.csv,
    else by its name (case-insensitive). `units`, when given, are the HSDS unit names or
    identifiers its capacity may be counted in (case-insensitive).
    """

    haven_service_id: str
    service_ids: tuple[str, ...] = ()
    taxonomy_codes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class HsdsMapping:
    services: tuple[ServiceRule, ...]
    new_services: tuple[dict[str, Any], ...] = ()
    """Haven services to add to the city (the columns of services.csv), for types it lacks."""
    kind_by_organization: Mapping[str, str] = field(default_factory=dict)
    kind_by_taxonomy_code: Mapping[str, str] = field(default_factory=dict)
    default_kind: str = "other"
    source: str = "mapping"
    """The file name the mapping came from, for messages."""


_SERVICE_RULE_KEYS = ("haven", "service_ids", "taxonomy_codes", "names", "units")
_MAPPING_KEYS = ("services", "new_services", "agency_kinds")
_KIND_KEYS = ("default", "organizations", "taxonomy_codes")


def read_mapping(path: str | Path) -> HsdsMapping:
    """Read a mapping file (YAML, docs/hsds.md); raise `InvalidInput` naming every bad entry."""
    file = Path(path).name
    text, problems = read_text(Path(path), file)
    if text is None:
        raise InvalidInput(problems)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or t("cannot be parsed")
        problem = Problem(file, line=line, message=t("is not valid YAML ({reason})", reason=reason))
        raise InvalidInput([problem]) from None
    mapping, problems = _mapping_from_data(data, file)
    if mapping is None or problems:
        raise InvalidInput(problems)
    return mapping


def _mapping_from_data(data: object, file: str) -> tuple[HsdsMapping | None, list[Problem]]:
    if not isinstance(data, dict):
        message = t("must be a YAML mapping with the key 'services'")
        return None, [Problem(file, message=message)]
    problems = [
        Problem(
            file,
            column=str(key),
            message=t("unknown key (known: {known})", known=", ".join(_MAPPING_KEYS)),
        )
        for key in data
        if key not in _MAPPING_KEYS
    ]
    rules: list[ServiceRule] = []
    entries = data.get("services")
    if not isinstance(entries, list) or not entries:
        problems.append(Problem(file, column="services", message=t("must be a non-empty list")))
        entries = []
    for i, entry in enumerate(entries, start=1):
        where = f"services[{i}]"
        if not isinstance(entry, dict):
            problems.append(Problem(file, column=where, message=t("must be a mapping")))
            continue
        for key in entry:
            if key not in _SERVICE_RULE_KEYS:
                message = t(
                    "unknown key {key} (known: {known})",
                    key=repr(key),
                    known=", ".join(_SERVICE_RULE_KEYS),
                )
                problems.append(Problem(file, column=where, message=message))
        haven = entry.get("haven")
        if not isinstance(haven, str) or not haven.strip():
            message = t("must name a service")
            problems.append(Problem(file, column=f"{where}.haven", message=message))
            continue
        lists = {
            key: _text_list(entry.get(key), file, f"{where}.{key}", problems)
            for key in _SERVICE_RULE_KEYS[1:]
        }
        if not (lists["service_ids"] or lists["taxonomy_codes"] or lists["names"]):
            message = t("needs at least one of service_ids, taxonomy_codes, names")
            problems.append(Problem(file, column=where, message=message))
        rules.append(
            ServiceRule(
                haven.strip(),
                lists["service_ids"],
                lists["taxonomy_codes"],
                lists["names"],
                lists["units"],
            )
        )
    new_services = data.get("new_services") or []
    if not isinstance(new_services, list) or not all(isinstance(s, dict) for s in new_services):
        message = t("must be a list of mappings")
        problems.append(Problem(file, column="new_services", message=message))
        new_services = []
    kinds = data.get("agency_kinds") or {}
    if not isinstance(kinds, dict):
        problems.append(Problem(file, column="agency_kinds", message=t("must be a mapping")))
        kinds = {}
    for key in kinds:
        if key not in _KIND_KEYS:
            message = t(
                "unknown key {key} (known: {known})", key=repr(key), known=", ".join(_KIND_KEYS)
            )
            problems.append(Problem(file, column="agency_kinds", message=message))
    default = str(kinds.get("default", "other"))
    if default not in AGENCY_KINDS:
        message = t(
            "{value} is not one of: {allowed}", value=repr(default), allowed=", ".join(AGENCY_KINDS)
        )
        problems.append(Problem(file, column="agency_kinds.default", message=message))
    by_org = _kind_table(kinds.get("organizations"), file, "agency_kinds.organizations", problems)
    by_code = _kind_table(
        kinds.get("taxonomy_codes"), file, "agency_kinds.taxonomy_codes", problems
    )
    mapping = HsdsMapping(
        services=tuple(rules),
        new_services=tuple({str(k): v for k, v in s.items()} for s in new_services),
        kind_by_organization=by_org,
        kind_by_taxonomy_code=by_code,
        default_kind=default,
        source=file,
    )
    return mapping, problems


def _text_list(value: object, file: str, where: str, problems: list[Problem]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
    ):
        message = t("must be a text or a list of texts")
        problems.append(Problem(file, column=where, message=message))
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def _kind_table(value: object, file: str, where: str, problems: list[Problem]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(Problem(file, column=where, message=t("must be a mapping of id to kind")))
        return {}
    table: dict[str, str] = {}
    for key, kind in value.items():
        if str(kind) not in AGENCY_KINDS:
            message = t(
                "{value} (for {key}) is not one of: {allowed}",
                value=repr(kind),
                key=repr(key),
                allowed=", ".join(AGENCY_KINDS),
            )
            problems.append(Problem(file, column=where, message=message))
            continue
        table[str(key)] = str(kind)
    return table


def identity_mapping(package: CityPackage) -> HsdsMapping:
    """The mapping that reads `write_hsds(package)` back: Haven's own taxonomy codes."""
    rules = tuple(
        ServiceRule(sid, taxonomy_codes=(sid,), units=(str(unit),))
        for sid, unit in zip(package.services["service_id"], package.services["unit"], strict=True)
    )
    kinds = {kind: kind for kind in AGENCY_KINDS}
    return HsdsMapping(services=rules, kind_by_taxonomy_code=kinds, source="identity mapping")


def write_mapping(mapping: HsdsMapping, path: str | Path) -> Path:
    """Write a mapping as the YAML file `read_mapping` reads."""
    services = []
    for rule in mapping.services:
        entry: dict[str, Any] = {"haven": rule.haven_service_id}
        for key in _SERVICE_RULE_KEYS[1:]:
            values = getattr(rule, key)
            if values:
                entry[key] = list(values)
        services.append(entry)
    data: dict[str, Any] = {"services": services}
    if mapping.new_services:
        data["new_services"] = [dict(s) for s in mapping.new_services]
    data["agency_kinds"] = {
        "default": mapping.default_kind,
        **(
            {"organizations": dict(mapping.kind_by_organization)}
            if mapping.kind_by_organization
            else {}
        ),
        **(
            {"taxonomy_codes": dict(mapping.kind_by_taxonomy_code)}
            if mapping.kind_by_taxonomy_code
            else {}
        ),
    }
    out = Path(path)
    out.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return out


# --- Reading HSDS -------------------------------------------------------------------------

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
)


@dataclass(frozen=True, eq=False)
class HsdsImport:
    """What a 211 directory's HSDS tables give Haven, before it is put into a city.

    `agencies` and `capacity` are in the canonical form of `planner.package` except that
    `lat`/`lon` are NaN for agencies at a virtual location (`virtual_agency_ids`) and for
    physical locations published without coordinates; `hsds_to_package` places them.
    """

    agencies: pd.DataFrame
    capacity: pd.DataFrame
    services_to_add: pd.DataFrame
    unmapped: list[str]
    problems: list[Problem]
    virtual_agency_ids: frozenset[str] = frozenset()
    mapping_source: str = "mapping"
    virtual_services: frozenset[str] = frozenset()
    """Haven services offered at a virtual location (they should have no radius)."""
    agency_lines: Mapping[str, int] = field(default_factory=dict)
    """The line of locations.csv each agency comes from, for messages."""

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def read_hsds(folder: str | Path, mapping: HsdsMapping | str | Path) -> HsdsImport:
    """Read an HSDS 3.x tabular export (a folder of CSVs) with a mapping to Haven services.

    Never raises for bad data: every bad row is a `Problem` (`file:line: column: message`),
    every HSDS service the mapping does not place is a message in `unmapped`.
    """
    problems: list[Problem] = []
    if not isinstance(mapping, HsdsMapping):
        mapping_path = Path(mapping)
        try:
            mapping = read_mapping(mapping_path)
        except InvalidInput as exc:
            return _empty_import(exc.problems, mapping_path.name)
    root = Path(folder)
    if not root.is_dir():
        return _empty_import([Problem(str(root), message=t("no such folder"))], mapping.source)
    tables = {name: _read_hsds_table(root, name, problems) for name in HSDS_COLUMNS}
    if any(tables[name] is None for name in _REQUIRED_TABLES):
        return _empty_import(problems, mapping.source)
    problems.extend(_key_problems(tables))
    new_services, service_problems = _new_services(mapping)
    problems.extend(service_problems)
    reader = _Reader(tables, mapping, problems)
    agencies, capacity, unmapped, virtual, virtual_services = reader.run()
    lines = {loc.agency_id: loc.line for loc in reader.locations.values()}
    return HsdsImport(
        agencies=agencies,
        capacity=capacity,
        services_to_add=new_services,
        unmapped=unmapped,
        problems=sorted(problems, key=_order),
        virtual_agency_ids=frozenset(virtual),
        mapping_source=mapping.source,
        virtual_services=frozenset(virtual_services),
        agency_lines=lines,
    )


def _order(problem: Problem) -> tuple[str, int, str]:
    return (problem.file, problem.line or 0, problem.column or "")


def _empty_import(problems: list[Problem], source: str) -> HsdsImport:
    return HsdsImport(
        agencies=_agency_frame([]),
        capacity=_capacity_frame([]),
        services_to_add=_empty_services(),
        unmapped=[],
        problems=problems,
        mapping_source=source,
    )


def _read_hsds_table(root: Path, name: str, problems: list[Problem]) -> Table | None:
    path = root / name
    for alias in _ALIASES.get(name, ()):
        if not path.exists() and (root / alias).exists():
            path = root / alias
    if not path.exists():
        if name in _REQUIRED_TABLES:
            problems.append(Problem(name, message=t("file is missing from the HSDS export")))
        return None
    text, read_problems = read_text(path, path.name)
    problems.extend(read_problems)
    if text is None:
        return None
    table = parse_csv(text, path.name, HSDS_COLUMNS[name])
    # HSDS tables have many columns Haven does not use: they are not worth a warning each.
    ignored = t("unknown column (ignored)")  # as planner.tables words it, in this language
    problems.extend(p for p in table.problems if p.message != ignored)
    return table


def _key_problems(tables: dict[str, Table | None]) -> list[Problem]:
    problems: list[Problem] = []
    for table in tables.values():
        if table is not None:
            problems.extend(duplicate_problems(table, ("id",)))
    for file, column, target in _FOREIGN_KEYS:
        table, known = tables[file], tables[target]
        if table is None or column not in table.present:
            continue
        ids = set() if known is None else {v for v in known.frame["id"] if isinstance(v, str)}
        for value, line in zip(table.frame[column], table.frame[LINE], strict=True):
            if isinstance(value, str) and value not in ids:
                message = t("{value} is not an id in {target}", value=repr(value), target=target)
                problems.append(Problem(table.file, line=int(line), column=column, message=message))
    return problems


def _new_services(mapping: HsdsMapping) -> tuple[pd.DataFrame, list[Problem]]:
    if not mapping.new_services:
        return _empty_services(), []
    names = column_names(SERVICE_COLUMNS)
    raw = pd.DataFrame(
        [{k: ("" if s.get(k) is None else s.get(k)) for k in names} for s in mapping.new_services],
        dtype=object,
    )
    problems = [
        Problem(
            mapping.source,
            column=f"new_services[{i}]",
            message=t("unknown key {key}", key=repr(key)),
        )
        for i, entry in enumerate(mapping.new_services, start=1)
        for key in entry
        if key not in names
    ]
    raw[LINE] = np.arange(1, len(raw) + 1, dtype="int64")
    frame, cell_problems = convert_frame(raw, mapping.source, SERVICE_COLUMNS, where="feature")
    for p in cell_problems:
        column = f"new_services[{p.feature}].{p.column}"
        problems.append(Problem(mapping.source, column=column, message=p.message))
    return frame.drop(columns=LINE), problems


def _empty_services() -> pd.DataFrame:
    raw = pd.DataFrame(
        {name: pd.Series([], dtype=object) for name in column_names(SERVICE_COLUMNS)}
    )
    raw[LINE] = pd.Series([], dtype="int64")
    return convert_frame(raw, "services", SERVICE_COLUMNS)[0].drop(columns=LINE)


@dataclass
class _Location:
    id: str
    line: int
    kind: str
    organization_id: str | None
    name: str | None
    lat: float
    lon: float
    agency_id: str


class _Reader:
    """One pass over the HSDS tables: services to Haven types, locations to agencies."""

    def __init__(
        self, tables: dict[str, Table | None], mapping: HsdsMapping, problems: list[Problem]
    ) -> None:
        self.tables = tables
        self.mapping = mapping
        self.problems = problems
        self.terms = self._term_codes()
        self.codes_of = self._linked_codes()
        self.locations: dict[str, _Location] = {}

    def _frame(self, name: str) -> pd.DataFrame:
        table = self.tables[name]
        if table is None:
            columns = [*column_names(HSDS_COLUMNS[name]), LINE]
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        return table.frame

    def _file(self, name: str) -> str:
        table = self.tables[name]
        return name if table is None else table.file

    def _term_codes(self) -> dict[str, str]:
        """taxonomy_term id -> its code (its name when it has no code)."""
        terms = self._frame(TAXONOMY_TERMS)
        result: dict[str, str] = {}
        for term_id, code, name in zip(terms["id"], terms["code"], terms["name"], strict=True):
            if isinstance(term_id, str):
                text = code if isinstance(code, str) else name
                if isinstance(text, str):
                    result[term_id] = text
        return result

    def _linked_codes(self) -> dict[str, list[str]]:
        """linked record id -> the codes of the taxonomy terms attributes.csv links to it."""
        attributes = self._frame(ATTRIBUTES)
        result: dict[str, list[str]] = defaultdict(list)
        for link_id, term_id in zip(
            attributes["link_id"], attributes["taxonomy_term_id"], strict=True
        ):
            if isinstance(link_id, str) and isinstance(term_id, str) and term_id in self.terms:
                result[link_id].append(self.terms[term_id])
        return result

    def run(
        self,
    ) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str], list[str]]:
        services = self._frame(SERVICES)
        organizations = self._frame(ORGANIZATIONS)
        org_names = {
            i: n
            for i, n in zip(organizations["id"], organizations["name"], strict=True)
            if isinstance(i, str)
        }
        locations = self.locations = self._locations()
        at_locations: dict[str, list[str]] = defaultdict(list)
        sal = self._frame(SERVICE_AT_LOCATION)
        for service_id, location_id in zip(sal["service_id"], sal["location_id"], strict=True):
            known = isinstance(service_id, str) and location_id in locations
            if known and location_id not in at_locations[service_id]:
                at_locations[service_id].append(str(location_id))
        by_org: dict[str, list[str]] = defaultdict(list)
        for location in locations.values():
            if location.organization_id:
                by_org[location.organization_id].append(location.id)

        unmapped: list[str] = []
        # (agency_id, haven service) -> capacity pieces; location ids in use; services per loc
        pieces: dict[tuple[str, str], list[tuple[float, float | None, str]]] = defaultdict(list)
        used: dict[str, set[str]] = defaultdict(set)
        offered_virtually: set[str] = set()
        service_file = self._file(SERVICES)
        capacity_rows = self._capacity_by_service()
        for row in _rows(services):
            service_id, line = row.id, int(row.line)
            if not isinstance(service_id, str):
                continue
            label = t(
                "{file}:{line}: service {name} ({service_id})",
                file=service_file,
                line=line,
                name=repr(row.name),
                service_id=service_id,
            )
            rule = self._rule_for(service_id, row.name)
            if rule is None:
                unmapped.append(
                    t(
                        "{label} matches no entry of {mapping}; not imported",
                        label=label,
                        mapping=self.mapping.source,
                    )
                )
                continue
            if row.status in _CLOSED:
                message = t("{status}: service not imported", status=repr(row.status))
                self._warn(service_file, line, "status", message)
                continue
            location_ids = at_locations.get(service_id, [])
            if not location_ids and isinstance(row.organization_id, str):
                location_ids = by_org.get(row.organization_id, [])
                if location_ids:
                    message = t(
                        "has no row in service_at_location.csv; taken to be delivered at its "
                        "organization's locations"
                    )
                    self._warn(service_file, line, "id", message)
            places = [locations[i] for i in location_ids if locations[i].kind != "postal"]
            if not places:
                unmapped.append(
                    t("{label} has no physical or virtual location; not imported", label=label)
                )
                continue
            haven = rule.haven_service_id
            if any(p.kind == "virtual" for p in places):
                offered_virtually.add(haven)
            for place in places:
                used[place.id].add(haven)
            self._capacity_pieces(row, line, rule, places, capacity_rows, pieces)

        agencies = self._agencies(locations, used, org_names)
        capacity = self._capacity(pieces)
        virtual = sorted(locations[i].agency_id for i in used if locations[i].kind == "virtual")
        return agencies, capacity, unmapped, virtual, sorted(offered_virtually)

    def _rule_for(self, service_id: str, name: object) -> ServiceRule | None:
        rules = self.mapping.services
        for rule in rules:
            if service_id in rule.service_ids:
                return rule
        codes = set(self.codes_of.get(service_id, []))
        for rule in rules:
            if codes.intersection(rule.taxonomy_codes):
                return rule
        if isinstance(name, str):
            folded = name.strip().casefold()
            for rule in rules:
                if folded in (n.casefold() for n in rule.names):
                    return rule
        return None

    def _locations(self) -> dict[str, _Location]:
        frame = self._frame(LOCATIONS)
        result: dict[str, _Location] = {}
        file = self._file(LOCATIONS)
        for row in _rows(frame):
            if not isinstance(row.id, str) or not isinstance(row.location_type, str):
                continue
            line = int(row.line)
            lat, lon = float(row.latitude), float(row.longitude)
            if math.isnan(lat) != math.isnan(lon):
                message = t("latitude and longitude must both be given or both be empty")
                self.problems.append(
                    Problem(file, line=line, column="latitude, longitude", message=message)
                )
                lat = lon = math.nan
            agency_id = row.id
            if row.external_identifier_type == AGENCY_ID_TYPE and isinstance(
                row.external_identifier, str
            ):
                agency_id = row.external_identifier
            result[row.id] = _Location(
                id=row.id,
                line=line,
                kind=row.location_type,
                organization_id=row.organization_id
                if isinstance(row.organization_id, str)
                else None,
                name=row.name if isinstance(row.name, str) else None,
                lat=math.nan if row.location_type == "virtual" else lat,
                lon=math.nan if row.location_type == "virtual" else lon,
                agency_id=agency_id,
            )
        return result

    def _capacity_by_service(self) -> dict[str, list[tuple[int, str, float, float, str]]]:
        """HSDS service id -> newest capacity per unit: (line, unit, available, maximum, date)."""
        frame = self._frame(SERVICE_CAPACITY)
        units = self._frame(UNITS)
        unit_names: dict[str, tuple[str, ...]] = {}
        for unit_id, name, identifier in zip(
            units["id"], units["name"], units["identifier"], strict=True
        ):
            if isinstance(unit_id, str):
                unit_names[unit_id] = tuple(
                    str(v) for v in (name, identifier) if isinstance(v, str)
                )
        file = self._file(SERVICE_CAPACITY)
        newest: dict[tuple[str, str], tuple[datetime, int, float, float]] = {}
        for row in _rows(frame):
            line = int(row.line)
            if not isinstance(row.service_id, str) or not isinstance(row.unit_id, str):
                continue
            if math.isnan(float(row.available)) or not isinstance(row.updated, str):
                continue
            stamp = _datetime(row.updated)
            if stamp is None:
                message = t(
                    "{value} is not a date-time (e.g. 2026-01-31T09:00:00Z)",
                    value=repr(row.updated),
                )
                self.problems.append(Problem(file, line=line, column="updated", message=message))
                continue
            key = (row.service_id, row.unit_id)
            if key not in newest or stamp > newest[key][0]:
                newest[key] = (stamp, line, float(row.available), float(row.maximum))
        result: dict[str, list[tuple[int, str, float, float, str]]] = defaultdict(list)
        for (service_id, unit_id), (stamp, line, available, maximum) in sorted(newest.items()):
            names = unit_names.get(unit_id, (unit_id,))
            as_of = stamp.date().isoformat()
            result[service_id].append((line, "|".join(names), available, maximum, as_of))
        return result

    def _capacity_pieces(
        self,
        row: Any,
        line: int,
        rule: ServiceRule,
        places: list[_Location],
        capacity_rows: dict[str, list[tuple[int, str, float, float, str]]],
        pieces: dict[tuple[str, str], list[tuple[float, float | None, str]]],
    ) -> None:
        file = self._file(SERVICE_CAPACITY)
        rows = capacity_rows.get(row.id, [])
        if not rows:
            message = t(
                "no row in {file}: its agencies are imported without capacity for {service}",
                file=SERVICE_CAPACITY,
                service=repr(rule.haven_service_id),
            )
            self._warn(self._file(SERVICES), line, "id", message)
            return
        accepted = {u.casefold() for u in rule.units}
        for cap_line, unit, available, maximum, as_of in rows:
            unit_names = {u.casefold() for u in unit.split("|")}
            if accepted and not accepted & unit_names:
                message = t(
                    "unit {unit} is not one of {units} (the units {mapping} accepts for "
                    "{service}); row not imported",
                    unit=repr(unit.split("|")[0]),
                    units=", ".join(rule.units),
                    mapping=self.mapping.source,
                    service=repr(rule.haven_service_id),
                )
                self._warn(file, cap_line, "unit_id", message)
                continue
            if math.isnan(maximum):
                message = t("maximum is empty: capacity taken to be the available units")
                self._warn(file, cap_line, "maximum", message)
                total, occupied = available, None
            else:
                if available > maximum:
                    message = t(
                        "available {available} is above maximum {maximum}",
                        available=f"{available:g}",
                        maximum=f"{maximum:g}",
                    )
                    self._warn(file, cap_line, "available", message)
                total, occupied = maximum, max(maximum - available, 0.0)
            if len(places) > 1:
                message = t(
                    "service {service} is delivered at {count} locations: its capacity is split "
                    "evenly between them (publish one service per site for exact figures)",
                    service=repr(row.id),
                    count=len(places),
                )
                self._warn(file, cap_line, "service_id", message)
            share = 1.0 / len(places)
            for place in places:
                pieces[(place.agency_id, rule.haven_service_id)].append(
                    (total * share, None if occupied is None else occupied * share, as_of)
                )

    def _agencies(
        self,
        locations: dict[str, _Location],
        used: dict[str, set[str]],
        org_names: dict[str, str],
    ) -> pd.DataFrame:
        languages = self._languages()
        rows: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        file = self._file(LOCATIONS)
        for location_id in sorted(used, key=lambda i: locations[i].line):
            place = locations[location_id]
            if place.agency_id in seen:
                message = t(
                    "{kind} {agency} is also on line {line}",
                    kind=AGENCY_ID_TYPE,
                    agency=repr(place.agency_id),
                    line=seen[place.agency_id],
                )
                self.problems.append(
                    Problem(file, line=place.line, column="external_identifier", message=message)
                )
                continue
            seen[place.agency_id] = place.line
            org_name = org_names.get(place.organization_id or "")
            codes = self.codes_of.get(location_id, [])
            if CONFIDENTIAL in codes:
                confidential: bool | None = True
            elif PUBLIC in codes:
                confidential = False
            else:
                confidential = None
            kind = self._kind(place.organization_id)
            withheld = place.kind == "physical" and math.isnan(place.lat)
            if confidential is None:
                confidential = withheld or kind == "shelter"
            rows.append(
                {
                    "agency_id": place.agency_id,
                    "name": place.name or org_name or place.agency_id,
                    "kind": kind,
                    "lat": place.lat,
                    "lon": place.lon,
                    "district_id": None,
                    "languages": ";".join(languages.get(location_id, [])),
                    "confidential": confidential,
                }
            )
        return _agency_frame(rows)

    def _kind(self, organization_id: str | None) -> str:
        if organization_id is None:
            return self.mapping.default_kind
        if organization_id in self.mapping.kind_by_organization:
            return self.mapping.kind_by_organization[organization_id]
        for code in self.codes_of.get(organization_id, []):
            if code in self.mapping.kind_by_taxonomy_code:
                return self.mapping.kind_by_taxonomy_code[code]
        return self.mapping.default_kind

    def _languages(self) -> dict[str, list[str]]:
        frame = self._frame(LANGUAGES)
        file = self._file(LANGUAGES)
        result: dict[str, list[str]] = defaultdict(list)
        for location_id, code, line in zip(
            frame["location_id"], frame["code"], frame[LINE], strict=True
        ):
            if not isinstance(location_id, str) or not isinstance(code, str):
                continue
            code = code.strip().lower()
            if not _LANGUAGE.match(code):
                message = t(
                    "{code} is not an ISO 639-1 code (2 letters); Haven skips it", code=repr(code)
                )
                self._warn(file, int(line), "code", message)
            elif code not in result[location_id]:
                result[location_id].append(code)
        return result

    def _capacity(
        self, pieces: dict[tuple[str, str], list[tuple[float, float | None, str]]]
    ) -> pd.DataFrame:
        rows = []
        for (agency_id, service_id), parts in sorted(pieces.items()):
            occupied_parts = [o for _t, o, _d in parts]
            rows.append(
                {
                    "agency_id": agency_id,
                    "service_id": service_id,
                    "capacity": sum(total for total, _o, _d in parts),
                    "occupied": None
                    if any(o is None for o in occupied_parts)
                    else sum(o for o in occupied_parts if o is not None),
                    "max_expansion": 0.0,
                    "unit_cost": None,
                    "as_of": max(d for _t, _o, d in parts),
                }
            )
        return _capacity_frame(rows)

    def _warn(self, file: str, line: int, column: str, message: str) -> None:
        self.problems.append(
            Problem(file, line=line, column=column, message=message, severity="warning")
        )


def _records(frame: pd.DataFrame) -> Iterable[Any]:
    """Rows as attribute-access records (Haven's canonical column names are identifiers)."""
    return (SimpleNamespace(**{str(k): v for k, v in r.items()}) for r in frame.to_dict("records"))


def _dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _datetime(text: str) -> datetime | None:
    """An ISO 8601 date-time (or date) as an aware datetime; naive ones are taken as UTC.

    `as_of` is the date as written (in the publisher's own offset), not converted to UTC.
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _rows(frame: pd.DataFrame) -> Iterable[Any]:
    """Rows as named tuples with the source line as `line` (a leading '_' is not a field name)."""
    return frame.rename(columns={LINE: "line"}).itertuples(index=False)


def _agency_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(AGENCY_FRAME_COLUMNS))
    for column in ("agency_id", "name", "kind", "district_id", "languages"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), np.nan)
        frame[column] = frame[column].astype("str")
    for column in ("lat", "lon"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["confidential"] = frame["confidential"].astype(bool)
    return frame


def _capacity_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(CAPACITY_FRAME_COLUMNS))
    for column in ("agency_id", "service_id", "as_of"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), np.nan)
        frame[column] = frame[column].astype("str")
    for column in ("capacity", "occupied", "max_expansion", "unit_cost"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


# --- Into a city package ------------------------------------------------------------------


def hsds_to_package(hsds_import: HsdsImport, base: CityPackage) -> CityPackage:
    """The city `base` with its agencies and capacity replaced by those of `hsds_import`.

    Districts, demand, funders and eligibility stay the city's. Agencies at a virtual
    location are put at the city's representative point; an agency published without
    coordinates keeps those of the city's agency with the same id (or is left out, with a
    warning); an agency outside every district is left out with a warning. max_expansion
    and unit_cost, which HSDS does not carry, are kept from the city's rows for the same
    agency and service. The result is written and read back by the package reader, so it
    is importable; raises `InvalidInput` when the import or the result has errors.
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
    known = {str(a["agency_id"]): a for a in _dicts(base.agencies)}
    rows: list[dict[str, Any]] = []
    for row in _dicts(hsds_import.agencies):
        agency_id = str(row["agency_id"])
        if math.isnan(row["lat"]):
            if agency_id in hsds_import.virtual_agency_ids:
                row["lat"], row["lon"] = round(point.y, 7), round(point.x, 7)
            elif agency_id in known:
                city_agency = known[agency_id]
                row["lat"], row["lon"] = city_agency["lat"], city_agency["lon"]
                row["district_id"] = city_agency["district_id"]
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
    return _agency_frame(kept), dropped, notes


def _with_planning_fields(capacity: pd.DataFrame, base: CityPackage) -> pd.DataFrame:
    current = base.current_capacity()[["agency_id", "service_id", "max_expansion", "unit_cost"]]
    merged = capacity.drop(columns=["max_expansion", "unit_cost"]).merge(
        current, on=["agency_id", "service_id"], how="left"
    )
    merged["max_expansion"] = merged["max_expansion"].fillna(0.0)
    return merged[list(CAPACITY_FRAME_COLUMNS)]


# --- Writing HSDS -------------------------------------------------------------------------

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
    linked by attributes.csv. A confidential agency's location has no coordinates unless
    `include_confidential_locations`. Ids are UUIDs derived from the city and Haven ids, so a
    second export gives the same ids.
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


def _hsds_tables(
    package: CityPackage, include_confidential: bool, stamp: str
) -> dict[str, list[dict[str, Any]]]:
    city = package.city.name

    def ident(*parts: object) -> str:
        return str(uuid.uuid5(_ID_NAMESPACE, "/".join([city, *map(str, parts)])))

    services = package.services.set_index("service_id")
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in HSDS_COLUMNS}
    taxonomies = {
        SERVICE_TAXONOMY: "The service types of Haven's city data package (services.csv).",
        KIND_TAXONOMY: "The kinds of agency of Haven's city data package (agencies.csv).",
        PRIVACY_TAXONOMY: "Whether a location may be shown to the public.",
    }
    for name, description in taxonomies.items():
        tables[TAXONOMIES].append(
            {"id": ident("taxonomy", name), "name": name, "description": description}
        )
    terms: dict[tuple[str, str], str] = {}

    def term(taxonomy: str, code: str, name: str) -> str:
        key = (taxonomy, code)
        if key not in terms:
            terms[key] = ident("term", taxonomy, code)
            tables[TAXONOMY_TERMS].append(
                {
                    "id": terms[key],
                    "code": code,
                    "name": name,
                    "description": f"{taxonomy}: {name}",
                    "taxonomy": taxonomy,
                    "taxonomy_id": ident("taxonomy", taxonomy),
                }
            )
        return terms[key]

    def attribute(link_id: str, entity: str, term_id: str) -> None:
        tables[ATTRIBUTES].append(
            {
                "id": ident("attribute", link_id, term_id),
                "link_id": link_id,
                "taxonomy_term_id": term_id,
                "link_type": "haven",
                "link_entity": entity,
            }
        )

    for service_id, name in zip(
        package.services["service_id"], package.services["name"], strict=True
    ):
        term(SERVICE_TAXONOMY, str(service_id), str(name))
    for agency in _records(package.agencies):
        org_id, loc_id = (
            ident("organization", agency.agency_id),
            ident("location", agency.agency_id),
        )
        tables[ORGANIZATIONS].append(
            {
                "id": org_id,
                "name": agency.name,
                "description": f"{agency.name} ({agency.kind}), from Haven's city data package.",
            }
        )
        attribute(org_id, "organization", term(KIND_TAXONOMY, agency.kind, agency.kind))
        hidden = bool(agency.confidential) and not include_confidential
        tables[LOCATIONS].append(
            {
                "id": loc_id,
                "location_type": "physical",
                "organization_id": org_id,
                "name": agency.name,
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
        attribute(loc_id, "location", term(PRIVACY_TAXONOMY, privacy, privacy))
        codes = (
            [c for c in str(agency.languages).split(";") if c]
            if isinstance(agency.languages, str)
            else []
        )
        for code in codes:
            tables[LANGUAGES].append(
                {
                    "id": ident("language", agency.agency_id, code),
                    "location_id": loc_id,
                    "code": code,
                }
            )
    units: dict[str, str] = {}
    for row in _records(package.current_capacity()):
        service = services.loc[row.service_id]
        hsds_id = ident("service", row.agency_id, row.service_id)
        org_id, loc_id = ident("organization", row.agency_id), ident("location", row.agency_id)
        tables[SERVICES].append(
            {"id": hsds_id, "organization_id": org_id, "name": service["name"], "status": "active"}
        )
        attribute(hsds_id, "service", terms[(SERVICE_TAXONOMY, str(row.service_id))])
        tables[SERVICE_AT_LOCATION].append(
            {
                "id": ident("service_at_location", row.agency_id, row.service_id),
                "service_id": hsds_id,
                "location_id": loc_id,
            }
        )
        unit = str(service["unit"])
        if unit not in units:
            units[unit] = ident("unit", unit)
            tables[UNITS].append(
                {"id": units[unit], "name": unit, "scheme": "haven", "identifier": unit}
            )
        occupied = 0.0 if pd.isna(row.occupied) else float(row.occupied)
        tables[SERVICE_CAPACITY].append(
            {
                "id": ident("service_capacity", row.agency_id, row.service_id),
                "service_id": hsds_id,
                "unit_id": units[unit],
                "available": max(float(row.capacity) - occupied, 0.0),
                "maximum": float(row.capacity),
                "description": f"{service['name']} ({unit} per month)",
                "updated": f"{row.as_of}T00:00:00Z" if isinstance(row.as_of, str) else stamp,
            }
        )
    return tables


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
    return str(value)


def _datapackage(package: CityPackage) -> dict[str, Any]:
    """The Tabular Data Package descriptor of the tables Haven writes (HSDS 3.1 names)."""
    foreign: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for file, key, target in _FOREIGN_KEYS:
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
        "title": f"{package.city.name}: agencies and capacity (HSDS {HSDS_VERSION})",
        "profile": "tabular-data-package",
        "version": HSDS_VERSION,
        "homepage": "https://docs.openreferral.org",
        "resources": resources,
    }
