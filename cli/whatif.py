"""`python -m planner plan PATH --close A12 [--lock A30:legal_aid]`: what a closure does.

The plan command's hook (cli.plan): `--close` and `--lock` add to the scenario's `closed`
and `locked`; after the plan (with them) is written, the same scenario is planned without
them on the same demand (planner.whatif) and whatif.json and whatif.html are written beside
plan.json, with the comparison in words.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cli.failures import writing
from planner.i18n import t
from planner.problems import InvalidInput


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--close",
        action="append",
        default=[],
        metavar="AGENCY[:SERVICE]",
        help=t("close an agency, or one of its services, and say what that does (repeatable)"),
    )
    parser.add_argument(
        "--lock",
        action="append",
        default=[],
        metavar="AGENCY[:SERVICE]",
        help=t("add no capacity at an agency, or one of its services (repeatable)"),
    )


def scenario_changes(args: argparse.Namespace, scenario: Any) -> dict[str, Any]:
    """The scenario's closed and locked with the command line's added."""
    changes: dict[str, Any] = {}
    if getattr(args, "close", None):
        changes["closed"] = [*scenario.closed, *args.close]
    if getattr(args, "lock", None):
        changes["locked"] = [*scenario.locked, *args.lock]
    return changes


def asked(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "close", None) or getattr(args, "lock", None))


def run(args: argparse.Namespace, package: Any, scenario: Any, book: Any) -> int:
    """Plan without the closures, compare, write whatif.json and whatif.html, say it."""
    from planner.optimiser import SolveOptions
    from planner.whatif import what_if
    from reports.whatif import what_if_html, what_if_lines
    from service.forecasts import package_demand

    try:
        result = what_if(
            package,
            scenario,
            demand=package_demand(package, scenario),
            options=SolveOptions(diagnostics=False, baselines=False),
        )
    except InvalidInput as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return 1
    data = result.to_dict()
    with writing(args.out, folder=True):
        (args.out / "whatif.json").write_text(
            json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n",
            encoding="utf-8",
        )
        title = t("If this agency closes: {name}", name=scenario.name)
        (args.out / "whatif.html").write_bytes(what_if_html(data, book, title))
    if not args.json:
        print("\n".join(what_if_lines(data, book)))
    return 0
