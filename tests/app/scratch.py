"""A private copy of the demo database, for app tests that write, and row counts to compare."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.db import get_engine
from planner.settings import get_settings


def copy_database(demo_url: str, folder: Path) -> str:
    """Copy the demo SQLite database into `folder` (SQLite's backup API), with what the app
    stored beside it (`copy_stored`); its URL."""
    target = folder / "scratch.db"
    with (
        sqlite3.connect(demo_url.removeprefix("sqlite:///")) as src,
        sqlite3.connect(target) as dst,
    ):
        src.backup(dst)
    copy_stored(demo_url, f"sqlite:///{target}")
    return f"sqlite:///{target}"


# service.forecasts names what depends on the data version `{city}-{demand key}.{version tag}-`.
_VERSIONED = re.compile(r"-[0-9a-f]{16}\.([0-9a-f]{12})-")


def copy_stored(demo_url: str, target_url: str) -> None:
    """Copy what the app stored beside the demo database (service.forecasts.folder():
    forecasts, plans and the status quo) beside the target database, which holds the same
    data (a copy, or the demo city loaded afresh: version 1.1 either way), as a server
    restored from a backup of both would find them: it reads the demo city's forecasts and
    the plans solved so far instead of solving them again.

    Of what is stored per data version, only the target's present versions are copied: a
    version the target reaches after a write of its own is solved for its own data."""
    stored = Path(demo_url.removeprefix("sqlite:///")).parent / "forecasts"
    target = Path(target_url.removeprefix("sqlite:///"))
    if not stored.is_dir():
        return
    with sqlite3.connect(target) as connection:
        rows = connection.execute("SELECT id, data_version FROM city").fetchall()
    tags = {hashlib.sha256(f"{i}.{v}".encode()).hexdigest()[:12] for i, v in rows}

    def other_versions(_: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n.endswith(".tmp")}
        for name in names:
            versioned = _VERSIONED.search(name)
            if versioned and versioned.group(1) not in tags:
                skipped.add(name)
        return skipped

    # Hard links: the app writes a stored file anew and renames it into place, never in
    # place (a forecast of the demo city is 95 MB). A file replaced meanwhile (by a page's
    # background thread) is solved again.
    with contextlib.suppress(shutil.Error):
        shutil.copytree(
            stored,
            target.parent / "forecasts",
            ignore=other_versions,
            copy_function=_link,
            dirs_exist_ok=True,
        )


def _link(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:  # another file system
        shutil.copy2(source, destination)


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
