"""Benchmark of the forecaster: a city of 77 districts x 8 services x 36 months (616 series).

Times `forecast` (choice by one rolling-origin fold, then the forecast), `backtest` (the
scores of every model and of the honest choice), `sample_paths`, and, when the demo city
is present, the planner's `forecast_demand_units` and `sample_demand_paths` on it. Each
step runs `--repeats` times; the table gives the median and the slowest run.

    python bench/bench_forecast.py                # writes bench/results/forecast.md
    python bench/bench_forecast.py --repeats 1

The generated city: district populations from 2,000 to 100,000, per-service monthly rates
so that most district series are small and zero-heavy (as the demo city's), a shared
seasonal wave, a 1%-a-month trend and negative binomial noise. Deterministic by seed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "forecast.md"


def generate_history(
    n_districts: int = 77, n_services: int = 8, months: int = 36, seed: int = 1
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    population = rng.integers(2_000, 100_000, n_districts)
    rates = rng.lognormal(np.log(2.5e-5), 0.8, n_services)
    t = np.arange(months)
    periods = pd.period_range("2023-01", periods=months, freq="M").strftime("%Y-%m")
    frames = []
    for s in range(n_services):
        season = 1 + 0.25 * np.sin(2 * np.pi * t / 12 + s)
        for d in range(n_districts):
            lam = population[d] * rates[s] * np.exp(rng.normal(0, 0.4)) * season
            lam = lam * np.exp(0.01 * t)
            y = rng.negative_binomial(4, 4 / (4 + lam))
            frames.append(
                pd.DataFrame(
                    {
                        "series_id": f"D{d:02d}:S{s}",
                        "period": periods,
                        "y": y,
                        "pool": f"S{s}",
                        "exposure": population[d],
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def timed(step: Callable[[], Any], repeats: int) -> tuple[list[tuple[float, float]], Any]:
    """(wall, CPU) seconds of each run, and the last result. CPU time says what the work
    costs when the shared machine is busy and wall time is inflated by waiting."""
    times, result = [], None
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        result = step()
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    return times, result


def _row(name: str, times: list[tuple[float, float]]) -> str:
    wall = [w for w, _ in times]
    cpu = [c for _, c in times]
    return (
        f"| {name} | {statistics.median(wall):.2f} | {max(wall):.2f} | "
        f"{statistics.median(cpu):.2f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from planner import forecast as fc
    from planner.settings import DEMO_PACKAGE

    history = generate_history()
    n_series = history["series_id"].nunique()
    rows: list[tuple[str, list[tuple[float, float]]]] = []
    load_before = os.getloadavg()[0]

    times, forecast = timed(lambda: fc.forecast(history, 12), args.repeats)
    rows.append(("forecast, 12 months, choice by 1 fold", times))
    times, result = timed(lambda: fc.backtest(history, 12, 1), args.repeats)
    rows.append(("backtest, 1 fold of 12 months", times))
    times, _ = timed(lambda: (fc.backtest(history, 12, 1), fc.forecast(history, 12)), args.repeats)
    rows.append(("**backtest (1 fold of 12) then forecast 12 months: every series**", times))
    times, result6 = timed(lambda: fc.backtest(history, 6, 2, step=6), args.repeats)
    rows.append(("backtest, 2 folds of 6 months", times))
    times, _ = timed(lambda: fc.sample_paths(history, 12, 100, seed=0), args.repeats)
    rows.append(("sample_paths, 100 paths x 12 months", times))

    demo_rows: list[tuple[str, list[tuple[float, float]]]] = []
    demo_note = "demo city absent: skipped"
    if (DEMO_PACKAGE / "demand.csv").is_file():
        from planner.package import read_package

        package = read_package(DEMO_PACKAGE)
        n_demo = len(package.districts) * len(package.services)
        months = package.demand["period"].nunique()
        demo_note = f"demo city: {n_demo} series x {months} months"
        times, _ = timed(lambda: fc.forecast_demand_units(package, 12, 0.5), args.repeats)
        demo_rows.append(("forecast_demand_units(12 months, P50)", times))
        times, _ = timed(lambda: fc.sample_demand_paths(package, 12, 100, 0), args.repeats)
        demo_rows.append(("sample_demand_paths(12 months, 100 paths)", times))
        demo_bt = fc.backtest(fc.demand_history(package), 12, 1)
    load_after = os.getloadavg()[0]

    lines = [
        "# Forecaster benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, load average {load_before:.1f} before and "
        f"{load_after:.1f} after (the machine is shared), Python {platform.python_version()}.",
        "",
        f"Generated city: {n_series} series (77 districts x 8 services) x 36 months, "
        f"{len(history):,} rows; mean {history['y'].mean():.2f} cases a month, "
        f"{(history['y'] == 0).mean():.0%} zeros. Seconds, {args.repeats} runs.",
        "",
        "| step | median wall s | slowest wall s | median CPU s |",
        "|---|---:|---:|---:|",
    ]
    lines += [_row(name, t) for name, t in rows]
    if demo_rows:
        lines += [_row(f"{demo_note}: {name}", t) for name, t in demo_rows]
    else:
        lines += ["", demo_note]
    lines += [
        "",
        "Accuracy on the generated city (held-out months; MASE pooled: total absolute error /",
        "total in-sample seasonal-naive error; coverage of the 10%-90% interval):",
        "",
        _table(result.overall, "1 fold of 12 months"),
        "",
        _table(result6.overall, "2 folds of 6 months"),
        "",
        f"Models chosen for the last fold (12 months): {result.wins}.",
    ]
    if demo_rows:
        lines += ["", _table(demo_bt.overall, "demo city, 1 fold of 12 months")]
        lines += ["", f"Demo city, models chosen: {demo_bt.wins}."]
    lines += ["", f"Forecast rows: {len(forecast):,}."]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


def _table(overall: pd.DataFrame, title: str) -> str:
    lines = [
        f"{title}:",
        "",
        "| model | held-out points | MASE | bias (cases) | bias % | 80% coverage |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in overall.itertuples():
        lines.append(
            f"| {row.model} | {row.n:,} | {row.mase:.3f} | {row.bias:+.3f} | "
            f"{row.bias_pct:+.1f} | {row.coverage:.1%} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
