"""The one place that makes database engines and sessions, and migrates the schema.

Nothing here connects at import time: an engine is made on the first `get_engine` call for
a URL and cached for the life of the process, and a connection is opened only when a
session or a migration needs one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session

from planner.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: the settings' `database_url`), made once per URL.

    For an SQLite file the parent folder is created, and every connection turns foreign
    keys on (SQLite leaves them off unless asked, per connection).
    """
    url = url or get_settings().database_url
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _make_engine(make_url(url))
            _engines[url] = engine
        return engine


def _make_engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_foreign_keys_on)
    return engine


def _sqlite_foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def dispose_engines() -> None:
    """Close every cached engine's connections and forget the engines (tests, shutdown)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back if it raises.

    Objects stay readable after the commit (`expire_on_commit=False`).
    """
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(engine_or_url: Engine | str | None = None) -> Config:
    """An Alembic configuration for Haven's migrations, without any alembic.ini.

    Use it with `alembic.command`, for instance to write the next migration:
    `command.revision(alembic_config(), autogenerate=True, message="add x")`.
    """
    engine = _as_engine(engine_or_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


MIGRATION_LOCK_KEY = 0x48617665  # "Have": any constant shared by every Haven process
"""The PostgreSQL advisory lock that `upgrade_database` holds while it migrates."""


_UPGRADE_LOCK = threading.RLock()


def upgrade_database(engine_or_url: Engine | str | None = None) -> None:
    """Run every migration not yet applied (to head); a no-op on an up-to-date database.

    On PostgreSQL the migrations run in one transaction that first takes an advisory lock,
    so several app instances starting at once migrate one after the other: the first does
    the work, the others find the database at head. (SQLite is for one machine: there run
    `python -m models upgrade` before starting more than one process.)
    """
    config = alembic_config(engine_or_url)
    engine: Engine = config.attributes["engine"]
    # Threads of one process migrate one after the other (a background worker and a request
    # may both open a fresh SQLite file): the second finds the database at head.
    with _UPGRADE_LOCK, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _as_engine(engine_or_url: Engine | str | None) -> Engine:
    if isinstance(engine_or_url, Engine):
        return engine_or_url
    return get_engine(engine_or_url)
