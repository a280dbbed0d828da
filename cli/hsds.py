"""`python -m planner hsds-import` and `hsds-export` (registered by cli/main.py).

Exit codes as for the rest of the CLI: 0 done, 1 invalid data (every message on stderr,
nothing written), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.failures import writing
from planner.hsds import (
    HSDS_VERSION,
    hsds_to_package,
    identity_mapping,
    read_hsds,
    write_mapping,
)
from planner.i18n import t
from planner.package import read_package, write_package
from planner.problems import InvalidInput, Problem


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `hsds-import` and `hsds-export` subcommands."""
    p = subparsers.add_parser(
        "hsds-import",
        help=t(
            "make a city package from a 211 directory's HSDS {version} export", version=HSDS_VERSION
        ),
        description=t(
            "Read an Open Referral HSDS 3.x tabular export (a folder of CSV files), "
            "turn its services into Haven agencies and capacity with a mapping file, and write "
            "a new package: the city's districts, demand and funders with the HSDS agencies "
            "and capacity. Services the mapping does not place are listed. See docs/hsds.md."
        ),
    )
    p.add_argument("hsds_dir", type=Path, metavar="HSDS_DIR", help=t("the HSDS export's folder"))
    p.add_argument(
        "--mapping", type=Path, required=True, metavar="FILE", help=t("the mapping file (YAML)")
    )
    p.add_argument(
        "--city",
        type=Path,
        required=True,
        metavar="PACKAGE_DIR",
        help=t("the city package the agencies go into (folder or .zip)"),
    )
    p.add_argument(
        "--out", type=Path, required=True, metavar="NEW_PACKAGE_DIR", help=t("the folder to write")
    )
    p.add_argument(
        "--overwrite", action="store_true", help=t("write into --out even if it is not empty")
    )
    p.set_defaults(handler=_import)

    p = subparsers.add_parser(
        "hsds-export",
        help=t(
            "write a city's agencies and capacity as HSDS {version} tables", version=HSDS_VERSION
        ),
        description=t(
            "Write the agencies and current capacity of a city package as Open "
            "Referral HSDS tables (CSV files and datapackage.json). Confidential agencies' "
            "locations are written without coordinates unless asked. See docs/hsds.md."
        ),
    )
    p.add_argument(
        "--audience",
        "--for",
        dest="audience",
        choices=("analyst", "funder", "partner", "public"),
        default=None,
        help=t(
            "who the export is for; decides what is withheld (default: public, or analyst "
            "with --include-confidential-locations)"
        ),
    )
    p.add_argument("package", type=Path, metavar="PACKAGE_DIR", help=t("the city package"))
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help=t("the folder to write"))
    p.add_argument(
        "--include-confidential-locations",
        action="store_true",
        help=t(
            "also publish the coordinates of confidential agencies (shelters): only for a "
            "recipient allowed to know them"
        ),
    )
    p.add_argument(
        "--write-mapping",
        type=Path,
        metavar="FILE",
        help=t("also write the mapping file that imports the export back (YAML)"),
    )
    p.set_defaults(handler=_export)


def _import(args: argparse.Namespace) -> int:
    if _not_empty(args.out) and not args.overwrite:
        print(
            t("error: {out} is not empty; pass --overwrite to write into it", out=args.out),
            file=sys.stderr,
        )
        return 1
    try:
        city = read_package(args.city)
    except InvalidInput as exc:
        return _fail(exc.problems, t("{path}: the city package is invalid", path=args.city))
    hsds = read_hsds(args.hsds_dir, args.mapping)
    for message in hsds.unmapped:
        print(t("unmapped: {message}", message=message), file=sys.stderr)
    if hsds.has_errors:
        return _fail(
            hsds.problems, t("{path}: the HSDS export or mapping is invalid", path=args.hsds_dir)
        )
    try:
        package = hsds_to_package(hsds, city)
    except InvalidInput as exc:
        return _fail([*exc.problems], t("the merged package is invalid"))
    for warning in package.warnings:
        print(warning, file=sys.stderr)
    with writing(args.out, folder=True):
        write_package(package, args.out)
    print(
        t(
            "wrote {out}: {agencies} agencies and {capacity} capacity rows from HSDS into "
            "{city}; {unmapped} HSDS service(s) not mapped",
            out=args.out,
            agencies=len(package.agencies),
            capacity=len(package.capacity),
            city=package.city.name,
            unmapped=len(hsds.unmapped),
        )
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    from service.access import AccessDenied  # the one door: not needed for --help
    from service.exports import write_hsds_for

    try:
        package = read_package(args.package)
    except InvalidInput as exc:
        return _fail(exc.problems, t("{path}: the city package is invalid", path=args.package))
    shown = args.include_confidential_locations
    audience = args.audience or ("analyst" if shown else "public")
    try:
        with writing(args.out, folder=True):
            out = write_hsds_for(package, args.out, audience, include_confidential_locations=shown)
    except AccessDenied as exc:
        print(t("error: {message}", message=exc), file=sys.stderr)
        return 1
    hidden = int(package.agencies["confidential"].sum())
    print(
        t(
            "wrote HSDS {version} tables to {out}: {organizations} organizations, "
            "{services} services with capacity",
            version=HSDS_VERSION,
            out=out,
            organizations=len(package.agencies),
            services=len(package.current_capacity()),
        )
    )
    if hidden and not shown:
        print(
            t(
                "{count} confidential agency(ies) written without name or coordinates",
                count=hidden,
            )
        )
    if args.write_mapping is not None:
        with writing(args.write_mapping):
            write_mapping(identity_mapping(package), args.write_mapping)
        print(t("wrote the mapping that reads it back to {path}", path=args.write_mapping))
    return 0


def _not_empty(path: Path) -> bool:
    return path.exists() and (not path.is_dir() or any(path.iterdir()))


def _fail(problems: list[Problem], summary: str) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    count = sum(p.is_error for p in problems)
    print(
        t("{summary}: {count} error(s); nothing was written.", summary=summary, count=count),
        file=sys.stderr,
    )
    return 1
