"""Every case of the hostile-world corpus (tests/fuzz/environment.py): the command, run
in-process through cli.main.main, exits 1 with one clean `error: ...` line (no traceback,
whatever the path, the database or the disk did) and the database is unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.main import main
from models.db import dispose_engines, get_engine
from planner.settings import get_settings
from tests.fuzz.environment import WORLD_CASES, WorldCase
from tests.package_factory import write_tiny_package


def row_counts(url: str) -> dict[str, int]:
    with get_engine(url).connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return {
            name: connection.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
            for name in names
        }


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A database holding the tiny city, the package, an ordinary file, an empty folder and
    a plan folder (empty: the report cases do not read it)."""
    url = f"sqlite:///{tmp_path / 'db' / 'haven.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    assert main(["import", str(write_tiny_package(tmp_path / "good"))]) == 0
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "plan").mkdir()
    yield tmp_path, url
    get_settings.cache_clear()
    dispose_engines()


@pytest.mark.parametrize("case", WORLD_CASES, ids=[c.id for c in WORLD_CASES])
def test_the_command_fails_cleanly(
    case: WorldCase,
    world: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tmp, url = world
    before = row_counts(url)
    capsys.readouterr()
    argv = case.argv(tmp)
    with monkeypatch.context() as broken:
        case.arrange(broken)
        code = main(argv)
    get_settings.cache_clear()
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("error: ")]
    assert code == 1, captured.err
    assert len(errors) == 1, captured.err
    assert case.expect in errors[0]
    assert "Traceback" not in captured.err + captured.out
    assert row_counts(url) == before
