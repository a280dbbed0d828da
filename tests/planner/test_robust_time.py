"""The out-of-sample evaluation under time limits (issue 18): each sample's recourse has its
own budget, and no summary is an average of the samples that happened to finish."""

from __future__ import annotations

import math

import pandas as pd

from planner.optimise import highs
from planner.robust import evaluate_out_of_sample
from planner.scenario import Scenario
from tests.planner.test_robust import demand_samples, skewed_city

FIRST_STAGE = pd.DataFrame({"agency_id": ["A1", "A2"], "service_id": "shelter", "units": 1.0})


def test_every_sample_has_its_own_time_budget(monkeypatch) -> None:
    """Each recourse is given its seconds from now: a limit set once (on HiGHS's clock of the
    kept model, which counts from its first run) used to stop every later sample at once."""
    budgets: list[float] = []
    original = highs.KeptModel.set_time_limit

    def recorded(self: highs.KeptModel, seconds: float) -> None:
        budgets.append(seconds)
        original(self, seconds)

    monkeypatch.setattr(highs.KeptModel, "set_time_limit", recorded)
    scenario = Scenario(name="floor", horizon_months=3, equity_floor=0.6, time_limit_s=7)
    result = evaluate_out_of_sample(skewed_city(), scenario, FIRST_STAGE, demand_samples(6, 3))
    assert budgets == [7.0] * 6
    assert result.unfinished == 0
    assert (result.per_sample["status"] == "optimal").all()


def test_an_unfinished_sample_leaves_the_summary_empty(monkeypatch) -> None:
    calls = {"n": 0}
    original = highs.KeptModel.solve

    def stops_after_three(self: highs.KeptModel, *, relaxed: bool = True) -> highs.HighsResult:
        calls["n"] += 1
        if calls["n"] > 3:
            return highs.HighsResult("not_solved", "Time limit reached", None, None, None)
        return original(self, relaxed=relaxed)

    monkeypatch.setattr(highs.KeptModel, "solve", stops_after_three)
    scenario = Scenario(name="floor", horizon_months=3, equity_floor=0.6)
    result = evaluate_out_of_sample(skewed_city(), scenario, FIRST_STAGE, demand_samples(6, 3))
    assert result.unfinished == 3
    assert math.isnan(result.expected_weighted_unmet)
    assert math.isnan(result.p90_weighted_unmet)
    assert math.isnan(result.expected_unmet)
