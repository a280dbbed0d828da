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
- hotline (version 2, optional file): `period, channel, contacts (int), district_id (NaN:
  the city), language (NaN), exploitation (NaN: unknown), referred (NaN: not known)`.
- capacity's `funded` (version 2): units funded (NaN: not said); `capacity` is what is in
  service, and the planner plans on it.
- version 2, people: populations `population_id, name, weight (1)` (empty without
  populations.csv: the only group is `any`); capacity's `populations` (';'-separated
  population_ids the agency accepts for the service, '' = all); services'
  `interpretation_per_unit` (0); city.json's `interpretation_service` (a service_id or None).
  `demand` stays the version-1 frame above, its cases summed over population, language and
  exploitation; `demand_groups` holds the detailed rows `district_id, service_id, period,
  cases, source, population ('any' when empty), language ('' when none), exploitation
  ('unknown' when empty)`, and is empty (same columns) when demand.csv says none of them.
- version 2, flow and time: pathways `from_service, to_service, share, lag_months (0)`
  (empty without pathways.csv); funders' `start`, `end` ('YYYY-MM', NaN: the whole horizon).

Text columns use pandas' string dtype (NaN when empty), ints int64, numbers float64, flags
bool. Which problems are errors and which are warnings, and the exact messages, are in
docs/data-package.md.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely.geometry

from planner import geo
from planner.cells import neutralise
from planner.i18n import t
from planner.package_files import (
    PackageLimits,
    extracted_zip,
    folder_problems,
    shown_name,
    shown_value,
)
from planner.problems import InvalidInput, MoreProblems, Problem
from planner.schema import (
    ANY_POPULATION,
    CITY_FIELDS,
    CITY_INTERPRETATION_SERVICE,
    CITY_SMALL_COUNT_K,
    CSV_FILES,
    DEMAND_COLUMNS,
    DEMAND_GROUP_COLUMN_NAMES,
    DEMAND_GROUP_COLUMNS,
    DISTRICT_COLUMNS,
    DISTRICT_FILES,
    HOTLINE_COLUMNS,
    HOTLINE_OPTIONAL_KEY_COLUMNS,
    OPTIONAL_CSV_FILES,
    OPTIONAL_KEY_COLUMNS,
    PATHWAY_COLUMNS,
    POPULATION_COLUMNS,
    UNIQUE_KEYS,
    UNKNOWN_EXPLOITATION,
    Column,
    column_names,
)
from planner.tables import (
    LINE,
    Table,
    cap_problems,
    duplicate_problems,
    parse_csv,
    person_column_problems,
    read_text,
    unknown_id_problems,
)


@dataclass(frozen=True)
class CityInfo:
    name: str
    currency: str
    period: str = "month"
    country: str | None = None
    notes: str | None = None
    small_count_k: int | None = None
    """Version 2: the city's own small-count threshold (None: HAVEN_SMALL_COUNT_K)."""
    interpretation_service: str | None = None
    """Version 2: the service_id of the interpretation service (None: none is named)."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "currency": self.currency, "period": self.period}
        if self.country:
            data["country"] = self.country
        if self.notes:
            data["notes"] = self.notes
        if self.small_count_k is not None:
            data[CITY_SMALL_COUNT_K] = int(self.small_count_k)
        if self.interpretation_service:
            data[CITY_INTERPRETATION_SERVICE] = self.interpretation_service
        return data


def empty_frame(file: str, columns: tuple[Column, ...]) -> pd.DataFrame:
    """A file's canonical frame with no rows (its columns and dtypes)."""
    header = ",".join(column_names(columns)) + "\n"
    return parse_csv(header, file, columns).frame.drop(columns=LINE)


def empty_hotline() -> pd.DataFrame:
    """The hotline frame of a package without hotline.csv: its columns, no rows."""
    return empty_frame("hotline.csv", HOTLINE_COLUMNS)


def empty_populations() -> pd.DataFrame:
    """The populations frame of a package without populations.csv (the only group: any)."""
    return empty_frame("populations.csv", POPULATION_COLUMNS)


def empty_pathways() -> pd.DataFrame:
    """The pathways frame of a package without pathways.csv."""
    return empty_frame("pathways.csv", PATHWAY_COLUMNS)


DEMAND_GROUP_ORDER = [
    *column_names(DEMAND_COLUMNS),
    *DEMAND_GROUP_COLUMN_NAMES,
]


def empty_demand_groups() -> pd.DataFrame:
    """The demand_groups frame of a package whose demand.csv names no group, language or
    exploitation type."""
    return demand_groups_frame(empty_frame("demand.csv", DEMAND_GROUP_COLUMNS))


