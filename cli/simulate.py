"""`python -m planner simulate PLAN_DIR --runs N`: check a plan's waiting times by simulation.

Reads the queues a plan folder (`plan --out`) holds in plan.json's `waiting` (the flows per
district and agency, the units in service), replays them with planner.simulate (seeded
simpy runs) and prints, per service, the formulas' probability of waiting and mean wait
beside the simulation's. `--out DIR` writes agencies.csv and districts.csv: each queue's and
each district's simulated wait with its 95 % interval over the runs. Exit 0 on a run, 1 when
the folder is not a plan or holds no waiting times.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cli.failures import writing
from planner.i18n import fmt_number, fmt_percent, t
from planner.optimise.inputs import rows
from planner.problems import InvalidInput, Problem

# planner.simulate's defaults, written here so that building the parser loads no simpy
# (tests/planner/test_simulate.py holds them equal).
DEFAULT_RUNS = 20
DEFAULT_MONTHS = 240.0
DEFAULT_WARMUP_MONTHS = 36.0
DEFAULT_SEED = 2026


def register(subparsers: Any) -> None:
    """Add the `simulate` command to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "simulate",
        help=t("check a plan's waiting times with a seeded simulation of its queues"),
        description=t(
            "Replay the queues of a plan folder written by `plan --out` case by case "
            "(Poisson arrivals from each district, exponential stays, the units in service) "
            "and compare the waits with the queue formulas. Exit 0 on a run, 1 when the "
            "folder is not a plan or holds no waiting times."
        ),
    )
    parser.add_argument("plan_dir", type=Path, help=t("a folder written by `plan --out`"))
    parser.add_argument(
        "--runs",
        type=int,
        default=DEFAULT_RUNS,
        help=t("independent runs (default {n})", n=DEFAULT_RUNS),
    )
    parser.add_argument(
        "--months",
        type=float,
        default=DEFAULT_MONTHS,
        help=t("months measured in each run (default {n})", n=fmt_number(DEFAULT_MONTHS)),
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=DEFAULT_WARMUP_MONTHS,
        help=t(
            "months simulated before measuring (default {n})", n=fmt_number(DEFAULT_WARMUP_MONTHS)
        ),
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=t("random seed of the first run")
    )
    parser.add_argument(
        "--before", action="store_true", help=t("simulate the status quo instead of the plan")
    )
    parser.add_argument(
        "--out", type=Path, default=None, help=t("folder for agencies.csv and districts.csv")
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle `simulate`; returns the exit code."""
    from planner.cells import neutralise_frame
    from planner.queues import Waiting
    from planner.simulate import comparison, simulate
    from reports.plan_dir import load_plan_dir

    try:
        if args.runs < 1:
            raise InvalidInput([Problem("--runs", message=t("must be at least 1"))])
        record = load_plan_dir(args.plan_dir)
        waiting = Waiting.from_dict(record.summary.get("waiting"))
        side = None
        if waiting is not None:
            side = waiting.before if args.before else waiting.after
        if side is None or len(side.flows) == 0:
            raise InvalidInput(
                [Problem(str(args.plan_dir / "plan.json"), message=t("holds no waiting times"))]
            )
        result = simulate(
            side,
            runs=args.runs,
            months=args.months,
            warmup_months=args.warmup,
            seed=args.seed,
            quantile=waiting.quantile if waiting is not None else 0.8,
        )
    except InvalidInput as exc:
        for problem in exc.problems:
            print(str(problem), file=sys.stderr)
        return 1
    if args.out is not None:
        with writing(args.out, folder=True):
            args.out.mkdir(parents=True, exist_ok=True)
            neutralise_frame(result.agencies).to_csv(args.out / "agencies.csv", index=False)
            neutralise_frame(result.districts).to_csv(args.out / "districts.csv", index=False)
    print(
        t(
            "{runs} runs of {months} months ({cases} cases) in {seconds} s",
            runs=result.runs,
            months=fmt_number(result.months),
            cases=fmt_number(result.cases_simulated),
            seconds=fmt_number(result.seconds, 1),
        )
    )
    names = _service_names(args.plan_dir)
    for row in rows(comparison(side, result)):
        print(
            t(
                "{service}: waits {p_formula} (formula) / {p_simulated} (simulated); "
                "mean wait {w_formula} / {w_simulated} days ({queues} queues)",
                service=names.get(row.service_id, row.service_id) or t("all services"),
                p_formula=fmt_percent(row.p_wait_formula, 1),
                p_simulated=fmt_percent(row.p_wait_simulated, 1),
                w_formula=fmt_number(row.mean_wait_formula_days, 1),
                w_simulated=fmt_number(row.mean_wait_simulated_days, 1),
                queues=row.queues,
            )
        )
    unstable = int((~side.agencies["stable"]).sum())
    if unstable:
        print(
            t(
                "{count} queues are full or over full: their wait grows without bound, "
                "and the simulated one with the length of the run",
                count=unstable,
            )
        )
    return 0


def _service_names(plan_dir: Path) -> dict[str, str]:
    """Service names from the plan folder's context.json (ids when it has none)."""
    from reports.context import load_context

    try:
        services = load_context(plan_dir).services
    except InvalidInput:
        return {}
    return dict(zip(services["service_id"].astype(str), services["name"].astype(str), strict=True))
