"""Capacity for partner systems: its status now (HL7's value set), and an agency's own update.

- `GET /cities/{city}/agencies/{agency_id}/capacity`: every service of the agency;
- `GET /cities/{city}/agencies/{agency_id}/services/{service_id}/capacity`: one;
- `POST /cities/{city}/agencies/{agency_id}/capacity`: record today's (or `as_of`'s)
  figures of one service, through `service.edits.update_capacity`, the same checked and
  audited call as the Data page's form: a partner's token for its own agency only (403
  for another agency or a funder's token), figures checked for the service's unit (422,
  one message per field).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, ConfigDict, Field

from api.security import Reader, Writer
from planner.i18n import t
from service import capacity_status as statuses
from service import edits

router = APIRouter(tags=["capacity"])

CityName = Annotated[str, Path(description="The city's name, as in its city.json.")]
AgencyId = Annotated[str, Path(description="The agency's `agency_id` (agencies.csv).")]

STATUS_DISPLAY = {
    "capacity": "Has Capacity",
    "no-capacity": "No Capacity",
    "waitlist": "No Capacity - Has Waitlist",
}
"""The value set's display words (HL7's, in English: codes are data)."""


class Coding(BaseModel):
    """An HL7 FHIR Coding of the SDOH Clinical Care capacity status value set."""

    system: str = statuses.HL7_CAPACITY_SYSTEM
    code: Literal["capacity", "no-capacity", "waitlist"]
    display: str


class ServiceCapacity(BaseModel):
    """One service of one agency now. `status` is null when occupancy was never said."""

    service_id: str
    unit: str
    status: Coding | None
    capacity: float = Field(description="Units in service.")
    occupied: float | None = Field(description="Units taken (null: not known).")
    available: float | None = Field(description="capacity - occupied (null: not known).")
    funded: float | None = Field(description="Units funded (null: not said).")
    as_of: date | None = Field(description="The date the figures are true of.")
    age_days: int | None
    stale: bool = Field(description="Older than Haven's freshness threshold, or undated.")


class AgencyCapacity(BaseModel):
    city: str
    agency_id: str
    value_set: str = statuses.HL7_CAPACITY_VALUE_SET
    services: list[ServiceCapacity]


class CapacityUpdate(BaseModel):
    """Figures of one service of the agency, true as of `as_of` (default: today, UTC)."""

    model_config = ConfigDict(extra="forbid")

    service_id: str = Field(min_length=1, max_length=100)
    capacity: float = Field(description="Units in service (>= occupied).")
    occupied: float | None = Field(default=None, description="Units taken now.")
    max_expansion: float | None = Field(default=None, description="Units it could add.")
    funded: float | None = Field(default=None, description="Units funded (>= capacity).")
    as_of: date | None = Field(default=None, description="YYYY-MM-DD; default today (UTC).")


class Figures(BaseModel):
    capacity: float
    occupied: float | None
    max_expansion: float
    funded: float | None
    as_of: date | None


class CapacitySaved(BaseModel):
    city: str
    agency_id: str
    service_id: str
    unit: str
    before: Figures | None = Field(description="The figures this update replaced.")
    after: Figures


def _service_capacity(found: statuses.CapacityStatus) -> ServiceCapacity:
    coding = (
        None
        if found.status is None
        else Coding(code=found.status, display=STATUS_DISPLAY[found.status])
    )
    return ServiceCapacity(
        service_id=found.service_id,
        unit=found.unit,
        status=coding,
        capacity=found.capacity,
        occupied=found.occupied,
        available=found.available,
        funded=found.funded,
        as_of=found.as_of,
        age_days=found.age_days,
        stale=found.stale,
    )


def _figures(found: edits.CapacityFigures | None) -> Figures | None:
    if found is None:
        return None
    return Figures(
        capacity=found.capacity,
        occupied=found.occupied,
        max_expansion=found.max_expansion,
        funded=getattr(found, "funded", None),
        as_of=found.as_of,
    )


@router.get(
    "/cities/{city}/agencies/{agency_id}/capacity",
    summary="Capacity status of every service of an agency",
    response_model=AgencyCapacity,
)
def agency_capacity(city: CityName, agency_id: AgencyId, actor: Reader) -> AgencyCapacity:
    found = statuses.capacity_status(actor, city, agency_id)
    return AgencyCapacity(
        city=city, agency_id=agency_id, services=[_service_capacity(s) for s in found]
    )


@router.get(
    "/cities/{city}/agencies/{agency_id}/services/{service_id}/capacity",
    summary="Capacity status of one service of an agency",
    response_model=ServiceCapacity,
)
def service_capacity(
    city: CityName, agency_id: AgencyId, service_id: str, actor: Reader
) -> ServiceCapacity:
    found = statuses.capacity_status(actor, city, agency_id, service_id)
    return _service_capacity(found[0])


@router.post(
    "/cities/{city}/agencies/{agency_id}/capacity",
    summary="Record an agency's capacity for one service (its own agency, for a partner)",
    response_model=CapacitySaved,
    responses={
        401: {"description": "No valid token."},
        403: {"description": "Another agency, or a role that may not update capacity."},
        404: {"description": "No such city, agency or service."},
        409: {"description": "Changed meanwhile by someone else."},
        422: {"description": "Figures that cannot be saved (or dated after today), per field."},
    },
)
def update_capacity(
    city: CityName, agency_id: AgencyId, update: CapacityUpdate, actor: Writer
) -> CapacitySaved:
    today = datetime.now(UTC).date()
    if update.as_of is not None and update.as_of > today + timedelta(days=1):
        # The newest as_of is the current figure: a date in the future would stay current,
        # hiding every later update (one day of slack for time zones ahead of UTC).
        message = t(
            "as_of: {value} is after today; send the date the figures are true of",
            value=update.as_of.isoformat(),
        )
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["body", "as_of"], "msg": message, "type": "in_future"}],
        )
    saved = edits.update_capacity(
        actor,
        city_name=city,
        agency_id=agency_id,
        service_id=update.service_id,
        capacity=update.capacity,
        occupied=update.occupied,
        max_expansion=update.max_expansion,
        funded=update.funded,
        as_of=update.as_of or today,
    )
    after = _figures(saved.after)
    assert after is not None
    return CapacitySaved(
        city=city,
        agency_id=agency_id,
        service_id=saved.service_id,
        unit=saved.unit,
        before=_figures(saved.before),
        after=after,
    )