def demand_groups_frame(detailed: pd.DataFrame) -> pd.DataFrame:
    """demand.csv's rows with their version-2 cells made canonical: population 'any' when
    empty, language '' when none (ISO 639-1, lower case), exploitation 'unknown' when empty."""
    frame = detailed.copy()
    for name in DEMAND_GROUP_COLUMN_NAMES:
        if name not in frame.columns:
            frame[name] = np.nan
    population = frame["population"].where(frame["population"].notna(), ANY_POPULATION)
    language = frame["language"].where(frame["language"].notna(), "")
    exploitation = frame["exploitation"].where(frame["exploitation"].notna(), UNKNOWN_EXPLOITATION)
    frame["population"] = population.astype("str")
    frame["language"] = language.astype("str").str.strip().str.lower().astype("str")
    frame["exploitation"] = exploitation.astype("str")
    return frame[DEMAND_GROUP_ORDER].reset_index(drop=True)


def has_demand_groups(detailed: pd.DataFrame) -> bool:
    """True when a demand row names a group, a language or an exploitation type (version 2).

    Rows that all leave them empty (or say `any` and `unknown`) are version 1's: summing
    over the three columns changes nothing then.
    """
    if detailed.empty or not any(c in detailed.columns for c in DEMAND_GROUP_COLUMN_NAMES):
        return False
    canonical = demand_groups_frame(detailed)
    named = (
        canonical["population"].ne(ANY_POPULATION)
        | canonical["language"].ne("")
        | canonical["exploitation"].ne(UNKNOWN_EXPLOITATION)
    )
    return bool(named.any())


