"""Solved plans are stored beside the forecasts, per data version (issue 14, SPEED): a
restarted server reads a scenario solved before (Compare's saved scenarios, a shared link)
instead of solving it again; the key holds the scenario and the optimiser's code."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import pytest

from planner.scenario import Scenario
from service import forecasts, plans


def test_a_plan_is_read_through_the_store_per_data_version_and_scenario(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, str, str, tuple[Hashable, ...]]] = []

    def by_version(
        kind: str, city: str, version: str, params: tuple[Hashable, ...], make: Callable[[], Any]
    ) -> str:
        calls.append((kind, city, version, params))
        return "the stored plan"

    monkeypatch.setattr(forecasts, "by_version", by_version)
    assert plans._exact_plan("City", "v1", Scenario(name="A")) == "the stored plan"
    plans._exact_plan("City", "v1", Scenario(name="A", budget=5.0))
    plans._exact_plan("City", "v1", Scenario(name="A"))
    assert [call[:3] for call in calls] == [("plan", "City", "v1")] * 3
    assert calls[0][3] != calls[1][3] and calls[0][3] == calls[2][3]
    monkeypatch.setattr(plans, "_SOLVER_CODE", "other code")
    plans._exact_plan("City", "v1", Scenario(name="A"))
    assert calls[3][3] != calls[0][3]  # a plan stored by older code is not read
