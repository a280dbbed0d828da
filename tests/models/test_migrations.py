"""Alembic migrations: run programmatically, idempotent, matching the SQLModel tables."""

from __future__ import annotations

import io
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from models import alembic_config, get_engine, upgrade_database
from models.__main__ import main as models_cli
from models.db import MIGRATIONS_DIR
from models.tables import StoredModel

TABLES = {
    "city",
    "district",
    "service",
    "agency",
    "capacity",
    "demand_observation",
    "funder",
    "eligibility",
    "scenario",
    "plan_run",
    "user_account",
    "audit_event",
    "login_session",
    "capacity_archive",
    "hotline_contact",
    "api_token",
    "population",
    "pathway",
}


def schema_sql(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(text("select name, sql from sqlite_master order by name"))
        return [(name, sql) for name, sql in rows]


def test_upgrade_creates_every_table(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade_database(engine)
    tables = set(inspect(engine).get_table_names())
    assert tables == TABLES | {"alembic_version"}
    assert set(StoredModel.metadata.tables) == TABLES
    engine.dispose()


def test_upgrade_accepts_a_url_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    upgrade_database(url)
    engine = get_engine(url)
    before = schema_sql(engine)
    with engine.connect() as connection:
        head = MigrationContext.configure(connection).get_current_revision()
    upgrade_database(url)
    assert schema_sql(engine) == before
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
    assert head is not None
    engine.dispose()


def test_the_migrations_match_the_tables(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, StoredModel.metadata)
    assert differences == []


def test_check_command_agrees(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    assert models_cli(["--url", url, "check"]) == 0
    assert models_cli(["check"]) == 0  # on a scratch database


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    config = alembic_config(engine)
    command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_database(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_the_migrations_render_for_postgresql() -> None:
    """Offline (SQL only, no server or driver needed): no SQLite-only SQL in them."""
    output = io.StringIO()
    config = Config(output_buffer=output)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", "postgresql://")
    command.upgrade(config, "head", sql=True)
    sql = output.getvalue()
    for table in TABLES:
        assert f"CREATE TABLE {table} (" in sql
    assert "SERIAL" in sql
    assert "TIMESTAMP WITH TIME ZONE" in sql
    assert "FOREIGN KEY(city_id, agency_id) REFERENCES agency (city_id, agency_id)" in sql
