"""The REST API's fixtures: the access tests' database (two cities, one account per role)
copied per test, pointed at by DATABASE_URL, a token per role, and a test client."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from models.db import dispose_engines
from planner.settings import get_settings
from service import store, tokens
from service.access import Actor
from tests.service.access_city import ACTORS

SETUP = Actor("setup", "admin")
GENEROUS = ApiSettings(rate_per_minute=10_000, anonymous_rate_per_minute=10_000)


@pytest.fixture
def api_db(tmp_path: Path, access_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    path = tmp_path / "haven.db"
    shutil.copyfile(access_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HAVEN_SECRET_KEY", "api test key, not a secret")
    monkeypatch.delenv("HAVEN_PUBLIC_ACCESS", raising=False)
    get_settings.cache_clear()
    store.clear()
    yield url
    store.clear()
    get_settings.cache_clear()
    dispose_engines()


@pytest.fixture
def role_tokens(api_db: str) -> dict[str, str]:
    """A token per role with an account: admin, analyst, funder, partner (agency A2)."""
    return {
        role: tokens.create_token(SETUP, username=actor.username, name=f"{role} test").token
        for role, actor in ACTORS.items()
        if role != "public"
    }


@pytest.fixture
def client(api_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(GENEROUS)) as made:
        yield made


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
