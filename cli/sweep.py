"""`python -m planner sweep PATH --scenario FILE --budget 0:2x:11 --out DIR`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cli.failures import writing
from planner.cells import neutralise_frame
from planner.i18n import fmt_number, t
from planner.package import read_package
from planner.problems import InvalidInput
from planner.scenario import Scenario
from planner.sweep import parse_steps, sweep

DEFAULT_OUT = Path("sweep")


def register(subparsers: Any) -> None:
    """Add the `sweep` command to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "sweep",
        help=t("re-solve a scenario over budgets, equity floors and demand quantiles"),
        description=t(
            "Solve the plan at every point of the grid quantile x equity floor x budget and "
            "write points.csv (served, unmet, coverage and money per point) and districts.csv "
            "(the same per district). Budgets are factors of the scenario's budget (every "
            "funder's budget is scaled alike). Solves reuse the solver's model between budgets; "
            "HAVEN_SWEEP_WORKERS processes run them, or the Dask cluster HAVEN_DASK_SCHEDULER "
            "names. Exit 0 when every point has a plan, 1 on invalid input or a point without."
        ),
    )
    parser.add_argument("path", type=Path, help=t("the city data package: a folder or a .zip"))
    parser.add_argument("--scenario", type=Path, default=None, help=t("scenario file (JSON/YAML)"))
    parser.add_argument(
        "--budget",
        default="0:2x:11",
        metavar="START:STOP:COUNT",
        help=t("budget factors, start:stop:count or a,b,c (default 0:2x:11)"),
    )
    parser.add_argument(
        "--floor", default=None, metavar="START:STOP:COUNT", help=t("equity floors, e.g. 0:1:11")
    )
    parser.add_argument(
        "--quantile", default=None, metavar="Q,...", help=t("demand quantiles, e.g. 0.5,0.8,0.9")
    )
    parser.add_argument(
        "--workers", type=int, default=None, help=t("local processes (default HAVEN_SWEEP_WORKERS)")
    )
    parser.add_argument(
        "--cold", action="store_true", help=t("solve every point from scratch (no reuse)")
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=t("folder for the CSVs"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle `sweep`; returns the exit code."""
    from reports.words import status_words

    try:
        package = read_package(args.path)
        scenario = (
            Scenario.from_file(args.scenario)
            if args.scenario is not None
            else Scenario(name=t("Default scenario"))
        )
        scenario.ensure_valid_for(package)
        result = sweep(
            package,
            scenario,
            budget_factors=parse_steps(args.budget, name="--budget"),
            floors=parse_steps(args.floor, name="--floor") if args.floor else None,
            quantiles=parse_steps(args.quantile, name="--quantile") if args.quantile else None,
            reuse=not args.cold,
            workers=args.workers,
        )
    except InvalidInput as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return 1
    with writing(args.out, folder=True):
        args.out.mkdir(parents=True, exist_ok=True)
        neutralise_frame(result.points).to_csv(args.out / "points.csv", index=False)
        neutralise_frame(result.districts).to_csv(args.out / "districts.csv", index=False)
    failed = result.points[~result.points["status"].isin(["optimal", "time_limit"])]
    print(
        t(
            "{count} points in {seconds} s; wrote {points} and {districts}",
            count=len(result.points),
            seconds=fmt_number(result.times["total"], 1),
            points=args.out / "points.csv",
            districts=args.out / "districts.csv",
        )
    )
    for point, budget, status in zip(
        failed["point"], failed["budget"].astype(float), failed["status"], strict=True
    ):
        print(
            t(
                "point {point} (budget {budget}): {status}",
                point=point,
                budget=fmt_number(budget),
                status=status_words(status),
            ),
            file=sys.stderr,
        )
    return 1 if len(failed) else 0
