"""Logins that last, in a real browser (Debian's Chromium through Playwright): the app runs
with `HAVEN_AUTH=local` on the demo city and one account.

A shared link opened logged out shows the login form at the link's address, and after the
login the page runs with the link's query string; the login lasts across a reload, a new tab
and survives in the cookie (SameSite=Strict); logging out in one tab logs out every tab and
every browser of the account (after a reload), and clears the cookie.

Without Chromium (or Playwright) the test skips with the reason; with HAVEN_REQUIRE_BROWSER=1
it fails instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.app import browser_helpers
from tests.app.browser_helpers import (
    EXCEPTION,
    RUN_OBSERVER,
    VIEWPORT,
    expect_run,
    is_local,
    load_demo,
    streamlit_server,
    wait_idle,
)
from tests.app.scratch import copy_stored

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Cookie, Page

pytestmark = pytest.mark.browser

TIMEOUT_MS = 180_000
USERNAME = "ann"
PASSWORD = "correct horse battery staple"
LINK = "/plan?name=Shared+link&budget=1234567"


def add_account(database_url: str) -> None:
    from models.db import get_engine, session_scope
    from service import access

    engine = get_engine(database_url)
    with session_scope(engine) as session:
        access.create_user_as(
            access.Actor("setup", "admin"),
            session,
            username=USERNAME,
            password=PASSWORD,
            role="analyst",
        )
    engine.dispose()


@pytest.fixture(scope="module")
def app_url(
    browser: Browser, demo_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app with logins on the demo city, with what the app tests stored for the demo
    city so far (tests/app/scratch.py copy_stored)."""
    folder = tmp_path_factory.mktemp("sessions")
    database_url = f"sqlite:///{folder / 'haven.db'}"
    load_demo(database_url)
    copy_stored(demo_database, database_url)
    add_account(database_url)
    plain = browser_helpers.app_environment

    def with_logins(url: str) -> dict[str, str]:
        env = plain(url)
        env.update({"HAVEN_AUTH": "local", "HAVEN_SECRET_KEY": "browser test key"})
        return env

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(browser_helpers, "app_environment", with_logins)
        with streamlit_server(database_url, folder / "streamlit.log") as url:
            yield url


def new_context(browser: Browser, url: str) -> BrowserContext:
    context = browser.new_context(viewport=VIEWPORT, base_url=url)
    context.add_init_script(RUN_OBSERVER)
    context.route(lambda target: not is_local(target), lambda route: route.abort())
    context.set_default_timeout(TIMEOUT_MS)
    return context


def open_page(page: Page, path: str) -> None:
    page.goto(path)
    wait_idle(page, TIMEOUT_MS)


def reload(page: Page) -> None:
    page.reload()
    wait_idle(page, TIMEOUT_MS)


def shows_login_form(page: Page) -> bool:
    return page.get_by_role("textbox", name="Password").count() > 0


def logged_in(page: Page) -> bool:
    return page.get_by_role("button", name="Log out").count() > 0 and not shows_login_form(page)


def log_in(page: Page) -> None:
    page.get_by_role("textbox", name="Username").fill(USERNAME)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    expect_run(page)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()
    wait_idle(page, TIMEOUT_MS)


def session_cookie(context: BrowserContext) -> Cookie | None:
    return next((c for c in context.cookies() if c["name"] == "haven_session"), None)


def test_a_login_lasts_follows_the_link_and_logout_ends_it_everywhere(
    browser: Browser, app_url: str
) -> None:
    first = new_context(browser, app_url)
    other_browser = new_context(browser, app_url)
    try:
        tab = first.new_page()
        # A shared link opened logged out: the login form, at the link's address.
        open_page(tab, LINK)
        assert shows_login_form(tab)
        assert "Page not found" not in tab.content()
        assert "budget=1234567" in tab.url
        log_in(tab)
        # Back on the link, its scenario kept.
        assert tab.url.split("?")[0].endswith("/plan"), tab.url
        assert "budget=1234567" in tab.url and "name=Shared" in tab.url, tab.url
        assert tab.get_by_role("heading", name="Plan").count() > 0
        assert tab.locator(EXCEPTION).count() == 0
        cookie = session_cookie(first)
        assert cookie is not None, first.cookies()
        assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        assert cookie["expires"] > 0  # not a cookie of the browser's session only

        # A reload and a new tab stay logged in.
        reload(tab)
        assert logged_in(tab)
        second_tab = first.new_page()
        open_page(second_tab, "/")
        assert logged_in(second_tab)

        # Another browser logged in as the same account.
        elsewhere = other_browser.new_page()
        open_page(elsewhere, "/")
        assert shows_login_form(elsewhere)
        log_in(elsewhere)
        assert logged_in(elsewhere)

        # Logging out in one tab logs out every tab and browser.
        expect_run(tab)
        tab.get_by_role("button", name="Log out").click()
        tab.get_by_role("textbox", name="Password").wait_for()
        wait_idle(tab, TIMEOUT_MS)
        assert shows_login_form(tab)
        tab.wait_for_function("() => !document.cookie.includes('haven_session=')")
        assert session_cookie(first) is None
        reload(second_tab)
        assert shows_login_form(second_tab)
        reload(elsewhere)
        assert shows_login_form(elsewhere)
        reload(tab)
        assert shows_login_form(tab)
    finally:
        first.close()
        other_browser.close()
