"""The REST API's bearer tokens in the database (`api_token`, migration 0005).

Storage only: these functions check values, not permissions, and never see a token itself,
only its keyed hash (`service.tokens` makes both and decides who may do what). Like the rest
of `models`, every function takes the session first and writes into its current transaction
without committing.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from models.errors import InvalidRecord, StorageError
from models.tables import ApiToken, ApiTokenPublic
from planner.i18n import t

NAME_MAX = 80
"""The longest name a token may have (a label such as "nightly capacity feed")."""


class UnknownToken(StorageError, LookupError):
    """No token of that id."""


def token_public(row: ApiToken) -> ApiTokenPublic:
    return ApiTokenPublic.model_validate(row, from_attributes=True)


def check_name(name: object) -> str:
    """The token's name, stripped, if acceptable (1 to `NAME_MAX` printable characters)."""
    text = name.strip() if isinstance(name, str) else ""
    if not text or len(text) > NAME_MAX or not text.isprintable():
        raise InvalidRecord(
            t(
                "name: {name} is not acceptable; use 1 to {most} printable characters",
                name=repr(name),
                most=NAME_MAX,
            )
        )
    return text


def add_token(
    session: Session,
    *,
    username: str,
    name: str,
    token_hash: str,
    prefix: str,
    created_by: str,
    now: datetime,
) -> ApiTokenPublic:
    row = ApiToken(
        username=username,
        name=check_name(name),
        token_hash=token_hash,
        prefix=prefix,
        created_by=created_by,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return token_public(row)


def find_token(session: Session, *, token_hash: str) -> ApiToken | None:
    """The row of that hash (revoked or not), or None."""
    query = select(ApiToken).where(col(ApiToken.token_hash) == token_hash)
    return session.exec(query).first()


def require_token(session: Session, *, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise UnknownToken(t("no API token numbered {id}", id=token_id))
    return row


def list_tokens(session: Session, *, username: str | None = None) -> list[ApiTokenPublic]:
    """Every token (of one account, when named), oldest first, without hashes."""
    query = select(ApiToken).order_by(col(ApiToken.id))
    if username is not None:
        query = query.where(col(ApiToken.username) == username)
    return [token_public(row) for row in session.exec(query).all()]


def revoke_token(session: Session, *, token_id: int, now: datetime) -> ApiTokenPublic:
    """Mark the token revoked (a revoked one stays as it was revoked)."""
    row = require_token(session, token_id=token_id)
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        session.flush()
    return token_public(row)


def touch_token(session: Session, *, token_id: int, now: datetime) -> None:
    row = session.get(ApiToken, token_id)
    if row is not None:
        row.last_used_at = now
        session.add(row)
        session.flush()