def split_demand(detailed: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(demand, demand_groups) from demand rows that may carry the version-2 columns.

    `demand` is the version-1 frame, cases summed over population, language and
    exploitation (rows in the order of their first appearance), so that every consumer of
    version 1 reads what it always read; `demand_groups` the detailed rows, or empty when
    no row names a group, a language or an exploitation type.
    """
    v1_names = column_names(DEMAND_COLUMNS)
    if not has_demand_groups(detailed):
        plain = pd.DataFrame(detailed[v1_names]).reset_index(drop=True)
        return plain, empty_demand_groups()
    groups = demand_groups_frame(detailed)
    keys = ["district_id", "service_id", "period", "source"]
    summed = pd.DataFrame(
        groups.groupby(keys, sort=False, dropna=False, as_index=False)["cases"].sum()
    )
    demand = pd.DataFrame(summed[v1_names]).reset_index(drop=True)
    for name in v1_names:
        demand[name] = demand[name].astype(groups[name].dtype)
    return demand, groups


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
    hotline: pd.DataFrame = field(default_factory=empty_hotline)
    """Version 2: aggregate hotline contacts (empty without hotline.csv)."""
    populations: pd.DataFrame = field(default_factory=empty_populations)
    """Version 2: the population groups (empty without populations.csv: only `any`)."""
    demand_groups: pd.DataFrame = field(default_factory=empty_demand_groups)
    """Version 2: demand by population, language and exploitation (empty when demand.csv
    names none of them); `demand` is the same summed over those three."""
    pathways: pd.DataFrame = field(default_factory=empty_pathways)
    """Version 2: referral pathways (empty without pathways.csv)."""

    def __post_init__(self) -> None:
        # A package made in code before version 2 lacks its columns: filled as when read.
        if "funded" not in self.capacity.columns:
            object.__setattr__(self, "capacity", self.capacity.assign(funded=np.nan))
        if "populations" not in self.capacity.columns:
            populations = pd.Series("", index=self.capacity.index, dtype="str")
            object.__setattr__(self, "capacity", self.capacity.assign(populations=populations))
        elif self.capacity["populations"].isna().any():  # NULL in the database: every group
            populations = self.capacity["populations"].fillna("").astype("str")
            object.__setattr__(self, "capacity", self.capacity.assign(populations=populations))
        if "interpretation_per_unit" not in self.services.columns:
            services = self.services.assign(interpretation_per_unit=0.0)
            object.__setattr__(self, "services", services)
        for name in ("start", "end"):
            if name not in self.funders.columns:
                column = pd.Series(np.nan, index=self.funders.index, dtype="str")
                object.__setattr__(self, "funders", self.funders.assign(**{name: column}))
        # Demand made in code with the version-2 columns: split as when read.
        if any(c in self.demand.columns for c in DEMAND_GROUP_COLUMN_NAMES):
            demand, groups = split_demand(self.demand)
            object.__setattr__(self, "demand", demand)
            if self.demand_groups.empty:
                object.__setattr__(self, "demand_groups", groups)

    @property
    def population_ids(self) -> list[str]:
        """The groups the city plans for: populations.csv's ids, or ['any'] without it."""
        if self.populations.empty:
            return [ANY_POPULATION]
        return [str(v) for v in self.populations["population_id"]]

    def current_capacity(self) -> pd.DataFrame:
        """One row per (agency_id, service_id): the newest by `as_of`."""
        cap = self.capacity.copy()
        cap["_order"] = cap["as_of"].astype("string").fillna("")
        cap = cap.sort_values(["agency_id", "service_id", "_order"], kind="stable")
        current = cap.drop_duplicates(["agency_id", "service_id"], keep="last")
        return current.drop(columns="_order").reset_index(drop=True)


PACKAGE_FILES = ("city.json", *DISTRICT_FILES, *CSV_FILES, *OPTIONAL_CSV_FILES)
"""Every file of a package, in the order problems are reported."""

T = TypeVar("T")

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_IGNORED_IN_ZIP = ("__MACOSX",)


def read_package(path: str | Path, *, limits: PackageLimits | None = None) -> CityPackage:
    """Read a package folder or .zip; raise `InvalidInput` with every problem if any is an error.

    With warnings only, the package is returned with them formatted in `warnings`. `limits`
    (default: from the HAVEN_MAX_* settings) bound the package's size before it is read.
    """
    package, problems = _load(Path(path), limits)
    if package is None or any(p.is_error for p in problems):
        raise InvalidInput(problems)
    return replace(package, warnings=tuple(str(p) for p in problems))


def validate_package(path: str | Path, *, limits: PackageLimits | None = None) -> list[Problem]:
    """Every problem of a package folder or .zip, errors and warnings; never raises for bad data.

    Each file's first `HAVEN_MAX_PROBLEMS_PER_FILE` problems are listed, then one
    `MoreProblems` that counts the rest ("and 2,399,950 more problems in services.csv").
    """
    return _load(Path(path), limits)[1]


def write_package(package: CityPackage, out_dir: str | Path) -> Path:
    """Write the package as a folder that `read_package` reads back to the same frames.

    UTF-8, a header row, columns in schema order, empty cells for missing values; the
    districts as RFC 7946 GeoJSON (EPSG:4326, full coordinate precision).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    city_text = json.dumps(package.city.to_dict(), ensure_ascii=False, indent=2)
    (out / "city.json").write_text(city_text + "\n", encoding="utf-8")
    _write_districts(package.districts, out / DISTRICT_FILES[0])
    for file, columns in CSV_FILES.items():
        if file == "demand.csv" and package.demand_groups.empty:
            # a version-1 city's demand.csv has version 1's columns only
            _write_csv(package.demand, DEMAND_COLUMNS, out / file)
        elif file == "demand.csv":
            _write_csv(package.demand_groups, columns, out / file)
        else:
            _write_csv(getattr(package, Path(file).stem), columns, out / file)
    for file, columns in OPTIONAL_CSV_FILES.items():
        frame = getattr(package, Path(file).stem)
        if len(frame):  # a version-1 city exports as a version-1 package
            _write_csv(frame, columns, out / file)
    return out


# --- Reading ----------------------------------------------------------------------------


def _load(
    path: Path, limits: PackageLimits | None = None
) -> tuple[CityPackage | None, list[Problem]]:
    with _package_folder(path, limits or PackageLimits.from_settings()) as (folder, problems):
        if folder is None:
            return None, problems
        package, found = _guarded(path.name, _load_folder, folder)
    return package, cap_problems(sorted([*problems, *found], key=_report_order))


def _report_order(problem: Problem) -> tuple[int, str, bool, int, int]:
    """Files in package order, then lines; a line's problems stay in column order (stable);
    the count of a file's problems not listed comes last."""
    rank = PACKAGE_FILES.index(problem.file) if problem.file in PACKAGE_FILES else -1
    more = isinstance(problem, MoreProblems)
    return (rank, problem.file, more, problem.line or 0, problem.feature or 0)


@contextmanager
def _package_folder(
    path: Path, limits: PackageLimits
) -> Iterator[tuple[Path | None, list[Problem]]]:
    """The folder holding the package's files: `path` itself, or a zip extracted to a temp dir.

    Nothing is parsed when a file breaks the limits or is a link or a device (None then).
    """
    if path.is_dir():
        refused = folder_problems(path, PACKAGE_FILES, limits)
        yield (None if refused else path), refused
        return
    if not path.exists():
        yield None, [Problem(str(path), message=t("no such folder or .zip file"))]
        return
    if not path.is_file() or not zipfile.is_zipfile(path):
        yield None, [Problem(path.name, message=t("is neither a package folder nor a .zip of one"))]
        return
    with extracted_zip(path, limits) as (root, problems):
        if root is None:
            yield None, problems
            return
        folder = _zip_root(root)
        refused = folder_problems(folder, PACKAGE_FILES, limits)
        yield (None if refused else folder), refused


def _zip_root(root: Path) -> Path:
    """The zip's root when it holds the files there, else its one top folder."""
    if any((root / name).exists() for name in PACKAGE_FILES):
        return root
    tops = [
        p for p in root.iterdir() if p.name not in _IGNORED_IN_ZIP and not p.name.startswith(".")
    ]
    if len(tops) == 1 and tops[0].is_dir():
        return tops[0]
    return root


def _load_folder(folder: Path) -> tuple[CityPackage | None, list[Problem]]:
    problems: list[Problem] = []
    city, city_problems = _guarded("city.json", _read_city, folder)
    problems.extend(city_problems)
    district_file, _ = geo.find_district_file(folder)
    district_file_name = district_file.name if district_file else DISTRICT_FILES[0]
    districts, district_problems = _guarded(district_file_name, geo.read_districts, folder)
    problems.extend(district_problems)
    tables: dict[str, Table | None] = {}
    for file, columns in CSV_FILES.items():
        table, read_problems = _guarded(file, _read_table, folder, file, columns)
        tables[file] = table
        problems.extend(read_problems)
        if table is not None:
            key = UNIQUE_KEYS.get(file)
            if key:
                # a version-2 column is part of the key only where the file has it
                key = tuple(
                    k for k in key if k not in DEMAND_GROUP_COLUMN_NAMES or k in table.present
                )
                problems.extend(duplicate_problems(table, key, optional=OPTIONAL_KEY_COLUMNS))
    optional: dict[str, Table | None] = {}
    for file in ("populations.csv", "pathways.csv"):
        optional[file], optional_problems = _read_optional(folder, file)
        problems.extend(optional_problems)
    hotline, hotline_problems = _read_hotline(folder, districts, district_file_name)
    problems.extend(hotline_problems)
    problems.extend(_cross_file_problems(tables, districts, district_file_name))
    problems.extend(_people_problems(tables, optional["populations.csv"]))
    problems.extend(_pathway_problems(optional["pathways.csv"], tables["services.csv"]))
    problems.extend(_funder_window_problems(tables["funders.csv"]))
    if city is not None:
        problems.extend(_city_service_problems(city, tables["services.csv"]))
    agencies = tables["agencies.csv"]
    if agencies is not None:
        agency_problems, agencies_frame = _finish_agencies(agencies, districts, district_file_name)
        problems.extend(agency_problems)
        tables["agencies.csv"] = replace(agencies, frame=agencies_frame)
    capacity = tables["capacity.csv"]
    if capacity is not None:
        tables["capacity.csv"] = replace(capacity, frame=_finish_capacity(capacity.frame))
    problems.extend(_consistency_warnings(tables))
    if city is None or districts is None or any(t is None for t in tables.values()):
        return None, problems
    if any(p.is_error for p in problems):
        return None, problems
    frames = {Path(f).stem: t.frame.drop(columns=LINE) for f, t in tables.items() if t is not None}
    demand, demand_groups = split_demand(frames["demand"])
    populations, pathways = (
        optional[file].frame.drop(columns=LINE).reset_index(drop=True)  # type: ignore[union-attr]
        if optional[file] is not None
        else empty
        for file, empty in (
            ("populations.csv", empty_populations()),
            ("pathways.csv", empty_pathways()),
        )
    )
    package = CityPackage(
        city=city,
        districts=districts.drop(columns=LINE).reset_index(drop=True),
        services=frames["services"],
        agencies=frames["agencies"],
        capacity=frames["capacity"],
        demand=demand,
        funders=frames["funders"],
        eligibility=frames["eligibility"],
        hotline=hotline if hotline is not None else empty_hotline(),
        populations=populations,
        demand_groups=demand_groups,
        pathways=pathways,
    )
    return package, problems


def _read_optional(folder: Path, file: str) -> tuple[Table | None, list[Problem]]:
    """A version-2 file the package may leave out: None (and no problem) when it does."""
    if not (folder / file).exists() and not (folder / file).is_symlink():
        return None, []
    table, problems = _guarded(file, _read_table, folder, file, OPTIONAL_CSV_FILES[file])
    if table is None:
        return None, problems
    problems.extend(duplicate_problems(table, UNIQUE_KEYS[file]))
    return table, problems


def _people_problems(tables: dict[str, Table | None], populations: Table | None) -> list[Problem]:
    """Version 2: populations.csv's ids, and the groups and languages demand.csv and
    capacity.csv name (a group must be one of populations.csv; without the file, none but
    `any` is)."""
    problems: list[Problem] = []
    known = {ANY_POPULATION}
    where = "populations.csv"
    if populations is not None:
        frame = populations.frame
        for value, line in zip(frame["population_id"], frame[LINE], strict=True):
            if value == ANY_POPULATION:
                message = t(
                    "{value} is reserved for demand that names no group; choose another id",
                    value=repr(value),
                )
                problems.append(
                    Problem(where, line=int(line), column="population_id", message=message)
                )
            elif isinstance(value, str) and ";" in value:
                message = t("{value} holds a ';' (it separates ids)", value=repr(value))
                problems.append(
                    Problem(where, line=int(line), column="population_id", message=message)
                )
        known |= {v for v in frame["population_id"].tolist() if isinstance(v, str)}
    demand = tables["demand.csv"]
    if demand is not None:
        frame = demand.frame
        problems.extend(unknown_id_problems(demand, "population", known, "a population", where))
        languages = frame["language"]
        named = languages.notna()
        for value, line in zip(languages[named], frame.loc[named, LINE], strict=True):
            if isinstance(value, str) and not _LANGUAGE.match(value.strip().lower()):
                message = t(
                    "{code} is not an ISO 639-1 language code (2 letters, e.g. en)",
                    code=repr(value),
                )
                problems.append(
                    Problem(demand.file, line=int(line), column="language", message=message)
                )
    capacity = tables["capacity.csv"]
    if capacity is not None:
        frame = capacity.frame
        for value, line in zip(frame["populations"], frame[LINE], strict=True):
            for population_id in _split_ids(value):
                if population_id not in known or population_id == ANY_POPULATION:
                    message = t(
                        "{value} is not {what} in {where_known}",
                        value=repr(population_id),
                        what="a population",
                        where_known=where,
                    )
                    problems.append(
                        Problem(
                            capacity.file, line=int(line), column="populations", message=message
                        )
                    )
    return problems


def _split_ids(value: object) -> list[str]:
    """A ';'-separated cell as its ids (none for an empty cell)."""
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(";") if part.strip()]


