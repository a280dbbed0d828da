"""Who is using the app: the acting user, the login form and the logout button.

Settings (planner.settings, docs/access.md):
- `HAVEN_AUTH=none` (default, the single-user demo): nobody logs in, everyone acts as the
  analyst "local";
- `HAVEN_AUTH=local`: log in with an account of the database (`python -m planner users`);
  a login expires after `HAVEN_SESSION_IDLE_MINUTES` without activity, and
  `HAVEN_SESSION_MAX_HOURS` after it began;
- `HAVEN_PUBLIC_ACCESS=true`: without a login, the public role (capacity map and city
  totals); off, nothing is shown before a login.

A login lasts across reloads and tabs: `service.accounts.start_session` records it in the
database and gives a signed, dated token, which the browser keeps in the cookie
`haven_session` (`SameSite=Strict`, `Secure` over https; Streamlit's script cannot make it
HttpOnly, so it is written by a small same-origin script, `_cookie_script`). A new tab or a
reload reads it from `st.context.cookies` and `service.accounts.check_session` resumes the
login: the database says whether it still lasts (not logged out, not idle, not expired, the
account active) and with which role. Logging out ends every login of the account, in every
tab and browser, and clears the cookie.

`st.session_state` keeps the acting user (`service.access.Actor`), the token and the time of
the last activity; never a password. Every check of what the user may do is made again by
`service.access`, whatever a page shows.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import streamlit as st

from planner.i18n import t
from planner.settings import get_settings
from service import access, accounts
from service.access import Actor

ACTOR_KEY = "haven_actor"
LAST_ACTIVITY_KEY = "haven_last_activity"
EXPIRED_KEY = "haven_login_expired"
TOKEN_KEY = "haven_login_token"
COOKIE_WRITE_KEY = "haven_cookie_write"
REFUSED_COOKIE_KEY = "haven_refused_cookie"
COOKIE = "haven_session"
TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9._-]{1,512}")
"""What a signed token is made of; a cookie of anything else is never written into a script."""


def browser_cookie() -> str | None:
    """The login cookie the browser sent when this tab connected (or None)."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) and value else None


def current_actor() -> Actor | None:
    """The user the app acts for on this run, or None when a login is needed.

    With `HAVEN_AUTH=local` a login is checked against the database on every run: an
    account disabled or changed since takes effect at once, a login ended in another tab
    (logout) or expired is forgotten (the login form then says so). A tab without a login
    of its own resumes the one in the browser's cookie.
    """
    settings = get_settings()
    if settings.auth == "none":
        return access.LOCAL_ANALYST
    actor: Actor | None = st.session_state.get(ACTOR_KEY)
    token: str | None = st.session_state.get(TOKEN_KEY)
    now = datetime.now(UTC)
    if actor is not None and token is None:
        # A login of this tab alone (no cookie): kept in the session state.
        if access.session_expired(st.session_state.get(LAST_ACTIVITY_KEY), now=now):
            _forget()
            st.session_state[EXPIRED_KEY] = True
            actor = None
        else:
            actor = accounts.refresh(actor)
            if actor is None:
                _forget()
            else:
                st.session_state[ACTOR_KEY] = actor
                st.session_state[LAST_ACTIVITY_KEY] = now
    else:
        actor = _resume(token, now)
    _write_cookie()
    if actor is None and settings.public_access:
        return access.PUBLIC_VISITOR
    return actor


def _resume(token: str | None, now: datetime) -> Actor | None:
    """The login of this tab's token, else of the browser's cookie (refused once, never
    asked again in this tab)."""
    from_cookie = token is None
    if from_cookie:
        token = browser_cookie()
        if token is None or token == st.session_state.get(REFUSED_COOKIE_KEY):
            return None
    resumed = accounts.check_session(token, now=now)
    if resumed.actor is None:
        _forget()
        st.session_state[REFUSED_COOKIE_KEY] = token
        if resumed.ended in ("idle", "expired"):
            st.session_state[EXPIRED_KEY] = True
        # Cleared in the browser only if it still holds this token (another tab may have
        # logged in since and written a new one).
        st.session_state[COOKIE_WRITE_KEY] = ("clear-if", token)
        return None
    st.session_state[ACTOR_KEY] = resumed.actor
    st.session_state[TOKEN_KEY] = token
    st.session_state[LAST_ACTIVITY_KEY] = now
    return resumed.actor


def is_logged_in() -> bool:
    return st.session_state.get(ACTOR_KEY) is not None


