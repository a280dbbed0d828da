"""The engine factory and sessions: one engine per URL, foreign keys on, no import-time I/O."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, text

import models.db
from models import get_engine, list_cities, session_scope
from models.tables import City

ROOT = Path(__file__).resolve().parents[2]


def test_engines_are_cached_per_url(tmp_path: Path) -> None:
    first = get_engine(f"sqlite:///{tmp_path / 'a.db'}")
    assert get_engine(f"sqlite:///{tmp_path / 'a.db'}") is first
    assert get_engine(f"sqlite:///{tmp_path / 'b.db'}") is not first


def test_the_folder_of_an_sqlite_file_is_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "haven.db"
    engine = get_engine(f"sqlite:///{path}")
    assert path.parent.is_dir()
    with engine.connect() as connection:
        connection.execute(text("select 1"))
    assert path.is_file()
    engine.dispose()


def test_sqlite_connections_have_foreign_keys_on(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    engine.dispose()


def test_the_default_url_comes_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'settings' / 'haven.db'}"
    monkeypatch.setattr(models.db, "get_settings", lambda: SimpleNamespace(database_url=url))
    assert str(get_engine().url) == url
    assert get_engine() is get_engine(url)


def test_session_scope_commits_at_the_end(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(City(name="Committed", currency="EUR"))
    with session_scope(engine) as session:
        assert list_cities(session) == ["Committed"]


def test_session_scope_rolls_back_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(City(name="Rolled back", currency="EUR"))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(engine) as session:
        assert list_cities(session) == []


def test_importing_models_opens_no_database(tmp_path: Path) -> None:
    folder = tmp_path / "never"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'haven.db'}"}
    code = "import models, models.db, models.repository, models.scenarios, models.tables"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert not folder.exists()