def _finish_capacity(frame: pd.DataFrame) -> pd.DataFrame:
    """capacity's populations as ';'-joined ids without spaces or repeats, '' when all are
    accepted."""
    finished = frame.copy()
    joined = [";".join(dict.fromkeys(_split_ids(v))) for v in finished["populations"]]
    finished["populations"] = pd.Series(joined, index=finished.index, dtype="str")
    return finished


def _pathway_problems(pathways: Table | None, services: Table | None) -> list[Problem]:
    """pathways.csv (version 2): services known, the shares leaving one service at most 1,
    and no cycle (the message names it: hotline -> case_management -> hotline)."""
    if pathways is None:
        return []
    file = pathways.file
    frame = pathways.frame
    problems: list[Problem] = []
    service_ids = _known_ids(services, "service_id")
    if service_ids is not None:
        for column in ("from_service", "to_service"):
            problems.extend(
                unknown_id_problems(pathways, column, service_ids, "a service", "services.csv")
            )
    total: dict[str, float] = {}
    last_line: dict[str, int] = {}
    for source, share, line in zip(frame["from_service"], frame["share"], frame[LINE], strict=True):
        if isinstance(source, str) and not pd.isna(share):
            total[source] = total.get(source, 0.0) + float(share)
            last_line[source] = int(line)
    for source, shares in total.items():
        if shares > 1 + 1e-9:
            message = t(
                "the shares of {value} add up to {value2}, above 1",
                value=repr(source),
                value2=_number(round(shares, 6)),
            )
            problems.append(Problem(file, line=last_line[source], column="share", message=message))
    edges: dict[str, list[tuple[str, int]]] = {}
    for source, target, line in zip(
        frame["from_service"], frame["to_service"], frame[LINE], strict=True
    ):
        if isinstance(source, str) and isinstance(target, str):
            edges.setdefault(source, []).append((target, int(line)))
    for cycle, line in _cycles(edges):
        message = t("the pathways form a cycle: {chain}", chain=" -> ".join(cycle))
        problems.append(Problem(file, line=line, column="to_service", message=message))
    return problems


