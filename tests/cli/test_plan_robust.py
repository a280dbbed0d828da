"""`python -m planner plan PATH --robust [K]` and `--latent-demand M,S` (issue 17): the plan
for bad months written beside the plan and compared on fresh samples; latent demand as the
scenario's assumption in plan.json, in words and in the report."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest

from cli import plan as plan_cli
from planner.package import write_package
from reports import build_report
from tests.planner.test_robust import skewed_city


def parse(argv):
    parser = argparse.ArgumentParser(prog="planner")
    plan_cli.register(parser.add_subparsers())
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def package_dir(tmp_path_factory):
    return write_package(skewed_city(), tmp_path_factory.mktemp("city") / "city")


def test_robust_flag_writes_the_comparison(package_dir, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["plan", str(package_dir), "--out", str(out), "--robust", "4"]
    argv += ["--risk", "cvar", "--alpha", "0.8", "--evaluation-samples", "6"]
    args = parse(argv)
    assert args.handler(args) == 0
    captured = capsys.readouterr()
    robust = json.loads((out / "robust.json").read_text(encoding="utf-8"))
    assert (robust["scenarios"], robust["risk"], robust["cvar_alpha"]) == (4, "cvar", 0.8)
    assert robust["evaluation_samples"] == 6
    assert [row["plan"] for row in robust["rows"]] == ["plan", "robust"]
    assert all(row["expected_weighted_unmet"] is not None for row in robust["rows"])
    for name in ("robust_funding.csv", "robust_capacity_added.csv"):
        assert (out / name).exists()
    assert set(pd.read_csv(out / "robust_capacity_added.csv").columns) >= {"agency_id", "units"}
    assert "Plan for bad months: 4 scenarios" in captured.out
    assert "plan for bad months: solving" in captured.err  # progress, on stderr
    summary = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert summary["scenario"]["robust"] == {"scenarios": 4, "risk": "cvar", "alpha": 0.8}
    html = build_report(out, fmt="html", audience="analyst", package=package_dir).decode()
    assert "The plan for bad months against the plan" in html
    assert "Plan for bad months" in html  # the assumption and the row


def test_a_scenario_files_robust_key_runs_it_too(package_dir, tmp_path, capsys):
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps({"name": "Bad months", "horizon_months": 3, "robust": {"scenarios": 3}}),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = parse(
        [
            "plan",
            str(package_dir),
            "--scenario",
            str(scenario),
            "--out",
            str(out),
            "--evaluation-samples",
            "4",
            "--json",
        ]
    )
    assert args.handler(args) == 0
    json.loads(capsys.readouterr().out)  # --json: stdout stays one JSON document
    assert json.loads((out / "robust.json").read_text(encoding="utf-8"))["scenarios"] == 3


def test_robust_k_out_of_range_is_named(package_dir, tmp_path, capsys):
    args = parse(["plan", str(package_dir), "--out", str(tmp_path / "o"), "--robust", "1"])
    assert args.handler(args) == 1
    assert "robust.scenarios" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_latent_demand_is_planned_for_and_said(package_dir, tmp_path, capsys):
    plain_out, latent_out = tmp_path / "plain", tmp_path / "latent"
    args = parse(["plan", str(package_dir), "--out", str(plain_out), "--json"])
    assert args.handler(args) == 0
    plain = json.loads(capsys.readouterr().out)
    args = parse(
        ["plan", str(package_dir), "--out", str(latent_out), "--latent-demand", "2.4,0.25"]
    )
    assert args.handler(args) == 0
    said = capsys.readouterr().out
    assert "Assumption: demand times 1.35" in said
    summary = json.loads((latent_out / "plan.json").read_text(encoding="utf-8"))
    assert summary["scenario"]["latent_demand"] == {"multiplier": 2.4, "share": 0.25}
    assert summary["totals"]["demand"] == pytest.approx(plain["totals"]["demand"] * 1.35)
    html = build_report(latent_out, fmt="html", audience="funder", package=package_dir).decode()
    assert "Latent demand" in html and "1.35" in html


@pytest.mark.parametrize(
    ("value", "named"),
    [("0.5,0.1", "latent_demand.multiplier"), ("2,3", "latent_demand.share"), ("two", "latent")],
)
def test_latent_demand_out_of_range_is_named(package_dir, tmp_path, capsys, value, named):
    args = parse(["plan", str(package_dir), "--out", str(tmp_path / "o"), "--latent-demand", value])
    assert args.handler(args) == 1
    assert named in capsys.readouterr().err
