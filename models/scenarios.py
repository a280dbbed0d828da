"""Saved scenarios and the record of plan runs, per city.

Parameters and summaries are stored as JSON text (portable to any database); they come back
as dicts. numpy scalars are stored as plain numbers and dates as ISO text.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from models.errors import InvalidRecord, ScenarioExists, UnknownScenario
from models.repository import as_utc, find_city, lock_city
from models.tables import City, PlanRun, PlanRunPublic, SavedScenario, ScenarioPublic, stored_id
from planner.i18n import t


def save_scenario(
    session: Session,
    *,
    city_name: str,
    name: str,
    note: str | None,
    parameters: Mapping[str, Any],
    created_by: str,
    overwrite: bool = False,
) -> int:
    """Save a named scenario for the city and return its id.

    A name already saved for the city raises `ScenarioExists`, unless `overwrite`: then the
    saved scenario takes the new note and parameters and keeps its id (so its plan runs stay
    linked to it).

    Two analysts saving at the same moment: with different names both are saved; with the
    same name the first is saved and the other gets `ScenarioExists` (never an overwrite it
    did not ask for). On PostgreSQL the saves of a city queue on the city row's lock, so the
    second sees the first's scenario. SQLite has no row locks: there the database's unique
    name refuses the second, whose transaction is then rolled back (as a failed import is)
    before `ScenarioExists` is raised.
    """
    city = find_city(session, city_name=city_name)
    name = _required_text("name", name)
    created_by = _required_text("created_by", created_by)
    parameters_json = _to_json("parameters", parameters)
    lock_city(session, city)
    scenario = _find_scenario(session, city=city, name=name)
    if scenario is not None and not overwrite:
        raise _scenario_exists(city, name)
    if scenario is None:
        scenario = SavedScenario(
            city_id=stored_id(city),
            name=name,
            note=note,
            parameters=parameters_json,
            created_by=created_by,
        )
    else:
        scenario.note = note
        scenario.parameters = parameters_json
        scenario.created_by = created_by
    session.add(scenario)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        if _find_scenario(session, city=city, name=name) is not None:
            raise _scenario_exists(city, name) from None
        raise
    return stored_id(scenario)


def _scenario_exists(city: City, name: str) -> ScenarioExists:
    return ScenarioExists(
        f"name: a scenario named {name!r} is already saved for {city.name!r}; "
        "choose another name or overwrite it"
    )


def list_scenarios(session: Session, *, city_name: str) -> list[ScenarioPublic]:
    """The city's saved scenarios, by name."""
    city = find_city(session, city_name=city_name)
    query = (
        select(SavedScenario)
        .where(col(SavedScenario.city_id) == city.id)
        .order_by(col(SavedScenario.name))
    )
    return [_public_scenario(s, city) for s in session.exec(query).all()]


def get_scenario(session: Session, *, city_name: str, name: str) -> ScenarioPublic:
    """The city's scenario of that name, or `UnknownScenario` listing the saved ones."""
    city = find_city(session, city_name=city_name)
    scenario = _find_scenario(session, city=city, name=name)
    if scenario is None:
        raise _unknown_scenario(session, city=city, name=name)
    return _public_scenario(scenario, city)


def delete_scenario(session: Session, *, city_name: str, name: str) -> None:
    """Delete a saved scenario; its plan runs are kept, no longer linked to a scenario."""
    city = find_city(session, city_name=city_name)
    lock_city(session, city)  # a concurrent delete or save of the city's scenarios waits
    scenario = _find_scenario(session, city=city, name=name)
    if scenario is None:
        raise _unknown_scenario(session, city=city, name=name)
    # Explicit rather than left to ON DELETE SET NULL, which SQLite applies only when
    # foreign keys are on for the connection.
    session.exec(
        update(PlanRun).where(col(PlanRun.scenario_id) == scenario.id).values(scenario_id=None)
    )
    session.delete(scenario)
    session.flush()


