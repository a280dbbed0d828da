"""Accounts and the audit log in the database.

Storage only: these functions check values, not permissions. `service.access` is the one
caller that decides who may do what, and writes the audit event of each change in the same
transaction. Messages are written in the current language (`planner.i18n.t`); the audit log's
entries stay English. Like the rest of `models`, every function takes the session first and writes
into its current transaction without committing.

The audit log is append-only: there is a function to add an event and functions to read
them, none to change or remove one (and the database refuses to, see migration 0002).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from models.errors import InvalidRecord, StorageError
from models.repository import as_utc
from models.tables import (
    ROLE_NAMES,
    AuditEvent,
    AuditEventPublic,
    LoginSession,
    LoginSessionPublic,
    UserAccount,
    UserPublic,
)
from planner.i18n import t

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
"""Letters, digits and `. _ @ + -`, at most 64 characters, starting with a letter or digit."""


class UnknownUser(StorageError, LookupError):
    """No account of that username."""


class UserExists(InvalidRecord):
    """An account of that username exists already."""


def check_username(username: object) -> str:
    """The username if it is acceptable, else `InvalidRecord` saying why."""
    if not isinstance(username, str) or not USERNAME_PATTERN.match(username):
        raise InvalidRecord(
            t(
                "username: {username} is not acceptable; use 1 to 64 letters, digits and "
                "'. _ @ + -', starting with a letter or digit",
                username=repr(username),
            )
        )
    return username


def check_role(role: object, *, city: str | None, agency_id: str | None) -> str:
    if role not in ROLE_NAMES:
        raise InvalidRecord(
            t("role: {role} is not one of: {roles}", role=repr(role), roles=", ".join(ROLE_NAMES))
        )
    if role == "partner" and (not city or not agency_id):
        raise InvalidRecord(t("agency_id: a partner account needs its city and its agency_id"))
    return str(role)


def find_user(session: Session, *, username: str) -> UserAccount | None:
    """The account row (with its hash) of that username, or None."""
    return session.exec(select(UserAccount).where(col(UserAccount.username) == username)).first()


def require_user(session: Session, *, username: str) -> UserAccount:
    user = find_user(session, username=username)
    if user is None:
        raise UnknownUser(t("no account named {username}", username=repr(username)))
    return user


def create_user(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: str,
    city: str | None = None,
    agency_id: str | None = None,
) -> UserPublic:
    """Add an account; a partner needs its city and agency. The hash is made by the caller."""
    username = check_username(username)
    role = check_role(role, city=city, agency_id=agency_id)
    if find_user(session, username=username) is not None:
        raise UserExists(
            t("username: an account named {username} exists already", username=repr(username))
        )
    if not password_hash.startswith("$argon2"):
        raise InvalidRecord(t("password_hash: only argon2 hashes are stored"))
    user = UserAccount(
        username=username,
        password_hash=password_hash,
        role=role,
        city=city if role == "partner" else None,
        agency_id=agency_id if role == "partner" else None,
    )
    session.add(user)
    session.flush()
    return user_public(user)


def list_users(session: Session) -> list[UserPublic]:
    """Every account, by username, without hashes."""
    query = select(UserAccount).order_by(col(UserAccount.username))
    return [user_public(user) for user in session.exec(query).all()]


def save_user(session: Session, user: UserAccount) -> UserPublic:
    """Write the changes made to an account row (role, active, counters, hash)."""
    check_role(user.role, city=user.city, agency_id=user.agency_id)
    session.add(user)
    session.flush()
    return user_public(user)


def user_public(user: UserAccount) -> UserPublic:
    return UserPublic(
        username=user.username,
        role=user.role,
        city=user.city,
        agency_id=user.agency_id,
        active=user.active,
        failed_logins=user.failed_logins,
        locked_until=None if user.locked_until is None else as_utc(user.locked_until),
        created_at=as_utc(user.created_at),
        last_login_at=None if user.last_login_at is None else as_utc(user.last_login_at),
    )


# --- login sessions -------------------------------------------------------------------------


def add_login_session(
    session: Session, *, session_id: str, username: str, now: datetime, expires_at: datetime
) -> None:
    """Record a login: `session_id` is the token's hash (the caller hashes it)."""
    session.add(
        LoginSession(
            id=session_id,
            username=username,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()


def find_login_session(session: Session, *, session_id: str) -> LoginSessionPublic | None:
    row = session.get(LoginSession, session_id)
    if row is None:
        return None
    return LoginSessionPublic(
        username=row.username,
        created_at=as_utc(row.created_at),
        last_seen_at=as_utc(row.last_seen_at),
        expires_at=as_utc(row.expires_at),
        revoked_at=None if row.revoked_at is None else as_utc(row.revoked_at),
    )


def touch_login_session(session: Session, *, session_id: str, now: datetime) -> None:
    """The login was active at `now`."""
    row = session.get(LoginSession, session_id)
    if row is not None:
        row.last_seen_at = now
        session.add(row)
        session.flush()


def revoke_login_session(session: Session, *, session_id: str, now: datetime) -> bool:
    """End one login; False when there was none or it had ended already."""
    row = session.get(LoginSession, session_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.add(row)
    session.flush()
    return True


def revoke_login_sessions(session: Session, *, username: str, now: datetime) -> int:
    """End every login of an account that has not ended yet; how many were ended."""
    query = select(LoginSession).where(
        col(LoginSession.username) == username, col(LoginSession.revoked_at).is_(None)
    )
    rows = list(session.exec(query).all())
    for row in rows:
        row.revoked_at = now
        session.add(row)
    session.flush()
    return len(rows)


# --- audit ----------------------------------------------------------------------------------


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    city: str | None = None,
    target: str | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one event to the audit log (in the session's transaction)."""
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            city=city,
            target=target,
            before=None if before is None else _json(before),
            after=None if after is None else _json(after),
        )
    )
    session.flush()


def list_events(
    session: Session, *, city: str | None = None, limit: int | None = None
) -> list[AuditEventPublic]:
    """Audit events, newest first; only one city's when `city` is given."""
    query = select(AuditEvent).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    if city is not None:
        query = query.where(col(AuditEvent.city) == city)
    if limit is not None:
        query = query.limit(limit)
    return [
        AuditEventPublic(
            id=int(event.id or 0),
            at=as_utc(event.at),
            actor=event.actor,
            action=event.action,
            city=event.city,
            target=event.target,
            before=None if event.before is None else json.loads(event.before),
            after=None if event.after is None else json.loads(event.after),
        )
        for event in session.exec(query).all()
    ]


def _json(value: Any) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False, sort_keys=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    to_list = getattr(value, "tolist", None)  # numpy scalars
    if callable(to_list):
        return to_list()
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):
        return model_dump(mode="json")
    return str(value)
