"""A private copy of the demo database, for app tests that write, and row counts to compare."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.db import get_engine
from planner.settings import get_settings


def copy_database(demo_url: str, folder: Path) -> str:
    """Copy the demo SQLite database into `folder` (SQLite's backup API); its URL."""
    source = demo_url.removeprefix("sqlite:///")
    target = folder / "scratch.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def use_database(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()


def row_counts(url: str) -> dict[str, int]:
    """Rows per table of the database (migration bookkeeping aside)."""
    engine = get_engine(url)
    with engine.connect() as connection:
        names = [n for n in sa.inspect(connection).get_table_names() if n != "alembic_version"]
        return {
            name: int(connection.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one())
            for name in names
        }
