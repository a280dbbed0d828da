"""The status quo a plan's waits and pathways start from is solved once per data and
demand: a second plan that changes only the money reuses it, a capacity change does not."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import planner.optimise.pathways as pathways
from planner.optimise.solve import solve
from planner.package import read_package
from planner.scenario import Scenario
from tests.package_factory import write_v2_package


def test_the_status_quo_is_solved_once_for_plans_that_differ_only_in_money(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = read_package(write_v2_package(tmp_path / "city"))
    monkeypatch.setattr(pathways, "_status_quo_memo", type(pathways._status_quo_memo)())
    solved: list[int] = []
    original = pathways._solve_status_quo

    def counted(*args: object, **kwargs: object) -> object:
        solved.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pathways, "_solve_status_quo", counted)
    first = solve(package, Scenario(name="a", budget=50_000))
    second = solve(package, Scenario(name="b", budget=80_000))
    assert first.has_plan and second.has_plan
    assert len(solved) == 1
    capacity = package.capacity.copy()
    shelter = capacity["service_id"] == "shelter_women"  # a held service, every dated row
    capacity.loc[shelter, "capacity"] = capacity.loc[shelter, "capacity"] + 5
    solve(dataclasses.replace(package, capacity=capacity), Scenario(name="c", budget=50_000))
    assert len(solved) == 2
