"""Accounts and the audit log in the database: constraints, hashes only, append-only log."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from models import accounts
from models.db import MIGRATIONS_DIR
from models.errors import InvalidRecord
from models.tables import UserAccount

HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def test_create_and_list_accounts_without_hashes(session: Session) -> None:
    accounts.create_user(session, username="zoe", password_hash=HASH, role="analyst")
    accounts.create_user(
        session, username="al", password_hash=HASH, role="partner", city="C", agency_id="A1"
    )
    listed = accounts.list_users(session)
    assert [u.username for u in listed] == ["al", "zoe"]
    assert listed[0].agency_id == "A1" and listed[0].city == "C"
    assert listed[1].agency_id is None and listed[1].active and listed[1].failed_logins == 0
    assert all("argon2" not in str(u.model_dump()) for u in listed)
    assert listed[0].created_at.tzinfo is not None


def test_bad_accounts_are_refused(session: Session) -> None:
    with pytest.raises(InvalidRecord, match="partner account needs"):
        accounts.create_user(session, username="p", password_hash=HASH, role="partner")
    with pytest.raises(InvalidRecord, match="role"):
        accounts.create_user(session, username="p", password_hash=HASH, role="superuser")
    with pytest.raises(InvalidRecord, match="only argon2"):
        accounts.create_user(session, username="p", password_hash="plain text", role="funder")
    accounts.create_user(session, username="p", password_hash=HASH, role="funder")
    with pytest.raises(accounts.UserExists):
        accounts.create_user(session, username="p", password_hash=HASH, role="funder")
    with pytest.raises(accounts.UnknownUser):
        accounts.require_user(session, username="q")


def test_the_database_itself_refuses_a_partner_without_agency_and_unknown_roles(
    session: Session,
) -> None:
    session.add(UserAccount(username="x", password_hash=HASH, role="partner"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    session.add(UserAccount(username="y", password_hash=HASH, role="owner"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    session.add(UserAccount(username="z", password_hash=HASH, role="funder", failed_logins=-1))
    with pytest.raises(IntegrityError):
        session.flush()


def test_audit_events_keep_json_before_and_after(session: Session) -> None:
    accounts.record_event(
        session,
        actor="ann",
        action="capacity_edit",
        city="<b>City</b>",
        target="A1/shelter'; --",
        before={"capacity": 20.0, "as_of": date(2026, 1, 1)},
        after={"capacity": 24.0, "at": datetime(2026, 2, 1, tzinfo=UTC)},
    )
    accounts.record_event(session, actor="ada", action="user_created", target="zoe")
    newest, oldest = accounts.list_events(session)
    assert newest.action == "user_created" and newest.before is None and newest.after is None
    assert oldest.city == "<b>City</b>" and oldest.target == "A1/shelter'; --"
    assert oldest.before == {"capacity": 20.0, "as_of": "2026-01-01"}
    assert oldest.after == {"capacity": 24.0, "at": "2026-02-01T00:00:00+00:00"}
    assert [e.action for e in accounts.list_events(session, city="<b>City</b>")] == [
        "capacity_edit"
    ]
    assert len(accounts.list_events(session, limit=1)) == 1


def test_the_database_refuses_to_change_or_remove_an_audit_event(
    engine: Engine, session: Session
) -> None:
    accounts.record_event(session, actor="ann", action="import", city="C")
    session.commit()
    for statement in (
        "UPDATE audit_event SET actor = 'mallory'",
        "DELETE FROM audit_event",
    ):
        with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    assert [e.actor for e in accounts.list_events(session)] == ["ann"]


def test_the_append_only_triggers_render_for_postgresql() -> None:
    output = io.StringIO()
    config = Config(output_buffer=output)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", "postgresql://")
    command.upgrade(config, "head", sql=True)
    sql = output.getvalue()
    assert "CREATE TABLE user_account (" in sql
    assert "CREATE TABLE audit_event (" in sql
    assert "CREATE FUNCTION audit_event_append_only() RETURNS trigger" in sql
    assert "BEFORE UPDATE OR DELETE ON audit_event" in sql
    assert "RAISE(ABORT" not in sql  # no SQLite trigger syntax
