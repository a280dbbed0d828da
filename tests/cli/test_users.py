"""`python -m planner users ...` through `users_cli.register` on a parser of its own."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from cli import users as users_cli
from models import accounts
from models.db import dispose_engines, get_engine, session_scope, upgrade_database
from planner import passwords
from planner.settings import get_settings
from service import access

SECRET = "a long enough secret"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m planner")
    users_cli.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.handler(args))


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'haven.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    dispose_engines()


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_add_list_set_role_disable(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, SECRET + "\n")
    assert run(["users", "add", "root", "--role", "admin", "--password-stdin"]) == 0
    stdin(monkeypatch, SECRET + "\n")
    assert run(["users", "add", "fay", "--role", "funder", "--password-stdin"]) == 0
    assert run(["users", "set-role", "fay", "analyst"]) == 0
    assert run(["users", "disable", "fay"]) == 0
    assert run(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "fay | analyst | disabled" in out and "root | admin" in out
    assert SECRET not in out
    with session_scope(get_engine(database)) as session:
        assert access.authenticate(session, "root", SECRET) is not None
        assert access.authenticate(session, "fay", SECRET) is None  # disabled
        actions = [e.action for e in access.audit_log(access.Actor("t", "admin"), session)]
        actors = {e.actor for e in access.audit_log(access.Actor("t", "admin"), session)}
    assert {"user_created", "role_changed", "user_disabled"} <= set(actions)
    assert any(a.startswith("cli:") for a in actors)
    assert run(["users", "enable", "fay"]) == 0


def test_the_prompt_asks_twice_and_never_echoes(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([SECRET, SECRET + "typo"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(["users", "add", "ann", "--role", "analyst"]) == 1
    assert "the two passwords differ" in capsys.readouterr().err
    answers = iter([SECRET, SECRET])
    assert run(["users", "add", "ann", "--role", "analyst"]) == 0


def test_refusals_are_one_line_and_exit_1(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, "short\n")
    assert run(["users", "add", "bob", "--role", "funder", "--password-stdin"]) == 1
    assert "at least 12" in capsys.readouterr().err
    stdin(monkeypatch, SECRET + "\n")
    assert run(["users", "add", "pat", "--role", "partner", "--password-stdin"]) == 1
    assert "partner account needs its city" in capsys.readouterr().err
    assert run(["users", "disable", "ghost"]) == 1
    assert "no account named 'ghost'" in capsys.readouterr().err
    stdin(monkeypatch, SECRET + "\n")
    assert run(["users", "add", "solo", "--role", "admin", "--password-stdin"]) == 0
    assert run(["users", "disable", "solo"]) == 1
    assert "last active admin" in capsys.readouterr().err


def test_audit_export_is_spreadsheet_safe(
    database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    upgrade_database(get_engine(database))
    with session_scope(get_engine(database)) as session:
        accounts.record_event(session, actor="ann", action="import", target="=HYPERLINK(1)")
    out = tmp_path / "audit.csv"
    assert run(["users", "audit", "--csv", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in text


def test_help_lists_the_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run(["users", "--help"])
    out = capsys.readouterr().out
    for name in ("add", "list", "disable", "enable", "set-role", "set-password", "audit"):
        assert name in out
