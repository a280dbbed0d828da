"""`python -m planner report PLAN_DIR --format pdf|html|xlsx --out FILE`: a plan as a report.

Exit codes: 0 when the report is written, 1 on a plan folder (or package) that cannot be
read, with the messages on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cli.failures import writing
from planner.i18n import LANGUAGES, fmt_number, get_language, t, use_language
from planner.problems import InvalidInput
from reports import AUDIENCES, FORMATS, build_report


def register(subparsers: Any) -> None:
    """Add the `report` command to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "report",
        help=t("write a plan as a report to forward to funders (PDF, HTML or xlsx)"),
        description=t(
            "Write the report of a plan folder (what `plan --out` wrote): the question and the "
            "assumptions, the headline figures against the baselines, charts and maps, the "
            "funding per agency and funder, the binding limits and the caveats. Small counts "
            "are suppressed for every audience but analyst. Exit 0 when written, 1 when the "
            "plan folder or package cannot be read."
        ),
    )
    parser.add_argument("plan_dir", type=Path, help=t("the folder `plan --out` wrote"))
    parser.add_argument(
        "--format", dest="fmt", choices=FORMATS, default=None, help=t("default: the --out suffix")
    )
    parser.add_argument(
        "--out", type=Path, default=None, help=t("file to write (default: PLAN_DIR/report.FORMAT)")
    )
    parser.add_argument(
        "--audience",
        choices=AUDIENCES,
        default="funder",
        help=t("who reads it; decides what is suppressed (default: funder)"),
    )
    parser.add_argument(
        "--package",
        type=Path,
        default=None,
        help=t("the package the plan was made from, when PLAN_DIR has no context.json"),
    )
    parser.add_argument(
        "--k",
        type=int,
        default=None,
        help=t("small-count threshold (default: HAVEN_SMALL_COUNT_K, 5)"),
    )
    parser.add_argument(
        "--lang",
        dest="report_lang",
        choices=LANGUAGES,
        default=None,
        help=t("language of the report (default: the command line's --lang, else HAVEN_LANG)"),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle `report`; returns the exit code."""
    fmt = args.fmt
    if fmt is None:
        suffix = args.out.suffix.lower().lstrip(".") if args.out else ""
        fmt = suffix if suffix in FORMATS else "pdf"
    out = args.out or args.plan_dir / f"report.{fmt}"
    language = getattr(args, "report_lang", None) or get_language()
    try:
        with use_language(language):
            data = build_report(
                args.plan_dir, fmt=fmt, audience=args.audience, package=args.package, k=args.k
            )
    except InvalidInput as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return 1
    except ValueError as exc:
        print(t("error: {message}", message=exc), file=sys.stderr)
        return 1
    with writing(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    print(
        t(
            "{fmt} report for {audience}s written to {out} ({size} bytes)",
            fmt=fmt,
            audience=t(args.audience),
            out=out,
            size=fmt_number(len(data)),
        )
    )
    return 0
