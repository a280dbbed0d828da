"""Forecasts stored when the data changes (service.forecasts): keyed by the demand history,
reused after a capacity edit, read from disk by a fresh process, precomputed in the
background after a write."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from models.db import dispose_engines
from planner.settings import get_settings
from service import city, edits, forecasts, store
from service.access import Actor
from tests.service.access_city import CITY, city_package

ADMIN = Actor("ada", "admin")


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'haven.db'}")
    monkeypatch.delenv("HAVEN_FORECAST_DIR", raising=False)
    get_settings.cache_clear()
    store.clear()
    edits.import_city(ADMIN, city_package())
    yield tmp_path
    forecasts.stop_watching()
    forecasts.wait_idle(60)
    store.clear()
    get_settings.cache_clear()
    dispose_engines()


def test_a_forecast_is_stored_beside_the_database_and_read_back_without_computing(
    database: Path,
) -> None:
    version = store.data_version(CITY)
    calls: list[int] = []

    def make() -> dict[str, int]:
        calls.append(1)
        return {"answer": 42}

    assert forecasts.stored("probe", CITY, version, (12,), make) == {"answer": 42}
    files = list((database / "forecasts").glob("*-probe-12.pkl"))
    assert len(files) == 1
    store.clear()  # a fresh process: nothing in memory
    assert forecasts.stored("probe", CITY, version, (12,), make) == {"answer": 42}
    assert calls == [1]


def test_a_capacity_edit_keeps_the_demand_key_and_a_demand_change_does_not(
    database: Path,
) -> None:
    before = store.data_version(CITY)
    package = store.exact_package(CITY, before)
    row = package.capacity.iloc[0]
    edits.update_capacity(
        ADMIN,
        city_name=CITY,
        agency_id=str(row["agency_id"]),
        service_id=str(row["service_id"]),
        capacity=float(row["capacity"]) + 3,
        as_of=date.today(),
    )
    after = store.data_version(CITY)
    assert after != before
    assert forecasts.demand_key(CITY, after) == forecasts.demand_key(CITY, before)
    demand = package.demand.copy()
    demand.loc[demand.index[0], "cases"] = int(demand["cases"].iloc[0]) + 7
    assert forecasts.fingerprint(dataclasses.replace(package, demand=demand)) != (
        forecasts.demand_key(CITY, before)
    )


def test_after_a_write_the_worker_stores_the_outlook_and_the_backtest(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAVEN_PRECOMPUTE", "1")
    monkeypatch.setattr(forecasts, "_started", False)
    forecasts.warm_at_start()
    assert forecasts.wait_idle(120)
    version = store.data_version(CITY)
    assert forecasts.is_stored(CITY, version)
    assert list((database / "forecasts").glob("*-backtest.pkl"))
    store.clear()
    # Read back from disk: the same outlook the pages use.
    assert city.outlook_exact(CITY, version).horizon_months == city.FORECAST_MONTHS


def test_a_write_from_another_process_is_noticed_and_precomputed(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The REST API and the command line write from their own processes: the serving
    process's watch sees the new data version and precomputes it, so the next Overview does
    not wait for the status quo's solve (issue 14: 15 s after an outside edit)."""
    monkeypatch.setenv("HAVEN_PRECOMPUTE", "1")
    monkeypatch.setenv("HAVEN_WATCH_SECONDS", "0.05")
    monkeypatch.setattr(forecasts, "_started", False)
    solved: list[str] = []
    monkeypatch.setattr(forecasts, "precompute", lambda name: solved.append(name))
    try:
        forecasts.warm_at_start()
        assert forecasts.wait_idle(60)
        assert solved == [CITY]  # the start's own precompute
        package = store.exact_package(CITY)
        row = package.capacity.iloc[0]
        # Another process's write: straight to the database, no hook of this process.
        monkeypatch.setattr(forecasts, "data_changed", lambda name: None)
        edits.update_capacity(
            ADMIN,
            city_name=CITY,
            agency_id=str(row["agency_id"]),
            service_id=str(row["service_id"]),
            capacity=float(row["capacity"]) + 1,
            as_of=date.today(),
        )
        for _ in range(200):
            if len(solved) == 2:
                break
            forecasts._stop_watch.wait(0.05)
        assert forecasts.wait_idle(60)
        assert solved == [CITY, CITY]
    finally:
        forecasts.stop_watching()
