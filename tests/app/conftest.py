"""A database with the demo city, shared by the app tests of one worker."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.db import dispose_engines, get_engine, session_scope, upgrade_database
from models.repository import import_package
from planner.package import read_package
from planner.settings import DEMO_PACKAGE, get_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def keep_main_module() -> Iterator[None]:
    """AppTest leaves the script it ran as `sys.modules["__main__"]`. A process pool started
    later in the same worker (the sweep's, in tests/test_cli.py) would then run that page
    again in each child, as multiprocessing re-imports the parent's main module there."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'haven.db'}"
    engine = get_engine(url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        import_package(session, read_package(DEMO_PACKAGE))
    yield url
    dispose_engines()


@pytest.fixture
def app_env(demo_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the app at the demo database for one test."""
    monkeypatch.setenv("DATABASE_URL", demo_database)
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    yield demo_database
    get_settings.cache_clear()
