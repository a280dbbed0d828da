"""Changing a city's data, each call in its own transaction and audited
(`service.access.import_city`, `update_capacity`): importing a package, recording an
agency's capacity."""

from __future__ import annotations

from datetime import date

from models.repository import ImportSummary
from planner.package import CityPackage
from service import access, store
from service.access import Actor

__all__ = ["ImportSummary", "import_city", "update_capacity"]


def import_city(actor: Actor, package: CityPackage, *, replace: bool = False) -> ImportSummary:
    """Import (or replace) a city's package; admins and analysts only."""
    with store.session() as opened:
        return access.import_city(actor, opened, package, replace)


def update_capacity(
    actor: Actor,
    *,
    city_name: str,
    agency_id: str,
    service_id: str,
    capacity: float,
    as_of: date,
    occupied: float | None = None,
    max_expansion: float | None = None,
    expected_version: str | None = None,
) -> None:
    """Record an agency's capacity as of a date (`access.update_capacity`)."""
    with store.session() as opened:
        access.update_capacity(
            actor,
            opened,
            city_name=city_name,
            agency_id=agency_id,
            service_id=service_id,
            capacity=capacity,
            as_of=as_of,
            occupied=occupied,
            max_expansion=max_expansion,
            expected_version=expected_version,
        )
