"""Logging in and managing accounts, each call in its own transaction.

The functions of `service.access` take an open session; clients (ui/auth.py, cli/users.py)
hold none, so they call these: `login(username, password) -> Actor | None` (audited; None
means show `access.LOGIN_FAILED`), `refresh(actor) -> Actor | None`, and the account
commands of administrators.

Logins that last across reloads and tabs (docs/access.md): `start_session(actor) -> token`
after a login, a value for the browser's cookie (a random token, signed with
`signing_key()` and dated); `resume(token) -> Actor | None` on every page load;
`end_session(token)`; `end_all_sessions(username)` (logout ends every login of the account,
in every tab and browser). The database holds only the token's SHA-256 (`login_session`),
so a copy of it logs nobody in; the signature lets a forged or stale cookie be refused
without a database read. Starting, ending and expiring a login are audited.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from itsdangerous import BadSignature, TimestampSigner

from models import accounts as stored
from models.tables import UserPublic
from planner.settings import PROJECT_ROOT, get_settings
from service import access, store
from service.access import Actor

SECRET_KEY_FILE = PROJECT_ROOT / "var" / "secret_key"
"""Where the cookie's signing key is generated on first use when `HAVEN_SECRET_KEY` is unset
(var/ is never committed)."""

TOUCH_EVERY = timedelta(minutes=1)
"""A login's last activity is written at most this often (a page load is not a write)."""

Ended = Literal["unknown", "expired", "idle", "revoked", "account"]
"""Why a token resumes no login: not a login of this server (forged, or unsigned by its
key), past its lifetime, idle too long, logged out, or its account disabled or gone."""

User = UserPublic
"""An account as shown (no password hash)."""


def login(username: str, password: str) -> Actor | None:
    """The actor for a correct username and password, else None (`access.authenticate`)."""
    with store.session() as opened:
        return access.authenticate(opened, username, password)


def refresh(actor: Actor) -> Actor | None:
    """The actor as the database has it now; None once its account is disabled or gone."""
    if actor in (access.LOCAL_ANALYST, access.PUBLIC_VISITOR):
        return actor
    with store.session() as opened:
        return access.refresh_actor(opened, actor)


def list_users(actor: Actor) -> list[User]:
    with store.session() as opened:
        return access.list_users_as(actor, opened)


def create_user(
    actor: Actor,
    *,
    username: str,
    password: str,
    role: str,
    city: str | None = None,
    agency_id: str | None = None,
) -> User:
    with store.session() as opened:
        return access.create_user_as(
            actor,
            opened,
            username=username,
            password=password,
            role=role,
            city=city,
            agency_id=agency_id,
        )


def set_role(
    actor: Actor,
    *,
    username: str,
    role: str,
    city: str | None = None,
    agency_id: str | None = None,
) -> User:
    with store.session() as opened:
        return access.set_role_as(
            actor, opened, username=username, role=role, city=city, agency_id=agency_id
        )


def set_active(actor: Actor, *, username: str, active: bool) -> User:
    with store.session() as opened:
        return access.set_active_as(actor, opened, username=username, active=active)


def set_password(actor: Actor, *, username: str, password: str) -> None:
    with store.session() as opened:
        access.set_password_as(actor, opened, username=username, password=password)


# --- logins that last ------------------------------------------------------------------------


@dataclass(frozen=True)
class Resumed:
    """What a cookie's token resumes: the actor, or None and why (`Ended`)."""

    actor: Actor | None
    ended: Ended | None = None


def signing_key(path: Path | None = None) -> str:
    """`HAVEN_SECRET_KEY`, else the key in var/secret_key, made (readable by its owner only)
    the first time it is needed."""
    configured = get_settings().secret_key
    if configured:
        return configured
    path = SECRET_KEY_FILE if path is None else path
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made by another process meanwhile
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key


def session_lifetime() -> timedelta:
    return timedelta(hours=get_settings().session_max_hours)


