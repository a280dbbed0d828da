"""The Audit log page's API tokens section: an admin makes a token (shown once), sees it
listed without its secret, and revokes it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planner.settings import get_settings
from service import tokens
from tests.api.conftest import SETUP
from tests.service.access_city import ACTORS
from ui.auth import ACTOR_KEY, LAST_ACTIVITY_KEY

ROOT = Path(__file__).resolve().parents[2]


def audit_page(role: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "pages/audit.py"), default_timeout=120)
    app.session_state[ACTOR_KEY] = ACTORS[role]
    app.session_state[LAST_ACTIVITY_KEY] = datetime.now(UTC)
    return app.run()


@pytest.fixture
def local_auth(api_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HAVEN_AUTH", "local")
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    return api_db


def test_an_admin_makes_a_token_sees_it_once_and_revokes_it(local_auth: str) -> None:
    app = audit_page("admin")
    assert not app.exception
    assert any(h.value == "API tokens" for h in app.header)
    form_select = next(s for s in app.selectbox if s.label == "Account")
    form_select.set_value("pat")
    next(i for i in app.text_input if i.label == "What it is for").input("nightly feed")
    next(b for b in app.button if b.label == "Make a token").click()
    app.run()
    assert not app.exception
    shown = [c.value for c in app.code]
    assert len(shown) == 1 and tokens.looks_like_token(shown[0])
    assert tokens.authenticate(shown[0]) is not None
    listed = app.dataframe[-1].value
    assert list(listed["Account"]) == ["pat"]
    assert shown[0] not in listed.to_string()
    app.run()
    assert not app.code, "shown once"
    next(b for b in app.button if b.label == "Revoke").click()
    app.run()
    assert not app.exception
    assert tokens.authenticate(shown[0]) is None
    assert tokens.list_tokens(SETUP)[0].revoked_at is not None


def test_the_section_is_for_admins_only(local_auth: str) -> None:
    app = audit_page("analyst")
    assert not any(h.value == "API tokens" for h in app.header)
