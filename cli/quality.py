"""`python -m planner quality PATH`: the data-quality score of a package's agencies and
districts, with the reasons, most severe first (registered by cli/main.py).

Reads the package file itself (the reader holds it whole, so names are shown as they are);
nothing touches the database. Exit codes: 0 done, 1 invalid package (every problem on
stderr), 2 wrong usage. `--fail-below SCORE` exits 3 when an agency or a district scores
below it, for a nightly check.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from planner.i18n import fmt_number, t


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "quality",
        help=t("score the data quality of a package's agencies and districts"),
        description=t(
            "Score each agency and district of a package (folder or .zip) for completeness, "
            "timeliness, consistency and outliers in demand, from 0 to 100, and list the "
            "reasons, most severe first."
        ),
    )
    p.add_argument("path", type=Path, help=t("the package: a folder or a .zip of one"))
    p.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help=t("the day the figures' age is counted to (default: today)"),
    )
    p.add_argument(
        "--stale-days",
        type=int,
        default=None,
        metavar="DAYS",
        help=t("capacity older than this is stale (default: 30)"),
    )
    p.add_argument(
        "--top", type=int, default=10, metavar="N", help=t("rows of each table (default: 10)")
    )
    p.add_argument("--json", action="store_true", help=t("write the scores and reasons as JSON"))
    p.add_argument(
        "--fail-below",
        type=float,
        default=None,
        metavar="SCORE",
        help=t("exit with status 3 when an agency or district scores below SCORE"),
    )
    p.set_defaults(handler=_quality)


def _quality(args: argparse.Namespace) -> int:
    from planner.capacity_levels import STALE_AFTER_DAYS
    from planner.package import read_package
    from planner.quality import assess
    from reports.quality_words import dimension_text, reason_text, severity_text

    package = read_package(args.path)  # InvalidInput: every problem, said by cli.main
    today = args.today or date.today()
    report = assess(package, today, args.stale_days or STALE_AFTER_DAYS)
    agencies = dict(
        zip(package.agencies["agency_id"].astype(str), package.agencies["name"], strict=True)
    )
    districts = dict(
        zip(package.districts["district_id"].astype(str), package.districts["name"], strict=True)
    )
    services = dict(
        zip(package.services["service_id"].astype(str), package.services["name"], strict=True)
    )
    if args.json:
        print(
            json.dumps(
                {
                    "city": package.city.name,
                    "today": today.isoformat(),
                    "stale_after_days": report.stale_after_days,
                    "agencies": report.agencies.to_dict(orient="records"),
                    "districts": report.districts.to_dict(orient="records"),
                    "reasons": [
                        {
                            **reason.__dict__,
                            "text": reason_text(reason, agencies, districts, services),
                        }
                        for reason in report.reasons
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(
            t(
                "Data quality of {city} on {today} (0 to 100; lowest first):",
                city=package.city.name,
                today=today.isoformat(),
            )
        )
        heads = [
            dimension_text(d) for d in ("completeness", "timeliness", "consistency", "outliers")
        ]
        for title, table, key, names in (
            (t("Agencies"), report.agencies, "agency_id", agencies),
            (t("Districts"), report.districts, "district_id", districts),
        ):
            print()
            print(
                t("{title} ({count}):", title=title, count=fmt_number(len(table)))
                + "  "
                + " | ".join([t("score"), *heads])
            )
            columns = ("score", "completeness", "timeliness", "consistency", "outliers")
            for record in table.head(args.top).to_dict("records"):
                subject = str(record[key])
                figures = [fmt_number(float(record[c])) for c in columns]
                print(f"  {names.get(subject, subject)} ({subject}): " + " | ".join(figures))
        print()
        print(t("Reasons ({count}), most severe first:", count=fmt_number(len(report.reasons))))
        for reason in report.reasons[: max(args.top, 0) * 3]:
            print(
                f"  [{severity_text(reason.severity)}, {dimension_text(reason.dimension)}] "
                + reason_text(reason, agencies, districts, services)
            )
        hidden = len(report.reasons) - max(args.top, 0) * 3
        if hidden > 0:
            print("  " + t("... and {count} more (--top, --json)", count=fmt_number(hidden)))
    from planner.hotline import leading_indicator

    leading = leading_indicator(package.demand, package.hotline)
    if leading is not None and not args.json:
        print()
        print(
            t(
                "Hotline contacts as a leading indicator of next month's demand, tried on "
                "{origins} months: the forecast's mean error {verdict} from {before} to "
                "{after} cases.",
                origins=fmt_number(leading.origins),
                verdict=t("falls") if leading.helps else t("does not fall (rises)"),
                before=fmt_number(leading.mae_baseline, 1),
                after=fmt_number(leading.mae_with_hotline, 1),
            )
        )
    if args.fail_below is not None:
        lowest = min(
            [*report.agencies["score"].tolist(), *report.districts["score"].tolist()],
            default=100.0,
        )
        if lowest < args.fail_below:
            return 3
    return 0
