"""Files that leave Haven, made for an audience: the city's package, its HSDS tables, a
capacity history, the audit log.

Every export is made for an `Audience`: by default the actor's own (`audience_for`); an
actor may make one for a narrower audience (`service.audience.narrowed`: an analyst writes
an HSDS export "for the public"), never a wider one. What the audience may not see is taken
out first (`service.published.disclosed_package`): confidential agencies named
`access.CONFIDENTIAL_NAME` at their district's point, counts as published for that
audience, no demand for the public.

API (names kept stable; tests attack them):
- `package_for(package, audience) -> CityPackage` (pure, for a package read from files);
- `city_package_for(actor, city, audience=None) -> CityPackage`;
- `package_zip(actor, city, audience=None) -> bytes`, `write_package_for(actor, city,
  out, audience=None) -> Path`, `export_file_name(city) -> str`;
- `write_hsds_for(package, out, audience="public" by default, ...) -> Path` and
  `hsds_export(actor, city, out, audience=None -> public) -> Path`;
  `hsds_tables_for(actor, city, audience=None -> public) -> {table: rows}` (the REST API);
- `capacity_history(actor, city, agency_id, service_id) -> DataFrame`;
- `audit_log(actor, city=None, limit=None) -> DataFrame`.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd

from models import repository
from planner.exchange import package_zip as zip_of_package
from planner.i18n import N_, t
from planner.package import CityPackage, write_package
from service import access, store
from service.access import AccessDenied, Action, Actor, can, require
from service.audience import Audience, audience_named, narrowed
from service.city import _history, require_city
from service.published import disclosed_package

HSDS_DEFAULT_AUDIENCE = "public"
"""An HSDS export goes to directories whose readers may not know where shelters are."""


def package_for(package: CityPackage, audience: Audience | str) -> CityPackage:
    """A package (e.g. read from files) as `audience` may receive it (pure)."""
    if isinstance(audience, str):
        audience = audience_named(audience)
    return disclosed_package(package, audience)


def city_package_for(actor: Actor, city_name: str, audience: str | None = None) -> CityPackage:
    """The city's package as `audience` (default: the actor's own) may receive it."""
    require(actor, Action.VIEW_MAP, N_("see the city"))
    require_city(actor, city_name)
    target = narrowed(actor, audience, city_name=city_name)
    version = store.data_version(city_name)
    package = store.exact_package(city_name, version)
    history = None if target.exact_counts else _history(city_name, version, target.k)
    return disclosed_package(package, target, history)


def _require_export(actor: Actor) -> None:
    """Whole packages (every agency, capacity and count) are exported by analysts and
    admins, for themselves or a narrower audience."""
    require(actor, Action.IMPORT_DATA, N_("export the city's data"))


def package_zip(actor: Actor, city_name: str, audience: str | None = None) -> bytes:
    """The city as a package .zip for `audience` (default: the actor's own)."""
    _require_export(actor)
    return store.cached(
        "package_zip",
        (
            city_name,
            store.data_version(city_name),
            narrowed(actor, audience, city_name=city_name).key,
        ),
        lambda: zip_of_package(city_package_for(actor, city_name, audience)),
    )


def write_package_for(
    actor: Actor, city_name: str, out: str | Path, audience: str | None = None
) -> Path:
    """Write the city as a package folder for `audience` (default: the actor's own)."""
    _require_export(actor)
    return write_package(city_package_for(actor, city_name, audience), out)


def export_file_name(city_name: str) -> str:
    """A file name for the city's package: letters, digits, '-' and '_' only."""
    return (re.sub(r"[^A-Za-z0-9_-]+", "_", city_name).strip("_") or "city") + ".zip"


def write_hsds_for(
    package: CityPackage,
    out: str | Path,
    audience: Audience | str = HSDS_DEFAULT_AUDIENCE,
    *,
    include_confidential_locations: bool = False,
) -> Path:
    """Write a package's HSDS tables for `audience` (default: the public). Confidential
    coordinates only for an audience that may see them, and only when asked."""
    from planner.hsds import write_hsds

    target = audience_named(audience) if isinstance(audience, str) else audience
    if include_confidential_locations and not target.confidential_places:
        raise AccessDenied(
            t(
                "the {audience} audience may not see confidential locations",
                audience=t(target.role),
            )
        )
    return write_hsds(
        disclosed_package(package, target),
        out,
        include_confidential_locations=include_confidential_locations,
    )


def hsds_export(
    actor: Actor,
    city_name: str,
    out: str | Path,
    audience: str | None = None,
    *,
    include_confidential_locations: bool = False,
) -> Path:
    """The city's HSDS tables for `audience` (default: the public), as the actor may make."""
    target = narrowed(actor, audience or HSDS_DEFAULT_AUDIENCE, city_name=city_name)
    package = city_package_for(actor, city_name, target.role)
    return write_hsds_for(
        package, out, target, include_confidential_locations=include_confidential_locations
    )


def hsds_tables_for(
    actor: Actor,
    city_name: str,
    audience: str | None = None,
    *,
    include_confidential_locations: bool = False,
) -> dict[str, list[dict[str, object]]]:
    """The city's HSDS rows per table for `audience` (default: the public), as `hsds_export`
    writes them (the same disclosure), read-only and cached per data version: the REST API's
    HSDS endpoints. Do not change the rows: they are shared."""
    from planner.hsds.write import hsds_tables

    target = narrowed(actor, audience or HSDS_DEFAULT_AUDIENCE, city_name=city_name)
    if include_confidential_locations and not target.confidential_places:
        raise AccessDenied(
            t(
                "the {audience} audience may not see confidential locations",
                audience=t(target.role),
            )
        )
    require(actor, Action.VIEW_MAP, N_("see the city"))
    require_city(actor, city_name)
    version = store.data_version(city_name)

    def make() -> dict[str, list[dict[str, object]]]:
        package = store.exact_package(city_name, version)
        # HSDS carries agencies and capacity, no counts of cases: with the demand left out,
        # disclosure masks the agencies without suppressing the whole history first.
        no_cases = dataclasses.replace(package, demand=package.demand.iloc[0:0])
        return hsds_tables(
            disclosed_package(no_cases, target),
            include_confidential_locations=include_confidential_locations,
        )

    key = (city_name, version, target.key, include_confidential_locations)
    return store.cached("hsds_tables", key, make)


HISTORY_COLUMNS = [
    "as_of",
    "capacity",
    "occupied",
    "max_expansion",
    "unit_cost",
    "funded",
    "recorded_at",
    "recorded_by",
]


def capacity_history(actor: Actor, city_name: str, agency_id: str, service_id: str) -> pd.DataFrame:
    """Every capacity row of the agency for the service, newest first (read fresh): for
    whoever may edit that agency's capacity."""
    if not access.can_edit_capacity(actor, city_name=city_name, agency_id=agency_id):
        raise AccessDenied(
            t(
                "{user} ({role}) may not {what}",
                user=repr(actor.username),
                role=t(actor.role),
                what=t(N_("read this agency's capacity history")),
            )
        )
    with store.session() as opened:
        rows = repository.capacity_history(
            opened, city_name=city_name, agency_id=agency_id, service_id=service_id
        )
    frame = pd.DataFrame([row.model_dump() for row in rows], columns=HISTORY_COLUMNS)
    numbers = ["capacity", "occupied", "max_expansion", "unit_cost", "funded"]
    frame[numbers] = frame[numbers].astype(float)  # None -> NaN: an empty cell, not "None"
    return frame.iloc[::-1].reset_index(drop=True)


def audit_log(actor: Actor, *, city: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """The audit log as a frame, newest first (admins only)."""
    with store.session() as opened:
        events = access.audit_log(actor, opened, city=city, limit=limit)
    return access.audit_frame(events)


def may_export(actor: Actor | None) -> bool:
    """Whether the actor may export whole packages (pages show or hide the section)."""
    return can(actor, Action.IMPORT_DATA)
