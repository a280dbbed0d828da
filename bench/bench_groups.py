"""Benchmark of population groups, eligibility and languages (issue 15) against version 1.

The generated city (bench/city_gen.py: 77 districts x 300 agencies x 8 services x 12 months at
scale 1) planned twice on the same demand:

- `v1`: as generated (one cohort);
- `groups`: 5 groups (women, men, trans and non-binary people, youth, families; men weigh 1.5)
  and 4 languages beside English (es, fr, ar, zh; 20 % of demand needs one), each cell split
  by fixed shares per service; shelters accept only some groups (about a third of the women's
  shelters take trans women, a quarter of the men's shelters take trans men, youth shelters
  take youth only, families go to women's shelters that say so); every agency works in
  English and one agency in two in one more language; legal aid, mental health and case
  management need 1 interpretation hour per unit across a barrier, medical care 0.5; the
  city's interpretation service is `interpretation`.

For each: the model's size, the whole plan's time (planner.optimise.solve.solve_inputs, with
the search, the diagnosis and the baselines) and its steps. Each configuration runs in its
own process. Prints a markdown table with the load average (the machine is shared) and
writes it to bench/results/groups.md.

    python bench/bench_groups.py                 # scales 0.25 and 1
    python bench/bench_groups.py --scales 0.25
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "groups.md"
GROUPS = ("women", "men", "trans_nonbinary", "youth", "families")
LANGUAGES = ("es", "fr", "ar", "zh")
# Share of each service's demand per group (the rest of a row is women's).
GROUP_SHARES = {
    "shelter_women": {"women": 0.8, "trans_nonbinary": 0.05, "families": 0.15},
    "shelter_men": {"men": 0.9, "trans_nonbinary": 0.1},
    "shelter_youth": {"youth": 1.0},
}
DEFAULT_SHARES = {"women": 0.5, "men": 0.3, "trans_nonbinary": 0.04, "youth": 0.1, "families": 0.06}
LANGUAGE_SHARE = 0.2  # of every cell, spread evenly over LANGUAGES
INTERPRETATION = {"legal_aid": 1.0, "mental_health": 1.0, "case_management": 1.0, "medical": 0.5}


def grouped(package, demand):  # type: ignore[no-untyped-def]
    """The generated city with groups, eligibility and languages, and its cohort demand."""
    import dataclasses

    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(11)
    populations = pd.DataFrame(
        {
            "population_id": list(GROUPS),
            "name": [g.replace("_", " ").title() for g in GROUPS],
            "weight": [1.5 if g == "men" else 1.0 for g in GROUPS],
        }
    )
    capacity = package.capacity.copy()
    accepts = []
    for service_id in capacity["service_id"]:
        if service_id == "shelter_women":
            chosen = ["women"]
            if rng.random() < 0.33:
                chosen.append("trans_nonbinary")
            if rng.random() < 0.5:
                chosen.append("families")
            accepts.append(";".join(chosen))
        elif service_id == "shelter_men":
            accepts.append("men;trans_nonbinary" if rng.random() < 0.25 else "men")
        elif service_id == "shelter_youth":
            accepts.append("youth")
        else:
            accepts.append("")
    capacity["populations"] = accepts
    agencies = package.agencies.copy()
    agencies["languages"] = [
        "en;" + str(rng.choice(LANGUAGES)) if rng.random() < 0.5 else "en" for _ in agencies.index
    ]
    services = package.services.copy()
    services["interpretation_per_unit"] = services["service_id"].map(INTERPRETATION).fillna(0.0)
    city = dataclasses.replace(package.city, interpretation_service="interpretation")
    package = dataclasses.replace(
        package,
        city=city,
        capacity=capacity,
        agencies=agencies,
        services=services,
        populations=populations,
    )
    pieces = []
    for service_id, frame in demand.groupby("service_id"):
        shares = GROUP_SHARES.get(str(service_id), DEFAULT_SHARES)
        for group, share in shares.items():
            languages = [("", 1 - LANGUAGE_SHARE)]
            if INTERPRETATION.get(str(service_id), 0.0) > 0 or str(service_id).startswith(
                "shelter"
            ):
                languages += [(code, LANGUAGE_SHARE / len(LANGUAGES)) for code in LANGUAGES]
            else:
                languages = [("", 1.0)]
            for code, part in languages:
                pieces.append(
                    frame.assign(
                        population=group, language=code, demand=frame["demand"] * share * part
                    )
                )
    return package, pd.concat(pieces, ignore_index=True)


def worker(scale: float, config: str, time_limit: float) -> dict:
    from bench.city_gen import bench_demand, generate_city
    from planner.optimise.inputs import prepare_inputs
    from planner.optimise.solve import SolveOptions, solve_inputs
    from planner.scenario import Scenario

    package = generate_city(scale)
    demand = bench_demand(package)
    if config == "groups":
        package, demand = grouped(package, demand)
    scenario = Scenario(name=f"bench {config}", equity_floor=0.3, time_limit_s=time_limit)
    started = time.perf_counter()
    inputs = prepare_inputs(package, scenario, demand)
    prepare_s = time.perf_counter() - started
    started = time.perf_counter()
    plan = solve_inputs(inputs, scenario, SolveOptions(time_limit_s=time_limit))
    plan_s = time.perf_counter() - started
    classes = inputs.cohorts.classes
    return {
        "scale": scale,
        "config": config,
        "prepare_s": prepare_s,
        "plan_s": plan_s,
        "status": plan.status,
        "gap": plan.gap,
        "classes": len(classes) if len(classes) else len(inputs.services),
        **plan.size,
        "steps": {k: round(v, 2) for k, v in plan.times.items()},
    }


def table(rows: list[dict]) -> str:
    head = (
        "| scale | config | cohort classes | variables | constraints | non-zeros | prepare s "
        "| whole plan s | status | x v1 (plan s) |\n|---|---|---|---|---|---|---|---|---|---|\n"
    )
    base = {r["scale"]: r["plan_s"] for r in rows if r["config"] == "v1"}
    lines = []
    for r in rows:
        ratio = r["plan_s"] / base[r["scale"]] if base.get(r["scale"]) else float("nan")
        lines.append(
            f"| {r['scale']:g} | {r['config']} | {r['classes']} | {r['variables']:,} "
            f"| {r['constraints']:,} | {r['nonzeros']:,} | {r['prepare_s']:.1f} "
            f"| {r['plan_s']:.1f} | {r['status']} | {ratio:.2f}x |"
        )
    return head + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.25, 1.0])
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--worker", nargs=2, metavar=("SCALE", "CONFIG"))
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(float(args.worker[0]), args.worker[1], args.time_limit)))
        return 0
    load_before = os.getloadavg()
    rows = []
    for scale in args.scales:
        for config in ("v1", "groups"):
            print(f"... scale {scale:g}, {config}", file=sys.stderr, flush=True)
            command = [sys.executable, __file__, "--worker", str(scale), config]
            command += ["--time-limit", str(args.time_limit)]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
            if done.returncode != 0 or not lines:
                print(done.stderr[-3000:], file=sys.stderr)
                continue
            rows.append(json.loads(lines[-1]))
    load_after = os.getloadavg()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        "# Population groups, eligibility and languages against version 1\n\n"
        f"Made by `python bench/bench_groups.py` (issue 15) on {when}, {platform.machine()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores, **shared with other "
        f"sessions**: load average {load_before[0]:.1f} before, {load_after[0]:.1f} after. "
        "Times are wall seconds under that load; the ratio of a scale's two rows, run one "
        "after the other, is the figure to read. Soft equity floor 30 %, MIP gap 0.001, "
        f"time limit {args.time_limit:g} s per step.\n\n"
        + table(rows)
        + "\nSteps (seconds):\n\n"
        + "\n".join(f"- {r['scale']:g} {r['config']}: {r['steps']}" for r in rows)
        + "\n"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
