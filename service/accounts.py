"""Logging in and managing accounts, each call in its own transaction.

The functions of `service.access` take an open session; clients (ui/auth.py, cli/users.py)
hold none, so they call these: `login(username, password) -> Actor | None` (audited; None
means show `access.LOGIN_FAILED`), `refresh(actor) -> Actor | None`, and the account
commands of administrators.
"""

from __future__ import annotations

from models.tables import UserPublic
from service import access, store
from service.access import Actor

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