def save_plan_run(
    session: Session,
    *,
    city_name: str,
    scenario_id: int | None,
    parameters: Mapping[str, Any],
    status: str,
    summary: Mapping[str, Any],
    solver: str,
    wall_time_s: float | None,
) -> int:
    """Record one solve of the planner and return its id.

    `scenario_id`, when given, must be a scenario of the same city.
    """
    city = find_city(session, city_name=city_name)
    if scenario_id is not None:
        scenario = session.get(SavedScenario, scenario_id)
        if scenario is None or scenario.city_id != city.id:
            raise UnknownScenario(
                f"scenario_id: {scenario_id!r} is not a saved scenario of {city.name!r}"
            )
    if wall_time_s is not None and (
        isinstance(wall_time_s, bool)
        or not isinstance(wall_time_s, numbers.Real)
        or not wall_time_s >= 0
    ):
        raise InvalidRecord(f"wall_time_s: {wall_time_s!r} is not a duration in seconds")
    run = PlanRun(
        city_id=stored_id(city),
        scenario_id=scenario_id,
        parameters=_to_json("parameters", parameters),
        status=_required_text("status", status),
        summary=_to_json("summary", summary),
        solver=_required_text("solver", solver),
        wall_time_s=None if wall_time_s is None else float(wall_time_s),
    )
    session.add(run)
    session.flush()
    return stored_id(run)


def list_plan_runs(
    session: Session, *, city_name: str, scenario_id: int | None = None, limit: int | None = None
) -> list[PlanRunPublic]:
    """The city's plan runs, newest first; only one scenario's when `scenario_id` is given."""
    city = find_city(session, city_name=city_name)
    query = (
        select(PlanRun, SavedScenario.name)
        .join(SavedScenario, col(PlanRun.scenario_id) == col(SavedScenario.id), isouter=True)
        .where(col(PlanRun.city_id) == city.id)
        .order_by(col(PlanRun.created_at).desc(), col(PlanRun.id).desc())
    )
    if scenario_id is not None:
        query = query.where(col(PlanRun.scenario_id) == scenario_id)
    if limit is not None:
        query = query.limit(limit)
    return [
        PlanRunPublic(
            id=stored_id(run),
            city_name=city.name,
            scenario_id=run.scenario_id,
            scenario_name=scenario_name,
            parameters=json.loads(run.parameters),
            summary=json.loads(run.summary),
            status=run.status,
            solver=run.solver,
            wall_time_s=run.wall_time_s,
            created_at=as_utc(run.created_at),
        )
        for run, scenario_name in session.exec(query).all()
    ]


def _find_scenario(session: Session, *, city: City, name: str) -> SavedScenario | None:
    query = select(SavedScenario).where(
        col(SavedScenario.city_id) == city.id, col(SavedScenario.name) == name
    )
    return session.exec(query).first()


def _unknown_scenario(session: Session, *, city: City, name: str) -> UnknownScenario:
    query = select(SavedScenario.name).where(col(SavedScenario.city_id) == city.id)
    saved = sorted(session.exec(query).all())
    listed = ", ".join(repr(s) for s in saved) if saved else "none yet"
    return UnknownScenario(
        f"no scenario named {name!r} for {city.name!r}; saved scenarios: {listed}"
    )


def _public_scenario(scenario: SavedScenario, city: City) -> ScenarioPublic:
    return ScenarioPublic(
        id=stored_id(scenario),
        city_name=city.name,
        name=scenario.name,
        note=scenario.note,
        parameters=json.loads(scenario.parameters),
        created_at=as_utc(scenario.created_at),
        created_by=scenario.created_by,
    )


def _required_text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecord(
            t("{field}: must be a non-empty text, not {value}", field=field, value=repr(value))
        )
    return value.strip()


def _to_json(field: str, value: Mapping[str, Any]) -> str:
    if not isinstance(value, Mapping):
        raise InvalidRecord(f"{field}: must be a mapping of names to values, not {value!r}")
    try:
        return json.dumps(dict(value), default=_json_default, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRecord(f"{field}: cannot be stored as JSON ({exc})") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    to_list = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(to_list):
        return to_list()
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON serialisable")
