"""Password hashing with argon2id (argon2-cffi), and the rules a new password must meet.

Only hashes are stored; a password is never logged, stored or put in a message. Verifying
an unknown user's password against `dummy_hash()` makes a login for an unknown user take as
long as one with a wrong password.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from planner.i18n import t

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
"""Longer input is refused before hashing, so that nobody can make the server hash megabytes."""

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (argon2-cffi's default)


class WeakPassword(ValueError):
    """A new password that does not meet the rules; the message says which one."""


def check_new_password(password: str, *, username: str = "") -> None:
    """Refuse a password that is too short, too long, or the username itself (the message in
    the current language)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            t("password: use at least {count} characters", count=MIN_PASSWORD_LENGTH)
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(t("password: use at most {count} characters", count=MAX_PASSWORD_LENGTH))
    if username and password.strip().lower() == username.strip().lower():
        raise WeakPassword(t("password: must not be the username"))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the hash; False for a mismatch or a broken hash."""
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH]  # still spend the time of one verification
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters (rehash it at the next login)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=4)
def _dummy_hash(parameters: tuple[int, int, int]) -> str:
    del parameters  # cache key: a hash made with the current parameters
    return _hasher.hash("not a password of anyone")


def dummy_hash() -> str:
    """A hash made with the current parameters, to verify against for unknown users."""
    return _dummy_hash((_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism))
