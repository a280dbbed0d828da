"""Benchmark of the two-stage robust plan on the demo city: size and time for K scenarios,
and how the P50 plan and the robust plan do on fresh demand samples.

    python bench/bench_robust.py                      # K = 5 20 50, 1 % gap, 50 fresh samples
    python bench/bench_robust.py --ks 5 20 --eval-samples 200

Prints a markdown table and writes it to bench/results/robust.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "robust.md"


def main(argv: list[str] | None = None) -> int:
    from planner.forecast import forecast_demand_units
    from planner.optimise.solve import SolveOptions, solve
    from planner.package import read_package
    from planner.robust import (
        EVALUATION_SEED,
        PLAN_SEED,
        RobustOptions,
        evaluate_out_of_sample,
        robust_plan,
        sample_scenarios,
    )
    from planner.scenario import Scenario
    from planner.settings import DEMO_PACKAGE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[5, 20, 50])
    parser.add_argument(
        "--monthly-ks", type=int, nargs="*", default=[5, 20], help="K run with monthly scenarios"
    )
    parser.add_argument("--mip-gap", type=float, default=0.01)
    parser.add_argument("--time-limit", type=float, default=240.0)
    parser.add_argument("--eval-samples", type=int, default=200)
    parser.add_argument("--eval-k", type=int, default=20, help="K of the plan evaluated")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    package = read_package(DEMO_PACKAGE)
    scenario = Scenario(name="bench", time_limit_s=args.time_limit)
    sizes = []
    plans = {}
    runs = [("mean", "mean", k) for k in args.ks]
    runs += [("mean", "monthly", k) for k in args.monthly_ks]
    runs += [("cvar", "mean", args.eval_k)]
    for risk, periods, k in runs:
        started = time.perf_counter()
        samples = sample_scenarios(package, scenario, k, PLAN_SEED)
        sampled = time.perf_counter() - started
        options = RobustOptions(risk=risk, periods=periods, mip_gap=args.mip_gap)
        result = robust_plan(package, scenario, options, samples=samples)
        plans[(risk, periods, k)] = result
        plan = result.plan
        row = {"K": k, "risk": risk, "periods": periods, "sample_s": sampled, **plan.size}
        row.update(plan.times)
        row["status"] = plan.status
        row["gap"] = plan.gap
        sizes.append(row)
        print(row, flush=True)

    p50_started = time.perf_counter()
    p50 = solve(
        package,
        scenario,
        demand=forecast_demand_units(package, scenario.horizon_months, 0.5),
        options=SolveOptions(diagnostics=False, baselines=False, mip_gap=args.mip_gap),
    )
    p50_s = time.perf_counter() - p50_started
    fresh = sample_scenarios(package, scenario, args.eval_samples, EVALUATION_SEED)
    comparison = []
    candidates = [("P50 plan", p50)]
    for (risk, periods, k), result in plans.items():
        if k == args.eval_k or (periods == "monthly" and result.plan.status == "optimal"):
            candidates.append((f"robust, {risk}, K={k}, {periods}", result.plan))
    for name, plan in candidates:
        started = time.perf_counter()
        out = evaluate_out_of_sample(package, scenario, plan.capacity_added, fresh)
        comparison.append(
            {
                "plan": name,
                "money": float(plan.funding["amount"].sum()) if len(plan.funding) else 0.0,
                "expected": out.expected_weighted_unmet,
                "p90": out.p90_weighted_unmet,
                "unmet": out.expected_unmet,
                "eval_s": time.perf_counter() - started,
            }
        )
        print(comparison[-1], flush=True)
    text = _report(args, sizes, comparison, p50_s, p50)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


def _report(args, sizes, comparison, p50_s, p50) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Robust plan benchmark",
        "",
        f"Run {now} on {platform.machine()}, Python {platform.python_version()}, a shared "
        "2-core machine (other jobs running; ratios in one run are the figures to trust).",
        "",
        f"Demo city (data/demo_city), default scenario (12 months); HiGHS, "
        f"relative MIP gap {args.mip_gap:g}, time limit {args.time_limit:g} s. For scale: the "
        f"ordinary (P50) plan on the same city took {p50_s:.1f} s in all "
        f"({p50.size['variables']:,} variables, {p50.size['constraints']:,} constraints).",
        "",
        "| K | risk | scenario months | variables | integer | constraints | non-zeros "
        "| sample s | prepare s | build s | solve s | total s | status | gap |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in sizes:
        gap = "-" if row["gap"] is None else f"{row['gap']:.2%}"
        lines.append(
            f"| {row['K']} | {row['risk']} | {row['periods']} | {row['variables']:,} | "
            f"{row['integer_variables']:,} | "
            f"{row['constraints']:,} | {row['nonzeros']:,} | {row['sample_s']:.1f} | "
            f"{row['prepare']:.1f} | {row['build']:.1f} | {row['solve']:.1f} | "
            f"{row['sample_s'] + row['total']:.1f} | {row['status']} | {gap} |"
        )
    lines += [
        "",
        f"Out of sample: {args.eval_samples} fresh demand samples (another seed) that no "
        "plan saw, month by month; each plan's capacity is fixed and the recourse LP solved "
        "per sample (one LP, warm-started per sample). Weighted unmet demand over the horizon:",
        "",
        "| plan | money spent | expected weighted unmet | P90 weighted unmet "
        "| expected unmet units | evaluation s |",
        "|---|---|---|---|---|---|",
    ]
    for row in comparison:
        lines.append(
            f"| {row['plan']} | {row['money']:,.0f} | {row['expected']:,.1f} | "
            f"{row['p90']:,.1f} | {row['unmet']:,.1f} | {row['eval_s']:.1f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
