"""Every case of the hostile-input corpus (tests/fuzz/cases.py): refused by the reader with
clean one-line messages that name the file, never echoing a file outside the package; the
command line exits 1 without a traceback; the database is unchanged (row counts equal)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.main import main
from models.db import dispose_engines, get_engine
from planner.package import read_package, validate_package
from planner.problems import InvalidInput
from planner.settings import get_settings
from tests.fuzz.cases import CASES, SECRET, Case
from tests.package_factory import write_tiny_package

MAX_LINES_PER_FILE = 51
"""The first 50 problems of a file and one line counting the rest (the default setting)."""


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An SQLite database that already holds the tiny city, as a real one holds a city."""
    url = f"sqlite:///{tmp_path / 'db' / 'haven.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    assert main(["import", str(write_tiny_package(tmp_path / "good"))]) == 0
    yield url
    get_settings.cache_clear()
    dispose_engines()


def row_counts(url: str) -> dict[str, int]:
    with get_engine(url).connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return {
            name: connection.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
            for name in names
        }


def assert_clean(lines: list[str], case: Case) -> None:
    text = "\n".join(lines)
    assert case.expect in text
    assert "Traceback" not in text
    assert SECRET not in text and "root:x" not in text and "bin:x" not in text
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert all(len(line) < 600 for line in lines)
    per_file: dict[str, int] = {}
    for line in lines:
        file = line.split(":", 1)[0]
        per_file[file] = per_file.get(file, 0) + 1
    assert max(per_file.values(), default=0) <= MAX_LINES_PER_FILE


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_reader_refuses_cleanly(case: Case, tmp_path: Path) -> None:
    path = case.build(tmp_path)
    problems = validate_package(path)
    assert any(p.is_error for p in problems)
    assert_clean([str(p) for p in problems], case)
    with pytest.raises(InvalidInput):
        read_package(path)
    assert not (tmp_path.parent / "haven-pwned").exists()
    assert not Path("/tmp/haven-pwned").exists()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_import_changes_nothing_and_says_why(
    case: Case, tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case.build(tmp_path)
    before = row_counts(database)
    capsys.readouterr()
    assert main(["import", str(path), "--replace"]) == 1
    captured = capsys.readouterr()
    assert_clean([line for line in captured.err.splitlines() if line], case)
    assert "Traceback" not in captured.out
    assert row_counts(database) == before
