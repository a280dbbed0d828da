import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

from cli import plan as plan_cli
from planner.package import write_package
from tests.planner.optimiser_city import hand_city


def parse(argv):
    parser = argparse.ArgumentParser(prog="planner")
    plan_cli.register(parser.add_subparsers())
    return parser.parse_args(argv)


@pytest.fixture
def package_dir(tmp_path):
    return write_package(hand_city(), tmp_path / "city")


def test_plan_writes_the_plan_and_exits_zero(package_dir, tmp_path, capsys):
    out = tmp_path / "out"
    args = parse(["plan", str(package_dir), "--out", str(out), "--json"])
    assert args.handler(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "optimal"
    assert summary["totals"]["weighted_unmet"] == pytest.approx(180.0)
    assert set(summary["baselines"]) == {"status_quo", "population", "demand"}
    for name in ("plan.json", "funding.csv", "capacity_added.csv", "coverage.csv"):
        assert (out / name).exists()
    funding = pd.read_csv(out / "funding.csv")
    assert funding["amount"].sum() == pytest.approx(23000)
    coverage = pd.read_csv(out / "coverage.csv")
    assert (coverage["served"] + coverage["unmet"] - coverage["demand"]).abs().max() < 1e-6


def test_scenario_file_solver_and_time_limit(package_dir, tmp_path, capsys):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("name: Floor\nequity_floor: 0.5\nequity_mode: hard\n", encoding="utf-8")
    out = tmp_path / "out"
    args = parse(
        [
            "plan",
            str(package_dir),
            "--scenario",
            str(scenario),
            "--out",
            str(out),
            "--solver",
            "cbc",
            "--time-limit",
            "30",
        ]
    )
    assert args.handler(args) == 0
    text = capsys.readouterr().out
    assert "Floor: optimal" in text
    summary = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert summary["solver"] == "cbc"
    assert summary["scenario"]["time_limit_s"] == 30
    assert summary["totals"]["weighted_unmet"] == pytest.approx(194.0)


def test_infeasible_scenario_exits_one_and_still_writes_the_explanation(
    package_dir, tmp_path, capsys
):
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps(
            {"name": "Too much", "equity_floor": 0.5, "equity_mode": "hard", "budget": 20000}
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = parse(["plan", str(package_dir), "--scenario", str(scenario), "--out", str(out)])
    assert args.handler(args) == 1
    err = capsys.readouterr().err
    assert "infeasible scenario" in err and "$6,000 more" in err
    summary = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert summary["status"] == "infeasible"
    kinds = [f["kind"] for f in summary["findings"]]
    assert "floor_needs_budget" in kinds  # a code with its amounts, no sentence
    missing = next(f for f in summary["findings"] if f["kind"] == "floor_needs_budget")
    assert missing["amount"] == pytest.approx(6000, abs=1)
    assert "message" not in summary


def test_invalid_scenario_exits_one_without_a_trace(package_dir, tmp_path, capsys):
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps({"name": "Bad", "budget": -5, "weights": {"dentist": 2}}), encoding="utf-8"
    )
    args = parse(["plan", str(package_dir), "--scenario", str(scenario), "--out", str(tmp_path)])
    assert args.handler(args) == 1
    err = capsys.readouterr().err
    assert "scenario.json: budget: Input should be greater than or equal to 0" in err
    assert "Traceback" not in err
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"name": "x", "weights": {"dentist": 2}}), encoding="utf-8")
    args = parse(["plan", str(package_dir), "--scenario", str(unknown), "--out", str(tmp_path)])
    assert args.handler(args) == 1
    assert "weights: 'dentist' is not a service of this city" in capsys.readouterr().err


def test_invalid_package_exits_one(tmp_path, capsys):
    args = parse(["plan", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert args.handler(args) == 1
    err = capsys.readouterr().err
    assert err.strip() and "Traceback" not in err
    assert not (tmp_path / "out" / "plan.json").exists()


def test_help_mentions_every_option(capsys):
    with pytest.raises(SystemExit):
        parse(["plan", "--help"])
    text = capsys.readouterr().out
    for option in ("--scenario", "--out", "--solver", "--time-limit", "--json"):
        assert option in text


def test_through_python_m_planner(package_dir, tmp_path):
    cli = pytest.importorskip("cli.main")
    out = tmp_path / "out"
    assert cli.main(["plan", str(package_dir), "--out", str(out)]) == 0
    assert (out / "coverage.csv").exists()


def test_the_summary_says_the_status_once_and_money_with_its_currency():
    from cli.plan import _human
    from reports.words import NameBook

    summary = {
        "scenario": {"name": "Gap"},
        "status": "optimal",
        "gap": 0.0005,
        "totals": {"demand": 100.0, "served": 90.0, "money_spent": 1_000_000.0},
        "diagnostics": {},
        "baselines": {},
        "findings": [],
        "times_s": {},
        "solver_version": "HiGHS",
    }
    summary["totals"].update(budget=2_000_000.0, units_added=5.0)
    lines = _human(summary, Path("out"), NameBook("USD")).splitlines()
    assert lines[0] == "Gap: optimal (gap 0.05%)"
    assert lines[2] == "spent $1,000,000 of $2,000,000; 5 units added"
    summary["status"] = "time_limit"
    summary["gap"] = 0.005
    first = _human(summary, Path("out"), NameBook("USD")).splitlines()[0]
    assert first == "Gap: stopped at the time limit with a plan; gap 0.50%"
    canadian = _human(summary, Path("out"), NameBook("CAD")).splitlines()[2]
    assert canadian.startswith("spent CA$1,000,000")


def test_the_printed_plan_names_what_limits_it(package_dir, tmp_path, capsys):
    out = tmp_path / "out"
    args = parse(["plan", str(package_dir), "--out", str(out)])
    assert args.handler(args) == 0
    text = capsys.readouterr().out
    assert "North House" in text  # agencies by name, not id
    assert "plan.json" not in text.replace(str(out), "")
    assert "e+0" not in text
