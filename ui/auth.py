"""Who is using the app: the acting user, the login form and the logout button.

Settings (planner.settings, docs/access.md):
- `HAVEN_AUTH=none` (default, the single-user demo): nobody logs in, everyone acts as the
  analyst "local";
- `HAVEN_AUTH=local`: log in with an account of the database (`python -m planner users`);
  a login expires after `HAVEN_SESSION_IDLE_MINUTES` without activity;
- `HAVEN_PUBLIC_ACCESS=true`: without a login, the public role (capacity map and city
  totals); off, nothing is shown before a login.

Only the acting user (`service.access.Actor`) and the time of its last activity are kept in
`st.session_state`; never a password. Every check of what the user may do is made again by
`service.access`, whatever a page shows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from planner.i18n import t
from planner.settings import get_settings
from service import access, accounts
from service.access import Actor

ACTOR_KEY = "haven_actor"
LAST_ACTIVITY_KEY = "haven_last_activity"
EXPIRED_KEY = "haven_login_expired"


def current_actor() -> Actor | None:
    """The user the app acts for on this run, or None when a login is needed.

    With `HAVEN_AUTH=local` a login is checked against the database on every run: an
    account disabled or changed since takes effect at once, and an expired one is
    forgotten (the login form then says so).
    """
    settings = get_settings()
    if settings.auth == "none":
        return access.LOCAL_ANALYST
    actor: Actor | None = st.session_state.get(ACTOR_KEY)
    now = datetime.now(UTC)
    if actor is not None:
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
    if actor is None and settings.public_access:
        return access.PUBLIC_VISITOR
    return actor


def is_logged_in() -> bool:
    return st.session_state.get(ACTOR_KEY) is not None


def login_form() -> Actor | None:
    """Draw the login form; on a correct login remember the user and rerun the app.

    Every failure shows the same message (`service.access.LOGIN_FAILED`).
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
    st.session_state[ACTOR_KEY] = actor
    st.session_state[LAST_ACTIVITY_KEY] = datetime.now(UTC)
    st.rerun()
    return actor  # pragma: no cover - st.rerun does not return


def logout_button() -> None:
    """Who is logged in, and a button to log out (nothing when no login is used)."""
    actor: Actor | None = st.session_state.get(ACTOR_KEY)
    if get_settings().auth == "none" or actor is None:
        return
    st.text(f"{actor.username} ({t(actor.role)})")
    if st.button(t("Log out"), key="haven_logout"):
        _forget()
        st.rerun()


def actor_or_login() -> Actor:
    """The acting user; when there is none, the login form and the end of this run."""
    actor = current_actor()
    if actor is None:
        login_form()
        st.stop()
    assert actor is not None
    return actor


def _forget() -> None:
    st.session_state.pop(ACTOR_KEY, None)
    st.session_state.pop(LAST_ACTIVITY_KEY, None)


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
