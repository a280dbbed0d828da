"""What the Data page reads and writes: uploads checked and imported, capacity updates and
their history, the city and a plan's tables as files to download.

Reads and writes go through the service layer (service.edits, service.exports,
service.plans), which checks the actor and bumps the city's data version on a write: every
cache is keyed by it, so nothing needs clearing after a write.
Errors come back as text for the page to show, never as exceptions.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st

from planner.exchange import CheckedUpload, check_upload
from planner.i18n import N_, fmt_number, get_language, t, use_language
from planner.package import CityPackage
from planner.scenario import Scenario
from service import edits, exports, live, plans
from service.access import Action, Actor, can
from service.errors import (
    AccessDenied,
    CityExists,
    ConcurrentEdit,
    DatabaseError,
    ImportFailed,
    InvalidRecord,
    StorageError,
)


@st.cache_resource(show_spinner=False, max_entries=2)
def _checked(digest: str, _data: bytes, file_name: str, language: str) -> CheckedUpload:
    del digest  # the cache key: the upload's content (and the language of its messages)
    with use_language(language):
        return check_upload(_data, file_name)


def checked_upload(data: bytes, file_name: str) -> CheckedUpload:
    """The upload's problems and package, checked once per content and language."""
    with st.spinner(t("Checking the package…")):
        return _checked(hashlib.sha256(data).hexdigest(), data, file_name, get_language())


def import_checked(actor: Actor, package: CityPackage, *, replace: bool) -> tuple[str, bool]:
    """Import a checked package as the actor (audited); (message, whether it was imported)."""
    try:
        summary = edits.import_city(actor, package, replace=replace)
    except AccessDenied as exc:
        return t("Nothing was imported: {reason}. Ask an analyst or an admin.", reason=exc), False
    except CityExists:
        return (
            t(
                "{city} is already in the database: tick “Replace the city's data” "
                "to swap it (its saved scenarios are kept).",
                city=package.city.name,
            ),
            False,
        )
    except (ImportFailed, StorageError) as exc:
        return t("Nothing was imported. {reason}", reason=exc), False
    except DatabaseError as exc:
        reason = str(exc).splitlines()[0]
        return (
            t(
                "Nothing was imported: the database refused it ({reason}). Try again.",
                reason=reason,
            ),
            False,
        )
    rows = sum(summary.counts.values())
    if summary.replaced:
        message = t(
            "Replaced the data of {city}: {rows} rows.", city=summary.city, rows=fmt_number(rows)
        )
    else:
        message = t("Imported {city}: {rows} rows.", city=summary.city, rows=fmt_number(rows))
    return message, True


@dataclass(frozen=True)
class CapacityOutcome:
    """What a capacity form's Save did: `saved` when it wrote, else `problem` (the form's
    message) and `fields` (a message per field, to show beside it); nothing written."""

    saved: edits.CapacitySaved | None = None
    problem: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


FIELD_WORDS = {
    "negative": N_("Must be 0 or more, not {value}."),
    "not_whole": N_("Whole {unit}s only, not {value}."),
    "above_capacity": N_("More than the capacity, {limit}: occupied cannot exceed it."),
    "not_a_number": N_("Not a number."),
    "below_capacity": N_(
        "Fewer than the {limit} in service: funded units include those in service."
    ),
}


def figure(value: float | None) -> str:
    """A capacity figure as people write it: whole without decimals, else up to two."""
    if value is None:
        return t("unknown")
    if float(value).is_integer():
        return fmt_number(value)
    return fmt_number(value, 2).rstrip("0")


def field_message(problem: edits.CapacityProblem) -> str:
    return t(
        FIELD_WORDS[problem.code],
        value=figure(problem.value) if problem.value == problem.value else "",
        unit=problem.unit,
        limit=figure(problem.limit),
    )


def saved_message(saved: edits.CapacitySaved, agency_name: str) -> str:
    """ "Saved: … has 18 beds as of …, was 20." in the reader's language."""
    after = saved.after
    if saved.before is None:
        return t(
            "Saved: {agency} has {capacity} {unit}s as of {as_of}, its first figure for "
            "this service.",
            agency=agency_name,
            capacity=figure(after.capacity),
            unit=saved.unit,
            as_of=after.as_of,
        )
    return t(
        "Saved: {agency} has {capacity} {unit}s as of {as_of}, was {before}.",
        agency=agency_name,
        capacity=figure(after.capacity),
        unit=saved.unit,
        as_of=after.as_of,
        before=figure(saved.before.capacity),
    )


