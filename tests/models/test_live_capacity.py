"""Version 2 in the database (migration 0006): funded units, hotline contacts and the city's
small-count threshold round-trip; a replacing import archives the capacity rows it takes
out, so the history keeps every earlier figure with its as_of."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from models import import_package, load_package, record_capacity, session_scope
from models.errors import InvalidRecord
from models.repository import capacity_history
from planner.package import read_package
from tests.models.conftest import assert_packages_equal
from tests.package_factory import add_column, edit_city, set_cell, write_tiny_package

HOTLINE = """\
period,channel,contacts,district_id,language,exploitation,referred
2026-01,phone,42,D1,,,30
2026-01,chat,12,,es,labour,
"""


def v2(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = write_tiny_package(tmp_path / "city")
    add_column(path, "capacity.csv", "funded")
    set_cell(path, "capacity.csv", 3, "funded", "30")
    (path / "hotline.csv").write_text(HOTLINE, encoding="utf-8")
    edit_city(path, small_count_k=10)
    return read_package(path)


def test_version_2_round_trips(engine: Engine, tmp_path: Path) -> None:
    package = v2(tmp_path)
    with session_scope(engine) as session:
        summary = import_package(session, package)
    assert summary.counts["hotline_contact"] == 2
    with session_scope(engine) as session:
        loaded = load_package(session, package.city.name)
    assert_packages_equal(package, loaded)
    assert loaded.city.small_count_k == 10
    pd.testing.assert_frame_equal(loaded.hotline, package.hotline)


def test_a_replacing_import_archives_the_history(engine: Engine, tmp_path: Path) -> None:
    package = v2(tmp_path)
    name = package.city.name
    with session_scope(engine) as session:
        import_package(session, package)
    with session_scope(engine) as session:
        record_capacity(
            session,
            city_name=name,
            agency_id="A1",
            service_id="shelter_women",
            capacity=26,
            as_of=date(2026, 2, 1),
            recorded_by="partner-a1",
        )
    capacity = package.capacity.copy()
    capacity.loc[capacity["agency_id"] == "A1", "capacity"] = 10.0
    capacity.loc[capacity["agency_id"] == "A1", "funded"] = float("nan")
    with session_scope(engine) as session:
        import_package(session, dataclasses.replace(package, capacity=capacity), replace=True)
    with session_scope(engine) as session:
        rows = capacity_history(session, city_name=name, agency_id="A1", service_id="shelter_women")
    figures = [(r.as_of, r.capacity, r.recorded_by) for r in rows]
    # The three earlier rows (two imported, one edit) come first, then the new import's.
    assert [f[1] for f in figures] == [20.0, 24.0, 26.0, 10.0, 10.0]
    assert figures[2] == (date(2026, 2, 1), 26.0, "partner-a1")
    assert rows[1].funded == 30.0 and rows[2].funded == 30.0  # carried over by the edit
    with session_scope(engine) as session:
        current = load_package(session, name).current_capacity()
    a1 = current[current["agency_id"] == "A1"].iloc[0]
    assert a1["capacity"] == 10.0  # the archive is history only, never current


def test_funded_below_capacity_is_refused_by_an_edit(engine: Engine, tmp_path: Path) -> None:
    package = v2(tmp_path)
    with session_scope(engine) as session:
        import_package(session, package)
    with pytest.raises(InvalidRecord, match="funded"), session_scope(engine) as session:
        record_capacity(
            session,
            city_name=package.city.name,
            agency_id="A1",
            service_id="shelter_women",
            capacity=24,
            funded=20,
            as_of=date(2026, 2, 1),
            recorded_by="analyst",
        )
    with session_scope(engine) as session:
        record_capacity(
            session,
            city_name=package.city.name,
            agency_id="A1",
            service_id="shelter_women",
            capacity=35,  # above the funded 30: carried over as unknown
            as_of=date(2026, 2, 2),
            recorded_by="analyst",
        )
        last = capacity_history(
            session, city_name=package.city.name, agency_id="A1", service_id="shelter_women"
        )[-1]
    assert last.capacity == 35.0 and last.funded is None
