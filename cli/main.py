"""`python -m planner`: validate, import, export and plan city data from the command line.

Exit codes: 0 on success, 1 when the data (or scenario) is invalid, with every message on
stderr, 2 on wrong usage (argparse's own convention).

`--lang fr` (before the command, or HAVEN_LANG=fr) prints help and messages in French: the
language is read before the parser is built, so its help strings go through planner.i18n
too, and argparse's own words ("usage:", "options", its errors) are routed through the same
table while `main` runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cli.failures import CommandFailed, database_message, os_reason, using_database, writing
from planner.i18n import LANGUAGES, N_, fmt_number, get_language, t, use_language
from planner.problems import InvalidInput, error_count

if TYPE_CHECKING:
    from planner.package import CityPackage

# Commands import what they use when they run (the service layer and the database's
# modules, the report writers): `plan` on a folder never loads the database's modules.

#: Each command's module (its `register(subparsers)` adds it). Only the module of the command
#: being run is imported, unless help or an unknown command needs them all.
COMMAND_MODULES = {
    "plan": "cli.plan",
    "forecast": "cli.forecast",
    "hidden": "cli.forecast",
    "hsds-import": "cli.hsds",
    "hsds-export": "cli.hsds",
    "report": "cli.report",
    "users": "cli.users",
    "sweep": "cli.sweep",
    "quality": "cli.quality",
    "tokens": "cli.tokens",
    "api": "cli.api",
    "simulate": "cli.simulate",
}

#: The audiences an export may be made for: service.audience.AUDIENCE_NAMES (a test holds
#: them equal), named here so that building the parser does not load the service layer.
EXPORT_AUDIENCES = ("analyst", "funder", "partner", "public")

T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    language = _language_option().parse_known_args(argv)[0].lang
    with use_language(language or get_language()), _argparse_translated():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser(_command(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except InvalidInput as exc:
        _print_problems(exc)
        return 1
    except CommandFailed as exc:
        print(t("error: {message}", message=exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        return 130
    except Exception as exc:
        return _service_failure(exc)


def _service_failure(exc: Exception) -> int:
    """The service layer's refusals and the database's errors in words (exit 1), an OSError
    as `cannot use PATH`; anything else is a bug and goes on up."""
    errors = sys.modules.get("service.errors")  # loaded by any command that used the service
    if errors is not None and isinstance(exc, errors.StorageError | errors.AccessDenied):
        print(t("error: {message}", message=exc), file=sys.stderr)  # e.g. ImportFailed
        return 1
    if errors is not None and isinstance(exc, errors.DatabaseError):  # a command did not wrap
        print(t("error: {message}", message=database_message(exc)), file=sys.stderr)
        return 1
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else t("a file")
        message = t("cannot use {path}: {reason}", path=where, reason=os_reason(exc))
        print(t("error: {message}", message=message), file=sys.stderr)
        return 1
    raise exc


def _language_option() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m planner", add_help=False)
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help=t("language of messages and help (default: HAVEN_LANG, else en)"),
    )
    return parser


# argparse's own words, marked so the translation table holds them (see _argparse_translated).
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("not allowed with argument %s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
)


@contextmanager
def _argparse_translated() -> Iterator[None]:
    """argparse looks its words up through `argparse._` (gettext); use our table instead."""
    original = argparse._  # type: ignore[attr-defined]
    argparse._ = lambda text: t(original(text))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]


def _command(argv: Sequence[str]) -> str | None:
    """The command named in `argv` (the first word that is not an option), if any."""
    words = list(argv)
    while words:
        word = words.pop(0)
        if word == "--lang":
            words = words[1:]
        elif not word.startswith("-"):
            return word
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with `command` one of COMMAND_MODULES, only that
    command's module is imported among them (the others' help is not needed)."""
    parser = argparse.ArgumentParser(
        prog="python -m planner",
        description=t("Haven: plan a city's anti-trafficking services from its data package."),
        epilog=t("The database is the one DATABASE_URL names (default: var/haven.db)."),
        parents=[_language_option()],
    )
    sub = parser.add_subparsers(title=t("commands"), metavar=t("COMMAND"))

    p = sub.add_parser(
        "validate",
        help=t("check a city data package and list every problem"),
        description=t("Check every file of a package (folder or .zip) and list every problem."),
    )
    p.add_argument("path", type=Path, help=t("the package: a folder or a .zip of one"))
    p.set_defaults(handler=_validate)

    p = sub.add_parser(
        "import",
        help=t("load a package into the database (all or nothing)"),
        description=t(
            "Validate a package and load it into the database in one transaction: "
            "a package with any error changes nothing."
        ),
    )
    p.add_argument("path", type=Path, help=t("the package: a folder or a .zip of one"))
    p.add_argument(
        "--replace", action="store_true", help=t("replace the data of a city already loaded")
    )
    p.set_defaults(handler=_import)

    p = sub.add_parser(
        "export",
        help=t("write a city from the database as a package"),
        description=t("Write a city as a package that imports back to the same data."),
    )
    p.add_argument("city", help=t("the city's name, as in its city.json"))
    p.add_argument("out", type=Path, help=t("the folder to write (created if missing)"))
    p.add_argument(
        "--for",
        "--audience",
        dest="audience",
        choices=EXPORT_AUDIENCES,
        default="analyst",
        help=t(
            "the audience the package is for (default: analyst, exact); for the others "
            "small counts are suppressed and confidential agencies masked"
        ),
    )
    p.set_defaults(handler=_export)

    p = sub.add_parser(
        "demo",
        help=t("load the demo city (Chicago, synthetic services) into the database"),
        description=t("Load the bundled demo city into the database."),
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--if-empty", action="store_true", help=t("only when the database holds no city yet")
    )
    group.add_argument("--replace", action="store_true", help=t("reload it if already there"))
    p.set_defaults(handler=_demo)

    if command in COMMAND_MODULES:
        modules = [COMMAND_MODULES[command]]
    else:
        modules = list(dict.fromkeys(COMMAND_MODULES.values()))
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from planner.package import read_package, validate_package

    problems = validate_package(args.path)
    for problem in problems:
        print(problem, file=sys.stderr)
    if error_count(problems):
        print(
            t(
                "{path}: {count} error(s); nothing imported.",
                path=args.path,
                count=error_count(problems),
            ),
            file=sys.stderr,
        )
        return 1
    package = read_package(args.path)
    print(_describe(package))
    return 0


