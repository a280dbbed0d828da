"""Benchmark of a three-year plan with grant windows against the one-year plan (issue 20).

The full-size generated city (bench/city_gen.py at scale 1: 77 districts x 300 agencies x 8
services), its 12 months of demand repeated for three years with 5 % growth a year (so the
months of different years differ and are not merged), and windows on its funders: the city
fund over the whole horizon, the state grant for the first two years, the foundation for
the first year only (so year 3 has a funding cliff).

- `one-year`: the whole plan (planner.optimiser.solve: model, search, diagnosis, baselines)
  of the first 12 months: no years (a horizon of 12 months plans as before);
- `three-year`: the whole plan of 36 months, made year by year in the plan's one model
  (capacity in operation per year, money per funder and year within its window: the search,
  diagnosis and baselines on it), then its keep-coverage-flat variant (an LP of the same
  model, planner.optimise.years).

Each runs in its own process, one after the other. Prints a markdown table with the load
average before and after (the machine is shared) and writes it to bench/results/years.md.

    python bench/bench_years.py                 # scale 1, time limit 300 s a solve
    python bench/bench_years.py --scale 0.25 --time-limit 60
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "years.md"
CONFIGS = ("one-year", "three-year")
GROWTH = 0.05
WINDOWS = {
    "city": (None, None),
    "state": ("2026-01", "2027-12"),
    "foundation": ("2026-01", "2026-12"),
}


def city_with_years(scale: float):  # type: ignore[no-untyped-def]
    """The generated city with windows, and its demand for three years."""
    import dataclasses

    import pandas as pd

    from bench.city_gen import bench_demand, generate_city

    package = generate_city(scale)
    demand = bench_demand(package)
    years = []
    for year in range(3):
        shifted = demand.copy()
        shifted["period"] = [
            str(pd.Period(p, freq="M") + 12 * year) for p in shifted["period"].astype(str)
        ]
        shifted["demand"] = (shifted["demand"] * (1 + GROWTH) ** year * 2).round() / 2
        years.append(shifted)
    funders = package.funders.copy()
    funders["start"] = [WINDOWS[f][0] for f in funders["funder_id"]]
    funders["end"] = [WINDOWS[f][1] for f in funders["funder_id"]]
    return dataclasses.replace(package, funders=funders), pd.concat(years, ignore_index=True)


def worker(scale: float, config: str, time_limit: float) -> dict:
    """One configuration in this process; returns its measurements."""
    from planner.optimise.solve import SolveOptions
    from planner.optimiser import solve
    from planner.scenario import Scenario

    package, demand = city_with_years(scale)
    months = 12 if config == "one-year" else 36
    demand = demand[demand["period"] < f"{2026 + months // 12}-01"]
    scenario = Scenario(name="bench", horizon_months=months, equity_floor=0.3, equity_mode="soft")
    started = time.perf_counter()
    plan = solve(package, scenario, demand=demand, options=SolveOptions(time_limit_s=time_limit))
    whole = time.perf_counter() - started
    row = {
        "scale": scale,
        "config": config,
        "status": plan.status,
        "whole_s": whole,
        "years_s": plan.times.get("years_flat"),
        "size": plan.size,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "served": plan.totals.served,
    }
    years = plan.years
    if years is not None:
        row["years"] = {
            "status": years.status,
            "by_year": years.by_year.to_dict("records"),
            "flat": years.flat.to_dict() if years.flat is not None else None,
        }
    return row


def run(scale: float, time_limit: float) -> list[dict]:
    rows = []
    for config in CONFIGS:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                config,
                "--scale",
                str(scale),
                "--time-limit",
                str(time_limit),
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if out.returncode != 0 or not lines:
            print(out.stderr[-3000:], file=sys.stderr)
            rows.append({"scale": scale, "config": config, "status": "error"})
            continue
        rows.append(json.loads(lines[-1]))
    return rows


def _n(value: object, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, int | float):
        return f"{value:,.{digits}f}"
    return str(value)


def markdown(rows: list[dict], before: tuple[float, ...], after: tuple[float, ...]) -> str:
    now = datetime.now(UTC)
    lines = [
        "# A three-year plan with grant windows against the one-year plan",
        "",
        f"Made by `python bench/bench_years.py` (issue 20) on {now:%Y-%m-%d %H:%M} UTC on "
        f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores. "
        f"**The machine is shared** (other sessions were running tests and benchmarks): load "
        f"average {before[0]:.1f} / {before[1]:.1f} / {before[2]:.1f} before and "
        f"{after[0]:.1f} / {after[1]:.1f} / {after[2]:.1f} after (1, 5, 15 min), so the "
        "times are an upper bound of a quiet machine's. Generated city of scale "
        f"{rows[0]['scale']:g} (bench/city_gen.py), demand of 2026 repeated with "
        f"{GROWTH:.0%} growth a year, funders' windows: city fund whole horizon, state "
        "grant 2026-2027, foundation 2026. Soft equity floor 30 %, MIP gap 0.1 %; the "
        "three-year plan is made year by year in the plan's one model, its keep-coverage-flat "
        "variant is an LP of the same model.",
        "",
        "| plan | model | variables | integer | constraints | non-zeros | solve s | status |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        size = row.get("size") or {}
        kind = "year by year" if row.get("years") else "one horizon"
        lines.append(
            f"| {row['config']} | {kind} | {_n(size.get('variables'))} | "
            f"{_n(size.get('integer_variables'))} | {_n(size.get('constraints'))} | "
            f"{_n(size.get('nonzeros'))} | {_n(row.get('whole_s'), 1)} (whole plan) | "
            f"{row.get('status')} |"
        )
    lines += ["", "Whole-plan wall time and peak memory per process:", ""]
    lines += [
        "| plan | whole plan s | of which the flat variant s | peak MB |",
        "|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['config']} | {_n(row.get('whole_s'), 1)} | {_n(row.get('years_s'), 1)} | "
            f"{_n(row.get('peak_mb'))} |"
        )
    for row in rows:
        years = row.get("years")
        if not years:
            continue
        lines += ["", f"Years of the {row['config']} plan:", ""]
        lines += [
            "| year | capacity in operation added (units) | money (USD) | coverage | "
            "capacity losing its funding (units) |",
            "|---|---|---|---|---|",
        ]
        for record in years["by_year"]:
            lines.append(
                f"| {record['year']} | {_n(record['capacity_units'])} | {_n(record['money'])} | "
                f"{record['coverage']:.1%} | {_n(record['cliff_units'])} |"
            )
        flat = years.get("flat")
        if flat and flat.get("extra_cost") is None:
            lines += ["", f"Keeping coverage flat: no figure (status {flat.get('status')})."]
        if flat and flat.get("extra_cost") is not None:
            lines.append("")
            lines.append(
                f"Keeping coverage at year 1's {flat['target']:.1%} every year: "
                f"{_n(flat['extra_cost'])} USD more, {_n(flat['bridge_money'])} USD of it new "
                f"money beyond the grants (status {flat['status']})."
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--worker", choices=CONFIGS)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.scale, args.worker, args.time_limit), default=str))
        return
    before = os.getloadavg()
    rows = run(args.scale, args.time_limit)
    after = os.getloadavg()
    text = markdown(rows, before, after)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
