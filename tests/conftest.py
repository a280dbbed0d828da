"""Fixtures of the access tests: a database with the tiny city and one account per role
(tests/planner/access_city.py)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlmodel import Session

from models.db import get_engine, session_scope, upgrade_database
from planner import passwords
from service import access
from tests.service.access_city import ACTORS, CITY, OTHER_CITY, PASSWORD, city_package

#: The test process's own main module, as pytest started it.
_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def main_module_as_started() -> Iterator[None]:
    """Every test starts with pytest's main module. An AppTest whose script thread outlives
    its test (a run past its timeout) can leave a page as `sys.modules["__main__"]` after
    tests/app's own fixture restored it; a process pool started later (the sweep's) then
    runs that page in each child, which dies (BrokenProcessPool in test_cli's sweep)."""
    sys.modules["__main__"] = _MAIN
    yield


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(scope="session")
def access_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with two cities and an account per role, made once and copied per test."""
    path = tmp_path_factory.mktemp("access") / "haven.db"
    engine = get_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    saved = passwords._hasher
    passwords._hasher = cheap
    try:
        with session_scope(engine) as session:
            admin = access.Actor("setup", "admin")
            access.import_city(admin, session, city_package())
            access.import_city(admin, session, city_package(OTHER_CITY))
            for role, actor in ACTORS.items():
                if role == "public":
                    continue
                access.create_user_as(
                    admin,
                    session,
                    username=actor.username,
                    password=PASSWORD,
                    role=role,
                    city=actor.city,
                    agency_id=actor.agency_id,
                )
            access.save_scenario_as(
                ACTORS["analyst"],
                session,
                city_name=CITY,
                name="analyst plan",
                note=None,
                parameters={"budget": 1000},
            )
    finally:
        passwords._hasher = saved
    engine.dispose()
    return path


@pytest.fixture
def access_engine(tmp_path: Path, access_template: Path) -> Iterator[Engine]:
    path = tmp_path / "haven.db"
    shutil.copyfile(access_template, path)
    engine = get_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def access_session(access_engine: Engine, cheap_hashes: None) -> Iterator[Session]:
    with Session(access_engine, expire_on_commit=False) as session:
        yield session
