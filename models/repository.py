"""Cities and their data packages in the database: import, load, list, capacity updates.

Every function takes the session first and everything else by keyword, and writes into the
session's current transaction without committing: the caller decides (`session_scope`
commits when its block ends). Package rows go in as bulk inserts of plain dicts (one
executemany per table), never as one ORM object per row.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.errors import (
    CityExists,
    ConcurrentEdit,
    ImportFailed,
    InvalidRecord,
    UnknownAgency,
    UnknownCity,
    UnknownService,
)
from models.frames import (
    GEOMETRY,
    district_geometries_wgs84,
    districts_frame,
    frame_records,
    geometry_to_geojson,
    rows_frame,
)
from models.tables import (
    Agency,
    Capacity,
    CapacityArchive,
    CapacityPublic,
    City,
    DemandObservation,
    District,
    Eligibility,
    Funder,
    HotlineContact,
    Pathway,
    Population,
    Service,
    StoredModel,
    stored_id,
)
from planner.i18n import t
from planner.package import CityInfo, CityPackage
from planner.schema import (
    AGENCY_COLUMNS,
    ANY_POPULATION,
    CAPACITY_COLUMNS,
    DEMAND_GROUP_COLUMNS,
    DISTRICT_COLUMNS,
    ELIGIBILITY_COLUMNS,
    FUNDER_COLUMNS,
    HOTLINE_COLUMNS,
    PATHWAY_COLUMNS,
    POPULATION_COLUMNS,
    SERVICE_COLUMNS,
    UNKNOWN_EXPLOITATION,
    Column,
)

IMPORT_RECORDED_BY = "package import"
"""`recorded_by` of the capacity rows that came in with a package."""


@dataclass(frozen=True)
class PackagePart:
    """One frame of a `CityPackage`, the table that stores it, its key and its references.

    `key` and `references` mirror the table's unique constraint and foreign keys; they are
    used only to explain, row by row, why the database refused an import.
    """

    frame: str
    model: type[StoredModel]
    columns: tuple[Column, ...]
    file: str
    key: tuple[str, ...]
    references: tuple[tuple[str, str], ...] = ()
    """(column, parent frame): the column names an id of the parent."""

    @property
    def table(self) -> Table:
        return table_of(self.model)

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        """The schema's columns that the table stores (all of them once migrated)."""
        return tuple(c for c in self.columns if c.name in self.table.c)


PACKAGE_PARTS = (
    PackagePart("districts", District, DISTRICT_COLUMNS, "districts.geojson", ("district_id",)),
    PackagePart("services", Service, SERVICE_COLUMNS, "services.csv", ("service_id",)),
    PackagePart(
        "agencies",
        Agency,
        AGENCY_COLUMNS,
        "agencies.csv",
        ("agency_id",),
        (("district_id", "districts"),),
    ),
    PackagePart("funders", Funder, FUNDER_COLUMNS, "funders.csv", ("funder_id",)),
    PackagePart(
        "capacity",
        Capacity,
        CAPACITY_COLUMNS,
        "capacity.csv",
        ("agency_id", "service_id", "as_of"),
        (("agency_id", "agencies"), ("service_id", "services")),
    ),
    PackagePart(
        "demand",
        DemandObservation,
        DEMAND_GROUP_COLUMNS,
        "demand.csv",
        ("district_id", "service_id", "period", "source", "population", "language", "exploitation"),
        (("district_id", "districts"), ("service_id", "services")),
    ),
    PackagePart(
        "eligibility",
        Eligibility,
        ELIGIBILITY_COLUMNS,
        "eligibility.csv",
        ("funder_id", "service_id", "agency_kind"),
        (("funder_id", "funders"), ("service_id", "services")),
    ),
    PackagePart(
        "hotline",
        HotlineContact,
        HOTLINE_COLUMNS,
        "hotline.csv",
        ("period", "channel", "district_id", "language", "exploitation"),
        (("district_id", "districts"),),
    ),
    PackagePart(
        "populations", Population, POPULATION_COLUMNS, "populations.csv", ("population_id",)
    ),
    PackagePart(
        "pathways",
        Pathway,
        PATHWAY_COLUMNS,
        "pathways.csv",
        ("from_service", "to_service"),
        (("from_service", "services"), ("to_service", "services")),
    ),
)
"""Parents before children: the order of inserts (and, reversed, of deletes)."""

