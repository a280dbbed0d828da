"""Issue 14: what a data edit changes is recomputed in the background right away, the next
page reads the stored result instead of computing it, and a page rendered while the
recomputation runs says so instead of showing an older version's figures as current.

Work is counted (solves, forecasts, comparisons), never timed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from models.db import dispose_engines
from planner.scenario import Scenario
from planner.settings import get_settings
from service import city, edits, forecasts, groups, plans, store
from service.audience import audience_for
from tests.service.access_city import ACTORS, CITY, city_package

ADMIN = ACTORS["admin"]
ANALYST = ACTORS["analyst"]
FUNDER = ACTORS["funder"]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'haven.db'}")
    monkeypatch.delenv("HAVEN_FORECAST_DIR", raising=False)
    monkeypatch.setenv("HAVEN_WATCH_SECONDS", "0")  # the hook only: no watch thread
    get_settings.cache_clear()
    store.clear()
    edits.import_city(ADMIN, city_package())
    yield tmp_path
    forecasts.wait_idle(60)
    store.clear()
    get_settings.cache_clear()
    dispose_engines()


@pytest.fixture
def worker(database: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The background worker on, as in a serving process, with the start's precompute done."""
    monkeypatch.setenv("HAVEN_PRECOMPUTE", "1")
    monkeypatch.setattr(forecasts, "_started", False)
    forecasts.warm_at_start()
    assert forecasts.wait_idle(120)
    return database


def counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls: list[int] = []
    original: Callable[..., Any] = getattr(module, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return calls


def edit_capacity(extra: float = 1.0) -> str:
    package = store.exact_package(CITY)
    row = package.current_capacity().iloc[0]
    edits.update_capacity(
        ADMIN,
        city_name=CITY,
        agency_id=str(row["agency_id"]),
        service_id=str(row["service_id"]),
        capacity=float(row["capacity"]) + extra,
        as_of=date.today(),
    )
    return store.data_version(CITY)


def test_an_edit_is_recomputed_in_the_background_and_the_next_overview_reads_it(
    worker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    solves = counted(monkeypatch, plans, "_solve")
    outlooks = counted(monkeypatch, city, "demand_outlook")
    version = edit_capacity()  # the edit's hook schedules the worker
    assert forecasts.wait_idle(120)
    assert solves == [1]  # the new version's status quo, once, in the background worker's
    # child process (the page's thread keeps the GIL)
    assert outlooks == []  # a capacity edit keeps the demand forecast
    assert forecasts._pool is not None  # the worker's child process ran it
    assert plans.status_quo_ready(CITY, version)
    assert city.recomputing(ANALYST, CITY) is None
    for actor in (ANALYST, FUNDER):
        figures = city.overview(actor, CITY, wait=False)
        assert figures.unmet is not None
        groups.overview_groups(actor, CITY, wait=False)
        shown = city.capacity_map(actor, CITY, wait=False)
        assert not shown.coverage_pending
    assert solves == [1] and outlooks == []  # the pages computed nothing again


def test_a_restarted_process_reads_the_status_quo_from_disk(
    worker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.clear()  # a new process: nothing in memory, the store on disk
    solves = counted(monkeypatch, plans, "_solve")
    outlooks = counted(monkeypatch, city, "demand_outlook")
    assert city.recomputing(ANALYST, CITY) is None
    for actor in (ANALYST, FUNDER):
        assert city.overview(actor, CITY).unmet is not None
        groups.overview_groups(actor, CITY)
        city.capacity_map(actor, CITY)
    assert solves == [] and outlooks == []


def test_a_page_during_the_recomputation_says_so_and_never_shows_the_old_figures(
    worker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    original = forecasts.precompute

    def held(name: str) -> None:
        assert release.wait(60)
        original(name)

    monkeypatch.setattr(forecasts, "precompute", held)
    before = city.overview(ANALYST, CITY)
    assert before.unmet is not None
    version = edit_capacity(extra=5.0)
    try:
        pending = city.recomputing(ANALYST, CITY)
        assert pending is not None and pending.version == version
        for actor in (ANALYST, FUNDER):
            figures = city.overview(actor, CITY, wait=False)
            assert figures.unmet is None  # not the old version's unmet need
            assert figures.services["capacity"].sum() == before.services["capacity"].sum() + 5
            shown = city.capacity_map(actor, CITY, wait=False)
            assert shown.coverage_pending and shown.measures["coverage"].isna().all()
            by_group = groups.overview_groups(actor, CITY, wait=False).coverage
            assert by_group is None or by_group.empty  # the tiny city has no groups
    finally:
        release.set()
    assert forecasts.wait_idle(120)
    assert city.recomputing(ANALYST, CITY) is None
    exact = city.overview(ANALYST, CITY, wait=False).unmet
    shown_to_funder = city.overview(FUNDER, CITY, wait=False).unmet
    assert exact is not None and shown_to_funder is not None
    # The audience filter on the stored path too: the funder gets names and services only.
    assert list(shown_to_funder.columns) == ["name", "most_unmet_service"]
    assert "unmet" in exact.columns


def test_without_a_background_worker_a_page_computes_and_waits(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAVEN_PRECOMPUTE", "0")
    edit_capacity()
    assert city.recomputing(ANALYST, CITY) is None  # nothing would compute it: the page does
    assert city.overview(ANALYST, CITY).unmet is not None


def test_compare_is_computed_once_per_version_and_saved_parameters(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, budget in (("A", 50_000.0), ("B", 90_000.0)):
        plans.save_scenario(ANALYST, CITY, Scenario(name=name, budget=budget), "")
    made = counted(monkeypatch, plans, "compare_plans")
    first = plans.compare(ANALYST, CITY, ["A", "B"])
    assert plans.compare(ANALYST, CITY, ["A", "B"]) is first
    assert made == [1]
    plans.compare(FUNDER, CITY, ["A", "B"])  # another audience: its own comparison
    assert made == [1, 1]
    plans.delete_scenario(ANALYST, CITY, "B")
    plans.save_scenario(ANALYST, CITY, Scenario(name="B", budget=120_000.0), "again")
    plans.compare(ANALYST, CITY, ["A", "B"])  # B saved again with other parameters
    assert made == [1, 1, 1]


def test_compare_after_an_edit_follows_the_worker_and_reads_its_plans(
    worker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, budget in (("A", 50_000.0), ("B", 90_000.0), ("C", 70_000.0)):
        plans.save_scenario(ANALYST, CITY, Scenario(name=name, budget=budget), "")
    release = threading.Event()
    original = forecasts.precompute

    def held(name: str) -> None:
        assert release.wait(60)
        original(name)

    monkeypatch.setattr(forecasts, "precompute", held)
    version = edit_capacity()
    try:
        pending = plans.comparison_pending(ANALYST, CITY, ["A", "B"])
        assert pending is not None and pending.version == version
        # Not among the first saved (the worker solves those only): Compare solves it.
        assert plans.comparison_pending(ANALYST, CITY, ["A", "C"]) is None
    finally:
        release.set()
    assert forecasts.wait_idle(120)
    assert plans.comparison_pending(ANALYST, CITY, ["A", "B"]) is None
    solves = counted(monkeypatch, plans, "_solve")
    made = counted(monkeypatch, plans, "compare_plans")
    assert plans.compare(ANALYST, CITY, ["A", "B"]).tables is not None
    assert solves == [] and made == []  # solved and compared in the background


def test_the_start_reads_what_a_first_visitor_reads_before_the_server_answers(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serve.py waits for `wait_until_read` before the server answers: by then the
    Overview's figures are in memory, so the first visitor after a restart computes none."""
    monkeypatch.setenv("HAVEN_PRECOMPUTE", "1")
    monkeypatch.setattr(forecasts, "_started", False)
    names = forecasts.warm_at_start()
    assert names == [CITY]
    assert forecasts.wait_until_read(names, 120)
    version = store.data_version(CITY)
    key = (CITY, version, audience_for(ANALYST).key, date.today().isoformat())
    assert store.peek("overview", key)
    made = counted(monkeypatch, city, "_overview_figures")
    city.overview(ANALYST, CITY)
    assert made == []
