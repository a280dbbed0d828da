"""Reading HSDS: a 211 directory's tables as Haven agencies and capacity (`read_hsds`).

Never raises for bad data: every bad row is a `Problem` naming its file, line and column;
every HSDS service the mapping does not place is listed in `HsdsImport.unmapped`."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.hsds.mapping import HsdsMapping, ServiceRule, read_mapping
from planner.hsds.schema import (
    AGENCY_ID_TYPE,
    ATTRIBUTES,
    CLOSED_STATUSES,
    CONFIDENTIAL,
    FOREIGN_KEYS,
    HSDS_COLUMNS,
    LANGUAGE_CODE,
    LANGUAGES,
    LOCATIONS,
    ORGANIZATIONS,
    POPULATION_TAXONOMY,
    PUBLIC,
    REQUIRED_TABLES,
    SERVICE_AT_LOCATION,
    SERVICE_CAPACITY,
    SERVICES,
    TABLE_ALIASES,
    TAXONOMIES,
    TAXONOMY_TERMS,
    UNITS,
    agency_frame,
    capacity_frame,
    line_rows,
    parse_datetime,
)
from planner.i18n import t
from planner.problems import InvalidInput, Problem
from planner.schema import SERVICE_COLUMNS, column_names
from planner.tables import LINE, Table, convert_frame, duplicate_problems, parse_csv, read_text

# --- Reading HSDS -------------------------------------------------------------------------


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
    if any(tables[name] is None for name in REQUIRED_TABLES):
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
        agencies=agency_frame([]),
        capacity=capacity_frame([]),
        services_to_add=_empty_services(),
        unmapped=[],
        problems=problems,
        mapping_source=source,
    )


def _read_hsds_table(root: Path, name: str, problems: list[Problem]) -> Table | None:
    path = root / name
    for alias in TABLE_ALIASES.get(name, ()):
        if not path.exists() and (root / alias).exists():
            path = root / alias
    if not path.exists():
        if name in REQUIRED_TABLES:
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
    for file, column, target in FOREIGN_KEYS:
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
        self.accepted_by_service = self._accepted_populations()
        self.locations: dict[str, _Location] = {}
        self.accepted: dict[tuple[str, str], list[list[str] | None]] = defaultdict(list)
        """(agency_id, Haven service) -> per HSDS service placed there, the groups it
        accepts (None: it says nothing)."""
        self.service_languages: dict[str, list[str]] = defaultdict(list)
        """location id -> languages of the services delivered there (language.service_id)."""

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

    def _accepted_populations(self) -> dict[str, list[str]]:
        """HSDS service id -> the population_ids its attributes link it to in the
        `POPULATION_TAXONOMY` taxonomy (by the term's taxonomy name or its taxonomy_id)."""
        terms = self._frame(TAXONOMY_TERMS)
        taxonomies = self._frame(TAXONOMIES)
        taxonomy_ids = {
            i
            for i, n in zip(taxonomies["id"], taxonomies["name"], strict=True)
            if n == POPULATION_TAXONOMY
        }
        population_terms = {
            term_id: code
            for term_id, code, taxonomy, taxonomy_id in zip(
                terms["id"], terms["code"], terms["taxonomy"], terms["taxonomy_id"], strict=True
            )
            if isinstance(term_id, str)
            and isinstance(code, str)
            and (taxonomy == POPULATION_TAXONOMY or taxonomy_id in taxonomy_ids)
        }
        attributes = self._frame(ATTRIBUTES)
        result: dict[str, list[str]] = defaultdict(list)
        for link_id, term_id in zip(
            attributes["link_id"], attributes["taxonomy_term_id"], strict=True
        ):
            code = population_terms.get(term_id) if isinstance(term_id, str) else None
            if isinstance(link_id, str) and code is not None and code not in result[link_id]:
                result[link_id].append(code)
        return result

    def run(
        self,
    ) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str], list[str]]:
        organizations = self._frame(ORGANIZATIONS)
        org_names = {
            i: n
            for i, n in zip(organizations["id"], organizations["name"], strict=True)
            if isinstance(i, str)
        }
        locations = self.locations = self._locations()
        at_locations, by_org = self._delivery_sites(locations)
        unmapped: list[str] = []
        # (agency_id, haven service) -> capacity pieces; location ids in use; services per loc
        pieces: dict[tuple[str, str], list[tuple[float, float | None, str]]] = defaultdict(list)
        used: dict[str, set[str]] = defaultdict(set)
        offered_virtually: set[str] = set()
        capacity_rows = self._capacity_by_service()
        service_languages = self._languages("service_id")
        for row in line_rows(self._frame(SERVICES)):
            placed = self._placed_service(row, at_locations, by_org, unmapped)
            if placed is None:
                continue
            rule, places = placed
            haven = rule.haven_service_id
            if any(p.kind == "virtual" for p in places):
                offered_virtually.add(haven)
            for place in places:
                used[place.id].add(haven)
                accepted = self.accepted_by_service.get(row.id)
                self.accepted[(place.agency_id, haven)].append(accepted)
                for code in service_languages.get(row.id, []):
                    if code not in self.service_languages[place.id]:
                        self.service_languages[place.id].append(code)
            self._capacity_pieces(row, int(row.line), rule, places, capacity_rows, pieces)

        agencies = self._agencies(locations, used, org_names)
        capacity = self._capacity(pieces)
        virtual = sorted(locations[i].agency_id for i in used if locations[i].kind == "virtual")
        return agencies, capacity, unmapped, virtual, sorted(offered_virtually)

    def _delivery_sites(
        self, locations: dict[str, _Location]
    ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """HSDS service id -> its locations (service_at_location.csv), and organization id
        -> its locations (where a service without such rows is taken to be delivered)."""
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
        return at_locations, by_org

    def _placed_service(
        self,
        row: Any,
        at_locations: dict[str, list[str]],
        by_org: dict[str, list[str]],
        unmapped: list[str],
    ) -> tuple[ServiceRule, list[_Location]] | None:
        """An HSDS service's Haven rule and the places it is delivered, or None when it is
        not imported (unmapped, closed, or nowhere physical or virtual)."""
        service_id, line = row.id, int(row.line)
        if not isinstance(service_id, str):
            return None
        service_file = self._file(SERVICES)
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
            return None
        if row.status in CLOSED_STATUSES:
            message = t("{status}: service not imported", status=repr(row.status))
            self._warn(service_file, line, "status", message)
            return None
        location_ids = at_locations.get(service_id, [])
        if not location_ids and isinstance(row.organization_id, str):
            location_ids = by_org.get(row.organization_id, [])
            if location_ids:
                message = t(
                    "has no row in service_at_location.csv; taken to be delivered at its "
                    "organization's locations"
                )
                self._warn(service_file, line, "id", message)
        places = [self.locations[i] for i in location_ids if self.locations[i].kind != "postal"]
        if not places:
            unmapped.append(
                t("{label} has no physical or virtual location; not imported", label=label)
            )
            return None
        return rule, places

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
        for row in line_rows(frame):
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
        for row in line_rows(frame):
            line = int(row.line)
            if not isinstance(row.service_id, str) or not isinstance(row.unit_id, str):
                continue
            if math.isnan(float(row.available)) or not isinstance(row.updated, str):
                continue
            stamp = parse_datetime(row.updated)
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
        languages = self._languages("location_id")
        for location_id, codes in self.service_languages.items():
            spoken = languages[location_id]
            spoken.extend(code for code in codes if code not in spoken)
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
        return agency_frame(rows)

    def _kind(self, organization_id: str | None) -> str:
        if organization_id is None:
            return self.mapping.default_kind
        if organization_id in self.mapping.kind_by_organization:
            return self.mapping.kind_by_organization[organization_id]
        for code in self.codes_of.get(organization_id, []):
            if code in self.mapping.kind_by_taxonomy_code:
                return self.mapping.kind_by_taxonomy_code[code]
        return self.mapping.default_kind

    def _languages(self, column: str) -> dict[str, list[str]]:
        """Location (or service) id -> the ISO 639-1 codes of its rows in languages.csv.

        A language row names a location, a service or both; a service's languages become
        those of the agencies where it is delivered. A bad code is warned about by the pass
        that reads its row.
        """
        frame = self._frame(LANGUAGES)
        file = self._file(LANGUAGES)
        result: dict[str, list[str]] = defaultdict(list)
        for linked_id, location_id, code, line in zip(
            frame[column], frame["location_id"], frame["code"], frame[LINE], strict=True
        ):
            if not isinstance(linked_id, str) or not isinstance(code, str):
                continue
            if column == "service_id" and isinstance(location_id, str):
                continue  # a location's row: read by the location pass
            code = code.strip().lower()
            if not LANGUAGE_CODE.match(code):
                message = t(
                    "{code} is not an ISO 639-1 code (2 letters); Haven skips it", code=repr(code)
                )
                self._warn(file, int(line), "code", message)
            elif code not in result[linked_id]:
                result[linked_id].append(code)
        return result

    def _populations(self, agency_id: str, service_id: str) -> str | None:
        """Who the agency accepts for the Haven service: the union of what its HSDS services
        say, '' (everyone) when one of them says everyone is, None when none says anything."""
        said = self.accepted.get((agency_id, service_id), [])
        if not said or all(groups is None for groups in said):
            return None
        union: list[str] = []
        for groups in said:
            if groups is None:
                return ""
            union.extend(code for code in groups if code not in union)
        return ";".join(union)

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
                    "populations": self._populations(agency_id, service_id),
                }
            )
        return capacity_frame(rows)

    def _warn(self, file: str, line: int, column: str, message: str) -> None:
        self.problems.append(
            Problem(file, line=line, column=column, message=message, severity="warning")
        )