OPTIONAL_FRAMES = ("hotline", "populations", "pathways")
"""Frames of files a package may leave out: counted in an import's summary when given."""

_PARTS_BY_FRAME = {part.frame: part for part in PACKAGE_PARTS}


@dataclass(frozen=True)
class ImportSummary:
    """What `import_package` did: rows inserted per table, and whether a city was replaced."""

    city: str
    counts: dict[str, int]
    replaced: bool


def table_of(model: type[StoredModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


# --- cities ---------------------------------------------------------------------------------


def list_cities(session: Session) -> list[str]:
    """The names of the cities in the database, sorted."""
    return sorted(session.exec(select(City.name)).all())


def database_is_empty(session: Session) -> bool:
    """True when no city is stored (also before the first migration has run)."""
    if not sa.inspect(session.connection()).has_table(table_of(City).name):
        return True
    return session.exec(select(City.id).limit(1)).first() is None


def data_version(session: Session, *, city_name: str) -> str:
    """A short text that changes with every write to the city's package data.

    Cheap (one row read), meant as a cache key: an import, a replace and a capacity update
    change it; saving scenarios and plan runs does not.
    """
    city = find_city(session, city_name=city_name)
    return f"{city.id}.{city.data_version}"


def _bump_data_version(
    session: Session, city: City, *, expected_version: str | None = None, what: str = ""
) -> None:
    """Add one to the city's data_version: do it first in a write that must be serialised.

    In SQL, not in Python, so that concurrent writers all count. The UPDATE also locks the
    city row until the transaction ends (PostgreSQL; SQLite locks the whole database), so
    writes to one city's data queue up instead of interleaving. With `expected_version`
    (what `data_version` returned when the caller read the data) the UPDATE matches only if
    the version is still that one, checked under the lock: else `ConcurrentEdit`, naming
    `what` was refused.
    """
    statement = (
        sa.update(City)
        .where(col(City.id) == city.id)
        .values(data_version=col(City.data_version) + 1)
    )
    if expected_version is not None:
        expected = _version_number(city, expected_version)
        statement = statement.where(col(City.data_version) == expected)
    result = session.exec(statement)
    session.expire(city, ["data_version"])
    if result.rowcount != 1:
        raise ConcurrentEdit(
            what or t("the change"),
            city_name=city.name,
            expected=str(expected_version),
            current=data_version(session, city_name=city.name),
        )


def _version_number(city: City, version: str) -> int:
    """The counter of a `data_version` text of this city (-1, matching none, if another's)."""
    if not isinstance(version, str):
        raise InvalidRecord(
            t(
                "expected_version: {version} is not a version from data_version",
                version=repr(version),
            )
        )
    city_id, _, number = version.partition(".")
    if not number.isdigit() or not city_id.isdigit():
        raise InvalidRecord(
            t(
                "expected_version: {version} is not a version from data_version",
                version=repr(version),
            )
        )
    return int(number) if int(city_id) == city.id else -1


def lock_city(session: Session, city: City) -> None:
    """Hold the city's row lock until the transaction ends, to serialise writes to the city.

    `SELECT ... FOR NO KEY UPDATE` on PostgreSQL: it waits for (and makes wait) the other
    writers of the city, but not inserts of rows that refer to the city. SQLite has no row
    locks and ignores it; there a writer holds the whole database from its first write.
    """
    query = select(City.id).where(col(City.id) == city.id).with_for_update(key_share=True)
    session.exec(query).one()


def find_city(session: Session, *, city_name: str) -> City:
    """The city of that name, or `UnknownCity` listing the known ones."""
    city = session.exec(select(City).where(col(City.name) == city_name)).first()
    if city is None:
        raise UnknownCity(city_name, list_cities(session))
    return city


# --- packages -------------------------------------------------------------------------------


def import_package(
    session: Session,
    package: CityPackage,
    *,
    replace: bool = False,
    recorded_by: str = IMPORT_RECORDED_BY,
) -> ImportSummary:
    """Store a city's data package, all or nothing.

    A city whose name is already stored raises `CityExists` unless `replace` is true; then
    its package rows (districts, services, agencies, capacity with its history, demand,
    funders, eligibility) are deleted and the new ones inserted in the same transaction,
    and its city row is updated in place. Its scenarios and plan runs are kept, still
    linked to the city; capacity updates recorded since the package was made are replaced
    by the package's capacity rows, like every other row. Other cities are untouched.

    On any error the session is rolled back, so nothing of the import stays; rows the
    database refuses (an unknown id, a repeated key, an empty required value, a negative
    number) raise `ImportFailed` naming the file and the rows at fault. The database is the
    last line of defence, not the validator: it sees no repeated key in which a part is
    empty (SQL's NULLs are all distinct), which `read_package` reports.
    """
    try:
        return _import_package(session, package, replace=replace, recorded_by=recorded_by)
    except BaseException:
        session.rollback()
        raise


def _import_package(
    session: Session, package: CityPackage, *, replace: bool, recorded_by: str
) -> ImportSummary:
    info = package.city
    # Locked (PostgreSQL) so that a replace waits for, and makes wait, the city's updates.
    query = select(City).where(col(City.name) == info.name).with_for_update(key_share=True)
    city = session.exec(query).first()
    replaced = city is not None
    if city is None:
        city = City(**_city_fields(info))
    elif not replace:
        raise CityExists(info.name)
    else:
        _archive_capacity(session.connection(), city_id=city.id, archived_by=recorded_by)
        _delete_package_rows(session.connection(), city_id=city.id)
        for name, value in _city_fields(info).items():
            setattr(city, name, value)
    session.add(city)
    _flush(session, file="city.json", city_name=info.name)
    city_id = stored_id(city)
    if replaced:
        _bump_data_version(session, city)

    connection = session.connection()
    counts: dict[str, int] = {}
    for part in PACKAGE_PARTS:
        records = _package_records(package, part, city_id=city_id, recorded_by=recorded_by)
        if records:
            try:
                connection.execute(sa.insert(part.table), records)
            except IntegrityError as exc:
                details = _refused_rows(package, part)
                raise _refused(exc, file=part.file, city_name=info.name, details=details) from exc
        if records or part.frame not in OPTIONAL_FRAMES:  # an optional file: when given
            counts[part.table.name] = len(records)
    return ImportSummary(city=info.name, counts=counts, replaced=replaced)


def _city_fields(info: CityInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "currency": info.currency,
        "period": info.period,
        "country": info.country or None,
        "notes": info.notes or None,
        "small_count_k": info.small_count_k,
        "interpretation_service": info.interpretation_service or None,
    }


def _archive_capacity(connection: Connection, *, city_id: int | None, archived_by: str) -> None:
    """Copy the city's capacity rows into `capacity_archive` before a replace deletes them:
    every earlier figure stays with its as_of (`capacity_history` reads both)."""
    live = table_of(Capacity)
    archive = table_of(CapacityArchive)
    copied = [c.name for c in live.c if c.name != "id"]
    rows = connection.execute(
        sa.select(*[live.c[name] for name in copied]).where(live.c.city_id == city_id)
    ).all()
    if rows:
        archived_at = datetime.now(UTC)
        records = [
            {
                **dict(zip(copied, row, strict=True)),
                "archived_at": archived_at,
                "archived_by": archived_by,
            }
            for row in rows
        ]
        connection.execute(sa.insert(archive), records)


def _delete_package_rows(connection: Connection, *, city_id: int | None) -> None:
    for part in reversed(PACKAGE_PARTS):
        connection.execute(sa.delete(part.table).where(part.table.c.city_id == city_id))


def _part_frame(package: CityPackage, part: PackagePart) -> pd.DataFrame:
    """The frame a table stores: demand by group when the package has it, else the
    package's frame of that name."""
    if part.frame == "demand" and not package.demand_groups.empty:
        return package.demand_groups
    frame: pd.DataFrame = getattr(package, part.frame)
    return frame


DEMAND_GROUP_DEFAULTS = {
    "population": ANY_POPULATION,
    "language": "",
    "exploitation": UNKNOWN_EXPLOITATION,
}
"""What demand_observation holds where a row names no group, language or exploitation
(never NULL, so that its unique key holds)."""


def _package_records(
    package: CityPackage, part: PackagePart, *, city_id: int, recorded_by: str
) -> list[dict[str, Any]]:
    frame = _part_frame(package, part)
    records = frame_records(frame, part.stored_columns, file=part.file, city_id=city_id)
    if part.frame == "districts":
        geometries = district_geometries_wgs84(frame)
        for record, geometry in zip(records, geometries, strict=True):
            record[GEOMETRY] = geometry_to_geojson(geometry)
    elif part.frame == "capacity":
        recorded_at = datetime.now(UTC)
        for record in records:
            record["recorded_at"] = recorded_at
            record["recorded_by"] = recorded_by
            record["populations"] = record.get("populations") or None  # '': every group
    elif part.frame == "demand":
        for record in records:
            for name, default in DEMAND_GROUP_DEFAULTS.items():
                record[name] = record.get(name) or default
    return records


def _flush(session: Session, *, file: str, city_name: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise _refused(exc, file=file, city_name=city_name) from exc


def _refused(
    exc: IntegrityError, *, file: str, city_name: str, details: Sequence[str] = ()
) -> ImportFailed:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    lines = [
        t(
            "{file}: the database refused the rows of {city} ({reason}); nothing was imported",
            file=file,
            city=repr(city_name),
            reason=reason,
        )
    ]
    shown = list(details[:MAX_REFUSED_ROWS])
    lines.extend(f"  {line}" for line in shown)
    if len(details) > len(shown):
        lines.append("  " + t("... and {count} more", count=len(details) - len(shown)))
    return ImportFailed("\n".join(lines))


MAX_REFUSED_ROWS = 10


def _refused_rows(package: CityPackage, part: PackagePart) -> list[str]:
    """Why the rows of one frame may be refused: unknown ids, repeated keys, empty or
    negative values, each as `file: row n: column: what` (rows counted from 1)."""
    frame = _part_frame(package, part)
    found: list[tuple[int, str]] = []
    for column_name, parent_frame in part.references:
        if column_name not in frame.columns:
            continue
        parent = _PARTS_BY_FRAME[parent_frame]
        known = set(getattr(package, parent_frame)[column_name].dropna().tolist())
        for row, value in enumerate(frame[column_name].tolist(), 1):
            if not _is_empty(value) and value not in known:
                found.append(
                    (
                        row,
                        t(
                            "{column}: {value} is not in {file}",
                            column=column_name,
                            value=repr(value),
                            file=parent.file,
                        ),
                    )
                )
    key = [k for k in part.key if k in frame.columns]
    # demand's version-2 columns are part of its key only when the package has them
    required = [k for k in part.key if k not in DEMAND_GROUP_DEFAULTS or part.frame != "demand"]
    if set(required) <= set(key) and len(frame):
        complete = frame[key].notna().all(axis=1)
        repeated = frame[key].duplicated(keep="first") & complete
        for position in [i for i, flag in enumerate(repeated.tolist(), 1) if flag]:
            found.append((position, t("{columns}: repeats an earlier row", columns=", ".join(key))))
    for column in part.columns:
        if column.name not in frame.columns:
            continue
        for row, value in enumerate(frame[column.name].tolist(), 1):
            if _is_empty(value):
                if column.required:
                    found.append((row, t("{column}: required value is empty", column=column.name)))
            elif (
                column.minimum is not None
                and column.minimum >= 0
                and isinstance(value, numbers.Real)
                and value < 0
            ):
                found.append(
                    (row, t("{name}: {value} is below 0", name=column.name, value=repr(value)))
                )
    return [
        t("{file}: row {row}: {message}", file=part.file, row=row, message=message)
        for row, message in sorted(found)
    ]


def _is_empty(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def load_package(session: Session, city_name: str) -> CityPackage:
    """The city's data package, in the canonical frames of `planner.package`.

    Rows come back in the order they were imported. Capacity keeps its history, one row per
    (agency, service, as_of): when an update was recorded twice for the same date, the last
    recorded one (`capacity_history` keeps both).
    """
    city = find_city(session, city_name=city_name)
    connection = session.connection()
    frames: dict[str, pd.DataFrame] = {}
    for part in PACKAGE_PARTS:
        table = part.table
        selected = [table.c[column.name] for column in part.stored_columns]
        if part.frame == "districts":
            selected.append(table.c[GEOMETRY])
        query = sa.select(*selected).where(table.c.city_id == city.id).order_by(table.c.id)
        rows: Sequence[Any] = connection.execute(query).all()
        if part.frame == "capacity":
            rows = _latest_per_date(rows)
        frame = rows_frame(rows, part.stored_columns)
        if part.frame == "districts":
            frame = districts_frame(frame, [row[-1] for row in rows])
        frames[part.frame] = frame
    info = CityInfo(
        name=city.name,
        currency=city.currency,
        period=city.period,
        country=city.country,
        notes=city.notes,
        small_count_k=city.small_count_k,
        interpretation_service=city.interpretation_service,
    )
    # demand carries the version-2 columns here: CityPackage splits it into the version-1
    # frame and demand_groups (empty when every row leaves them NULL).
    return CityPackage(
        city=info,
        districts=frames["districts"],
        services=frames["services"],
        agencies=frames["agencies"],
        capacity=frames["capacity"],
        demand=frames["demand"],
        funders=frames["funders"],
        eligibility=frames["eligibility"],
        hotline=frames["hotline"],
        populations=frames["populations"],
        pathways=frames["pathways"],
    )


def _latest_per_date(rows: Sequence[Any]) -> list[Any]:
    """Of rows in recorded order, the last per (agency_id, service_id, as_of), in place."""
    keys = [(row.agency_id, row.service_id, row.as_of) for row in rows]
    last = {key: i for i, key in enumerate(keys)}
    return [row for i, (row, key) in enumerate(zip(rows, keys, strict=True)) if last[key] == i]


# --- capacity updates -----------------------------------------------------------------------


def record_capacity(
    session: Session,
    *,
    city_name: str,
    agency_id: str,
    service_id: str,
    capacity: float,
    occupied: float | None = None,
    max_expansion: float | None = None,
    as_of: date,
    recorded_by: str,
    expected_version: str | None = None,
    funded: float | None = None,
) -> None:
    """Add a row to an agency's capacity history for one service; older rows are kept.

    `occupied` None means not known. `max_expansion` None and the agency's own unit cost
    carry over from the current row (0 and the service's cost when there is none); so does
    `funded` None (units funded, at least `capacity`: a carried-over figure below the new
    capacity becomes unknown, a given one is refused). An agency may start offering a service
    it had no row for. Bad input raises an `InvalidRecord` (a ValueError) that names the
    field.

    Concurrent updates of one city are serialised (the city row is locked until the
    transaction ends), so none is lost: each adds its row. `expected_version`, the
    `data_version` the caller read before showing the figures, makes the update refuse with
    `ConcurrentEdit` when the city's data changed since (another update, an import), so a
    form filled in on stale figures is not saved over newer ones.
    """
    city = find_city(session, city_name=city_name)
    capacity = _non_negative("capacity", capacity)
    occupied_value = None if occupied is None else _non_negative("occupied", occupied)
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    if not isinstance(as_of, date):
        raise InvalidRecord(t("as_of: {value} is not a date", value=repr(as_of)))
    if not isinstance(recorded_by, str) or not recorded_by.strip():
        raise InvalidRecord(t("recorded_by: say who records this update"))
    # First the lock (and the version check), then the reads the new row depends on.
    _bump_data_version(
        session,
        city,
        expected_version=expected_version,
        what=t(
            "the capacity of {agency} for {service}",
            agency=repr(agency_id),
            service=repr(service_id),
        ),
    )
    _require_agency(session, city=city, agency_id=agency_id)
    _require_service(session, city=city, service_id=service_id)
    history = _capacity_rows(session, city=city, agency_id=agency_id, service_id=service_id)
    current = history[-1] if history else None
    if max_expansion is None:
        max_expansion_value = current.max_expansion if current is not None else 0.0
    else:
        max_expansion_value = _non_negative("max_expansion", max_expansion)
    if funded is None:
        funded_value = current.funded if current is not None else None
        if funded_value is not None and funded_value < capacity:
            funded_value = None
    else:
        funded_value = _non_negative("funded", funded)
    if funded_value is not None and funded_value < capacity:
        raise InvalidRecord(
            t(
                "funded: {value} is below the capacity in service {capacity}",
                value=repr(funded_value),
                capacity=repr(capacity),
            )
        )
    session.add(
        Capacity(
            city_id=stored_id(city),
            agency_id=agency_id,
            service_id=service_id,
            capacity=capacity,
            occupied=occupied_value,
            max_expansion=max_expansion_value,
            unit_cost=current.unit_cost if current is not None else None,
            as_of=as_of,
            funded=funded_value,
            populations=current.populations if current is not None else None,
            recorded_by=recorded_by.strip(),
        )
    )
    session.flush()


def capacity_history(
    session: Session, *, city_name: str, agency_id: str, service_id: str
) -> list[CapacityPublic]:
    """Every capacity row of an agency for a service, oldest first; the last is current.

    Undated rows come first, then by `as_of`, then by the order they were recorded: rows a
    replacing import archived (`capacity_archive`) come before all rows stored since, so
    that the last is still the current one.
    """
    city = find_city(session, city_name=city_name)
    _require_agency(session, city=city, agency_id=agency_id)
    _require_service(session, city=city, service_id=service_id)
    rows = _capacity_rows(session, city=city, agency_id=agency_id, service_id=service_id)
    archived = session.exec(
        select(CapacityArchive).where(
            col(CapacityArchive.city_id) == city.id,
            col(CapacityArchive.agency_id) == agency_id,
            col(CapacityArchive.service_id) == service_id,
        )
    ).all()
    ordered = sorted(
        [(0, row) for row in archived] + [(1, row) for row in rows],
        key=lambda pair: (
            pair[0],
            pair[1].as_of is not None,
            pair[1].as_of or date.min,
            pair[0],
            pair[1].id or 0,
        ),
    )
    exclude = {"id", "city_id", "archived_at", "archived_by"}
    return [
        CapacityPublic.model_validate(
            {**row.model_dump(exclude=exclude), "recorded_at": as_utc(row.recorded_at)}
        )
        for _, row in ordered
    ]


def _capacity_rows(
    session: Session, *, city: City, agency_id: str, service_id: str
) -> list[Capacity]:
    query = select(Capacity).where(
        col(Capacity.city_id) == city.id,
        col(Capacity.agency_id) == agency_id,
        col(Capacity.service_id) == service_id,
    )
    rows = list(session.exec(query).all())
    # Sorted here rather than in SQL: SQLite and PostgreSQL put NULLs at opposite ends.
    return sorted(rows, key=lambda r: (r.as_of is not None, r.as_of or date.min, r.id or 0))


def _require_agency(session: Session, *, city: City, agency_id: str) -> None:
    query = select(Agency.id).where(
        col(Agency.city_id) == city.id, col(Agency.agency_id) == agency_id
    )
    if session.exec(query).first() is None:
        raise UnknownAgency(
            t(
                "agency_id: {agency} is not an agency of {city}",
                agency=repr(agency_id),
                city=repr(city.name),
            )
        )


def _require_service(session: Session, *, city: City, service_id: str) -> None:
    query = select(Service.service_id).where(col(Service.city_id) == city.id)
    known = sorted(session.exec(query).all())
    if service_id not in known:
        raise UnknownService(
            t(
                "service_id: {service} is not a service of {city}; its services: {known}",
                service=repr(service_id),
                city=repr(city.name),
                known=", ".join(known) or t("none"),
            )
        )


def _non_negative(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidRecord(t("{name}: {value} is not a number", name=name, value=repr(value)))
    number = float(value)
    if not math.isfinite(number):
        raise InvalidRecord(
            t("{name}: {value} is not a finite number", name=name, value=repr(value))
        )
    if number < 0:
        raise InvalidRecord(t("{name}: {value} is below 0", name=name, value=repr(value)))
    return number


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite gives them back naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
