"""What the MIP gap buys on the demo city: for budgets from none to more than the city can
spend, the plan's solve at HiGHS's own default gap (0.01 %) and at Haven's (0.1 %), the
people served, the weighted unmet demand (the objective without its tie-breakers) and the
time. Demand is the default scenario's (12 months, P50), forecast once.

    python bench/bench_mip_gap.py               # writes bench/results/mip_gap.md
    python bench/bench_mip_gap.py --fractions 0.25 0.5 1

Budgets are fractions of the sum of the funders' budgets, so the table means the same on
another city's package (`--package DIR`).
"""

from __future__ import annotations

import argparse
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "mip_gap.md"
GAPS = (1e-4, 1e-3)


def main(argv: list[str] | None = None) -> int:
    from planner.demand import horizon_demand
    from planner.optimise.solve import SolveOptions, solve
    from planner.package import read_package
    from planner.scenario import Scenario
    from planner.settings import DEMO_PACKAGE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, default=DEMO_PACKAGE)
    parser.add_argument(
        "--fractions", type=float, nargs="+", default=[0.1, 0.25, 0.5, 0.75, 1.0, 1.5]
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    package = read_package(args.package)
    scenario = Scenario(name="bench")
    demand = horizon_demand(package, scenario)
    funders_total = float(package.funders["budget"].sum())
    rows = []
    for fraction in args.fractions:
        budget = round(funders_total * fraction, -3)
        results = {}
        for gap in GAPS:
            options = SolveOptions(mip_gap=gap, diagnostics=False, baselines=False)
            plan = solve(
                package,
                scenario.model_copy(update={"budget": budget}),
                demand=demand,
                options=options,
            )
            results[gap] = plan
        tight, loose = (results[g] for g in GAPS)
        rows.append(
            f"| {fraction:g} | {budget:,.0f} | {tight.times['solve']:.2f} | "
            f"{loose.times['solve']:.2f} | {tight.times['solve'] / loose.times['solve']:.1f} | "
            f"{tight.totals.served:,.1f} | {loose.totals.served:,.1f} | "
            f"{tight.totals.primary_objective:,.1f} | "
            f"{loose.totals.primary_objective:,.1f} | "
            f"{_percent(loose.gap)} |"
        )
        print(rows[-1], flush=True)

    load = ", ".join(f"{x:.1f}" for x in _load())
    text = "\n".join(
        [
            "# What the MIP gap buys (bench/bench_mip_gap.py)",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
            f"load average {load}, Python {platform.python_version()}, HiGHS through highspy; "
            f"package `{args.package.name}`, the default scenario (12 months, P50) with the "
            "budget set to a fraction of the funders' total. Times are the plan's solve only "
            "(no baselines, no diagnostics).",
            "",
            "| budget / funders' total | budget ($) | solve at 0.01 % (s) | solve at 0.1 % (s) | "
            "× | served at 0.01 % | served at 0.1 % | weighted unmet at 0.01 % | "
            "weighted unmet at 0.1 % | gap reached at 0.1 % |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
        ]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def _percent(gap: float | None) -> str:
    return "" if gap is None else f"{gap:.3%}"


def _load() -> tuple[float, float, float]:
    import os

    return os.getloadavg()


if __name__ == "__main__":
    raise SystemExit(main())
