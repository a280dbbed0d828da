"""`python -m planner`: validate, import, export and plan city data from the command line.

Exit codes: 0 on success, 1 when the data (or scenario) is invalid, with every message on
stderr, 2 on wrong usage (argparse's own convention).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session

from planner import forecast_cli, hsds_cli, plan_cli, report_cli
from planner.package import CityPackage, read_package, validate_package, write_package
from planner.problems import InvalidInput, errors
from planner.settings import DEMO_PACKAGE, get_settings

T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except InvalidInput as exc:
        _print_problems(exc)
        return 1
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m planner",
        description="Haven: plan a city's anti-trafficking services from its data package.",
        epilog="The database is the one DATABASE_URL names (default: var/haven.db).",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser(
        "validate",
        help="check a city data package and list every problem",
        description="Check every file of a package (folder or .zip) and list every problem.",
    )
    p.add_argument("path", type=Path, help="the package: a folder or a .zip of one")
    p.set_defaults(handler=_validate)

    p = sub.add_parser(
        "import",
        help="load a package into the database (all or nothing)",
        description="Validate a package and load it into the database in one transaction: "
        "a package with any error changes nothing.",
    )
    p.add_argument("path", type=Path, help="the package: a folder or a .zip of one")
    p.add_argument(
        "--replace", action="store_true", help="replace the data of a city already loaded"
    )
    p.set_defaults(handler=_import)

    p = sub.add_parser(
        "export",
        help="write a city from the database as a package",
        description="Write a city as a package that imports back to the same data.",
    )
    p.add_argument("city", help="the city's name, as in its city.json")
    p.add_argument("out", type=Path, help="the folder to write (created if missing)")
    p.set_defaults(handler=_export)

    p = sub.add_parser(
        "demo",
        help="load the demo city (Chicago, synthetic services) into the database",
        description="Load the bundled demo city into the database.",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--if-empty", action="store_true", help="only when the database holds no city yet"
    )
    group.add_argument("--replace", action="store_true", help="reload it if already there")
    p.set_defaults(handler=_demo)

    plan_cli.register(sub)
    forecast_cli.register(sub)
    hsds_cli.register(sub)
    report_cli.register(sub)
    return parser


def _validate(args: argparse.Namespace) -> int:
    problems = validate_package(args.path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if errors(problems):
        print(f"{args.path}: {len(errors(problems))} error(s); nothing imported.", file=sys.stderr)
        return 1
    package = read_package(args.path)
    print(_describe(package))
    return 0


def _import(args: argparse.Namespace) -> int:
    from models.errors import CityExists
    from models.repository import import_package

    package = read_package(args.path)
    for warning in package.warnings:
        print(warning, file=sys.stderr)
    try:
        _with_session(lambda s: import_package(s, package, replace=args.replace))
    except CityExists as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    verb = "replaced" if args.replace else "imported"
    print(f"{verb}: {_describe(package)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from models.errors import UnknownCity
    from models.repository import load_package

    try:
        package = _with_session(lambda s: load_package(s, args.city))
    except UnknownCity as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = write_package(package, args.out)
    print(f"exported {package.city.name} to {out}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from models.errors import CityExists
    from models.repository import database_is_empty, import_package

    if args.if_empty and not _with_session(database_is_empty):
        print("the database already holds a city; nothing loaded")
        return 0
    package = read_package(DEMO_PACKAGE)
    try:
        _with_session(lambda s: import_package(s, package, replace=args.replace))
    except CityExists as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"loaded the demo city: {_describe(package)}")
    return 0


def _with_session(work: Callable[[Session], T]) -> T:
    """Run `work` in one transaction on the configured database, migrated to the latest."""
    from models.db import get_engine, session_scope, upgrade_database

    engine = get_engine(get_settings().database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        return work(session)


def _describe(package: CityPackage) -> str:
    return (
        f"{package.city.name}: {len(package.districts)} districts, "
        f"{len(package.services)} services, {len(package.agencies)} agencies, "
        f"{len(package.capacity)} capacity rows, "
        f"{len(package.demand)} demand rows, {len(package.funders)} funders"
    )


def _print_problems(exc: InvalidInput) -> None:
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    count = len(errors(exc.problems))
    print(f"{count} error(s); nothing was changed.", file=sys.stderr)
