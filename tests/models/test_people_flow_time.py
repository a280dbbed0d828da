"""Version 2 in the database (migration 0007): population groups, demand by group, language
and exploitation, who an agency accepts, interpretation, pathways and grant windows
round-trip; a database made at 0006 with a city in it upgrades, and the city reads and
plans as before; the downgrade refuses to lose groups unless forced."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.util import CommandError
from sqlalchemy import Engine, inspect

from models import import_package, load_package, record_capacity, session_scope
from models.db import alembic_config, get_engine, upgrade_database
from models.downgrade_guard import FORCE_VARIABLE
from models.repository import PACKAGE_PARTS, _package_records
from planner.optimise.solve import SolveOptions, solve
from planner.package import CityPackage, read_package
from planner.scenario import Scenario
from tests.models.conftest import assert_packages_equal
from tests.package_factory import tiny_package, write_v2_package

V2_FRAMES = ("demand_groups", "populations", "pathways", "funders", "capacity", "services")


@pytest.fixture
def v2_city(tmp_path: Path) -> CityPackage:
    return read_package(write_v2_package(tmp_path / "city"))


def test_version_2_round_trips_row_for_row(engine: Engine, v2_city: CityPackage) -> None:
    with session_scope(engine) as session:
        summary = import_package(session, v2_city)
    assert summary.counts["population"] == 3
    assert summary.counts["pathway"] == 2
    assert summary.counts["demand_observation"] == 54
    with session_scope(engine) as session:
        loaded = load_package(session, v2_city.city.name)
    assert_packages_equal(v2_city, loaded)
    for name in V2_FRAMES:
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(v2_city, name), obj=name)
    assert loaded.city.interpretation_service == "interpretation"


def test_a_version_1_city_stays_version_1(engine: Engine) -> None:
    package = tiny_package()
    with session_scope(engine) as session:
        summary = import_package(session, package)
    assert "population" not in summary.counts and "pathway" not in summary.counts
    with session_scope(engine) as session:
        loaded = load_package(session, package.city.name)
    assert_packages_equal(package, loaded)
    assert loaded.demand_groups.empty and loaded.populations.empty and loaded.pathways.empty
    assert (loaded.capacity["populations"] == "").all()
    assert loaded.city.interpretation_service is None


def test_a_capacity_update_keeps_who_the_agency_accepts(
    engine: Engine, v2_city: CityPackage
) -> None:
    with session_scope(engine) as session:
        import_package(session, v2_city)
    with session_scope(engine) as session:
        record_capacity(
            session,
            city_name=v2_city.city.name,
            agency_id="A1",
            service_id="shelter_women",
            capacity=26,
            as_of=date(2026, 2, 1),
            recorded_by="test",
        )
    with session_scope(engine) as session:
        current = load_package(session, v2_city.city.name).current_capacity()
    row = current.set_index(["agency_id", "service_id"]).loc[("A1", "shelter_women")]
    assert (row["capacity"], row["populations"]) == (26, "women;trans_nonbinary")


def _database_at_0006_with(package: CityPackage, path: Path) -> Engine:
    """A database migrated to 0006 holding `package`, written with 0006's columns only."""
    engine = get_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), "0006")
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(metadata.tables["city"]),
            [
                {
                    "name": package.city.name,
                    "currency": "USD",
                    "period": "month",
                    "country": "US",
                    "data_version": 1,
                    "created_at": datetime.now(UTC),
                }
            ],
        )
        city_id = connection.execute(sa.select(metadata.tables["city"].c.id)).scalar_one()
        for part in PACKAGE_PARTS:
            if part.table.name not in metadata.tables:
                continue  # a table of a later revision
            table = metadata.tables[part.table.name]
            records = _package_records(package, part, city_id=city_id, recorded_by="0006")
            records = [{k: v for k, v in r.items() if k in table.c} for r in records]
            if records:
                connection.execute(sa.insert(table), records)
    return engine


def test_a_city_stored_at_0006_upgrades_and_plans_the_same(tmp_path: Path) -> None:
    package = tiny_package()
    engine = _database_at_0006_with(package, tmp_path / "old.db")
    upgrade_database(engine)
    assert {"population", "pathway"} <= set(inspect(engine).get_table_names())
    with session_scope(engine) as session:
        loaded = load_package(session, package.city.name)
    assert loaded.city.name == package.city.name
    for name in ("services", "agencies", "capacity", "demand", "funders", "eligibility"):
        expected = getattr(package, name).reset_index(drop=True)
        pd.testing.assert_frame_equal(getattr(loaded, name), expected, obj=name)
    assert loaded.demand_groups.empty and loaded.populations.empty and loaded.pathways.empty
    options = SolveOptions(diagnostics=False, baselines=False)
    scenario = Scenario(name="same")
    before, after = (
        solve(package, scenario, options=options),
        solve(loaded, scenario, options=options),
    )
    assert after.status == before.status == "optimal"
    assert after.objective == pytest.approx(before.objective, rel=1e-9)
    pd.testing.assert_frame_equal(after.capacity_added, before.capacity_added)
    pd.testing.assert_frame_equal(after.coverage, before.coverage)
    engine.dispose()


def test_the_downgrade_refuses_to_lose_groups_then_sums_demand_back(
    tmp_path: Path, v2_city: CityPackage, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'v2.db'}")
    upgrade_database(engine)
    with session_scope(engine) as session:
        import_package(session, v2_city)
    with pytest.raises(CommandError) as refused:
        command.downgrade(alembic_config(engine), "0006")
    assert "population groups: 3" in str(refused.value)
    assert "pathways: 2" in str(refused.value)
    assert "demand rows by group, language or exploitation (summed back): 54" in str(refused.value)
    assert "population" in inspect(engine).get_table_names()
    monkeypatch.setenv(FORCE_VARIABLE, "1")
    command.downgrade(alembic_config(engine), "0006")
    assert "population" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT district_id, service_id, period, source, cases FROM demand_observation")
        ).all()
    stored = pd.DataFrame(rows, columns=["district_id", "service_id", "period", "source", "cases"])
    keys = ["district_id", "service_id", "period", "source"]
    expected = v2_city.demand.sort_values(keys).reset_index(drop=True)
    stored = stored.sort_values(keys).reset_index(drop=True)
    assert stored["cases"].tolist() == expected["cases"].tolist()
    assert stored[keys].astype(str).values.tolist() == expected[keys].astype(str).values.tolist()
    upgrade_database(engine)
    engine.dispose()
