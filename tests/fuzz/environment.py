"""The hostile-world corpus (issue 13): the command line run against a careless operator's
paths, an unreachable or unopenable database and a full disk. Each case is a command and a
way to break the world around it; every one must end with exit code 1, a clean `error: ...`
line (no traceback) and the database unchanged. Add a case here for each new way to fail.

A case's `argv` gets the test's folder, where `good/` is the tiny package, `plan/` a plan
folder, `a-file` an ordinary file and `a-folder` an empty folder; its `arrange` breaks the
world with pytest's monkeypatch (an environment variable, a writer that raises ENOSPC).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.exc

from tests.package_factory import CITY

UNREACHABLE = "postgresql://127.0.0.1:1/haven"
"""Nothing listens on port 1: the connection is refused at once (no network needed)."""

MISSING_DIRECTORY = "sqlite:////proc/haven-no-such-folder/haven.db"
"""An SQLite file whose folder cannot be made (/proc refuses new folders, even to root)."""

UNOPENABLE = "sqlite:////proc/haven.db"
"""An SQLite file that cannot be created (read-only place, even to root)."""

FULL = os.strerror(errno.ENOSPC)


@dataclass(frozen=True)
class WorldCase:
    id: str
    argv: Callable[[Path], list[str]]
    expect: str
    """A fragment the error line must hold."""
    arrange: Callable[[pytest.MonkeyPatch], None] = lambda _monkeypatch: None


def _database(url: str) -> Callable[[pytest.MonkeyPatch], None]:
    def arrange(monkeypatch: pytest.MonkeyPatch) -> None:
        from planner.settings import get_settings

        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()

    return arrange


def _no_space(*_args: Any, **_kwargs: Any) -> Any:
    raise OSError(errno.ENOSPC, FULL)


def _disk_full_in(target: str, name: str) -> Callable[[pytest.MonkeyPatch], None]:
    def arrange(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(target + "." + name, _no_space)

    return arrange


def _database_full_mid_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's own words for a full disk, raised when the demand rows go in: the city row and
    the earlier files are already written in the transaction, which must be rolled back."""
    from models import repository

    original = repository._package_records

    def records(package: Any, part: Any, **kwargs: Any) -> Any:
        if part.file == "demand.csv":
            raise sqlalchemy.exc.OperationalError(
                "INSERT INTO demand", {}, sqlite3.OperationalError("database or disk is full")
            )
        return original(package, part, **kwargs)

    monkeypatch.setattr(repository, "_package_records", records)


def _pretend_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report's bytes without building one (the case is about where they go)."""
    monkeypatch.setattr("cli.report.build_report", lambda *_a, **_k: b"%PDF-1.4\n")


def _both(*steps: Callable[[pytest.MonkeyPatch], None]) -> Callable[[pytest.MonkeyPatch], None]:
    def arrange(monkeypatch: pytest.MonkeyPatch) -> None:
        for step in steps:
            step(monkeypatch)

    return arrange


NAME = str(CITY["name"])

