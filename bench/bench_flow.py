"""Benchmark of flow and time (issue 16): the demo city's plan with pathways and wait targets,
and the discrete-event simulation's runs per second.

- `plan`: `python -m planner plan data/demo_city` as a user runs it (whole command, its own
  process: imports, the stored forecast, the status quo, the plan, waits), with the demo's
  pathways and, second, with wait targets of 30 days on the three shelter services;
- `plan-no-flow`: for reference, the same with pathways.csv left out (a copy of the package);
- `simulate`: `planner.simulate.simulate` on the plan's queues (those the check compares,
  at most 85 % full), runs per second and cases per second.

The machine is shared with other work while this runs: the load average is printed beside
each figure, and figures are wall seconds of one run each (medians of `--repeat`).

    python bench/bench_flow.py                # writes bench/results/flow.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEMO = ROOT / "data" / "demo_city"
WAIT_TARGETS = {
    "name": "Demo with wait targets",
    "wait_target_days": {"shelter_women": 30, "shelter_men": 30, "shelter_youth": 30},
    "wait_probability": 0.8,
}


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _plan(package: Path, out: Path, scenario: Path | None) -> tuple[float, dict]:
    command = [sys.executable, "-m", "planner", "plan", str(package), "--out", str(out)]
    if scenario is not None:
        command += ["--scenario", str(scenario)]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    return seconds, json.loads((out / "plan.json").read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--months", type=float, default=240.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "flow.md")
    args = parser.parse_args()

    from planner.queues import Waiting
    from planner.simulate import for_comparison, simulate

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = folder / "wait.json"
        scenario.write_text(json.dumps(WAIT_TARGETS), encoding="utf-8")
        no_flow = folder / "no_flow"
        shutil.copytree(DEMO, no_flow)
        (no_flow / "pathways.csv").unlink(missing_ok=True)
        cases = (
            ("plan, pathways", DEMO, None),
            ("plan, pathways and wait targets", DEMO, scenario),
            ("plan, no pathways (reference)", no_flow, None),
        )
        summaries = {}
        for label, package, scen in cases:
            times, loads = [], []
            for _ in range(args.repeat):
                loads.append(_load())
                seconds, summary = _plan(package, folder / "out", scen)
                times.append(seconds)
            summaries[label] = summary
            inner = summary.get("times_s", {})
            targets = (summary.get("waiting") or {}).get("targets") or []
            met = sum(1 for t in targets if t.get("met"))
            note = f"{met}/{len(targets)} targets met" if targets else ""
            flow_s = " / ".join(
                f"{inner.get(key, 0.0):.1f}"
                for key in ("flow_status_quo", "flow_wait_targets", "flow_waits")
            )
            rows.append(
                (
                    label,
                    f"{statistics.median(times):.1f}",
                    f"{inner.get('total', float('nan')):.1f}",
                    flow_s,
                    note,
                    "; ".join(loads),
                )
            )
        waiting = Waiting.from_dict(summaries["plan, pathways"].get("waiting"))
        sim_rows = []
        if waiting is not None:
            side = for_comparison(waiting.after)
            load = _load()
            result = simulate(side, runs=args.runs, months=args.months, warmup_months=36.0)
            sim_rows.append(
                (
                    f"{len(side.agencies)} queues, {args.months:.0f} months a run",
                    f"{result.runs_per_second:.2f}",
                    f"{result.cases_simulated / result.seconds:,.0f}",
                    f"{result.seconds:.1f}",
                    load,
                )
            )
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Flow and time: benchmark (bench/bench_flow.py)",
        "",
        f"Run {now} on {os.cpu_count()} cores shared with other work (load averages 1/5/15 min "
        "beside each figure: the machine was not quiet, so read ratios rather than absolutes).",
        "",
        "| demo city | command wall s | solve() total s | flow s: status quo / target rounds "
        "/ waits | wait targets | load |",
        "|---|---|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {d} | {e} | {f} |" for a, b, c, d, e, f in rows),
        "",
        "| simulation | runs/s | cases/s | seconds | load |",
        "|---|---|---|---|---|",
        *(f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in sim_rows),
        "",
    ]
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