def _signer() -> TimestampSigner:
    return TimestampSigner(signing_key(), salt="haven.login-session")


def _session_id(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def start_session(actor: Actor, *, now: datetime | None = None) -> str:
    """A new login of `actor`'s account (after `login`): the value the browser keeps in its
    cookie. The built-in users (`HAVEN_AUTH=none`, the public visitor) have none."""
    if actor in (access.LOCAL_ANALYST, access.PUBLIC_VISITOR):
        raise ValueError(actor)  # a programming error: a built-in user has no account
    now = now or datetime.now(UTC)
    raw = secrets.token_urlsafe(32)
    expires_at = now + session_lifetime()
    with store.session() as opened:
        stored.add_login_session(
            opened,
            session_id=_session_id(raw),
            username=actor.username,
            now=now,
            expires_at=expires_at,
        )
        stored.record_event(
            opened,
            actor=actor.username,
            action="session_start",
            target=actor.username,
            after={"expires_at": expires_at},
        )
    return _signer().sign(raw).decode()


def _raw_token(token: str) -> str | None:
    """The random part of a cookie's value, when this server signed it within a lifetime."""
    max_age = int(session_lifetime().total_seconds()) + 60
    try:
        return _signer().unsign(token, max_age=max_age).decode()
    except (BadSignature, UnicodeError):  # SignatureExpired is a BadSignature
        return None


def check_session(token: str | None, *, now: datetime | None = None) -> Resumed:
    """The actor a cookie's token logs in, with its role as the database has it now, or
    why none. An idle or expired login is ended (and audited) when found."""
    raw = None if not token else _raw_token(token)
    if raw is None:
        return Resumed(None, "unknown")
    now = now or datetime.now(UTC)
    session_id = _session_id(raw)
    with store.session() as opened:
        row = stored.find_login_session(opened, session_id=session_id)
        if row is None:
            return Resumed(None, "unknown")
        if row.revoked_at is not None:
            return Resumed(None, "revoked")
        idle = access.session_expired(row.last_seen_at, now=now)
        if idle or now >= row.expires_at:
            ended: Ended = "idle" if idle else "expired"
            stored.revoke_login_session(opened, session_id=session_id, now=now)
            stored.record_event(
                opened,
                actor=row.username,
                action="session_expired",
                target=row.username,
                after={"reason": ended, "last_seen_at": row.last_seen_at},
            )
            return Resumed(None, ended)
        # The username is an account's ("public" is reserved), so this reads its row.
        actor = access.refresh_actor(opened, Actor(username=row.username, role="public"))
        if actor is None:
            return Resumed(None, "account")
        if now - row.last_seen_at >= TOUCH_EVERY:
            stored.touch_login_session(opened, session_id=session_id, now=now)
        return Resumed(actor)


def resume(token: str | None, *, now: datetime | None = None) -> Actor | None:
    """The actor a cookie's token logs in (`check_session`), or None."""
    return check_session(token, now=now).actor


def end_session(token: str | None, *, now: datetime | None = None) -> None:
    """End the login of this token (nothing happens for a token of no login)."""
    raw = None if not token else _raw_token(token)
    if raw is None:
        return
    now = now or datetime.now(UTC)
    with store.session() as opened:
        row = stored.find_login_session(opened, session_id=_session_id(raw))
        if row is None:
            return
        if stored.revoke_login_session(opened, session_id=_session_id(raw), now=now):
            stored.record_event(opened, actor=row.username, action="logout", target=row.username)


def end_all_sessions(username: str, *, now: datetime | None = None) -> int:
    """Log the account out everywhere (every tab and browser); how many logins ended."""
    now = now or datetime.now(UTC)
    with store.session() as opened:
        ended = stored.revoke_login_sessions(opened, username=username, now=now)
        stored.record_event(
            opened,
            actor=username,
            action="logout",
            target=username,
            after={"sessions_ended": ended},
        )
    return ended