def _cycles(edges: dict[str, list[tuple[str, int]]]) -> list[tuple[list[str], int]]:
    """Each cycle of the pathway graph found by a depth-first search, once, as its chain of
    services (first service repeated at the end) and the line of the edge that closes it."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    found: list[tuple[list[str], int]] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target, line in edges.get(node, []):
            if state.get(target) == 1:
                found.append(([*path[path.index(target) :], target], line))
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def _funder_window_problems(funders: Table | None) -> list[Problem]:
    """funders.csv's start and end (version 2): the window's end not before its start."""
    if funders is None:
        return []
    frame = funders.frame
    problems: list[Problem] = []
    for start, end, line in zip(frame["start"], frame["end"], frame[LINE], strict=True):
        if isinstance(start, str) and isinstance(end, str) and end < start:
            message = t("{value} is before the start {value2}", value=repr(end), value2=repr(start))
            problems.append(Problem(funders.file, line=int(line), column="end", message=message))
    return problems


def _city_service_problems(city: CityInfo, services: Table | None) -> list[Problem]:
    """city.json's interpretation_service must be a service of services.csv."""
    service_ids = _known_ids(services, "service_id")
    name = city.interpretation_service
    if name is None or service_ids is None or name in service_ids:
        return []
    message = t(
        "{value} is not {what} in {where_known}",
        value=repr(name),
        what="a service",
        where_known="services.csv",
    )
    return [Problem("city.json", column=CITY_INTERPRETATION_SERVICE, message=message)]


