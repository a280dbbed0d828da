"""The audit log and the accounts survive careless operators (issue 13): TRUNCATE is refused
on PostgreSQL like UPDATE and DELETE, and a downgrade that would drop audit events, accounts
or cities refuses unless forced, saying what it would lose."""

from __future__ import annotations

import io

import pytest
from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from models import accounts
from models.__main__ import main as models_cli
from models.db import MIGRATIONS_DIR, alembic_config, upgrade_database
from models.downgrade_guard import FORCE_OPTION, FORCE_VARIABLE
from models.repository import import_package
from planner.package import CityPackage

HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def events_and_accounts(session: Session, events: int = 3, users: int = 2) -> None:
    for i in range(events):
        accounts.record_event(session, actor="ann", action="import", city="C", target=str(i))
    for i in range(users):
        accounts.create_user(session, username=f"user{i}", password_hash=HASH, role="analyst")
    session.commit()


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        return next(iter(rows), None)


def test_truncate_of_the_audit_log_is_refused(engine: Engine, session: Session) -> None:
    events_and_accounts(session)
    if engine.dialect.name == "sqlite":
        statement = "DELETE FROM audit_event"  # SQLite has no TRUNCATE; this is its form
    else:
        statement = "TRUNCATE audit_event"
    with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text(statement))
    assert len(accounts.list_events(session)) == 3


def test_truncate_with_cascade_or_restart_is_refused_too(engine: Engine, session: Session) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has no TRUNCATE")
    events_and_accounts(session)
    for statement in (
        "TRUNCATE audit_event RESTART IDENTITY CASCADE",
        "TRUNCATE TABLE ONLY audit_event",
        "TRUNCATE user_account, audit_event",
    ):
        with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    assert len(accounts.list_events(session)) == 3


def test_a_downgrade_that_drops_events_and_accounts_refuses(
    engine: Engine, session: Session
) -> None:
    events_and_accounts(session, events=19, users=3)
    head = revision(engine)
    with pytest.raises(CommandError) as refused:
        command.downgrade(alembic_config(engine), "0001")
    assert str(refused.value).startswith(
        "this downgrade would drop rows (audit events: 19, accounts: 3); nothing was changed."
    )
    assert FORCE_VARIABLE in str(refused.value) and FORCE_OPTION in str(refused.value)
    assert revision(engine) == head
    assert len(accounts.list_events(session, limit=100)) == 19
    assert {"audit_event", "user_account"} <= set(inspect(engine).get_table_names())


def test_a_downgrade_to_base_counts_cities_too_before_dropping_anything(
    engine: Engine, session: Session, tiny: CityPackage
) -> None:
    import_package(session, tiny)
    session.commit()
    events_and_accounts(session, events=1, users=0)
    head = revision(engine)
    with pytest.raises(CommandError, match=r"\(audit events: 1, cities: 1\)"):
        command.downgrade(alembic_config(engine), "base")
    assert revision(engine) == head
    assert {"audit_event", "city"} <= set(inspect(engine).get_table_names())


def test_the_models_command_refuses_and_forces(
    engine: Engine, session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    events_and_accounts(session)
    session.close()
    url = engine.url.render_as_string(hide_password=False)
    assert models_cli(["--url", url, "downgrade", "0001"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: this downgrade would drop rows (audit events: 3, accounts: 2)")
    assert "Traceback" not in error
    assert models_cli(["--url", url, "downgrade", "0001", "--force"]) == 0
    assert "audit_event" not in inspect(engine).get_table_names()
    upgrade_database(engine)


def test_the_environment_variable_forces(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    events_and_accounts(session)
    session.close()
    monkeypatch.setenv(FORCE_VARIABLE, "1")
    command.downgrade(alembic_config(engine), "0001")
    assert revision(engine) == "0001"
    upgrade_database(engine)


def test_an_empty_database_downgrades_without_force(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_database(engine)


def test_the_truncate_trigger_renders_for_postgresql() -> None:
    output = io.StringIO()
    config = Config(output_buffer=output)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", "postgresql://")
    command.upgrade(config, "head", sql=True)
    sql = output.getvalue()
    assert "BEFORE TRUNCATE ON audit_event" in sql
    assert "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()" in sql


def test_an_unreachable_database_is_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://nobody:x@127.0.0.1:1/none"
    assert models_cli(["--url", url, "upgrade"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: cannot use the database (") and "Traceback" not in error
