"""The discrete-event simulation (planner.simulate) against the queue formulas."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli import simulate as cli_simulate
from cli.main import main
from planner import queues, simulate
from planner.package import read_package
from planner.scenario import Scenario

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_city"


def _mm1() -> queues.WaitingSide:
    flows = pd.DataFrame(
        {"district_id": ["D1"], "agency_id": ["A1"], "service_id": ["s"], "units_per_month": [0.8]}
    )
    servers = pd.DataFrame({"agency_id": ["A1"], "service_id": ["s"], "capacity": [1]})
    return queues.waiting_side(flows, servers, {"s": 1.0})


def test_mm1_exact_mean_wait_lies_in_the_runs_95_percent_interval() -> None:
    side = _mm1()
    exact = float(side.agencies["mean_wait_days"].iloc[0])
    # rho = 0.8, mu = 1 a month: Wq = rho / (mu - lambda) = 4 months.
    assert exact == pytest.approx(4.0 * queues.DAYS_PER_MONTH)
    result = simulate.simulate(side, runs=20, months=2000.0, warmup_months=100.0, seed=1)
    row = result.agencies.iloc[0]
    assert row["mean_wait_low"] <= exact <= row["mean_wait_high"]
    assert row["p_wait"] == pytest.approx(0.8, abs=0.03)
    district = result.districts.iloc[0]
    assert district["district_id"] == "D1" and district["runs"] == 20


def test_the_same_seed_gives_the_same_runs() -> None:
    first = simulate.simulate(_mm1(), runs=2, months=100.0, warmup_months=10.0, seed=7)
    again = simulate.simulate(_mm1(), runs=2, months=100.0, warmup_months=10.0, seed=7)
    other = simulate.simulate(_mm1(), runs=2, months=100.0, warmup_months=10.0, seed=8)
    pd.testing.assert_frame_equal(first.agencies, again.agencies)
    assert not first.agencies.equals(other.agencies)


def test_a_queue_without_units_serves_nobody() -> None:
    flows = pd.DataFrame(
        {"district_id": ["D1"], "agency_id": ["A1"], "service_id": ["s"], "units_per_month": [1.0]}
    )
    servers = pd.DataFrame({"agency_id": ["A1"], "service_id": ["s"], "capacity": [0.0]})
    side = queues.waiting_side(flows, servers, {"s": 1.0})
    result = simulate.simulate(side, runs=2, months=24.0, warmup_months=0.0, seed=1)
    assert result.agencies["p_wait"].iloc[0] == pytest.approx(1.0)


def test_the_command_lines_defaults_are_the_simulations() -> None:
    assert cli_simulate.DEFAULT_RUNS == simulate.DEFAULT_RUNS
    assert cli_simulate.DEFAULT_MONTHS == simulate.DEFAULT_MONTHS
    assert cli_simulate.DEFAULT_WARMUP_MONTHS == simulate.DEFAULT_WARMUP_MONTHS
    assert cli_simulate.DEFAULT_SEED == simulate.DEFAULT_SEED


@pytest.fixture(scope="module")
def demo_plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from planner.optimise import solve

    out = tmp_path_factory.mktemp("demo_plan")
    plan = solve(read_package(DEMO), Scenario(name="demo"))
    assert plan.has_plan and plan.waiting is not None
    plan.write(out)
    return out


@pytest.mark.slow
def test_demo_city_simulation_agrees_with_the_formulas_within_20_percent(
    demo_plan_dir: Path,
) -> None:
    summary = json.loads((demo_plan_dir / "plan.json").read_text(encoding="utf-8"))
    waiting = queues.Waiting.from_dict(summary["waiting"])
    assert waiting is not None and waiting.before is not None
    side = simulate.for_comparison(waiting.after)
    assert len(side.agencies) >= 10
    result = simulate.simulate(side, runs=4, months=600.0, warmup_months=120.0, seed=2026)
    city = simulate.comparison(side, result).set_index("service_id").loc[""]
    assert city["p_wait_simulated"] == pytest.approx(city["p_wait_formula"], rel=0.2)
    assert city["mean_wait_simulated_days"] == pytest.approx(
        city["mean_wait_formula_days"], rel=0.2
    )


@pytest.mark.slow
def test_simulate_command_on_a_plan_folder(
    demo_plan_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim"
    code = main(
        [
            "simulate",
            str(demo_plan_dir),
            "--runs",
            "2",
            "--months",
            "24",
            "--warmup",
            "6",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 runs of 24 months" in printed
    districts = pd.read_csv(out / "districts.csv", dtype={"district_id": str})
    assert {"mean_wait_low", "mean_wait_high"} <= set(districts.columns)


def test_simulate_command_on_a_folder_that_is_not_a_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(tmp_path), "--runs", "2"]) == 1
    assert "plan.json" in capsys.readouterr().err