def _read_hotline(
    folder: Path, districts: gpd.GeoDataFrame | None, district_file: str
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """hotline.csv when the package has it (version 2): every cell checked like the other
    files', its districts known, its languages ISO 639-1, `referred` at most `contacts`."""
    file = "hotline.csv"
    if not (folder / file).exists() and not (folder / file).is_symlink():
        return None, []
    table, problems = _guarded(file, _read_table, folder, file, HOTLINE_COLUMNS)
    if table is None:
        return None, problems
    problems.extend(
        duplicate_problems(table, UNIQUE_KEYS[file], optional=HOTLINE_OPTIONAL_KEY_COLUMNS)
    )
    district_ids = _district_ids(districts)
    if district_ids is not None:
        problems.extend(
            unknown_id_problems(table, "district_id", district_ids, "a district", district_file)
        )
    frame = table.frame
    for value, line in zip(frame["language"], frame[LINE], strict=True):
        if isinstance(value, str) and not _LANGUAGE.match(value):
            message = t(
                "{code} is not an ISO 639-1 language code (2 letters, e.g. en)", code=repr(value)
            )
            problems.append(Problem(file, line=int(line), column="language", message=message))
    over = frame["referred"].astype(float) > frame["contacts"].astype(float)
    for referred, contacts, line in zip(
        frame.loc[over, "referred"], frame.loc[over, "contacts"], frame.loc[over, LINE], strict=True
    ):
        message = t(
            "{value} is above the contacts {value2}",
            value=_number(referred),
            value2=_number(contacts),
        )
        problems.append(Problem(file, line=int(line), column="referred", message=message))
    return frame.drop(columns=LINE).reset_index(drop=True), problems


def _guarded(
    file: str, read: Callable[..., tuple[T, list[Problem]]], *args: Any
) -> tuple[T | None, list[Problem]]:
    """Run one file's reader; an unexpected library error becomes a problem naming the file.

    The readers check everything they know of; this is the net under them, so that no
    pandas, pyogrio or pyproj exception reaches the user as a stack trace.
    """
    try:
        return read(*args)
    except Exception as exc:  # the net must catch whatever a library raises
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, [Problem(file, message=t("cannot be read ({reason})", reason=reason))]


def _read_city(folder: Path) -> tuple[CityInfo | None, list[Problem]]:
    file = "city.json"
    text, problems = read_text(folder / file, file)
    if text is None:
        return None, problems
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            Problem(file, line=exc.lineno, message=t("is not valid JSON ({msg})", msg=exc.msg))
        ]
    if not isinstance(data, dict):
        keys = ", ".join(c.name for c in CITY_FIELDS if c.required)
        return None, [
            Problem(file, message=t("must be a JSON object with the keys {keys}", keys=keys))
        ]
    values: dict[str, str | None] = {}
    for column in CITY_FIELDS:
        value, message = _city_value(data, column)
        if message is not None:
            problems.append(Problem(file, column=column.name, message=message))
        values[column.name] = value
    small_count_k, k_message = _small_count_k(data)
    if k_message is not None:
        problems.append(Problem(file, column=CITY_SMALL_COUNT_K, message=k_message))
    interpretation_service, service_message = _interpretation_service(data)
    if service_message is not None:
        problems.append(Problem(file, column=CITY_INTERPRETATION_SERVICE, message=service_message))
    known = {c.name for c in CITY_FIELDS} | {CITY_SMALL_COUNT_K, CITY_INTERPRETATION_SERVICE}
    for key in data:
        if key not in known:
            problems.append(
                Problem(
                    file,
                    column=shown_name(str(key)),
                    message=t("unknown key (ignored)"),
                    severity="warning",
                )
            )
    if any(p.is_error for p in problems):
        return None, problems
    city = CityInfo(
        name=values["name"] or "",
        currency=values["currency"] or "",
        period=values["period"] or "month",
        country=values["country"],
        notes=values["notes"],
        small_count_k=small_count_k,
        interpretation_service=interpretation_service,
    )
    return city, problems


