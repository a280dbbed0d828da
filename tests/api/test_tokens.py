"""API tokens: made and revoked by admins only, shown once, stored as a keyed hash, audited;
and the command line that manages them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cli.main import main
from service import exports, store, tokens
from service.access import AccessDenied
from service.errors import InvalidRecord, UnknownUser
from tests.api.conftest import SETUP
from tests.service.access_city import ACTORS


def test_a_token_is_shown_once_and_stored_as_a_keyed_hash(api_db: str) -> None:
    made = tokens.create_token(SETUP, username="pat", name="nightly capacity feed")
    assert tokens.looks_like_token(made.token)
    assert made.info.prefix == made.token[: tokens.PREFIX_LENGTH]
    with store.session() as opened:
        rows = opened.exec(text("select * from api_token")).mappings().all()  # type: ignore[call-overload]
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0].values())
    assert made.token not in stored
    assert rows[0]["token_hash"] == tokens.token_hash(made.token)
    listed = tokens.list_tokens(SETUP)
    assert [t.name for t in listed] == ["nightly capacity feed"]
    assert not hasattr(listed[0], "token_hash")
    caller = tokens.authenticate(made.token)
    assert caller is not None and caller.actor == ACTORS["partner"]


def test_the_hash_depends_on_the_servers_key(api_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from planner.settings import get_settings

    made = tokens.create_token(SETUP, username="ann", name="reports")
    monkeypatch.setenv("HAVEN_SECRET_KEY", "another server's key")
    get_settings.cache_clear()
    assert tokens.authenticate(made.token) is None


def test_only_admins_make_list_and_revoke_tokens(api_db: str) -> None:
    for role in ("analyst", "funder", "partner", "public"):
        with pytest.raises(AccessDenied):
            tokens.create_token(ACTORS[role], username="pat", name="mine")
        with pytest.raises(AccessDenied):
            tokens.list_tokens(ACTORS[role])
    made = tokens.create_token(ACTORS["admin"], username="fay", name="funder dashboard")
    with pytest.raises(AccessDenied):
        tokens.revoke_token(ACTORS["analyst"], made.info.id)
    with pytest.raises(UnknownUser):
        tokens.create_token(SETUP, username="nobody", name="x")
    with pytest.raises(InvalidRecord):
        tokens.create_token(SETUP, username="pat", name="  ")


def test_making_and_revoking_are_audited_without_the_token(api_db: str) -> None:
    made = tokens.create_token(SETUP, username="pat", name="feed")
    revoked = tokens.revoke_token(SETUP, made.info.id)
    assert revoked.revoked_at is not None
    tokens.revoke_token(SETUP, made.info.id)  # again: nothing changes, nothing audited
    assert tokens.authenticate(made.token) is None
    log = exports.audit_log(SETUP, limit=10)
    events = log[log["action"].str.startswith("api_token")]
    assert list(events["action"]) == ["api_token_revoked", "api_token_created"]
    assert set(events["target"]) == {"pat"}
    assert not events.astype(str).apply(lambda c: c.str.contains(made.token)).any().any()


def test_a_disabled_account_gets_no_new_token(api_db: str) -> None:
    from service import accounts

    accounts.set_active(SETUP, username="pat", active=False)
    with pytest.raises(InvalidRecord):
        tokens.create_token(SETUP, username="pat", name="feed")


def test_the_tokens_command(api_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tokens", "create", "pat", "nightly feed"]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert tokens.looks_like_token(token), "the token alone on standard output"
    assert "not shown again" in err
    assert main(["tokens", "list"]) == 0
    listing = capsys.readouterr().out
    assert "nightly feed" in listing and token not in listing and token[:12] in listing
    ident = tokens.list_tokens(SETUP)[0].id
    assert main(["tokens", "revoke", str(ident)]) == 0
    assert "revoked" in capsys.readouterr().out
    assert tokens.authenticate(token) is None
    assert main(["tokens", "revoke", "999"]) == 1
    assert main(["tokens", "create", "nobody", "x"]) == 1
    assert "nobody" in capsys.readouterr().err