WORLD_CASES: list[WorldCase] = [
    # Paths: an existing file where a folder goes, and the other way round.
    WorldCase(
        "export-onto-a-file",
        lambda tmp: ["export", NAME, str(tmp / "a-file")],
        "a-file: it is a file, not a folder",
    ),
    WorldCase(
        "plan-out-onto-a-file",
        lambda tmp: ["plan", str(tmp / "good"), "--out", str(tmp / "a-file")],
        "a-file: it is a file, not a folder",
    ),
    WorldCase(
        "sweep-out-onto-a-file",
        lambda tmp: ["sweep", str(tmp / "good"), "--budget", "1", "--out", str(tmp / "a-file")],
        "a-file: it is a file, not a folder",
    ),
    WorldCase(
        "hsds-export-onto-a-file",
        lambda tmp: ["hsds-export", str(tmp / "good"), "--out", str(tmp / "a-file")],
        "a-file: it is a file, not a folder",
    ),
    WorldCase(
        "report-onto-a-folder",
        lambda tmp: ["report", str(tmp / "plan"), "--out", str(tmp / "a-folder")],
        "a-folder: it is a folder, not a file",
        _pretend_report,
    ),
    # Unwritable places.
    WorldCase(
        "report-into-proc",
        lambda tmp: ["report", str(tmp / "plan"), "--out", "/proc/haven-report.pdf"],
        "cannot write /proc/haven-report.pdf:",
        _pretend_report,
    ),
    WorldCase(
        "report-under-a-file",
        lambda tmp: ["report", str(tmp / "plan"), "--out", str(tmp / "a-file" / "r.pdf")],
        "cannot write",
        _pretend_report,
    ),
    WorldCase(
        "export-into-proc",
        lambda tmp: ["export", NAME, "/proc/haven-export"],
        "cannot write /proc/haven-export:",
    ),
    WorldCase(
        "audit-csv-into-proc",
        lambda tmp: ["users", "audit", "--csv", "/proc/haven-audit.csv"],
        "cannot write /proc/haven-audit.csv:",
    ),
    # The database: unreachable, its folder impossible, its file unopenable.
    WorldCase(
        "import-unreachable-postgres",
        lambda tmp: ["import", str(tmp / "good"), "--replace"],
        "cannot use the database (",
        _database(UNREACHABLE),
    ),
    WorldCase(
        "export-unreachable-postgres",
        lambda tmp: ["export", NAME, str(tmp / "out")],
        "cannot use the database (",
        _database(UNREACHABLE),
    ),
    WorldCase(
        "demo-unreachable-postgres",
        lambda tmp: ["demo", "--if-empty"],
        "cannot use the database (",
        _database(UNREACHABLE),
    ),
    WorldCase(
        "users-list-unreachable-postgres",
        lambda tmp: ["users", "list"],
        "cannot use the database (",
        _database(UNREACHABLE),
    ),
    WorldCase(
        "audit-unreachable-postgres",
        lambda tmp: ["users", "audit"],
        "cannot use the database (",
        _database(UNREACHABLE),
    ),
    WorldCase(
        "import-sqlite-missing-folder",
        lambda tmp: ["import", str(tmp / "good")],
        "cannot use the database (/proc/haven-no-such-folder",
        _database(MISSING_DIRECTORY),
    ),
    WorldCase(
        "export-sqlite-missing-folder",
        lambda tmp: ["export", NAME, str(tmp / "out")],
        "cannot use the database (",
        _database(MISSING_DIRECTORY),
    ),
    WorldCase(
        "import-sqlite-unopenable",
        lambda tmp: ["import", str(tmp / "good")],
        "cannot use the database (unable to open database file)",
        _database(UNOPENABLE),
    ),
    WorldCase(
        "users-disable-sqlite-unopenable",
        lambda tmp: ["users", "disable", "nobody"],
        "cannot use the database (",
        _database(UNOPENABLE),
    ),
    # A full disk.
    WorldCase(
        "import-disk-full",
        lambda tmp: ["import", str(tmp / "good"), "--replace"],
        "cannot use the database (database or disk is full)",
        _database_full_mid_import,
    ),
    WorldCase(
        "export-disk-full",
        lambda tmp: ["export", NAME, str(tmp / "out")],
        f"out: {FULL}",
        _disk_full_in("planner.package", "_write_csv"),
    ),
    WorldCase(
        "plan-disk-full",
        lambda tmp: ["plan", str(tmp / "good"), "--out", str(tmp / "out")],
        f"out: {FULL}",
        _disk_full_in("pandas.DataFrame", "to_csv"),
    ),
    WorldCase(
        "sweep-disk-full",
        lambda tmp: ["sweep", str(tmp / "good"), "--budget", "1", "--out", str(tmp / "out")],
        f"out: {FULL}",
        _disk_full_in("pandas.DataFrame", "to_csv"),
    ),
    WorldCase(
        "hsds-export-disk-full",
        lambda tmp: ["hsds-export", str(tmp / "good"), "--out", str(tmp / "out")],
        f"out: {FULL}",
        _disk_full_in("planner.hsds.write", "_write_rows"),
    ),
    WorldCase(
        "report-disk-full",
        lambda tmp: ["report", str(tmp / "plan"), "--out", str(tmp / "r.pdf")],
        f"r.pdf: {FULL}",
        _both(_pretend_report, _disk_full_in("pathlib.Path", "write_bytes")),
    ),
    WorldCase(
        "audit-csv-disk-full",
        lambda tmp: ["users", "audit", "--csv", str(tmp / "audit.csv")],
        f"audit.csv: {FULL}",
        _disk_full_in("pandas.DataFrame", "to_csv"),
    ),
]
