"""`python -m planner users ...`: accounts and the audit log, for administrators.

Whoever can run this command can read the database, so it acts as an admin named after the
operating-system user (`cli:<login>`), and every change is audited under that name; this is
also how the first admin account is made. Passwords are read from a prompt that does not
echo (or, for scripts, from the first line of standard input with `--password-stdin`),
never from the command line, where other users of the machine could see them.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cli.failures import using_database, writing
from planner.cells import neutralise
from planner.i18n import t
from planner.passwords import WeakPassword
from service import access, accounts, exports
from service.accounts import User
from service.errors import InvalidRecord, UnknownCity, UnknownUser


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `users` command and its own subcommands."""
    parser = subparsers.add_parser(
        "users",
        help=t("manage accounts and read the audit log (administrators)"),
        description=t(
            "Manage the accounts that log in to Haven (HAVEN_AUTH=local), and read "
            "the audit log. Acts as an admin named cli:<your login>; every change is audited."
        ),
    )
    commands = parser.add_subparsers(title=t("subcommands"), metavar=t("SUBCOMMAND"))
    parser.set_defaults(handler=lambda _args: _usage(parser))

    p = commands.add_parser("add", help=t("add an account"), description=t("Add an account."))
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=access.ROLES)
    _partner_arguments(p)
    _password_argument(p)
    p.set_defaults(handler=_add)

    p = commands.add_parser(
        "list", help=t("list the accounts"), description=t("List the accounts.")
    )
    p.set_defaults(handler=_list)

    p = commands.add_parser("disable", help=t("disable an account (it can no longer log in)"))
    p.add_argument("username")
    p.set_defaults(handler=lambda args: _set_active(args, active=False))

    p = commands.add_parser("enable", help=t("enable an account again (also lifts a lockout)"))
    p.add_argument("username")
    p.set_defaults(handler=lambda args: _set_active(args, active=True))

    p = commands.add_parser("set-role", help=t("change an account's role"))
    p.add_argument("username")
    p.add_argument("role", choices=access.ROLES)
    _partner_arguments(p)
    p.set_defaults(handler=_set_role)

    p = commands.add_parser("set-password", help=t("set an account's password"))
    p.add_argument("username")
    _password_argument(p)
    p.set_defaults(handler=_set_password)

    p = commands.add_parser("audit", help=t("print or export the audit log, newest first"))
    p.add_argument("--city", help=t("only the events of this city"))
    p.add_argument("--limit", type=int, default=50, help=t("at most this many (default 50)"))
    p.add_argument("--csv", type=Path, metavar="PATH", help=t("write every event to a CSV file"))
    p.set_defaults(handler=_audit)


def _partner_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--city", help=t("a partner's city (its name, as in city.json)"))
    parser.add_argument("--agency", help=t("a partner's agency_id"))


def _password_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help=t("read the password from the first line of standard input instead of a prompt"),
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def cli_actor() -> access.Actor:
    """The admin this command acts as."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        login = "unknown"
    return access.Actor(username=f"cli:{login}", role="admin")


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(t("Password: "))
    second = getpass.getpass(t("Password again: "))
    if first != second:
        raise WeakPassword(t("password: the two passwords differ"))
    return first


def _guarded(work: Callable[[], int]) -> int:
    """Expected refusals as one line on stderr and exit code 1, never a stack trace."""
    try:
        with using_database():
            return work()
    except (
        access.AccessDenied,
        InvalidRecord,
        UnknownUser,
        UnknownCity,
        WeakPassword,
    ) as exc:
        print(t("error: {message}", message=exc), file=sys.stderr)
        return 1


def _add(args: argparse.Namespace) -> int:
    def work() -> int:
        password = _read_password(args)
        user = accounts.create_user(
            cli_actor(),
            username=args.username,
            password=password,
            role=args.role,
            city=args.city,
            agency_id=args.agency,
        )
        print(t("added {user}", user=_describe(user)))
        return 0

    return _guarded(work)


def _list(args: argparse.Namespace) -> int:
    del args
    with using_database():
        users = accounts.list_users(cli_actor())
    if not users:
        print(t("no accounts yet; add one with: python -m planner users add NAME --role admin"))
    for user in users:
        print(_describe(user))
    return 0


def _set_active(args: argparse.Namespace, *, active: bool) -> int:
    def work() -> int:
        user = accounts.set_active(cli_actor(), username=args.username, active=active)
        described = _describe(user)
        print(
            t("enabled {user}", user=described) if active else t("disabled {user}", user=described)
        )
        return 0

    return _guarded(work)


def _set_role(args: argparse.Namespace) -> int:
    def work() -> int:
        user = accounts.set_role(
            cli_actor(),
            username=args.username,
            role=args.role,
            city=args.city,
            agency_id=args.agency,
        )
        print(t("changed {user}", user=_describe(user)))
        return 0

    return _guarded(work)


def _set_password(args: argparse.Namespace) -> int:
    def work() -> int:
        password = _read_password(args)
        accounts.set_password(cli_actor(), username=args.username, password=password)
        print(t("password set for {user}", user=args.username))
        return 0

    return _guarded(work)


def _audit(args: argparse.Namespace) -> int:
    limit = None if args.csv else args.limit
    with using_database():
        frame = exports.audit_log(cli_actor(), city=args.city, limit=limit)
    if args.csv:
        safe = frame.astype(object).map(_spreadsheet_safe)
        with writing(args.csv):
            safe.to_csv(args.csv, index=False, quoting=csv.QUOTE_NONNUMERIC)
        print(t("wrote {count} audit events to {path}", count=len(frame), path=args.csv))
        return 0
    for row in frame.itertuples(index=False):
        where = f" [{row.city}]" if isinstance(row.city, str) else ""
        target = f" {row.target}" if isinstance(row.target, str) else ""
        print(f"{row.at:%Y-%m-%d %H:%M:%S}Z {row.actor} {row.action}{target}{where}")
    return 0


def _spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (the one
    rule of planner.cells)."""
    return neutralise(value)


def _describe(user: User) -> str:
    parts = [user.username, t(user.role)]
    if user.role == "partner":
        parts.append(t("agency {agency} of {city}", agency=user.agency_id, city=user.city))
    if not user.active:
        parts.append(t("disabled"))
    if user.locked_until is not None and user.locked_until > datetime.now(UTC):
        parts.append(t("locked until {when}Z", when=f"{user.locked_until:%Y-%m-%d %H:%M}"))
    return " | ".join(parts)
