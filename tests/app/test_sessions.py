"""Logins that last (issue 14): the service functions of service/accounts.py, and ui.auth and
app.py through Streamlit's AppTest.

AppTest cannot send cookies (`st.context.cookies` is empty there), so a new tab or a reload is
a new AppTest whose `ui.auth.browser_cookie` returns what the browser would send: the token
the first tab's cookie script wrote. tests/app/test_sessions_browser.py does it in Chromium.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models.db import dispose_engines, get_engine, session_scope, upgrade_database
from models.repository import import_package
from models.tables import AuditEvent, LoginSession
from planner import passwords
from planner.package import read_package
from planner.settings import DEMO_PACKAGE, get_settings
from service import access, accounts
from service.access import Actor

PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[2]
ANN = Actor("ann", "analyst")
SETUP = Actor("setup", "admin")


def script() -> None:
    import streamlit as st

    from ui.auth import current_actor, login_form, logout_button

    actor = current_actor()
    if actor is None:
        login_form()
    else:
        st.text(f"acting as {actor.username} ({actor.role})")
        logout_button()


def use_env(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HAVEN_AUTH", "local")
    monkeypatch.setenv("HAVEN_SECRET_KEY", "test key, not a secret")
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    get_settings.cache_clear()


def add_accounts(url: str) -> None:
    with session_scope(get_engine(url)) as session:
        for name, role in (("ann", "analyst"), ("bob", "funder")):
            access.create_user_as(SETUP, session, username=name, password=PASSWORD, role=role)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'haven.db'}"
    use_env(url, monkeypatch)
    upgrade_database(get_engine(url))
    add_accounts(url)
    yield url
    get_settings.cache_clear()
    dispose_engines()


@pytest.fixture(scope="module")
def demo_with_accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sessions') / 'haven.db'}"
    engine = get_engine(url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        import_package(session, read_package(DEMO_PACKAGE))
    saved = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        add_accounts(url)
    finally:
        passwords._hasher = saved
    yield url
    dispose_engines()


@pytest.fixture
def demo_env(demo_with_accounts: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    use_env(demo_with_accounts, monkeypatch)
    monkeypatch.chdir(ROOT)
    yield demo_with_accounts
    get_settings.cache_clear()


def events(url: str, action: str) -> list[AuditEvent]:
    with session_scope(get_engine(url)) as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return list(session.exec(query).all())


# --- the service ----------------------------------------------------------------------------


def test_a_login_resumes_with_the_role_the_database_has_now(env: str) -> None:
    token = accounts.start_session(ANN)
    assert accounts.resume(token) == ANN
    accounts.set_role(SETUP, username="ann", role="funder")
    assert accounts.resume(token) == Actor("ann", "funder")
    accounts.set_active(SETUP, username="ann", active=False)
    assert accounts.check_session(token) == accounts.Resumed(None, "account")
    assert [e.target for e in events(env, "session_start")] == ["ann"]


def test_the_database_holds_only_the_hash_of_the_token(env: str) -> None:
    token = accounts.start_session(ANN)
    with session_scope(get_engine(env)) as session:
        rows = session.exec(select(LoginSession)).all()
        stored = [value for row in rows for value in row.model_dump().values()]
    raw = token.split(".")[0]
    assert len(rows) == 1 and rows[0].id == hashlib.sha256(raw.encode()).hexdigest()
    assert not any(raw in str(value) for value in stored)


def test_a_forged_or_foreign_token_resumes_nothing(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = accounts.start_session(ANN)
    raw, signed_at, signature = token.split(".")
    tampered = f"{raw[:-1]}{'A' if raw[-1] != 'A' else 'B'}.{signed_at}.{signature}"
    for forged in (tampered, raw, "", None, "x" * 600, token + "x"):
        assert accounts.check_session(forged) == accounts.Resumed(None, "unknown")
    monkeypatch.setenv("HAVEN_SECRET_KEY", "another server's key")
    get_settings.cache_clear()
    assert accounts.check_session(token) == accounts.Resumed(None, "unknown")
    assert accounts.resume(accounts.start_session(ANN)) == ANN


def test_an_idle_login_ends_and_is_audited(env: str) -> None:
    token = accounts.start_session(ANN)
    idle = get_settings().session_idle_minutes
    later = datetime.now(UTC) + timedelta(minutes=idle - 1)
    assert accounts.resume(token, now=later) == ANN  # activity: the idle time starts again
    much_later = later + timedelta(minutes=idle - 1)
    assert accounts.resume(token, now=much_later) == ANN
    too_late = much_later + timedelta(minutes=idle + 1)
    assert accounts.check_session(token, now=too_late) == accounts.Resumed(None, "idle")
    assert accounts.check_session(token) == accounts.Resumed(None, "revoked")
    (expired,) = events(env, "session_expired")
    assert expired.actor == "ann" and '"reason": "idle"' in str(expired.after)


def test_a_login_expires_after_its_lifetime_however_active(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAVEN_SESSION_IDLE_MINUTES", str(24 * 60))
    monkeypatch.setenv("HAVEN_SESSION_MAX_HOURS", "2")
    get_settings.cache_clear()
    start = datetime.now(UTC)
    token = accounts.start_session(ANN, now=start)
    assert accounts.resume(token, now=start + timedelta(minutes=119)) == ANN
    late = start + timedelta(minutes=121)
    assert accounts.check_session(token, now=late) == accounts.Resumed(None, "expired")


def test_logout_ends_every_login_of_the_account_only(env: str) -> None:
    tab, other_browser = accounts.start_session(ANN), accounts.start_session(ANN)
    bobs = accounts.start_session(Actor("bob", "funder"))
    assert accounts.end_all_sessions("ann") == 2
    assert accounts.check_session(tab) == accounts.check_session(other_browser)
    assert accounts.check_session(tab) == accounts.Resumed(None, "revoked")
    assert accounts.resume(bobs) == Actor("bob", "funder")
    accounts.end_session(bobs)
    assert accounts.resume(bobs) is None
    logouts = events(env, "logout")
    assert [(e.actor, e.after) for e in logouts] == [
        ("ann", '{"sessions_ended": 2}'),
        ("bob", None),
    ]


def test_the_built_in_users_have_no_login(env: str) -> None:
    for built_in in (access.LOCAL_ANALYST, access.PUBLIC_VISITOR):
        with pytest.raises(ValueError):
            accounts.start_session(built_in)


def test_the_signing_key_is_made_once_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HAVEN_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    path = tmp_path / "var" / "secret_key"
    key = accounts.signing_key(path)
    assert len(key) >= 40 and accounts.signing_key(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.setenv("HAVEN_SECRET_KEY", "from the environment")
    get_settings.cache_clear()
    assert accounts.signing_key(path) == "from the environment"
    get_settings.cache_clear()


# --- ui.auth: tabs and reloads --------------------------------------------------------------


def log_in(app: AppTest, username: str = "ann") -> AppTest:
    app.text_input[0].input(username)
    app.text_input[1].input(PASSWORD)
    (submit,) = [button for button in app.button if button.label == "Log in"]
    return submit.click().run()


def texts(app: AppTest) -> list[str]:
    return [t.value for t in app.text]


def browser_sends(monkeypatch: pytest.MonkeyPatch, cookie: str | None) -> None:
    monkeypatch.setattr("ui.auth.browser_cookie", lambda: cookie)


def test_a_reload_or_a_new_tab_keeps_the_login_and_logout_ends_it_everywhere(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser_sends(monkeypatch, None)
    tab = log_in(AppTest.from_function(script).run())
    assert "acting as ann (analyst)" in texts(tab)
    token = tab.session_state["haven_login_token"]
    # The cookie script, run in the app's own document.
    (cookie_script,) = [h.body for h in tab.html]
    assert "document.cookie" in cookie_script and token in cookie_script
    assert "SameSite=Strict" in cookie_script and "Secure" in cookie_script
    assert "Max-Age=" in cookie_script

    browser_sends(monkeypatch, token)
    new_tab = AppTest.from_function(script).run()
    assert "acting as ann (analyst)" in texts(new_tab)
    assert len(new_tab.text_input) == 0
    reloaded = AppTest.from_function(script).run()
    assert "acting as ann (analyst)" in texts(reloaded)

    tab = tab.button[0].click().run()  # log out in the first tab
    assert not texts(tab) and len(tab.text_input) == 2
    (clearing,) = [h.body for h in tab.html]
    assert "Max-Age=0" in clearing
    new_tab = new_tab.run()  # the other tab's next run
    assert not texts(new_tab) and len(new_tab.text_input) == 2
    assert not texts(AppTest.from_function(script).run())  # a reload with the old cookie


def test_an_idle_cookie_shows_why_the_login_ended(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = accounts.start_session(ANN)
    with session_scope(get_engine(env)) as session:
        for row in session.exec(select(LoginSession)).all():
            row.last_seen_at = datetime.now(UTC) - timedelta(hours=5)
            session.add(row)
    browser_sends(monkeypatch, token)
    app = AppTest.from_function(script).run()
    assert not texts(app)
    assert any("logged out after" in i.value for i in app.info)
    (clearing,) = [h.body for h in app.html]
    assert token in clearing  # cleared only if the browser still holds that token


# --- app.py: a shared link and the public view -----------------------------------------------
# AppTest does not pass a click on to a form under app.py's st.navigation (the run after it
# comes back empty), so the login itself is what `login_form` leaves in the session state:
# the actor and its token. The browser test clicks.


def logged_in_as_ann(app: AppTest) -> None:
    app.session_state["haven_actor"] = ANN
    app.session_state["haven_login_token"] = accounts.start_session(ANN)


def test_a_link_opened_logged_out_runs_its_page_with_its_query_after_the_login(
    demo_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser_sends(monkeypatch, None)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params["name"] = "shared"
    app.switch_page("pages/compare.py")
    app.run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Haven"]  # the login form, in place of the page
    assert [t.label for t in app.text_input] == ["Username", "Password"]
    logged_in_as_ann(app)
    app.run()  # the rerun after the login, at the same address
    assert not app.exception
    assert [t.value for t in app.title] == ["Compare"]
    assert app.query_params["name"] == "shared"


def test_public_access_has_a_login_page(demo_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_PUBLIC_ACCESS", "true")
    get_settings.cache_clear()
    browser_sends(monkeypatch, None)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not app.exception
    assert [link.label for link in app.page_link] == ["Overview", "Capacity map", "Log in"]
    app.switch_page("pages/login.py")
    app.run()
    assert not app.exception
    assert [t.label for t in app.text_input] == ["Username", "Password"]
    # A page the public does not see asks for a login too, at its own address.
    app.switch_page("pages/plan.py")
    app.run()
    assert not app.exception and [t.value for t in app.title] == ["Haven"]
    assert [t.label for t in app.text_input] == ["Username", "Password"]
    # Logged in, the login page sends the user to the first page.
    logged_in_as_ann(app)
    app.switch_page("pages/login.py")
    app.run()
    assert not app.exception and "Log in" not in [link.label for link in app.page_link]
    assert "ann (analyst)" in texts(app)
    assert [t.value for t in app.title] == ["Haven"] and not app.text_input


def test_a_page_load_checks_the_login_once(demo_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: app.py checks the login and the page it runs takes that check (it made a
    second database round trip per page load)."""
    browser_sends(monkeypatch, None)
    checks: list[str] = []
    check_session = accounts.check_session

    def counted(token: str, **kwargs: object) -> accounts.Resumed:
        checks.append(token)
        return check_session(token, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(accounts, "check_session", counted)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.switch_page("pages/compare.py")
    logged_in_as_ann(app)
    app.run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Compare"]
    assert len(checks) == 1
    app.run()  # the next run checks again, once
    assert len(checks) == 2
