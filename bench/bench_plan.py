"""Benchmark of the whole plan against a direct highspy build and solve of the same model.

A generated city (bench/city_gen.py: 77 districts x 300 agencies x 8 services x 12 months at
scale 1, each district reaching about 40 agencies, seasonal demand) at several scales:

- `haven-plan`: Haven's whole plan as a user meets it (planner.optimise.solve.solve_inputs:
  the PuLP model, the hand-over, the search with the LP relaxation, the diagnosis, the three
  baselines and the MIP where needed, the read-back into tables);
- `highspy-direct`: the reference, the same model built as sparse matrices and passed to
  highspy, then its MIP solved at the same gap (no diagnosis, no baselines);
- `pulp-highs`, `pulp-cbc` (on request): the PuLP model's LP and MIP alone, per solver.

Both start from the same prepared inputs (distances, blocks of months: `prepare_s`, the same
for both). Each configuration runs in its own process, so its peak memory is its own.

    python bench/bench_plan.py                       # scales 0.25 1 2 4, limit 120 s
    python bench/bench_plan.py --scales 0.25 --mip-time-limit 20

Prints a markdown table with the machine's load average and writes it to
bench/results/plan.md. Times are wall seconds; ratios are against highspy-direct of the same
scale and run.
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

RESULTS = ROOT / "bench" / "results" / "plan.md"
CONFIGS = ("highspy-direct", "haven-plan", "pulp-highs", "pulp-cbc", "pulp-highs-monthly")
DEFAULT_CONFIGS = ("highspy-direct", "haven-plan")
MIP_GAP = float(os.environ.get("HAVEN_BENCH_MIP_GAP", "1e-3"))  # --mip-gap sets it


def worker(scale: float, config: str, mip_time_limit: float) -> dict:
    """One configuration at one scale, in this process; returns its measurements."""
    from bench.city_gen import bench_demand, generate_city
    from planner.optimise.inputs import prepare_inputs
    from planner.scenario import Scenario

    package = generate_city(scale)
    scenario = Scenario(name="bench", equity_floor=0.3, equity_mode="soft")
    started = time.perf_counter()
    inputs = prepare_inputs(
        package,
        scenario,
        bench_demand(package),
        aggregate_periods=config != "pulp-highs-monthly",
    )
    result: dict = {"scale": scale, "config": config, "prepare_s": time.perf_counter() - started}
    result["blocks"] = len(inputs.blocks)
    result["arcs"] = len(inputs.arcs)
    if config == "highspy-direct":
        _direct(inputs, result, mip_time_limit)
    elif config == "haven-plan":
        _haven(inputs, scenario, result, mip_time_limit)
    else:
        _pulp(inputs, result, mip_time_limit, "cbc" if config == "pulp-cbc" else "highs", config)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _direct(inputs, result: dict, mip_time_limit: float) -> None:
    import highspy

    from bench.highs_direct import build_highs

    started = time.perf_counter()
    h, size = build_highs(inputs, integer=False)
    result["build_s"] = time.perf_counter() - started
    result["handover_s"] = 0.0  # passModel is inside the build
    result.update(size)
    started = time.perf_counter()
    h.run()
    result["lp_s"] = time.perf_counter() - started
    result["lp_objective"] = h.getInfo().objective_function_value
    h, _ = build_highs(inputs, integer=True)
    h.setOptionValue("time_limit", float(mip_time_limit))
    h.setOptionValue("mip_rel_gap", MIP_GAP)
    started = time.perf_counter()
    h.run()
    result["mip_s"] = time.perf_counter() - started
    info = h.getInfo()
    status = h.getModelStatus()
    result["mip_status"] = (
        "optimal" if status == highspy.HighsModelStatus.kOptimal else h.modelStatusToString(status)
    )
    result["mip_gap"] = info.mip_gap
    result["mip_objective"] = info.objective_function_value
    result["plan_s"] = result["build_s"] + result["mip_s"]  # the LP above is not counted


def _haven(inputs, scenario, result: dict, mip_time_limit: float) -> None:
    from planner.optimise.solve import SolveOptions, solve_inputs

    options = SolveOptions(mip_gap=MIP_GAP, time_limit_s=mip_time_limit)
    started = time.perf_counter()
    plan = solve_inputs(inputs, scenario, options)
    result["plan_s"] = time.perf_counter() - started
    result.update(plan.size)
    result["steps"] = {k: round(v, 3) for k, v in plan.times.items()}
    result["build_s"] = plan.times.get("build", 0.0)
    result["handover_s"] = plan.times.get("handover", 0.0)
    result["lp_s"] = plan.times.get("relaxation", 0.0)
    result["mip_s"] = plan.times.get("mip", 0.0)
    result["mip_status"] = plan.status
    result["mip_gap"] = plan.gap
    result["mip_objective"] = plan.objective
    result["baselines_beaten"] = all(plan.diagnostics.no_worse_than_baselines.values())


def _pulp(inputs, result: dict, mip_time_limit: float, solver: str, config: str) -> None:
    from planner.optimise.model import build_model
    from planner.optimise.solvers import run_solver

    started = time.perf_counter()
    model = build_model(inputs)
    result["build_s"] = time.perf_counter() - started
    result.update(model.size())
    run = run_solver(model, solver, time_limit_s=600, mip_gap=MIP_GAP, relax=True)
    result["handover_s"] = run.handover_s
    result["lp_s"] = run.solve_s
    result["readback_s"] = run.readback_s
    result["lp_objective"] = run.objective
    if config == "pulp-highs-monthly":
        return
    run = run_solver(model, solver, time_limit_s=mip_time_limit, mip_gap=MIP_GAP)
    result["mip_s"] = run.solve_s
    result["mip_status"] = run.status
    result["mip_gap"] = run.gap
    result["mip_objective"] = run.objective


def run_all(scales: list[float], mip_time_limit: float, configs: list[str]) -> list[dict]:
    rows = []
    for scale in scales:
        for config in configs:
            if config == "pulp-highs-monthly" and scale != 1.0:
                continue
            command = [
                sys.executable, __file__, "--worker", str(scale), config,
                "--mip-time-limit", str(mip_time_limit),
            ]  # fmt: skip
            print(f"... scale {scale:g}, {config}", file=sys.stderr, flush=True)
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
            if done.returncode != 0 or not lines:
                print(done.stderr[-2000:], file=sys.stderr)
                rows.append({"scale": scale, "config": config, "error": done.returncode})
                continue
            rows.append(json.loads(lines[-1]))
    return rows


def table(rows: list[dict]) -> str:
    reference = {r["scale"]: r for r in rows if r.get("config") == "highspy-direct"}
    header = (
        "| scale | config | variables | integer | constraints | non-zeros | whole plan s "
        "| of which MIP s | status | gap | peak MB | whole / reference |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    lines = [header]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['scale']:g} | {r['config']} | failed ({r['error']}) |")
            continue
        ref = reference.get(r["scale"], {})
        whole = r.get("plan_s")
        mip = r.get("mip_s")
        gap = r.get("mip_gap")
        cells = [
            f"{r['scale']:g}",
            r["config"],
            f"{r['variables']:,}",
            f"{r.get('integer_variables', 0):,}",
            f"{r['constraints']:,}",
            f"{r['nonzeros']:,}",
            f"{whole:.1f}" if whole is not None else "-",
            f"{mip:.1f}" if mip is not None else "-",
            str(r.get("mip_status", "-")),
            f"{gap:.3%}" if isinstance(gap, float) else "-",
            f"{r['peak_mb']:.0f}",
            f"{whole / ref['plan_s']:.2f}x" if whole and ref.get("plan_s") else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    steps = [r for r in rows if r.get("config") == "haven-plan" and "steps" in r]
    if steps:
        lines += ["", "Where the whole plan's time went (seconds):", ""]
        names = sorted({k for r in steps for k in r["steps"]})
        lines.append("| scale | " + " | ".join(names) + " |")
        lines.append("|---|" + "---|" * len(names))
        for r in steps:
            values = [f"{r['steps'].get(n, 0.0):.2f}" for n in names]
            lines.append(f"| {r['scale']:g} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def choose_default(rows: list[dict]) -> str:
    """The solver that proves optimality (or gets the smallest gap) sooner at the largest scale
    where both ran."""
    by_scale: dict[float, dict[str, dict]] = {}
    for r in rows:
        if "error" not in r and r["config"] in ("pulp-highs", "pulp-cbc"):
            by_scale.setdefault(r["scale"], {})[r["config"]] = r
    verdicts = []
    for scale in sorted(by_scale):
        pair = by_scale[scale]
        if len(pair) < 2:
            continue

        def key(r: dict) -> tuple[int, float, float]:
            optimal = r.get("mip_status") == "optimal"
            return (0 if optimal else 1, r.get("mip_gap") or 1.0, r.get("mip_s") or 1e9)

        best = min(pair.values(), key=key)
        verdicts.append(f"scale {scale:g}: {best['config']}")
    return "; ".join(verdicts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.25, 1.0, 2.0, 4.0])
    parser.add_argument("--mip-time-limit", type=float, default=120.0)
    parser.add_argument(
        "--mip-gap",
        type=float,
        default=MIP_GAP,
        help="relative MIP gap (default 1e-3, the planner's own)",
    )
    parser.add_argument("--configs", nargs="+", default=list(DEFAULT_CONFIGS), choices=CONFIGS)
    parser.add_argument("--worker", nargs=2, metavar=("SCALE", "CONFIG"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    os.environ["HAVEN_BENCH_MIP_GAP"] = repr(args.mip_gap)  # read by the workers
    if args.worker:
        print(json.dumps(worker(float(args.worker[0]), args.worker[1], args.mip_time_limit)))
        return 0
    load_before = os.getloadavg()
    rows = run_all(args.scales, args.mip_time_limit, args.configs)
    load_after = os.getloadavg()
    text = "\n".join(
        [
            "# Allocation model benchmark",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
            f"{platform.python_version()}; MIP relative gap {args.mip_gap:g}, "
            f"MIP time limit {args.mip_time_limit:g} s; soft equity floor 30%; load average "
            f"{load_before[0]:.1f} before, {load_after[0]:.1f} after "
            f"({os.cpu_count()} cores).",
            "",
            table(rows),
            "",
            *(
                [f"Faster to a proven (or tighter) integer plan: {choose_default(rows)}.", ""]
                if any(r.get("config") == "pulp-cbc" for r in rows)
                else []
            ),
            "<details><summary>raw</summary>",
            "",
            "```json",
            json.dumps(rows, indent=1),
            "```",
            "</details>",
            "",
        ]
    )
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
