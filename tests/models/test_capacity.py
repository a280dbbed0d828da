"""Capacity updates: each adds a history row; the newest as_of is current; bad input is named."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest
from sqlalchemy import Engine

from models import (
    InvalidRecord,
    UnknownAgency,
    UnknownCity,
    UnknownService,
    capacity_history,
    import_package,
    load_package,
    record_capacity,
    session_scope,
)
from planner.package import CityPackage
from tests.models.conftest import row_counts, small_city

CITY = "Smallville"


@pytest.fixture
def city(engine: Engine) -> CityPackage:
    package = small_city(CITY)
    with session_scope(engine) as session:
        import_package(session, package)
    return package


def record(engine: Engine, **changes: object) -> None:
    values: dict[str, object] = {
        "city_name": CITY,
        "agency_id": "A1",
        "service_id": "shelter",
        "capacity": 30,
        "as_of": date(2026, 6, 1),
        "recorded_by": "coordinator@city",
    }
    values.update(changes)
    with session_scope(engine) as session:
        record_capacity(session, **values)  # type: ignore[arg-type]


def history(engine: Engine, agency_id: str = "A1", service_id: str = "shelter"):
    with session_scope(engine) as session:
        return capacity_history(session, city_name=CITY, agency_id=agency_id, service_id=service_id)


def test_an_update_adds_a_row_and_becomes_current(engine: Engine, city: CityPackage) -> None:
    record(engine, capacity=30, occupied=28)
    rows = history(engine)
    assert [(r.as_of, r.capacity, r.occupied) for r in rows] == [
        (None, 20.0, 19.0),
        (date(2026, 1, 1), 24.0, None),
        (date(2026, 6, 1), 30.0, 28.0),
    ]
    newest = rows[-1]
    assert newest.recorded_by == "coordinator@city"
    assert newest.max_expansion == 6.0  # carried over from the current row
    assert newest.recorded_at >= rows[0].recorded_at

    with session_scope(engine) as session:
        package = load_package(session, CITY)
    assert len(package.capacity) == len(city.capacity) + 1
    current = package.current_capacity().set_index(["agency_id", "service_id"])
    assert current.loc[("A1", "shelter"), "capacity"] == 30.0
    assert current.loc[("A1", "shelter"), "as_of"] == "2026-06-01"
    assert current.loc[("A2", "legal_aid"), "capacity"] == 400.0


def test_an_older_as_of_is_history_not_current(engine: Engine, city: CityPackage) -> None:
    record(engine, capacity=5, as_of=date(2025, 3, 1))
    rows = history(engine)
    assert [r.capacity for r in rows] == [20.0, 5.0, 24.0]
    with session_scope(engine) as session:
        current = load_package(session, CITY).current_capacity()
    assert current.set_index("agency_id").loc["A1", "capacity"] == 24.0


def test_two_updates_on_one_day_keep_both_and_the_last_counts(
    engine: Engine, city: CityPackage
) -> None:
    record(engine, capacity=30, max_expansion=2)
    record(engine, capacity=31, as_of=datetime(2026, 6, 1, 17, 30))
    rows = history(engine)
    assert [r.capacity for r in rows[-2:]] == [30.0, 31.0]
    assert rows[-1].max_expansion == 2.0
    with session_scope(engine) as session:
        capacity = load_package(session, CITY).capacity
    assert capacity["as_of"].tolist().count("2026-06-01") == 1
    assert capacity["capacity"].tolist()[-1] == 31.0


def test_an_agency_may_start_a_service(engine: Engine, city: CityPackage) -> None:
    assert history(engine, "A2", "shelter") == []
    record(engine, agency_id="A2", capacity=4, max_expansion=None)
    rows = history(engine, "A2", "shelter")
    assert [(r.capacity, r.max_expansion, r.unit_cost) for r in rows] == [(4.0, 0.0, None)]


def test_the_agencys_own_unit_cost_carries_over(engine: Engine, city: CityPackage) -> None:
    record(engine, agency_id="A2", service_id="legal_aid", capacity=420)
    assert history(engine, "A2", "legal_aid")[-1].unit_cost == 1100.0


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"agency_id": "A9"}, UnknownAgency, "agency_id: 'A9' is not an agency of 'Smallville'"),
        ({"service_id": "dance"}, UnknownService, "services: legal_aid, shelter"),
        ({"capacity": -1}, InvalidRecord, "capacity: -1 is below 0"),
        ({"capacity": float("nan")}, InvalidRecord, "capacity: nan is not a finite number"),
        ({"capacity": "12"}, InvalidRecord, "capacity: '12' is not a number"),
        ({"capacity": True}, InvalidRecord, "capacity: True is not a number"),
        ({"occupied": -0.5}, InvalidRecord, "occupied: -0.5 is below 0"),
        ({"max_expansion": -2}, InvalidRecord, "max_expansion: -2 is below 0"),
        ({"as_of": "2026-06-01"}, InvalidRecord, "as_of: '2026-06-01' is not a date"),
        ({"recorded_by": "  "}, InvalidRecord, "recorded_by"),
    ],
)
def test_bad_updates_are_refused_with_a_clear_message(
    engine: Engine, city: CityPackage, changes: dict[str, object], error: type, message: str
) -> None:
    before = row_counts(engine)
    with pytest.raises(error) as caught:
        record(engine, **changes)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert row_counts(engine) == before


def test_numpy_numbers_are_accepted(engine: Engine, city: CityPackage) -> None:
    record(engine, capacity=np.float64(12.5), occupied=np.int64(3))
    assert (history(engine)[-1].capacity, history(engine)[-1].occupied) == (12.5, 3.0)


def test_an_unknown_city_is_named(engine: Engine, city: CityPackage) -> None:
    with pytest.raises(UnknownCity, match="'Smallville'"):
        record(engine, city_name="Gotham")