def _interpretation_service(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """city.json's interpretation_service (version 2): a service_id as text, or absent."""
    value = data.get(CITY_INTERPRETATION_SERVICE)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if not isinstance(value, str):
        return None, t("{value} is not text", value=shown_value(value))
    return value.strip(), None


def _small_count_k(data: dict[str, Any]) -> tuple[int | None, str | None]:
    """city.json's small_count_k (version 2): a whole number >= 1 other than 2, or absent."""
    value = data.get(CITY_SMALL_COUNT_K)
    if value is None:
        return None, None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return None, t("{value} is not a whole number", value=shown_value(value))
    if int(value) < 1:
        return None, t(
            "{value} must be at least 1 (1 turns suppression off)", value=shown_value(value)
        )
    if int(value) == 2:
        return None, t("2 hides nothing (every count of 1 shows as '<2'): use 1, or 3 or more")
    return int(value), None


def _city_value(data: dict[str, Any], column: Column) -> tuple[str | None, str | None]:
    if column.name not in data:
        return None, "required key is missing" if column.required else None
    value = data[column.name]
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        return None, "required value is empty" if column.required else None
    if not isinstance(value, str):
        return None, f"{shown_value(value)} is not text"
    if column.choices is not None and value not in column.choices:
        return None, f"{shown_value(value)} is not one of: {', '.join(column.choices)}"
    if column.name == "currency" and not _CURRENCY.match(value):
        return (
            None,
            f"{shown_value(value)} is not an ISO 4217 currency code (3 capital letters, e.g. USD)",
        )
    return value, None


def _read_table(
    folder: Path, file: str, columns: tuple[Column, ...]
) -> tuple[Table | None, list[Problem]]:
    text, problems = read_text(folder / file, file)
    if text is None:
        return None, problems
    table = parse_csv(text, file, columns)
    return table, person_column_problems(text, table, columns)


def _known_ids(table: Table | None, column: str) -> set[str] | None:
    """The ids a table defines, or None when it cannot tell (file or id column missing)."""
    if table is None or column not in table.present:
        return None
    return {v for v in table.frame[column].tolist() if isinstance(v, str)}


def _district_ids(districts: gpd.GeoDataFrame | None) -> set[str] | None:
    """The district ids, or None when there are none to check against (file or column missing)."""
    if districts is None:
        return None
    ids = {v for v in districts["district_id"].tolist() if isinstance(v, str)}
    return ids or None


def _cross_file_problems(
    tables: dict[str, Table | None], districts: gpd.GeoDataFrame | None, district_file: str
) -> list[Problem]:
    """Ids in one file that another file does not define."""
    district_ids = _district_ids(districts)
    known = {
        "district": (district_ids, district_file),
        "service": (_known_ids(tables["services.csv"], "service_id"), "services.csv"),
        "agency": (_known_ids(tables["agencies.csv"], "agency_id"), "agencies.csv"),
        "funder": (_known_ids(tables["funders.csv"], "funder_id"), "funders.csv"),
    }
    references = (
        ("capacity.csv", "agency_id", "agency"),
        ("capacity.csv", "service_id", "service"),
        ("demand.csv", "district_id", "district"),
        ("demand.csv", "service_id", "service"),
        ("agencies.csv", "district_id", "district"),
        ("eligibility.csv", "funder_id", "funder"),
        ("eligibility.csv", "service_id", "service"),
    )
    problems: list[Problem] = []
    for file, column, what in references:
        table = tables[file]
        ids, where = known[what]
        if table is None or ids is None:
            continue
        article = "an" if what[0] in "aeiou" else "a"
        problems.extend(unknown_id_problems(table, column, ids, f"{article} {what}", where))
    return problems


def _finish_agencies(
    table: Table, districts: gpd.GeoDataFrame | None, district_file: str
) -> tuple[list[Problem], pd.DataFrame]:
    """Languages normalised, confidential defaulted, district_id derived from the point.

    An empty district_id is taken from the district holding the point (an error when the
    point is outside every district). A given district_id is kept even when the point lies
    in another district or outside all of them (a warning): an agency may be filed under
    the district it serves.
    """
    frame = table.frame.copy()
    problems: list[Problem] = []
    languages = []
    for value, line in zip(frame["languages"], frame[LINE], strict=True):
        codes = [c.strip().lower() for c in value.split(";")] if isinstance(value, str) else []
        codes = [c for c in codes if c]
        for code in codes:
            if not _LANGUAGE.match(code):
                message = t(
                    "{code} is not an ISO 639-1 language code (2 letters, e.g. en)", code=repr(code)
                )
                problems.append(
                    Problem(table.file, line=int(line), column="languages", message=message)
                )
        languages.append(";".join(codes))
    frame["languages"] = pd.Series(languages, index=frame.index, dtype="str")
    shelter = frame["kind"].eq("shelter").fillna(False).astype(bool)
    frame["confidential"] = frame["confidential"].where(frame["confidential"].notna(), shelter)
    frame["confidential"] = frame["confidential"].astype(bool)
    if districts is not None and _district_ids(districts) is not None:
        located_problems, district_ids = _locate_agencies(table, frame, districts, district_file)
        problems.extend(located_problems)
        frame["district_id"] = pd.Series(district_ids, index=frame.index, dtype="str")
    return problems, frame


def _locate_agencies(
    table: Table, frame: pd.DataFrame, districts: gpd.GeoDataFrame, district_file: str
) -> tuple[list[Problem], list[object]]:
    lon = frame["lon"].to_numpy(dtype=float)
    lat = frame["lat"].to_numpy(dtype=float)
    has_point = ~(np.isnan(lon) | np.isnan(lat))
    located = geo.locate_points(
        districts, np.where(has_point, lon, 0.0), np.where(has_point, lat, 0.0)
    )
    known = {v for v in districts["district_id"].tolist() if isinstance(v, str)}
    problems: list[Problem] = []
    result: list[object] = []
    rows = zip(frame["district_id"], frame[LINE], lat, lon, located, has_point, strict=True)
    # With a district's geometry missing (already an error) "outside every district" is unknown.
    complete = bool(districts.geometry.notna().all())
    for given, line, y, x, inside, point in rows:
        given_id = given if isinstance(given, str) else None
        result.append(given_id if given_id is not None else (inside if point else None))
        if not point or not complete:
            continue
        where = t("the point ({lat}, {lon})", lat=y, lon=x)
        if given_id is None and inside is None:
            message = t(
                "{where} is outside every district in {district_file}{value}",
                where=where,
                district_file=district_file,
                value=_swap_hint(districts, x, y),
            )
            problems.append(Problem(table.file, line=int(line), column="lat, lon", message=message))
        elif given_id is not None and given_id in known and inside != given_id:
            place = (
                t("outside every district")
                if inside is None
                else t("in district {district}", district=repr(inside))
            )
            message = t(
                "{where} is {place}, not in {given_id}; district_id {given_id} is kept",
                where=where,
                place=place,
                given_id=repr(given_id),
            )
            problems.append(
                Problem(
                    table.file,
                    line=int(line),
                    column="district_id",
                    message=message,
                    severity="warning",
                )
            )
    return problems, result


def _swap_hint(districts: gpd.GeoDataFrame, lon: float, lat: float) -> str:
    if -90 <= lon <= 90 and geo.locate_points(districts, [lat], [lon])[0] is not None:
        return t(" (are lat and lon swapped?)")
    return ""


def _consistency_warnings(tables: dict[str, Table | None]) -> list[Problem]:
    """Data that reads but is probably not what the user meant."""
    problems: list[Problem] = []
    capacity = tables["capacity.csv"]
    if capacity is not None:
        frame = capacity.frame
        below = frame["funded"] < frame["capacity"]
        for funded, cap, line in zip(
            frame.loc[below, "funded"],
            frame.loc[below, "capacity"],
            frame.loc[below, LINE],
            strict=True,
        ):
            message = t(
                "{value} is below the capacity in service {value2} (funded >= capacity)",
                value=_number(funded),
                value2=_number(cap),
            )
            problems.append(
                Problem(capacity.file, line=int(line), column="funded", message=message)
            )
        over = frame["occupied"] > frame["capacity"]
        for occupied, cap, line in zip(
            frame.loc[over, "occupied"],
            frame.loc[over, "capacity"],
            frame.loc[over, LINE],
            strict=True,
        ):
            message = t(
                "{value} is above the capacity {value2}",
                value=_number(occupied),
                value2=_number(cap),
            )
            problems.append(
                Problem(
                    capacity.file,
                    line=int(line),
                    column="occupied",
                    message=message,
                    severity="warning",
                )
            )
    funders, eligibility = tables["funders.csv"], tables["eligibility.csv"]
    eligible = _known_ids(eligibility, "funder_id")
    # A funder with no row in eligibility.csv may pay for anything (docs/model.md, as the
    # optimiser reads it): said as a warning only when other funders are restricted, where
    # a forgotten row is the likelier story.
    if funders is not None and eligible:
        for funder_id, line in zip(funders.frame["funder_id"], funders.frame[LINE], strict=True):
            if isinstance(funder_id, str) and funder_id not in eligible:
                message = t(
                    "{funder_id} has no row in eligibility.csv, so it may pay for any service "
                    "at any agency",
                    funder_id=repr(funder_id),
                )
                problems.append(
                    Problem(
                        funders.file,
                        line=int(line),
                        column="funder_id",
                        message=message,
                        severity="warning",
                    )
                )
    return problems


# --- Writing ----------------------------------------------------------------------------


def _write_districts(districts: gpd.GeoDataFrame, path: Path) -> None:
    frame = districts if districts.crs is None else districts.to_crs(geo.WGS84)
    features = []
    for row, geometry in zip(
        frame[column_names(DISTRICT_COLUMNS)].itertuples(index=False), frame.geometry, strict=True
    ):
        district_id, name, population = row
        properties = {
            "district_id": _json_value(district_id),
            "name": _json_value(name),
            "population": None if pd.isna(population) else int(population),
        }
        features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": None if geometry is None else shapely.geometry.mapping(geometry),
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False) + "\n", encoding="utf-8")


def _json_value(value: object) -> object:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _write_csv(frame: pd.DataFrame, columns: tuple[Column, ...], path: Path) -> None:
    names = column_names(columns)
    empty = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    data = [frame[name] if name in frame.columns else empty for name in names]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        for row in zip(*data, strict=True):
            writer.writerow([_cell(value) for value in row])


def _cell(value: object) -> str:
    """A value as CSV text: empty for missing, true/false, integers without '.0', and text
    that a spreadsheet would run as a formula quoted (`planner.cells.neutralise`; the reader
    takes the quote off again)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if np.isnan(number):
            return ""
        return _number(number)
    if isinstance(value, datetime):  # pandas Timestamps too: a date column read from a database
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(neutralise(str(value)))


def _number(value: float) -> str:
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)
