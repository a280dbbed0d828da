"""Sweeps over budget: reuse between solves gives the cold solves' results; the CLI writes CSVs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli.sweep import register
from planner.problems import InvalidInput
from planner.scenario import Scenario
from planner.sweep import parse_steps, sweep
from tests.planner.optimiser_city import hand_city


def test_parse_steps_ranges_and_lists() -> None:
    assert parse_steps("0:2x:11", name="--budget") == pytest.approx(list(np.linspace(0, 2, 11)))
    assert parse_steps("0.5,0.8,0.9", name="--quantile") == [0.5, 0.8, 0.9]
    with pytest.raises(InvalidInput, match="--budget"):
        parse_steps("0:two:3", name="--budget")


def test_reused_model_gives_the_cold_solves_results() -> None:
    package, scenario = hand_city(), Scenario(name="sweep")
    factors = list(np.linspace(0.0, 2.0, 11))
    warm = sweep(package, scenario, budget_factors=factors, reuse=True, workers=1, mip_gap=0.0)
    cold = sweep(package, scenario, budget_factors=factors, reuse=False, workers=1, mip_gap=0.0)
    assert (warm.points["status"] == "optimal").all()
    for column in ("objective", "served", "weighted_unmet", "budget"):
        np.testing.assert_allclose(warm.points[column], cold.points[column], rtol=1e-7, atol=1e-6)
    np.testing.assert_allclose(warm.districts["served"], cold.districts["served"], atol=1e-6)
    # More money never serves less; with none, nothing is spent.
    assert np.all(np.diff(warm.points["served"]) >= -1e-9)
    assert warm.points.loc[0, "money_spent"] == 0.0
    assert warm.points["money_spent"].le(warm.points["budget"] + 1e-6).all()
    assert warm.points["served"].iloc[-1] > warm.points["served"].iloc[0]
    # Per district served sums to the point's served.
    by_point = warm.districts.groupby("point")["served"].sum()
    np.testing.assert_allclose(by_point.to_numpy(), warm.points["served"].to_numpy())


def test_floor_grid_and_split_chains_agree() -> None:
    package, scenario = hand_city(), Scenario(name="sweep")
    one = sweep(package, scenario, budget_factors=[0, 1, 2], floors=[0.0, 0.5], workers=1)
    assert len(one.points) == 6
    assert sorted(set(one.points["equity_floor"])) == [0.0, 0.5]
    # Two pieces per chain (what two workers get), solved here one after the other.
    from planner import sweep as sweep_module

    tasks_before = sweep_module._split([(0, 0.0), (1, 1.0), (2, 2.0)], 2)
    assert [len(t) for t in tasks_before] == [2, 1]


def test_cli_writes_points_and_districts(tmp_path) -> None:
    import argparse

    from planner.package import write_package

    folder = tmp_path / "city"
    write_package(hand_city(), folder)
    scenario_file = tmp_path / "scenario.json"
    scenario_file.write_text(json.dumps({"name": "cli"}))
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    out = tmp_path / "out"
    args = parser.parse_args(
        [
            "sweep",
            str(folder),
            "--scenario",
            str(scenario_file),
            "--budget",
            "0:2x:3",
            "--workers",
            "1",
            "--out",
            str(out),
        ]
    )
    assert args.handler(args) == 0
    import pandas as pd

    points = pd.read_csv(out / "points.csv")
    districts = pd.read_csv(out / "districts.csv")
    assert list(points["budget_factor"]) == [0.0, 1.0, 2.0]
    assert {"served", "unmet", "coverage"} <= set(points.columns)
    assert set(districts["district_id"]) == {"D1", "D2", "D3"}


def test_cli_bad_range_is_a_message(tmp_path, capsys) -> None:
    import argparse

    from planner.package import write_package

    folder = tmp_path / "city"
    write_package(hand_city(), folder)
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["sweep", str(folder), "--budget", "0:2x:many"])
    assert args.handler(args) == 1
    assert "--budget" in capsys.readouterr().err


def test_progress_and_marginal_served_per_district() -> None:
    from planner.sweep import marginal_served

    package, scenario = hand_city(), Scenario(name="sweep")
    seen: list[float] = []
    result = sweep(package, scenario, budget_factors=[0, 1, 2], workers=1, progress=seen.append)
    assert seen == pytest.approx([1 / 3, 2 / 3, 1.0])
    marginal = marginal_served(result)
    assert len(marginal) == 2 * 3  # two steps, three districts
    # The city's gain per 1,000 is the sum of the districts' gains.
    first = marginal[marginal["budget_from"] == 0.0]
    points = result.points
    city_gain = 1000 * (points["served"][1] - points["served"][0]) / points["budget"][1]
    assert first["served_per_1000"].sum() == pytest.approx(city_gain)