def record_capacity_update(
    actor: Actor,
    city_name: str,
    *,
    agency_id: str,
    service_id: str,
    capacity: float | None,
    occupied: float | None,
    max_expansion: float | None,
    as_of: date,
    expected_version: str | None,
    funded: float | None = None,
) -> CapacityOutcome:
    """Record a new capacity row as the actor (audited, checked by `service.edits`); what
    was saved, or what to fix (nothing is written).

    `expected_version` is the data version the form's figures were read at: when the city
    changed since (someone else's update, an import), nothing is saved (checked under the
    city's lock by `repository.record_capacity`).
    """
    if capacity is None:
        required = t("Capacity is required: enter the number of units the agency has now.")
        return CapacityOutcome(problem=required, fields={"capacity": required})
    try:
        saved = edits.update_capacity(
            actor,
            city_name=city_name,
            agency_id=agency_id,
            service_id=service_id,
            capacity=capacity,
            occupied=occupied,
            max_expansion=max_expansion,
            as_of=as_of,
            expected_version=expected_version,
            funded=funded,
        )
    except edits.InvalidCapacity as exc:
        fields: dict[str, str] = {}
        for problem in exc.problems:
            fields.setdefault(problem.field, field_message(problem))
        return CapacityOutcome(
            problem=t("Nothing was changed: correct the figures marked below."), fields=fields
        )
    except AccessDenied as exc:
        return CapacityOutcome(problem=t("Nothing was changed: {reason}.", reason=exc))
    except ConcurrentEdit:
        return CapacityOutcome(
            problem=t(
                "Nothing was changed: the city's data changed since this form was shown "
                "(someone else's update or an import). Check the current figures in the "
                "history below, then save again."
            )
        )
    except InvalidRecord as exc:
        return CapacityOutcome(
            problem=t("Nothing was changed: {reason}. Correct it and save again.", reason=exc)
        )
    except StorageError as exc:
        return CapacityOutcome(problem=t("Nothing was changed: {reason}.", reason=exc))
    except DatabaseError as exc:
        reason = str(exc).splitlines()[0]
        return CapacityOutcome(
            problem=t(
                "Nothing was changed: the database refused the update ({reason}). Try again.",
                reason=reason,
            )
        )
    return CapacityOutcome(saved=saved)


def capacity_history(actor: Actor, city_name: str, agency_id: str, service_id: str) -> pd.DataFrame:
    """Every capacity row of the agency for the service, newest first (read fresh)."""
    return exports.capacity_history(actor, city_name, agency_id, service_id)


def export_file_name(city_name: str) -> str:
    """A file name for the city's package: letters, digits, '-' and '_' only."""
    return exports.export_file_name(city_name)


def city_zip(actor: Actor, city_name: str) -> Callable[[], bytes]:
    """The city as a package .zip for the actor's audience (made once per data version),
    packed when the button is pressed: the Data page does not pack it on every first visit
    (0.5 to 1 s on the demo city)."""
    return functools.partial(exports.package_zip, actor, city_name)


def result_files(actor: Actor, city_name: str, scenario: Scenario) -> dict[str, bytes]:
    """The plan's tables as `funding.csv`, `capacity_added.csv`, `coverage.csv` and one
    `plan_tables.xlsx`, as the actor may download them (service.plans.plan_files)."""
    return plans.plan_files(actor, city_name, scenario)


# --- live capacity, data quality and hotline contacts (issue 19) ---------------------------


def may_see_live(actor: Actor) -> bool:
    """Capacity levels, data quality and hotline trends: funders, partners and up."""
    return can(actor, Action.VIEW_AGGREGATES)


def capacity_status(actor: Actor, city_name: str, today: date | None = None) -> live.CapacityStatus:
    return live.capacity_status(actor, city_name, today)


def quality(actor: Actor, city_name: str, today: date | None = None) -> live.QualityView:
    with st.spinner(t("Scoring the data…")):
        return live.quality(actor, city_name, today)


def hotline(actor: Actor, city_name: str) -> live.HotlineTrends:
    with st.spinner(t("Reading hotline contacts…")):
        return live.hotline_trends(actor, city_name)
