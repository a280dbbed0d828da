"""Benchmark of budget sweeps: one worker or two, with and without reuse between solves.

A generated city (bench/city_gen.py: 77 districts x 300 agencies x 8 services x 12 months at
scale 1) swept over `--points` budgets from 0 to 2x the funders' budgets, four ways: 1 or 2
workers (local process pool), each with the HiGHS model kept between budgets (only the budget
rows change; the previous plan is the starting solution) or every point solved cold. All four
run in the same invocation, one after the other, so the ratios compare like with like on this
shared machine; the reused sweep's results are checked against the cold one's.

    python bench/bench_sweep.py                          # scale 0.25, 21 points, 1 % MIP gap
    python bench/bench_sweep.py --scale 1 --points 21

Prints a markdown table and writes it to bench/results/sweep.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "sweep.md"
CONFIGS = ((1, True), (1, False), (2, True), (2, False))


def main(argv: list[str] | None = None) -> int:
    from bench.city_gen import bench_demand, generate_city
    from planner.optimise.inputs import prepare_inputs
    from planner.optimise.model import build_model
    from planner.scenario import Scenario
    from planner.sweep import sweep

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--points", type=int, default=21)
    parser.add_argument("--mip-gap", type=float, default=0.01)
    parser.add_argument("--time-limit", type=float, default=60.0, help="per solve, seconds")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    package = generate_city(args.scale)
    demand = bench_demand(package)
    scenario = Scenario(name="bench", equity_floor=0.3, time_limit_s=args.time_limit)
    size = build_model(prepare_inputs(package, scenario, demand)).size()
    factors = list(np.linspace(0.0, 2.0, args.points))
    rows = []
    results = {}
    configs = [(w, r) for w, r in CONFIGS if w in args.workers]
    for workers, reuse in configs:
        started = time.perf_counter()
        result = sweep(
            package,
            scenario,
            budget_factors=factors,
            reuse=reuse,
            workers=workers,
            mip_gap=args.mip_gap,
            demand_for=lambda _q: demand,
        )
        wall = time.perf_counter() - started
        results[(workers, reuse)] = result
        points = result.points
        rows.append(
            {
                "workers": workers,
                "reuse": "yes" if reuse else "no",
                "wall_s": wall,
                "solve_s_sum": float(points["solve_s"].sum()),
                "median_solve_s": float(points["solve_s"].median()),
                "statuses": ", ".join(
                    f"{n} {s}" for s, n in points["status"].value_counts().items()
                ),
            }
        )
        print(rows[-1], flush=True)
    cold = [row for row in rows if row["reuse"] == "no"]
    base = min(cold, key=lambda row: row["workers"])["wall_s"]  # fewest workers, cold
    for row in rows:
        row["speed_up"] = base / row["wall_s"]
    served = {key: r.points["served"].to_numpy(float) for key, r in results.items()}
    objective = {key: r.points["objective"].to_numpy(float) for key, r in results.items()}
    reference = min((key for key in results if not key[1]), key=lambda key: key[0])
    worst = max(
        float(
            np.max(
                np.abs(objective[key] - objective[reference])
                / np.maximum(1.0, objective[reference])
            )
        )
        for key in objective
    )
    worst_served = max(float(np.max(np.abs(served[key] - served[reference]))) for key in served)
    text = _report(args, size, rows, worst, worst_served, results[configs[0]].points)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


def _report(args, size, rows, worst, worst_served, points) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Budget sweep benchmark",
        "",
        f"Run {now} on {platform.machine()}, Python {platform.python_version()}, a shared "
        "2-core machine (other people's jobs were running: compare the ratios, which come "
        "from the same run, more than the seconds).",
        "",
        f"City: bench/city_gen.py at scale {args.scale:g} "
        f"({size['variables']:,} variables, {size['integer_variables']:,} integer, "
        f"{size['constraints']:,} constraints, {size['nonzeros']:,} non-zeros per solve); "
        f"{args.points} budgets from 0 to 2x; soft equity floor 30 %; HiGHS, relative MIP gap "
        f"{args.mip_gap:g}, time limit {args.time_limit:g} s a solve.",
        "",
        "| workers | reuse between solves | wall s | sum of solve s | median solve s "
        "| speed-up vs 1 worker, cold | statuses |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['workers']} | {row['reuse']} | {row['wall_s']:.1f} | "
            f"{row['solve_s_sum']:.1f} | {row['median_solve_s']:.2f} | "
            f"{row['speed_up']:.2f}x | {row['statuses']} |"
        )
    lines += [
        "",
        f"Largest difference from the cold one-worker sweep: objective {worst:.2e} (relative), "
        f"served {worst_served:.3g} units (within the MIP gap: each point is solved to "
        f"{args.mip_gap:g}, so two solves may stop at different plans of equal quality).",
        "",
        "Served against budget (one worker, reuse):",
        "",
        "| budget factor | budget | served | coverage | money spent |",
        "|---|---|---|---|---|",
    ]
    for row in points.itertuples():
        lines.append(
            f"| {row.budget_factor:.1f} | {row.budget:,.0f} | {row.served:,.1f} | "
            f"{row.coverage:.3f} | {row.money_spent:,.0f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
