"""Whether an agency can take someone now, per service: the capacity status of HL7's
social-care value set (SDOH Clinical Care, `SDOHCC-ValueSetCapacityStatus`), for partner
systems that ask before they refer (the REST API's `GET .../capacity`).

The status is read from the agency's current capacity row, for any role that may see the
capacity map (the same figures as the map, so nothing a reader could not see there):
`capacity` when something is free (capacity - occupied > 0), `no-capacity` when nothing
is, None when occupancy was never said (HL7 has no code for "not known", and guessing
would send someone to a full shelter). HL7's `waitlist` (no capacity, has a waitlist) is
part of the value set but Haven records no waiting lists, so it never says it. Each status
carries its "as of" date, its age and a stale mark past `STALE_AFTER_DAYS` (or when
undated), so that a partner can tell a fresh "capacity" from an old one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from models.errors import UnknownAgency, UnknownService
from planner.i18n import N_, t
from planner.overview import STALE_AFTER_DAYS
from service import city, store
from service.access import Action, Actor, require
from service.audience import audience_for

HL7_CAPACITY_SYSTEM = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
)
"""The code system of the status codes."""

HL7_CAPACITY_VALUE_SET = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/ValueSet/SDOHCC-ValueSetCapacityStatus"
)

StatusCode = Literal["capacity", "no-capacity", "waitlist"]
STATUS_CODES: tuple[StatusCode, ...] = ("capacity", "no-capacity", "waitlist")


@dataclass(frozen=True)
class CapacityStatus:
    """One service of one agency, now. `available` and `status` are None when occupancy is
    not known; `funded` None when the package does not say it, and for the public (capacity
    levels are for funders, partners, analysts and admins)."""

    agency_id: str
    service_id: str
    unit: str
    status: StatusCode | None
    capacity: float
    occupied: float | None
    available: float | None
    funded: float | None
    as_of: date | None
    age_days: int | None
    stale: bool


def status_code(capacity: float, occupied: float | None) -> StatusCode | None:
    """The HL7 code for these figures (pure): None when occupancy is not known."""
    if occupied is None or not math.isfinite(occupied):
        return None
    return "capacity" if capacity - occupied > 0 else "no-capacity"


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _as_of(value: object) -> date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def capacity_status(
    actor: Actor,
    city_name: str,
    agency_id: str,
    service_id: str | None = None,
    *,
    today: date | None = None,
) -> list[CapacityStatus]:
    """The agency's status per service (one service when named), as the actor may see it.

    Raises `AccessDenied` (a city the actor may not read), `UnknownCity`, `UnknownAgency`,
    `UnknownService` (not a service of the agency's current capacity).
    """
    require(actor, Action.VIEW_MAP, N_("see the city"))
    city.require_city(actor, city_name)
    # Capacity figures and agency ids are the same for every audience (disclosure masks
    # names and places, which a status does not carry), so the exact package is read
    # without disclosing, and so without suppressing the whole history after each update.
    package = store.exact_package(city_name)
    funded_shown = audience_for(actor).aggregates  # capacity levels: not for the public
    today = today or datetime.now(UTC).date()
    if agency_id not in set(package.agencies["agency_id"].astype(str)):
        raise UnknownAgency(
            t(
                "agency_id: {agency} is not an agency of {city}",
                agency=repr(agency_id),
                city=repr(city_name),
            )
        )
    current = package.current_capacity()
    rows = current[current["agency_id"].astype(str) == agency_id]
    if service_id is not None:
        rows = rows[rows["service_id"].astype(str) == service_id]
        if rows.empty:
            raise UnknownService(
                t(
                    "service_id: {service} has no capacity at agency {agency}",
                    service=repr(service_id),
                    agency=repr(agency_id),
                )
            )
    units = package.services.set_index(package.services["service_id"].astype(str))["unit"]
    found = []
    for row in rows.sort_values("service_id").to_dict("records"):
        capacity = _number(row.get("capacity")) or 0.0
        occupied = _number(row.get("occupied"))
        as_of = _as_of(row.get("as_of"))
        age = None if as_of is None else (today - as_of).days
        sid = str(row["service_id"])
        found.append(
            CapacityStatus(
                agency_id=agency_id,
                service_id=sid,
                unit=str(units.get(sid, "unit")),
                status=status_code(capacity, occupied),
                capacity=capacity,
                occupied=occupied,
                available=None if occupied is None else max(capacity - occupied, 0.0),
                funded=_number(row.get("funded")) if funded_shown else None,
                as_of=as_of,
                age_days=age,
                stale=age is None or age > STALE_AFTER_DAYS,
            )
        )
    return found
