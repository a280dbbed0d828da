"""`python -m planner plan PATH`: plan a scenario on a city package and write the plan.

Writes plan.json (status, totals, diagnostics, baselines and findings: codes and values, no
sentences) and funding.csv, capacity_added.csv, coverage.csv into --out; prints the plan in
words (reports.words). Exit codes: 0 on a plan (optimal, or stopped at the time limit with
a plan), 1 on invalid data or scenario (messages on stderr) and on an infeasible scenario
(plan.json still written, with the explanation) or no plan found in time.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cli.failures import writing
from planner.i18n import fmt_number, fmt_percent, t
from planner.package import read_package
from planner.problems import InvalidInput
from planner.scenario import Scenario

DEFAULT_OUT = Path("plan_out")


def register(subparsers: Any) -> None:
    """Add the `plan` command to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "plan",
        help=t("plan how to spend a scenario's budget on a city and write the plan"),
        description=t(
            "Solve the allocation model (which agencies get money, from which funder, for "
            "which service) for a city package and a scenario, and write plan.json with "
            "funding.csv, capacity_added.csv and coverage.csv. Exit 0 on a plan (optimal or "
            "stopped at the time limit), 1 on invalid data or scenario, or an infeasible "
            "scenario (plan.json then explains what cannot hold)."
        ),
    )
    parser.add_argument("path", type=Path, help=t("the city data package: a folder or a .zip"))
    parser.add_argument(
        "--scenario",
        type=Path,
        default=None,
        help=t("scenario file (JSON or YAML, keys of DATA_PACKAGE.md); defaults if omitted"),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=t("folder to write the plan into (default: {out})", out=DEFAULT_OUT),
    )
    parser.add_argument(
        "--solver",
        choices=("highs", "cbc"),
        default=None,
        help=t("MILP solver (default: the scenario's, else highs)"),
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="S",
        help=t("solver time limit in seconds (default: the scenario's, else 60)"),
    )
    parser.add_argument(
        "--json", action="store_true", help=t("print the plan's summary as JSON on stdout")
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle `plan`; returns the exit code. Invalid input is reported on stderr (exit 1)."""
    from planner.optimiser import solve
    from reports.context import write_report_context
    from reports.words import NameBook, infeasible_summary, status_line

    try:
        package = read_package(args.path)
        scenario = _scenario(args)
        scenario.ensure_valid_for(package)
        plan = solve(package, scenario)
    except InvalidInput as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return 1
    with writing(args.out, folder=True):
        plan.write(args.out)
        write_report_context(package, args.out)  # what `report` needs: names, outlines, freshness
    summary = plan.summary()
    # Whoever runs the command line holds the whole package: every name is theirs to read.
    book = NameBook.from_package(package, confidential_places=True)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(_human(summary, args.out, book))
    if plan.status == "infeasible":
        explanation = infeasible_summary(plan.findings, book)
        print(t("infeasible scenario: {explanation}", explanation=explanation), file=sys.stderr)
        return 1
    if not plan.has_plan:
        print(status_line(plan.status, plan.gap, plan.diagnostics.solver_message), file=sys.stderr)
        return 1
    return 0


def _scenario(args: argparse.Namespace) -> Scenario:
    if args.scenario is not None:
        scenario = Scenario.from_file(args.scenario)
    else:
        scenario = Scenario(name=t("Default scenario"))
    changes: dict[str, Any] = {}
    if args.solver:
        changes["solver"] = args.solver
    if args.time_limit is not None:
        changes["time_limit_s"] = args.time_limit
    if changes:
        data = scenario.to_dict()
        data.update(changes)
        scenario = Scenario.from_dict(data, source="command line")
    return scenario


def _human(summary: dict[str, Any], out: Path, book: Any = None) -> str:
    """plan.json's summary in a few lines for the reader of a terminal."""
    from planner.optimise.plan import summary_findings, summary_parts
    from reports import words

    book = book or words.NameBook()
    totals, diagnostics, baselines = summary_parts(summary)
    findings = summary_findings(summary)
    status = str(summary["status"])
    solved = status in ("optimal", "time_limit")  # without a plan, stderr says why
    lines = [
        t(
            "{name}: {status}",
            name=summary["scenario"]["name"],
            # without a plan, the solver's message is said once, on stderr
            status=words.status_line(
                status, summary.get("gap"), diagnostics.solver_message if solved else ""
            ),
        )
    ]
    if solved:
        demand = totals.demand or 0.0
        served = totals.served or 0.0
        share = f" ({fmt_percent(served / demand, 0)})" if demand else ""
        lines.append(
            t(
                "served {served} of {demand} units",
                served=fmt_number(served),
                demand=fmt_number(demand),
            )
            + share
        )
        lines.append(
            t(
                "spent {spent} of {budget}; {added} units added",
                spent=book.money(totals.money_spent),
                budget=book.money(totals.budget),
                added=words.whole(totals.units_added),
            )
        )
        value = words.budget_value(findings, book)
        if value:
            lines.append(value[:1].upper() + value[1:] + ".")
        for section in words.limit_sections(findings, book):
            lines.append(t("{title}:", title=section.title))
            lines += [t("- {line}", line=line) for line in section.lines]
            if section.more:
                lines.append(t("- and {count} more", count=section.more))
        lines += words.baseline_lines(baselines, book)
    lines += words.notes(findings, book)
    times = summary["times_s"]
    lines.append(
        t(
            "{solver}: build {build} s, solve {solve} s, total {total} s",
            solver=summary["solver_version"],
            build=fmt_number(times.get("build", 0), 2),
            solve=fmt_number(times.get("solve", 0), 2),
            total=fmt_number(times.get("total", 0), 2),
        )
    )
    lines.append(t("written to {out}", out=out))
    return "\n".join(lines)
