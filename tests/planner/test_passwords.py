"""The rules a new password must meet (issue 13): length, not blank, not the username, not a
common or easily guessed password. Passwords are never quoted in a message."""

from __future__ import annotations

import pytest

from planner.i18n import use_language
from planner.passwords import MAX_PASSWORD_LENGTH, WeakPassword, check_new_password

COMMON = "password: too common or too easy to guess; use a longer phrase of unrelated words"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "password: use at least 12 characters"),
        ("x" * 11, "password: use at least 12 characters"),
        ("x" * (MAX_PASSWORD_LENGTH + 1), "password: use at most 1024 characters"),
        (" " * 12, "password: must not be blank"),
        ("\t \n" * 5, "password: must not be blank"),
        ("password1234", COMMON),
        ("Password1234", COMMON),
        ("qwertyuiop123", COMMON),
        ("letmein12345", COMMON),
        ("123456789012", COMMON),
        ("aaaaaaaaaaaa", COMMON),
        ("iloveyou2026", COMMON),
        ("haven-haven-1", COMMON),
    ],
)
def test_weak_passwords_are_refused(password: str, message: str) -> None:
    with pytest.raises(WeakPassword) as caught:
        check_new_password(password, username="ann")
    assert str(caught.value) == message
    if len(password) >= 4 and password.strip():
        assert password not in str(caught.value)


def test_the_username_is_refused_as_it_is_and_as_a_hint() -> None:
    with pytest.raises(WeakPassword, match="must not be the username"):
        check_new_password("Long.Username", username="long.username")
    with pytest.raises(WeakPassword, match="too common"):
        check_new_password("longusername1", username="longusername")


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "a long enough secret", "plum-verdict-71-glacier"],
)
def test_strong_passwords_are_accepted(password: str) -> None:
    check_new_password(password, username="ann")


def test_a_long_strong_password_is_checked_quickly() -> None:
    check_new_password("plum-verdict-71-glacier " * 40, username="ann")


def test_the_new_rules_speak_french() -> None:
    with use_language("fr"), pytest.raises(WeakPassword) as blank:
        check_new_password(" " * 12)
    assert str(blank.value) == "mot de passe : ne doit pas être vide"
    with use_language("fr"), pytest.raises(WeakPassword) as common:
        check_new_password("password1234")
    assert str(common.value).startswith("mot de passe : trop courant")
