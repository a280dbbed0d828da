"""ui.auth through Streamlit's AppTest: login, same failure message, expiry, public, logout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models.db import dispose_engines, get_engine, session_scope, upgrade_database
from models.tables import LoginSession
from planner import passwords
from planner.settings import get_settings
from service import access

PASSWORD = "correct horse battery staple"


def script() -> None:
    import streamlit as st

    from ui.auth import current_actor, login_form, logout_button

    actor = current_actor()
    if actor is None:
        login_form()
    else:
        st.text(f"acting as {actor.username} ({actor.role})")
        logout_button()


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    url = f"sqlite:///{tmp_path / 'haven.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HAVEN_AUTH", "local")
    monkeypatch.setenv("HAVEN_SECRET_KEY", "test key, not a secret")
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    get_settings.cache_clear()
    engine = get_engine(url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        access.create_user_as(
            access.Actor("setup", "admin"), session, username="ann", password=PASSWORD,
            role="analyst",
        )  # fmt: skip
    yield
    get_settings.cache_clear()
    dispose_engines()


def log_in(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    return app.button[0].click().run()


def texts(app: AppTest) -> list[str]:
    return [t.value for t in app.text]


def test_login_and_logout(app_env: None) -> None:
    app = AppTest.from_function(script).run()
    assert len(app.text_input) == 2 and not texts(app)
    app = log_in(app, "ann", PASSWORD)
    assert "acting as ann (analyst)" in texts(app)
    assert app.session_state["haven_actor"] == access.Actor("ann", "analyst")
    app = app.button[0].click().run()  # log out
    assert not texts(app) and len(app.text_input) == 2


def test_wrong_password_and_unknown_user_show_the_same_message(app_env: None) -> None:
    app = AppTest.from_function(script).run()
    app = log_in(app, "ann", "wrong password")
    wrong = [e.value for e in app.error]
    app = log_in(app, "nobody", PASSWORD)
    unknown = [e.value for e in app.error]
    assert wrong == unknown == [access.LOGIN_FAILED]
    assert not texts(app)


def test_an_idle_login_expires(app_env: None) -> None:
    app = log_in(AppTest.from_function(script).run(), "ann", PASSWORD)
    assert "acting as ann (analyst)" in texts(app)
    idle = get_settings().session_idle_minutes
    last_seen = datetime.now(UTC) - timedelta(minutes=idle + 1)
    with session_scope(get_engine(get_settings().database_url)) as session:
        for row in session.exec(select(LoginSession)).all():
            row.last_seen_at = last_seen
            session.add(row)
    app = app.run()
    assert not texts(app)
    assert any("logged out after" in i.value for i in app.info)


def test_public_access_and_no_auth(app_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_PUBLIC_ACCESS", "true")
    get_settings.cache_clear()
    assert "acting as public (public)" in texts(AppTest.from_function(script).run())
    monkeypatch.setenv("HAVEN_AUTH", "none")
    get_settings.cache_clear()
    assert "acting as local (analyst)" in texts(AppTest.from_function(script).run())
