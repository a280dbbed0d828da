"""Concurrent writers, on SQLite and PostgreSQL: threads with their own sessions, released
together by a barrier so that their transactions overlap.

Whatever the interleaving, nothing is lost: every capacity update adds its row, a form
filled in on stale figures is refused with `ConcurrentEdit`, and of two analysts saving one
scenario name one is saved and the other told `ScenarioExists`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from models import (
    ConcurrentEdit,
    InvalidRecord,
    ScenarioExists,
    capacity_history,
    data_version,
    get_scenario,
    import_package,
    list_scenarios,
    record_capacity,
    save_scenario,
    session_scope,
)
from tests.models.conftest import small_city

CITY = "Smallville"
ROUNDS = 4


@pytest.fixture(autouse=True)
def city(engine: Engine) -> None:
    with session_scope(engine) as session:
        import_package(session, small_city(CITY))


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread, all released at once; what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            outcomes[index] = call()
        except Exception as exc:  # the outcome under test, checked by the caller
            outcomes[index] = exc

    # Daemon threads: a writer stuck on a lock fails the test instead of hanging pytest.
    threads = [threading.Thread(target=run, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    return outcomes


def version(engine: Engine) -> str:
    with session_scope(engine) as session:
        return data_version(session, city_name=CITY)


def update_capacity(
    engine: Engine,
    *,
    capacity: float,
    recorded_by: str,
    agency_id: str = "A1",
    service_id: str = "shelter",
    expected_version: str | None = None,
) -> Callable[[], str]:
    def call() -> str:
        with session_scope(engine) as session:
            record_capacity(
                session,
                city_name=CITY,
                agency_id=agency_id,
                service_id=service_id,
                capacity=capacity,
                as_of=date(2026, 6, 1),
                recorded_by=recorded_by,
                expected_version=expected_version,
            )
        return recorded_by

    return call


def history(engine: Engine, agency_id: str = "A1", service_id: str = "shelter") -> list[Any]:
    with session_scope(engine) as session:
        return capacity_history(session, city_name=CITY, agency_id=agency_id, service_id=service_id)


def save(engine: Engine, name: str, created_by: str) -> Callable[[], int]:
    def call() -> int:
        with session_scope(engine) as session:
            return save_scenario(
                session,
                city_name=CITY,
                name=name,
                note=f"by {created_by}",
                parameters={"budget": 1000, "by": created_by},
                created_by=created_by,
            )

    return call


# --- capacity --------------------------------------------------------------------------------


def test_two_partners_updating_at_once_both_keep_their_rows(engine: Engine) -> None:
    before = version(engine)
    for round_ in range(ROUNDS):
        outcomes = run_together(
            update_capacity(engine, capacity=30 + round_, recorded_by=f"partner-a-{round_}"),
            update_capacity(
                engine,
                capacity=400 + round_,
                recorded_by=f"partner-b-{round_}",
                agency_id="A2",
                service_id="legal_aid",
            ),
        )
        assert outcomes == [f"partner-a-{round_}", f"partner-b-{round_}"]
    assert [r.recorded_by for r in history(engine)][-ROUNDS:] == [
        f"partner-a-{i}" for i in range(ROUNDS)
    ]
    assert [r.recorded_by for r in history(engine, "A2", "legal_aid")][-ROUNDS:] == [
        f"partner-b-{i}" for i in range(ROUNDS)
    ]
    city_id, _, counter = before.partition(".")
    assert version(engine) == f"{city_id}.{int(counter) + 2 * ROUNDS}"  # every write counted


def test_two_partners_updating_one_service_at_once_both_keep_their_rows(
    engine: Engine,
) -> None:
    imported = len(history(engine))
    outcomes = run_together(
        update_capacity(engine, capacity=31, recorded_by="partner-a"),
        update_capacity(engine, capacity=32, recorded_by="partner-b"),
    )
    assert sorted(outcomes) == ["partner-a", "partner-b"]
    rows = history(engine)
    assert len(rows) == imported + 2
    assert {(r.recorded_by, r.capacity) for r in rows[-2:]} == {
        ("partner-a", 31.0),
        ("partner-b", 32.0),
    }


def test_an_update_on_stale_figures_is_refused(engine: Engine) -> None:
    read = version(engine)
    update_capacity(engine, capacity=30, recorded_by="partner-a", expected_version=read)()
    with pytest.raises(ConcurrentEdit) as caught:
        update_capacity(engine, capacity=99, recorded_by="partner-b", expected_version=read)()
    assert caught.value.expected == read
    assert caught.value.current == version(engine) != read
    message = str(caught.value)
    assert "'A1'" in message and "'shelter'" in message and CITY in message
    assert "changed since you read it" in message and "reload" in message
    assert [r.recorded_by for r in history(engine)][-1] == "partner-a"
    assert "partner-b" not in {r.recorded_by for r in history(engine)}
    update_capacity(
        engine, capacity=99, recorded_by="partner-b", expected_version=version(engine)
    )()
    assert history(engine)[-1].capacity == 99.0


def test_of_two_updates_on_the_same_figures_one_is_saved_the_other_refused(
    engine: Engine,
) -> None:
    for round_ in range(ROUNDS):
        read = version(engine)
        outcomes = run_together(
            update_capacity(engine, capacity=50, recorded_by="a", expected_version=read),
            update_capacity(engine, capacity=60, recorded_by="b", expected_version=read),
        )
        saved = [o for o in outcomes if isinstance(o, str)]
        refused = [o for o in outcomes if isinstance(o, ConcurrentEdit)]
        assert len(saved) == 1 and len(refused) == 1, outcomes
        assert history(engine)[-1].recorded_by == saved[0], round_
    recorded = [r.recorded_by for r in history(engine) if r.as_of == date(2026, 6, 1)]
    assert len(recorded) == ROUNDS


def test_an_import_makes_earlier_figures_stale(engine: Engine) -> None:
    read = version(engine)
    with session_scope(engine) as session:
        import_package(session, small_city(CITY), replace=True)
    with pytest.raises(ConcurrentEdit):
        update_capacity(engine, capacity=30, recorded_by="partner", expected_version=read)()


@pytest.mark.parametrize("token", ["", "7", "x.1", "1.x", 3])
def test_a_version_not_from_data_version_is_named(engine: Engine, token: object) -> None:
    with pytest.raises(InvalidRecord, match="expected_version"):
        update_capacity(engine, capacity=30, recorded_by="p", expected_version=token)()  # type: ignore[arg-type]


def test_a_version_of_another_city_is_stale(engine: Engine) -> None:
    with session_scope(engine) as session:
        import_package(session, small_city("Otherville"))
        other = data_version(session, city_name="Otherville")
    with pytest.raises(ConcurrentEdit):
        update_capacity(engine, capacity=30, recorded_by="p", expected_version=other)()


# --- scenarios -------------------------------------------------------------------------------


def test_two_analysts_saving_different_names_at_once_are_both_saved(engine: Engine) -> None:
    for round_ in range(ROUNDS):
        outcomes = run_together(
            save(engine, f"Plan A{round_}", "analyst-a"),
            save(engine, f"Plan B{round_}", "analyst-b"),
        )
        assert all(isinstance(o, int) for o in outcomes), outcomes
    with session_scope(engine) as session:
        names = [s.name for s in list_scenarios(session, city_name=CITY)]
    assert names == sorted(
        [f"Plan A{i}" for i in range(ROUNDS)] + [f"Plan B{i}" for i in range(ROUNDS)]
    )


def test_two_analysts_saving_one_name_at_once_one_is_told_it_exists(engine: Engine) -> None:
    for round_ in range(ROUNDS):
        name = f"Shared name {round_}"
        outcomes = run_together(save(engine, name, "analyst-a"), save(engine, name, "analyst-b"))
        saved = [o for o in outcomes if isinstance(o, int)]
        refused = [o for o in outcomes if isinstance(o, ScenarioExists)]
        assert len(saved) == 1 and len(refused) == 1, outcomes
        assert repr(name) in str(refused[0])
        with session_scope(engine) as session:
            kept = get_scenario(session, city_name=CITY, name=name)
        winner = "analyst-a" if outcomes[0] == saved[0] else "analyst-b"
        assert (kept.id, kept.created_by, kept.parameters["by"]) == (saved[0], winner, winner)
