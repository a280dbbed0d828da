"""Changing a city's data, each call in its own transaction and audited
(`service.access.import_city`, `update_capacity`): importing a package, recording an
agency's capacity.

A capacity update is checked here, before anything is written, against the service's
unit (`check_capacity`): every figure >= 0, occupied <= capacity, and whole numbers for a
service counted in whole units. Which services those are comes from the data package
(docs/data-package.md): a service whose `integer` is true, and any service whose unit is
a count of things (bed, slot, call, ...); only a unit that measures time (hour, day, ...)
may take fractions, unless the city marked the service `integer`. The problems come back
as codes per field (`CapacityProblem`), so the form can say each beside its field in the
reader's language; `update_capacity` returns what was saved and what it replaced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

from models import repository
from models.errors import InvalidRecord
from models.repository import ImportSummary
from planner.i18n import fmt_number, t
from planner.package import CityPackage
from service import access, forecasts, store
from service.access import Actor

__all__ = [
    "DIVISIBLE_UNITS",
    "CapacityFigures",
    "CapacityProblem",
    "CapacitySaved",
    "ImportSummary",
    "InvalidCapacity",
    "check_capacity",
    "import_city",
    "update_capacity",
    "whole_units",
]

DIVISIBLE_UNITS = frozenset({"minute", "hour", "day", "week", "month", "year"})
"""Units that measure time: a capacity in them may be fractional (1.5 hours)."""

Field = Literal["capacity", "occupied", "max_expansion", "funded"]
Code = Literal["negative", "not_whole", "above_capacity", "below_capacity", "not_a_number"]


@dataclass(frozen=True)
class CapacityProblem:
    """One figure of a capacity update that cannot be saved: `code` says why; `limit` is
    the capacity an occupancy exceeds, or a funded figure falls short of."""

    field: Field
    code: Code
    value: float
    unit: str
    limit: float | None = None

    def message(self) -> str:
        """In the current language (the CLI's and the error's text; the form says its own)."""
        value = fmt_number(self.value, 2).rstrip("0").rstrip(".,")
        if self.code == "negative":
            return t("{field}: {value} is below zero", field=self.field, value=value)
        if self.code == "not_whole":
            return t(
                "{field}: {value} is not a whole number of {unit}s",
                field=self.field,
                value=value,
                unit=self.unit,
            )
        if self.code == "above_capacity":
            return t(
                "{field}: {value} occupied is more than the capacity, {limit}",
                field=self.field,
                value=value,
                limit=fmt_number(self.limit or 0.0, 2).rstrip("0").rstrip(".,"),
            )
        if self.code == "below_capacity":
            return t(
                "{field}: {value} funded is fewer than the capacity in service, {limit}",
                field=self.field,
                value=value,
                limit=fmt_number(self.limit or 0.0, 2).rstrip("0").rstrip(".,"),
            )
        return t("{field}: {value} is not a number", field=self.field, value=value)


class InvalidCapacity(InvalidRecord):
    """A capacity update refused before anything was written; `problems` per field."""

    def __init__(self, problems: list[CapacityProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(t("; ").join(problem.message() for problem in problems))


@dataclass(frozen=True)
class CapacityFigures:
    capacity: float
    occupied: float | None
    max_expansion: float
    as_of: date | None
    funded: float | None = None


@dataclass(frozen=True)
class CapacitySaved:
    """What a capacity update saved, and the current figures it replaced (None: the agency
    had no row for the service)."""

    agency_id: str
    service_id: str
    unit: str
    before: CapacityFigures | None
    after: CapacityFigures


def whole_units(unit: str, integer: object = False) -> bool:
    """True when the service is counted in whole units (see the module's docstring)."""
    if integer is True or str(integer).strip().lower() in ("true", "1"):
        return True
    word = str(unit).strip().lower()
    return word not in DIVISIBLE_UNITS and word.removesuffix("s") not in DIVISIBLE_UNITS


def check_capacity(
    *,
    unit: str,
    whole: bool,
    capacity: float,
    occupied: float | None = None,
    max_expansion: float | None = None,
    funded: float | None = None,
) -> list[CapacityProblem]:
    """Every problem of the figures, by field; [] when they may be saved. Three levels:
    funded >= capacity (in service) >= occupied."""
    problems: list[CapacityProblem] = []
    figures: list[tuple[Field, float | None]] = [
        ("capacity", capacity),
        ("occupied", occupied),
        ("max_expansion", max_expansion),
        ("funded", funded),
    ]
    for name, value in figures:
        if value is None:
            continue
        if not isinstance(value, int | float) or not math.isfinite(value):
            problems.append(CapacityProblem(name, "not_a_number", float("nan"), unit))
        elif value < 0:
            problems.append(CapacityProblem(name, "negative", float(value), unit))
        elif whole and not float(value).is_integer():
            problems.append(CapacityProblem(name, "not_whole", float(value), unit))
    bad = {problem.field for problem in problems}
    if (
        occupied is not None
        and not bad & {"capacity", "occupied"}
        and float(occupied) > float(capacity)
    ):
        problems.append(
            CapacityProblem("occupied", "above_capacity", float(occupied), unit, float(capacity))
        )
    if funded is not None and not bad & {"capacity", "funded"} and float(funded) < float(capacity):
        problems.append(
            CapacityProblem("funded", "below_capacity", float(funded), unit, float(capacity))
        )
    return problems


def import_city(actor: Actor, package: CityPackage, *, replace: bool = False) -> ImportSummary:
    """Import (or replace) a city's package; admins and analysts only."""
    with store.session() as opened:
        summary = access.import_city(actor, opened, package, replace)
    forecasts.data_changed(package.city.name)  # precomputed in the background (SPEED)
    return summary


def _figures(row: repository.CapacityPublic | None) -> CapacityFigures | None:
    if row is None:
        return None
    return CapacityFigures(
        capacity=float(row.capacity),
        occupied=None if row.occupied is None else float(row.occupied),
        max_expansion=float(row.max_expansion or 0.0),
        as_of=row.as_of,
        funded=None if row.funded is None else float(row.funded),
    )


def _unit(city_name: str, service_id: str) -> tuple[str, bool]:
    services = store.exact_package(city_name).services
    match = services[services["service_id"].astype(str) == service_id]
    if match.empty:
        return "unit", False  # an unknown service: storage refuses it by name
    row = match.iloc[0]
    unit = str(row["unit"])
    return unit, whole_units(unit, row.get("integer", False))


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
    funded: float | None = None,
) -> CapacitySaved:
    """Record an agency's capacity as of a date (`access.update_capacity`), after checking
    the figures for the service's unit (`InvalidCapacity`, nothing written). `funded`
    None keeps the current funded figure (version 2; at least `capacity`)."""
    unit = "unit"
    if access.can_edit_capacity(actor, city_name=city_name, agency_id=agency_id):
        unit, whole = _unit(city_name, service_id)  # the refusal comes first, from access
        problems = check_capacity(
            unit=unit,
            whole=whole,
            capacity=capacity,
            occupied=occupied,
            max_expansion=max_expansion,
            funded=funded,
        )
        if problems:
            raise InvalidCapacity(problems)
    with store.session() as opened:
        history = (
            repository.capacity_history(
                opened, city_name=city_name, agency_id=agency_id, service_id=service_id
            )
            if access.can_edit_capacity(actor, city_name=city_name, agency_id=agency_id)
            else []
        )
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
            funded=funded,
        )
        after = repository.capacity_history(
            opened, city_name=city_name, agency_id=agency_id, service_id=service_id
        )[-1]
    forecasts.data_changed(city_name)  # the status quo solved in the background (SPEED)
    saved = _figures(after)
    assert saved is not None
    return CapacitySaved(
        agency_id=agency_id,
        service_id=service_id,
        unit=unit,
        before=_figures(history[-1] if history else None),
        after=saved,
    )