def _import(args: argparse.Namespace) -> int:
    from planner.package import read_package
    from service import edits
    from service.errors import CityExists

    package = read_package(args.path)
    for warning in package.warnings:
        print(warning, file=sys.stderr)
    try:
        with using_database():
            edits.import_city(_cli_actor(), package, replace=args.replace)
    except CityExists as exc:
        print(t("error: {message}", message=_city_exists(exc.name)), file=sys.stderr)
        return 1
    verb = t("replaced") if args.replace else t("imported")
    print(t("{verb}: {description}", verb=verb, description=_describe(package)))
    return 0


def _export(args: argparse.Namespace) -> int:
    from planner.package import write_package
    from service import exports
    from service.errors import UnknownCity

    try:
        with using_database():
            package = exports.city_package_for(_cli_actor(), args.city, args.audience)
    except UnknownCity as exc:
        known = ", ".join(repr(k) for k in exc.known) if exc.known else t("none yet")
        message = t(
            "no city named {name} in the database; known cities: {known}",
            name=repr(exc.name),
            known=known,
        )
        print(t("error: {message}", message=message), file=sys.stderr)
        return 1
    with writing(args.out, folder=True):
        out = write_package(package, args.out)
    print(t("exported {city} to {out}", city=package.city.name, out=out))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from planner.package import read_package
    from planner.settings import DEMO_PACKAGE
    from service import city as city_service
    from service import edits
    from service.errors import CityExists

    with using_database():
        if args.if_empty and not city_service.database_is_empty():
            print(t("the database already holds a city; nothing loaded"))
            return 0
    package = read_package(DEMO_PACKAGE)
    try:
        with using_database():
            edits.import_city(_cli_actor(), package, replace=args.replace)
    except CityExists as exc:
        print(t("error: {message}", message=_city_exists(exc.name)), file=sys.stderr)
        return 1
    print(t("loaded the demo city: {description}", description=_describe(package)))
    return 0


def _cli_actor() -> Any:
    from cli.users import cli_actor

    return cli_actor()


def _city_exists(name: str) -> str:
    """models.errors.CityExists in words of the current language (models/ speaks English)."""
    return t(
        "city {name} is already in the database; import it again with --replace to swap its "
        "data (its scenarios and plan runs are kept)",
        name=repr(name),
    )


def _describe(package: CityPackage) -> str:
    return t(
        "{city}: {districts} districts, {services} services, {agencies} agencies, "
        "{capacity} capacity rows, {demand} demand rows, {funders} funders",
        city=package.city.name,
        districts=fmt_number(len(package.districts)),
        services=fmt_number(len(package.services)),
        agencies=fmt_number(len(package.agencies)),
        capacity=fmt_number(len(package.capacity)),
        demand=fmt_number(len(package.demand)),
        funders=fmt_number(len(package.funders)),
    )


def _print_problems(exc: InvalidInput) -> None:
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    count = error_count(exc.problems)
    print(t("{count} error(s); nothing was changed.", count=count), file=sys.stderr)
