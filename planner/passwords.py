"""Password hashing with argon2id (argon2-cffi), and the rules a new password must meet.

Only hashes are stored; a password is never logged, stored or put in a message. Verifying
an unknown user's password against `dummy_hash()` makes a login for an unknown user take as
long as one with a wrong password.

The rules follow NIST SP 800-63B (section 5.1.1.2): at least 12 characters, at most 1024,
not blank, not the username, and not a common or easily guessed password. The last is
zxcvbn's estimate (Dropbox's estimator, in its maintained Python port), which ships its
lists offline: the 30,000 most common passwords of leaked sets, English words, names and
keyboard patterns, and the user's own name as a hint; a password it scores below
`MIN_STRENGTH` (of 0 to 4: fewer than about 10^8 guesses) is refused. Nothing is sent
anywhere.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from planner.i18n import t

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
"""Longer input is refused before hashing, so that nobody can make the server hash megabytes."""
MIN_STRENGTH = 3
"""zxcvbn's score a new password needs: 3 is "safely unguessable" (about 10^8 guesses or more)."""
STRENGTH_CHARACTERS = 72
"""zxcvbn looks at this many first characters (its own limit: its time grows with the length)."""

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (argon2-cffi's default)


class WeakPassword(ValueError):
    """A new password that does not meet the rules; the message says which one."""


def check_new_password(password: str, *, username: str = "") -> None:
    """Refuse a password that is too short, too long, blank, the username itself, or common
    or easy to guess (the message in the current language; it never quotes the password)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            t("password: use at least {count} characters", count=MIN_PASSWORD_LENGTH)
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(t("password: use at most {count} characters", count=MAX_PASSWORD_LENGTH))
    if not password.strip():
        raise WeakPassword(t("password: must not be blank"))
    if username and password.strip().lower() == username.strip().lower():
        raise WeakPassword(t("password: must not be the username"))
    hints = [username, "haven"] if username else ["haven"]
    if zxcvbn(password[:STRENGTH_CHARACTERS], user_inputs=hints)["score"] < MIN_STRENGTH:
        raise WeakPassword(
            t("password: too common or too easy to guess; use a longer phrase of unrelated words")
        )


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
