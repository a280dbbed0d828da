"""Saved scenarios and plan runs, per city."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine

from models import (
    InvalidRecord,
    ScenarioExists,
    UnknownCity,
    UnknownScenario,
    delete_scenario,
    get_scenario,
    import_package,
    list_plan_runs,
    list_scenarios,
    save_plan_run,
    save_scenario,
    session_scope,
)
from tests.models.conftest import small_city

CITY, OTHER = "Smallville", "Otherville"
PARAMETERS = {"budget": 2500000, "weights": {"shelter": 12}, "equity_mode": "soft"}


@pytest.fixture(autouse=True)
def cities(engine: Engine) -> None:
    with session_scope(engine) as session:
        import_package(session, small_city(CITY))
        import_package(session, small_city(OTHER))


def save(engine: Engine, name: str = "More beds", city_name: str = CITY, **changes) -> int:
    values = {
        "city_name": city_name,
        "name": name,
        "note": "for the council",
        "parameters": PARAMETERS,
        "created_by": "analyst",
    }
    values.update(changes)
    with session_scope(engine) as session:
        return save_scenario(session, **values)


def run(engine: Engine, scenario_id: int | None, city_name: str = CITY, **changes) -> int:
    values = {
        "city_name": city_name,
        "scenario_id": scenario_id,
        "parameters": PARAMETERS,
        "status": "optimal",
        "summary": {"covered_share": 0.93, "cost": 1.2e6},
        "solver": "highs",
        "wall_time_s": 2.5,
    }
    values.update(changes)
    with session_scope(engine) as session:
        return save_plan_run(session, **values)


def test_save_list_get_delete(engine: Engine) -> None:
    first = save(engine, "More beds")
    second = save(engine, "Baseline", note=None, parameters={})
    assert first != second
    with session_scope(engine) as session:
        listed = list_scenarios(session, city_name=CITY)
        assert [s.name for s in listed] == ["Baseline", "More beds"]
        scenario = get_scenario(session, city_name=CITY, name="More beds")
    assert scenario.id == first
    assert scenario.city_name == CITY
    assert scenario.parameters == PARAMETERS
    assert scenario.note == "for the council"
    assert scenario.created_by == "analyst"
    assert scenario.created_at.tzinfo is not None

    with session_scope(engine) as session:
        delete_scenario(session, city_name=CITY, name="More beds")
    with session_scope(engine) as session:
        assert [s.name for s in list_scenarios(session, city_name=CITY)] == ["Baseline"]
        with pytest.raises(UnknownScenario, match="saved scenarios: 'Baseline'"):
            get_scenario(session, city_name=CITY, name="More beds")


def test_names_are_unique_per_city(engine: Engine) -> None:
    save(engine, "Plan A")
    save(engine, "Plan A", city_name=OTHER)
    with pytest.raises(ScenarioExists, match="'Plan A' is already saved for 'Smallville'"):
        save(engine, "Plan A")
    with session_scope(engine) as session:
        assert len(list_scenarios(session, city_name=CITY)) == 1
        assert len(list_scenarios(session, city_name=OTHER)) == 1


def test_overwrite_keeps_the_id(engine: Engine) -> None:
    scenario_id = save(engine, "Plan A")
    assert save(engine, "Plan A", parameters={"budget": 1}, overwrite=True) == scenario_id
    with session_scope(engine) as session:
        assert get_scenario(session, city_name=CITY, name="Plan A").parameters == {"budget": 1}


def test_deleting_a_scenario_keeps_its_plan_runs(engine: Engine) -> None:
    scenario_id = save(engine, "Plan A")
    run_id = run(engine, scenario_id)
    with session_scope(engine) as session:
        delete_scenario(session, city_name=CITY, name="Plan A")
    with session_scope(engine) as session:
        (kept,) = list_plan_runs(session, city_name=CITY)
    assert kept.id == run_id
    assert kept.scenario_id is None
    assert kept.scenario_name is None


def test_plan_runs_are_listed_newest_first_with_their_scenario(engine: Engine) -> None:
    scenario_id = save(engine, "Plan A")
    first = run(engine, scenario_id, status="time_limit")
    second = run(engine, None, summary={"gap": np.float64(0.01), "day": date(2026, 1, 2)})
    run(engine, None, city_name=OTHER)
    with session_scope(engine) as session:
        runs = list_plan_runs(session, city_name=CITY)
        only_a = list_plan_runs(session, city_name=CITY, scenario_id=scenario_id)
        latest = list_plan_runs(session, city_name=CITY, limit=1)
    assert [r.id for r in runs] == [second, first]
    assert runs[1].scenario_name == "Plan A"
    assert runs[1].status == "time_limit"
    assert runs[1].wall_time_s == 2.5
    assert runs[1].parameters == PARAMETERS
    assert runs[0].summary == {"gap": 0.01, "day": "2026-01-02"}
    assert [r.id for r in only_a] == [first]
    assert [r.id for r in latest] == [second]


def test_a_run_cannot_name_another_citys_scenario(engine: Engine) -> None:
    other_scenario = save(engine, "Theirs", city_name=OTHER)
    with pytest.raises(UnknownScenario, match="not a saved scenario of 'Smallville'"):
        run(engine, other_scenario)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "name: must be a non-empty text"),
        ({"created_by": ""}, "created_by: must be a non-empty text"),
        ({"parameters": ["budget"]}, "parameters: must be a mapping"),
        ({"parameters": {"when": object()}}, "parameters: cannot be stored as JSON"),
    ],
)
def test_bad_scenarios_are_refused(engine: Engine, changes: dict, message: str) -> None:
    with pytest.raises(InvalidRecord, match=message):
        save(engine, **changes)


def test_bad_plan_runs_are_refused(engine: Engine) -> None:
    with pytest.raises(InvalidRecord, match="wall_time_s"):
        run(engine, None, wall_time_s=-1)
    with pytest.raises(InvalidRecord, match="summary: must be a mapping"):
        run(engine, None, summary="fine")
    with session_scope(engine) as session:
        assert list_plan_runs(session, city_name=CITY) == []


def test_an_unknown_city_is_named(engine: Engine) -> None:
    with pytest.raises(UnknownCity, match="known cities: 'Otherville', 'Smallville'"):
        save(engine, city_name="Gotham")
