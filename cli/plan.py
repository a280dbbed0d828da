"""`python -m planner plan PATH`: plan a scenario on a city package and write the plan.

Writes plan.json (status, totals, diagnostics, baselines and findings: codes and values, no
sentences) and funding.csv, capacity_added.csv, coverage.csv into --out; prints the plan in
words (reports.words). Exit codes: 0 on a plan (optimal, or stopped at the time limit with
a plan), 1 on invalid data or scenario (messages on stderr) and on an infeasible scenario
(plan.json still written, with the explanation) or no plan found in time.

`--robust [K]` (or a scenario's `robust` key) also makes the plan for bad months
(planner.robust: K demand scenarios, `--risk mean|cvar`, `--alpha`) and judges it and the
plan on the same fresh samples: robust.json (the comparison), robust_funding.csv and
robust_capacity_added.csv, and the comparison in words. `--latent-demand M,S` plans for a
share S of the unseen population a multiple-systems estimate puts at M times those observed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cli.failures import writing
from cli.whatif import add_arguments as add_what_if_arguments
from cli.whatif import asked as what_if_asked
from cli.whatif import run as what_if_run
from cli.whatif import scenario_changes as what_if_changes
from planner.i18n import fmt_number, fmt_percent, t
from planner.package import read_package
from planner.problems import InvalidInput
from planner.scenario import EVALUATION_SAMPLES, ROBUST_SCENARIOS, Scenario

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
    parser.add_argument(
        "--robust",
        type=int,
        nargs="?",
        const=0,
        default=None,
        metavar="K",
        help=t(
            "also plan for bad months on K demand scenarios (default: the scenario's, else "
            "{k}) and compare it with the plan on fresh samples",
            k=ROBUST_SCENARIOS,
        ),
    )
    parser.add_argument(
        "--risk",
        choices=("mean", "cvar"),
        default=None,
        help=t("what the plan for bad months minimises (default: the scenario's, else mean)"),
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=None,
        help=t("CVaR level of the plan for bad months (default: the scenario's, else 0.9)"),
    )
    parser.add_argument(
        "--evaluation-samples",
        type=int,
        default=None,
        metavar="N",
        help=t(
            "fresh demand samples both plans are judged on (default: {n})",
            n=EVALUATION_SAMPLES,
        ),
    )
    parser.add_argument(
        "--latent-demand",
        default=None,
        metavar="M,S",
        help=t(
            "plan for a share S (0 to 1) of the unseen population, M times those observed "
            "(a multiple-systems estimate): demand times 1 + S (M - 1)"
        ),
    )
    add_what_if_arguments(parser)  # FLOW (issue 16): --close, --lock
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle `plan`; returns the exit code. Invalid input is reported on stderr (exit 1)."""
    from reports.context import write_report_context
    from reports.words import NameBook, infeasible_summary, status_line

    try:
        package = read_package(args.path)
        scenario = _scenario(args)
        scenario.ensure_valid_for(package)
        plan = _solve(package, scenario)
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
    if what_if_asked(args):  # FLOW (issue 16): the same scenario without the closures
        return what_if_run(args, package, scenario, book)
    if scenario.robust is not None:
        return _robust(args, package, scenario, plan, book)
    return 0


def _robust(
    args: argparse.Namespace, package: Any, scenario: Scenario, plan: Any, book: Any
) -> int:
    """The plan for bad months against the plan: written beside it and said in words."""
    from planner.exchange import csv_bytes
    from planner.robust import compare_with_plan
    from reports.robust_words import comparison_lines
    from reports.words import status_line

    def progress(share: float, step: str) -> None:
        text = (
            t("plan for bad months: solving")
            if step == "robust"
            else t("plan for bad months: judging both plans on fresh samples")
        )
        print(t("{text} ({share})", text=text, share=fmt_percent(share, 0)), file=sys.stderr)

    try:
        comparison = compare_with_plan(
            package,
            scenario,
            plan,
            evaluation_samples=args.evaluation_samples or EVALUATION_SAMPLES,
            progress=progress,
        )
    except InvalidInput as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return 1
    robust_plan = comparison.robust.plan
    with writing(args.out, folder=True):
        (args.out / "robust.json").write_text(
            json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        (args.out / "robust_funding.csv").write_bytes(csv_bytes(robust_plan.funding))
        (args.out / "robust_capacity_added.csv").write_bytes(csv_bytes(robust_plan.capacity_added))
    if not args.json:
        lines = comparison_lines(comparison.to_dict(), scenario.demand_quantile, book.money)
        print("\n".join(lines))
    if not robust_plan.has_plan:
        print(
            status_line(
                robust_plan.status, robust_plan.gap, robust_plan.diagnostics.solver_message
            ),
            file=sys.stderr,
        )
        return 1
    return 0


def _solve(package: Any, scenario: Scenario) -> Any:
    """The plan on the demand stored for this package's history (service.forecasts): the
    forecast runs once per demand history, not once per plan; the status quo once per data
    (service.statusquo)."""
    from dataclasses import replace

    from planner.optimiser import SolveOptions, demand_basis, solve
    from service.forecasts import package_demand
    from service.statusquo import basis_store, disk_store

    options = SolveOptions(status_quo_store=disk_store(), basis_store=basis_store())
    plan = solve(package, scenario, demand=package_demand(package, scenario), options=options)
    return replace(plan, findings=(demand_basis(package, scenario), *plan.findings))


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
    robust_flags = (args.robust, args.risk, args.alpha)
    if any(flag is not None for flag in robust_flags) or scenario.robust is not None:
        robust = dict(scenario.robust.model_dump()) if scenario.robust is not None else {}
        if args.robust:
            robust["scenarios"] = args.robust
        if args.risk is not None:
            robust["risk"] = args.risk
        if args.alpha is not None:
            robust["alpha"] = args.alpha
        changes["robust"] = robust
    if args.latent_demand is not None:
        changes["latent_demand"] = _latent(args.latent_demand)
    changes.update(what_if_changes(args, scenario))  # FLOW (issue 16)
    if changes:
        data = scenario.to_dict()
        data.update(changes)
        scenario = Scenario.from_dict(data, source="command line")
    return scenario


def _latent(text: str) -> Any:
    """`M,S` as the scenario's latent_demand (the scenario's own checks then apply); text
    that is not two numbers is passed on as it is, for the scenario to name."""
    parts = [part.strip() for part in text.split(",")]
    try:
        multiplier, share = (float(part) for part in parts)
    except ValueError:
        return text
    return {"multiplier": multiplier, "share": share}


def _human(summary: dict[str, Any], out: Path, book: Any = None) -> str:
    """plan.json's summary in a few lines for the reader of a terminal."""
    from planner.optimise.plan import summary_findings, summary_parts
    from reports import words
    from reports.robust_words import latent_demand_words

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
    latent = latent_demand_words(summary["scenario"].get("latent_demand"))
    if latent:
        lines.append(t("Assumption: {sentence}.", sentence=latent))
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
