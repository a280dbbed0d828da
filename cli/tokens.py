"""`python -m planner tokens ...`: the REST API's tokens, for administrators.

Acts as the admin `cli:<login>`, as `users` does (whoever can run it can read the
database). `create` prints the token once, on standard output, and nothing else there, so
that a script can keep it (`TOKEN=$(python -m planner tokens create pat "nightly feed")`);
the database keeps only its keyed hash (service.tokens says why), so a lost token is
revoked and made anew, never shown again.
"""

from __future__ import annotations

import argparse
import sys

from cli.failures import using_database
from cli.users import cli_actor
from planner.i18n import t
from service import tokens
from service.errors import AccessDenied, InvalidRecord, StorageError, UnknownUser


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `tokens` command and its own subcommands."""
    parser = subparsers.add_parser(
        "tokens",
        help=t("make, list and revoke the REST API's tokens (administrators)"),
        description=t(
            "Tokens let a partner's system use the REST API (python -m planner api) as one "
            "account. A token is shown once, when it is made; Haven keeps only its hash. "
            "Acts as an admin named cli:<your login>; every change is audited."
        ),
    )
    commands = parser.add_subparsers(title=t("subcommands"), metavar=t("SUBCOMMAND"))
    parser.set_defaults(handler=lambda _args: _usage(parser))

    p = commands.add_parser(
        "create",
        help=t("make a token for an account and print it once"),
        description=t(
            "Make a token that acts as ACCOUNT (its role, city and agency, as they are at "
            "each request). The token is printed once on standard output."
        ),
    )
    p.add_argument("username", metavar="ACCOUNT", help=t("the account the token acts as"))
    p.add_argument("name", help=t('what the token is for, e.g. "nightly capacity feed"'))
    p.set_defaults(handler=_create)

    p = commands.add_parser("list", help=t("list the tokens (never the tokens themselves)"))
    p.add_argument("--user", metavar="ACCOUNT", help=t("only the tokens of this account"))
    p.set_defaults(handler=_list)

    p = commands.add_parser("revoke", help=t("revoke a token for good"))
    p.add_argument("id", type=int, help=t("the token's number, as `tokens list` shows it"))
    p.set_defaults(handler=_revoke)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _create(args: argparse.Namespace) -> int:
    try:
        with using_database():
            made = tokens.create_token(cli_actor(), username=args.username, name=args.name)
    except (AccessDenied, InvalidRecord, UnknownUser) as exc:
        print(t("error: {message}", message=exc), file=sys.stderr)
        return 1
    print(made.token)
    print(
        t(
            "made token {id} ({prefix}...) for {user}: keep it now, it is not shown again",
            id=made.info.id,
            prefix=made.info.prefix,
            user=made.info.username,
        ),
        file=sys.stderr,
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    with using_database():
        found = tokens.list_tokens(cli_actor(), username=args.user)
    if not found:
        print(t("no tokens yet; make one with: python -m planner tokens create ACCOUNT NAME"))
    for token in found:
        used = (
            t("never used")
            if token.last_used_at is None
            else t("last used {when}Z", when=f"{token.last_used_at:%Y-%m-%d %H:%M}")
        )
        state = (
            t("revoked {when}Z", when=f"{token.revoked_at:%Y-%m-%d %H:%M}")
            if token.revoked_at is not None
            else t("active")
        )
        print(
            " | ".join(
                [
                    str(token.id),
                    f"{token.prefix}...",
                    token.username,
                    token.name,
                    t(
                        "made {when}Z by {who}",
                        when=f"{token.created_at:%Y-%m-%d %H:%M}",
                        who=token.created_by,
                    ),
                    used,
                    state,
                ]
            )
        )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        with using_database():
            token = tokens.revoke_token(cli_actor(), args.id)
    except (AccessDenied, StorageError) as exc:
        print(t("error: {message}", message=exc), file=sys.stderr)
        return 1
    print(
        t(
            "revoked token {id} ({prefix}...) of {user}",
            id=token.id,
            prefix=token.prefix,
            user=token.username,
        )
    )
    return 0
