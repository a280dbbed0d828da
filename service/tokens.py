"""Bearer tokens of the REST API (`api/`): made and revoked by admins, shown once, stored
hashed, audited. Each call in its own transaction.

A token is `haven_` and 43 random URL-safe characters (256 bits from `secrets`). It is
shown once, when it is made; the database keeps only its keyed hash, HMAC-SHA256 under a
key derived from `HAVEN_SECRET_KEY` (`service.accounts.signing_key`), and its first
characters (`prefix`) so that a listing can name it.

Why a keyed hash and not argon2 (which protects passwords, `planner.passwords`): a password
is guessable, so its hash must be slow and salted; a token is 256 random bits, which no
one can guess however fast the hash, so a slow hash buys nothing and would cost tens of
milliseconds of CPU on every request, and a salted hash cannot be found by index (each
request would need an extra id and a second lookup). A plain SHA-256 (as `login_session`)
would do too; the key adds that a copy of the database, without the server's key, cannot
even check a candidate token, and that whoever can write the table cannot plant a token of
their own. Changing `HAVEN_SECRET_KEY` therefore revokes every token (and every login).

A request with a token acts as the token's account as the database has it now: its role,
city and agency (a partner's token updates its own agency only), and a disabled account's
tokens stop at once. Making and revoking a token are audited (`api_token_created`,
`api_token_revoked`, never the token); each use updates `last_used_at` (at most once a
minute), and what a token changes is audited as any change (`capacity_edit`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models import accounts as stored_accounts
from models import tokens as stored
from models.errors import InvalidRecord
from models.repository import as_utc
from models.tables import ApiTokenPublic
from planner.i18n import N_, t
from service import access, store
from service.access import Action, Actor, require
from service.accounts import signing_key

__all__ = [
    "PREFIX_LENGTH",
    "TOKEN_PREFIX",
    "Caller",
    "CreatedToken",
    "Token",
    "authenticate",
    "create_token",
    "list_tokens",
    "looks_like_token",
    "revoke_token",
    "token_hash",
]

TOKEN_PREFIX = "haven_"
"""Every token starts with this, so that a secret scanner (and a reader) can recognise one."""

PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
"""How much of a token is kept to name it in listings (6 random characters: 36 bits)."""

TOUCH_EVERY = timedelta(minutes=1)
"""A token's `last_used_at` is written at most this often (a request is not a write)."""

_RANDOM_CHARACTERS = 43  # secrets.token_urlsafe(32)
_KEY_PURPOSE = b"haven.api-token.v1"

Token = ApiTokenPublic
"""A token as listed: its id, account, name, prefix, who made it and when, last use,
revocation; never the token or its hash."""


@dataclass(frozen=True)
class CreatedToken:
    """A new token: `token` is the secret, shown this once; `info` what is kept of it."""

    token: str
    info: Token


@dataclass(frozen=True)
class Caller:
    """Who a valid token acts for, and which token it is (the API's rate limits count per
    token)."""

    actor: Actor
    token_id: int


def _hash_key() -> bytes:
    """A key for token hashes only, derived from the server's secret key."""
    return hmac.new(signing_key().encode(), _KEY_PURPOSE, hashlib.sha256).digest()


def token_hash(token: str) -> str:
    """The keyed hash the database keeps of a token (hex)."""
    return hmac.new(_hash_key(), token.encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def looks_like_token(text: object) -> bool:
    """Whether `text` has a token's shape (checked before any database read)."""
    if not isinstance(text, str) or not text.startswith(TOKEN_PREFIX):
        return False
    rest = text[len(TOKEN_PREFIX) :]
    return len(rest) == _RANDOM_CHARACTERS and all(c.isalnum() or c in "-_" for c in rest)


def create_token(
    actor: Actor, *, username: str, name: str, now: datetime | None = None
) -> CreatedToken:
    """A new token for an active account (admins only); the secret is in the result only."""
    require(actor, Action.MANAGE_USERS, N_("manage API tokens"))
    now = now or datetime.now(UTC)
    with store.session() as opened:
        user = stored_accounts.require_user(opened, username=username)
        if not user.active:
            raise InvalidRecord(
                t(
                    "username: {user} is disabled; enable it before giving it a token",
                    user=repr(username),
                )
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        info = stored.add_token(
            opened,
            username=user.username,
            name=name,
            token_hash=token_hash(secret),
            prefix=secret[:PREFIX_LENGTH],
            created_by=actor.username,
            now=now,
        )
        stored_accounts.record_event(
            opened,
            actor=actor.username,
            action="api_token_created",
            city=user.city,
            target=user.username,
            after={"id": info.id, "name": info.name, "prefix": info.prefix, "role": user.role},
        )
    return CreatedToken(token=secret, info=info)


def list_tokens(actor: Actor, *, username: str | None = None) -> list[Token]:
    """Every token (of one account, when named), oldest first (admins only)."""
    require(actor, Action.MANAGE_USERS, N_("manage API tokens"))
    with store.session() as opened:
        return stored.list_tokens(opened, username=username)


def revoke_token(actor: Actor, token_id: int, *, now: datetime | None = None) -> Token:
    """Revoke a token for good (admins only); revoking a revoked token changes nothing."""
    require(actor, Action.MANAGE_USERS, N_("manage API tokens"))
    now = now or datetime.now(UTC)
    with store.session() as opened:
        before = stored.token_public(stored.require_token(opened, token_id=token_id))
        after = stored.revoke_token(opened, token_id=token_id, now=now)
        if before.revoked_at is None:
            stored_accounts.record_event(
                opened,
                actor=actor.username,
                action="api_token_revoked",
                target=after.username,
                before={"id": before.id, "name": before.name, "revoked_at": None},
                after={"id": after.id, "name": after.name, "revoked_at": after.revoked_at},
            )
    return after


def authenticate(token: str | None, *, now: datetime | None = None) -> Caller | None:
    """Who the token acts for, with its account's role as the database has it now; None
    for no token, a malformed, unknown or revoked one, or a disabled or deleted account."""
    if not looks_like_token(token):
        return None
    assert token is not None
    now = now or datetime.now(UTC)
    with store.session() as opened:
        row = stored.find_token(opened, token_hash=token_hash(token))
        if row is None or row.revoked_at is not None or row.id is None:
            return None
        # The username is an account's ("public" is reserved), so this reads its row.
        actor = access.refresh_actor(opened, Actor(username=row.username, role="public"))
        if actor is None:
            return None
        last = None if row.last_used_at is None else as_utc(row.last_used_at)
        if last is None or now - last >= TOUCH_EVERY:
            stored.touch_token(opened, token_id=row.id, now=now)
        return Caller(actor=actor, token_id=row.id)
