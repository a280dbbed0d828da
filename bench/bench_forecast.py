"""Benchmark of the forecaster: accuracy against the field's tools, and speed.

Accuracy (`--part accuracy`): Haven's forecast (`planner.forecast.forecast`, the function
the planner uses, given only the data before each origin) against statsforecast's
AutoETS, AutoARIMA and SeasonalNaive, on the NYC shelter census (../shared/data/series,
skipped with a reason when absent; read in place, never copied) and on the demo city
(data/demo_city), over rolling origins. For each lead (1, 3 and 12 months): MASE (pooled:
total absolute error of the point forecast over total in-sample seasonal-naive error,
scaled per series and origin) and the coverage of the central 80% interval. Haven's point
is its median; statsforecast's its mean (its intervals are normal, so the same). Every
forecast and interval is clipped at 0 (counts). statsforecast's forecasts do not depend
on Haven's code: they are cached in `--cache` (default /tmp/haven_bench_forecast) and
reused by later runs. statsforecast is a benchmark-only dependency
(requirements-bench.txt).

Speed (`--part speed`): a city of 77 districts x 8 services x 36 months (616 series).
Times `forecast` (choice by one rolling-origin fold, then the forecast), `backtest` (the
scores of every model and of the honest choice), `sample_paths`, and, when the demo city
is present, the planner's `forecast_demand_units` and `sample_demand_paths` on it. Each
step runs `--repeats` times; the table gives the median and the slowest run.

    python bench/bench_forecast.py                # writes bench/results/forecast.md
    python bench/bench_forecast.py --part accuracy --repeats 1

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


# --------------------------------------------------------------------------- accuracy

LEADS = (1, 3, 12)
HORIZON = 12
NYC = ROOT.parent / "shared" / "data" / "series" / "nyc_dhs_daily_report_2013-08_2023-07.csv"
SF_MODELS = ("AutoETS", "AutoARIMA", "SeasonalNaive")
FORECAST_COLUMNS = ["origin", "series_id", "lead", "model", "point", "lo", "hi"]


def nyc_history() -> pd.DataFrame | None:
    """The NYC census as months: the mean of the daily count of people in shelter (a
    stock: averaged, not summed; a date listed twice kept once). None when absent."""
    if not NYC.is_file():
        return None
    raw = pd.read_csv(NYC)
    raw["date"] = pd.to_datetime(raw["Date of Census"], format="%m/%d/%Y")
    raw = raw.drop_duplicates("date")
    monthly = raw.groupby(raw["date"].dt.to_period("M"))["Total Individuals in Shelter"].mean()
    return pd.DataFrame(
        {"series_id": "nyc", "period": monthly.index.strftime("%Y-%m"), "y": monthly.to_numpy()}
    )


def demo_history() -> pd.DataFrame | None:
    from planner import forecast as fc
    from planner.package import read_package
    from planner.settings import DEMO_PACKAGE

    if not (DEMO_PACKAGE / "demand.csv").is_file():
        return None
    history = fc.demand_history(read_package(DEMO_PACKAGE))
    return history[["series_id", "period", "y", "pool", "exposure"]]


def _periods(history: pd.DataFrame) -> list[str]:
    return sorted(history["period"].astype(str).unique())


def haven_forecasts(
    history: pd.DataFrame, origins: list[str], components: bool = False
) -> tuple[pd.DataFrame, float]:
    """Haven's forecast from each origin (data before it only), and the CPU seconds spent."""
    from planner import forecast as fc

    parts = []
    cpu = time.process_time()
    for origin in origins:
        train = history[history["period"].astype(str) < origin]
        runs = [("haven", fc.forecast(train, HORIZON, (0.1, 0.5, 0.9)))]
        if components:
            every = fc.forecast(train, HORIZON, (0.1, 0.5, 0.9), all_models=True)
            runs += [(f"haven {m}", f) for m, f in every.groupby("model") if m != "zeros"]
        for name, out in runs:
            out = out.copy()
            out["lead"] = out.groupby("series_id").cumcount() + 1
            parts.append(
                pd.DataFrame(
                    {
                        "origin": origin,
                        "series_id": out["series_id"].astype(str),
                        "lead": out["lead"],
                        "model": name,
                        "point": out["q0.5"],
                        "lo": out["q0.1"],
                        "hi": out["q0.9"],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)[FORECAST_COLUMNS], time.process_time() - cpu


def _sf_one(model_name: str, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import warnings

    from statsforecast.models import AutoARIMA, AutoETS, Naive, SeasonalNaive

    if np.ptp(y) == 0:
        flat = np.full(HORIZON, float(y[-1]))
        return flat, flat, flat
    if model_name == "SeasonalNaive":
        model: Any = SeasonalNaive(season_length=12) if y.size > 12 else Naive()
    elif model_name == "AutoETS":
        model = AutoETS(season_length=12)
    else:
        model = AutoARIMA(season_length=12)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = model.fit(y).predict(h=HORIZON, level=[80])
        mean = np.asarray(out["mean"], dtype=float)
        lo = np.asarray(out["lo-80"], dtype=float)
        hi = np.asarray(out["hi-80"], dtype=float)
        if np.all(np.isfinite(mean)) and np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)):
            return mean, lo, hi
    except Exception:  # a model that fails is replaced by the last value
        pass
    flat = np.full(HORIZON, float(y[-1]))
    return flat, flat, flat


def statsforecast_forecasts(
    name: str, history: pd.DataFrame, origins: list[str], cache: Path
) -> tuple[pd.DataFrame, dict[str, float]]:
    """statsforecast's models from each origin (cached: they do not depend on Haven), and
    the CPU seconds each model took (when computed in this run)."""
    cache.mkdir(parents=True, exist_ok=True)
    key = f"{name}_{len(history)}_{origins[0]}_{origins[-1]}_{len(origins)}.pkl"
    path = cache / key
    if path.is_file():
        cached = pd.read_pickle(path)
        return cached["frame"], cached["cpu"]
    series = {
        str(sid): rows.sort_values("period")
        for sid, rows in history.assign(period=history["period"].astype(str)).groupby("series_id")
    }
    parts = []
    cpu_by_model = dict.fromkeys(SF_MODELS, 0.0)
    for origin in origins:
        for sid, rows in series.items():
            y = rows.loc[rows["period"] < origin, "y"].to_numpy(float)
            if y.size == 0:
                continue
            y = pd.Series(y).interpolate(limit_direction="both").to_numpy()
            for model_name in SF_MODELS:
                start = time.process_time()
                mean, lo, hi = _sf_one(model_name, y)
                cpu_by_model[model_name] += time.process_time() - start
                parts.append(
                    pd.DataFrame(
                        {
                            "origin": origin,
                            "series_id": sid,
                            "lead": np.arange(1, HORIZON + 1),
                            "model": model_name,
                            "point": mean,
                            "lo": lo,
                            "hi": hi,
                        }
                    )
                )
    frame = pd.concat(parts, ignore_index=True)[FORECAST_COLUMNS]
    pd.to_pickle({"frame": frame, "cpu": cpu_by_model}, path)
    return frame, cpu_by_model


def score(history: pd.DataFrame, forecasts: pd.DataFrame) -> pd.DataFrame:
    """MASE and 80% coverage per model and lead (the leads in LEADS), pooled over series and
    origins: total absolute error / total in-sample seasonal-naive MAE (lag 12, or 1 when
    the training data is a year or shorter)."""
    hist = history.assign(
        period=history["period"].astype(str), series_id=history["series_id"].astype(str)
    )
    periods = _periods(hist)
    index = {p: i for i, p in enumerate(periods)}
    wide = hist.pivot_table(index="series_id", columns="period", values="y", aggfunc="sum")
    wide = wide.reindex(columns=periods)
    values = wide.to_numpy(float)
    row_of = {sid: i for i, sid in enumerate(wide.index)}
    scales: dict[tuple[str, str], float] = {}
    for origin in forecasts["origin"].unique():
        o = index[origin]
        for sid, i in row_of.items():
            train = values[i, :o]
            train = (
                train[np.flatnonzero(~np.isnan(train))[0] :]
                if (~np.isnan(train)).any()
                else train[:0]
            )
            if train.size < 2:
                continue
            train = pd.Series(train).interpolate().to_numpy()
            lag = 12 if train.size > 12 else 1
            scales[(origin, sid)] = float(np.mean(np.abs(train[lag:] - train[:-lag])))
    f = forecasts[forecasts["lead"].isin(LEADS)].copy()
    target = f["origin"].map(index) + f["lead"] - 1
    inside = target < len(periods)
    f = f[inside]
    target = target[inside]
    f["actual"] = values[f["series_id"].map(row_of).to_numpy(), target.to_numpy()]
    f["scale"] = [scales.get(k, np.nan) for k in zip(f["origin"], f["series_id"], strict=True)]
    f = f.dropna(subset=["actual", "scale"])
    for column in ("point", "lo", "hi"):
        f[column] = f[column].clip(lower=0.0)
    f["abs_error"] = (f["point"] - f["actual"]).abs()
    f["covered"] = (f["actual"] >= f["lo"]) & (f["actual"] <= f["hi"])
    out = f.groupby(["model", "lead"]).agg(
        n=("abs_error", "size"),
        origins=("origin", "nunique"),
        abs_error=("abs_error", "sum"),
        scale=("scale", "sum"),
        coverage=("covered", "mean"),
    )
    out["mase"] = out["abs_error"] / out["scale"]
    return out.reset_index()


def accuracy_table(scores: pd.DataFrame, title: str, order: list[str]) -> list[str]:
    lines = [
        f"{title}:",
        "",
        "| model | " + " | ".join(f"MASE {h}m | 80% cov. {h}m" for h in LEADS) + " |",
        "|---|" + "---:|---:|" * len(LEADS),
    ]
    best = scores[~scores["model"].str.startswith("haven ")].groupby("lead")["mase"].min()
    for model in order:
        rows = scores[scores["model"] == model].set_index("lead")
        if rows.empty:
            continue
        cells = []
        for h in LEADS:
            if h not in rows.index:
                cells += ["", ""]
                continue
            mark = "**" if rows.loc[h, "mase"] <= best[h] + 1e-12 else ""
            cells += [f"{mark}{rows.loc[h, 'mase']:.3f}{mark}", f"{rows.loc[h, 'coverage']:.1%}"]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    haven = scores[scores["model"] == "haven"].set_index("lead")["mase"]
    ratio = ", ".join(
        f"{h} month{'s' if h > 1 else ''}: {haven[h] / best[h]:.2f}" for h in LEADS if h in haven
    )
    counts = scores[scores["model"] == "haven"].set_index("lead")
    points = ", ".join(
        f"{h}m {int(counts.loc[h, 'n']):,} points from {int(counts.loc[h, 'origins'])} origins"
        for h in LEADS
        if h in counts.index
    )
    lines += [
        "",
        f"Haven's MASE over the best of Haven and statsforecast's: {ratio} (held out: {points}).",
    ]
    return lines


def accuracy(args: argparse.Namespace) -> list[str]:
    lines = ["## Accuracy against statsforecast", ""]
    try:
        import statsforecast
    except ImportError:
        install = "pip install --no-deps -r requirements-bench.txt"
        return [*lines, f"statsforecast is not installed (`{install}`): skipped."]
    lines += [
        f"statsforecast {statsforecast.__version__}: AutoETS, AutoARIMA (season 12), "
        "SeasonalNaive (Naive on a year or less). Haven: `planner.forecast.forecast`, the "
        "function the plan uses, with only the data before each origin; `haven <model>` rows "
        "are Haven's single models for comparison (not in the bold best).",
        "",
    ]
    order = ["haven", "AutoETS", "AutoARIMA", "SeasonalNaive"]
    sets: list[tuple[str, pd.DataFrame | None, str, int]] = [
        ("NYC shelter census", nyc_history(), "2016-08", 1),
        ("demo city", demo_history(), "", 3),
    ]
    for name, history, first, step in sets:
        if history is None:
            lines += [
                f"{name}: data absent ({NYC if 'NYC' in name else 'data/demo_city'}): skipped.",
                "",
            ]
            continue
        periods = _periods(history)
        start = periods.index(first) if first else len(periods) - 18
        origins = periods[start::step] if step == 1 else periods[start : len(periods) : step]
        haven, haven_cpu = haven_forecasts(history, origins, components=args.components)
        sf, sf_cpu = statsforecast_forecasts(name.split()[0].lower(), history, origins, args.cache)
        scores = score(history, pd.concat([haven, sf], ignore_index=True))
        extra = sorted(m for m in scores["model"].unique() if m.startswith("haven "))
        n_series = history["series_id"].nunique()
        lines += accuracy_table(
            scores,
            f"{name}, {n_series} series x {len(periods)} months, origins {origins[0]} to "
            f"{origins[-1]} every {step} month{'s' if step > 1 else ''} ({len(origins)}), "
            f"a {HORIZON}-month forecast from each",
            order + extra,
        )
        cpu = ", ".join(f"{m} {s:.1f} s" for m, s in sf_cpu.items())
        lines += [
            "",
            f"CPU for all origins: Haven {haven_cpu:.1f} s"
            + (" (with its single models)" if args.components else "")
            + f"; statsforecast {cpu} (cached runs show the first run's).",
            "",
        ]
    return lines


def speed(args: argparse.Namespace) -> list[str]:
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
        "## Speed",
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
    lines += ["", f"Forecast rows: {len(forecast):,}.", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "accuracy", "speed"), default="all")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--components", action="store_true", help="also Haven's single models")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/haven_bench_forecast"))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sections: dict[str, list[str]] = {}
    if args.out.is_file():  # a single part replaces its own section only
        text = args.out.read_text(encoding="utf-8")
        for name in ("accuracy", "speed"):
            head = "## Accuracy" if name == "accuracy" else "## Speed"
            if head in text:
                rest = text[text.index(head) :]
                cut = rest.find("\n## ", 1)
                sections[name] = (rest if cut < 0 else rest[: cut + 1]).rstrip("\n").split("\n")
                sections[name].append("")
    if args.part in ("all", "accuracy"):
        sections["accuracy"] = accuracy(args)
    if args.part in ("all", "speed"):
        sections["speed"] = speed(args)
    lines = [
        "# Forecaster benchmark",
        "",
        "`python bench/bench_forecast.py` (see its docstring).",
        "",
    ]
    for name in ("accuracy", "speed"):
        lines += sections.get(name, [])
    text = "\n".join(lines).rstrip("\n") + "\n"
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