def login_form() -> Actor | None:
    """Draw the login form; on a correct login remember the user and rerun the app.

    The rerun stays on the page and the link (with its query string) the visitor asked
    for. Every failure shows the same message (`service.access.LOGIN_FAILED`).
    """
    if st.session_state.pop(EXPIRED_KEY, False):
        minutes = get_settings().session_idle_minutes
        st.info(
            t(
                "You were logged out after {minutes} minutes without activity.",
                minutes=format(minutes, "g"),
            )
        )
    with st.form("haven_login", clear_on_submit=True):
        st.subheader(t("Log in"))
        username = st.text_input(t("Username"), autocomplete="username")
        password = st.text_input(t("Password"), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(t("Log in"), type="primary")
    if not submitted:
        return None
    actor = accounts.login(username.strip(), password)
    del password
    if actor is None:
        st.error(t(access.LOGIN_FAILED))
        return None
    token = accounts.start_session(actor)
    st.session_state[ACTOR_KEY] = actor
    st.session_state[TOKEN_KEY] = token
    st.session_state[LAST_ACTIVITY_KEY] = datetime.now(UTC)
    st.session_state[COOKIE_WRITE_KEY] = ("set", token)
    st.session_state.pop(REFUSED_COOKIE_KEY, None)
    st.rerun()
    return actor  # pragma: no cover - st.rerun does not return


def login_page() -> None:
    """The login page's content: drawn by pages/login.py, and by app.py in place of a page
    that needs a login (the address, with its query string, stays the page's)."""
    st.title(t("Haven"))
    st.caption(t("Planning the city's services for survivors of trafficking. Please log in."))
    login_form()


def logout_button() -> None:
    """Who is logged in, and a button to log out (nothing when no login is used).

    Logging out ends every login of the account (every tab and browser) and clears the
    cookie."""
    actor: Actor | None = st.session_state.get(ACTOR_KEY)
    if get_settings().auth == "none" or actor is None:
        return
    st.text(f"{actor.username} ({t(actor.role)})")
    if st.button(t("Log out"), key="haven_logout"):
        accounts.end_all_sessions(actor.username)
        _forget()
        st.session_state[COOKIE_WRITE_KEY] = ("clear", None)
        st.rerun()


RUN_ACTOR_KEY = "haven_run_actor"


def checked_for_this_run(actor: Actor | None) -> None:
    """app.py: the login it checked at the start of this run, for the page it runs next
    (`actor_or_login` takes it once), so that one page load checks the login once."""
    st.session_state[RUN_ACTOR_KEY] = actor


def actor_or_login() -> Actor:
    """The acting user; when there is none, the login form and the end of this run. Checked
    once per run: the check app.py made for this run if it made one, else here."""
    if RUN_ACTOR_KEY in st.session_state:
        actor: Actor | None = st.session_state.pop(RUN_ACTOR_KEY)
    else:
        actor = current_actor()
    if actor is None:
        login_form()
        st.stop()
    assert actor is not None
    return actor


def _forget() -> None:
    st.session_state.pop(ACTOR_KEY, None)
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(LAST_ACTIVITY_KEY, None)


def _write_cookie() -> None:
    """Send the browser the cookie change this session owes it, once."""
    pending = st.session_state.pop(COOKIE_WRITE_KEY, None)
    if pending is None:
        return
    what, token = pending
    if token is not None and not TOKEN_CHARACTERS.fullmatch(token):
        what, token = "clear", None  # not a value this server signed: no need to compare
    with st.sidebar:
        st.html(_cookie_script(what, token), unsafe_allow_javascript=True)


def _cookie_script(what: str, token: str | None) -> str:
    """A script run in the app's own document (st.html is not in an iframe) that sets or
    clears the login cookie: `SameSite=Strict`, `Secure` when the page came over https,
    lasting as long as a login may (`HAVEN_SESSION_MAX_HOURS`)."""
    max_age = int(accounts.session_lifetime().total_seconds())
    return (
        "<script>(() => {"
        f"const name = {json.dumps(COOKIE)}, what = {json.dumps(what)}, "
        f"token = {json.dumps(token)};"
        "const secure = location.protocol === 'https:' ? '; Secure' : '';"
        "const tail = '; Path=/; SameSite=Strict' + secure;"
        "const held = document.cookie.split('; ').includes(name + '=' + token);"
        f"if (what === 'set') document.cookie = name + '=' + token + '; Max-Age={max_age}' + tail;"
        "else if (what === 'clear' || held) document.cookie = name + '=; Max-Age=0' + tail;"
        "})();</script>"
    )


def actor_allowed(action: access.Action, doing: str) -> Actor:
    """The acting user when its role allows `action`; otherwise a message saying what the
    page is for and the end of this run (a page reached by a crafted URL shows nothing)."""
    actor = actor_or_login()
    if not access.can(actor, action):
        st.error(
            t("Your role ({role}) does not allow you to {doing}.", role=t(actor.role), doing=doing)
        )
        st.stop()
    return actor
