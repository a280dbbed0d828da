"""The status quo a plan starts from outlives the process (service.statusquo): a new process
(a fresh memo) planning the same data reads it from disk instead of solving it again, the
plan is the same, and a status quo that did not finish, or a damaged file, is never kept."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest

import planner.optimise.pathways as pathways
from planner.optimise.solve import SolveOptions, solve
from planner.package import read_package
from planner.scenario import Scenario
from service.statusquo import DiskStatusQuo, disk_store
from tests.package_factory import write_v2_package


@pytest.fixture()
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the status quo's solves; the process memo starts empty."""
    monkeypatch.setattr(pathways, "_status_quo_memo", type(pathways._status_quo_memo)())
    solved: list[int] = []
    original = pathways._solve_status_quo

    def solve_counted(*args: object, **kwargs: object) -> object:
        solved.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pathways, "_solve_status_quo", solve_counted)
    return solved


def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pathways, "_status_quo_memo", type(pathways._status_quo_memo)())


def test_a_new_process_reads_the_status_quo_from_disk_and_plans_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: list[int]
) -> None:
    package = read_package(write_v2_package(tmp_path / "city"))
    options = SolveOptions(status_quo_store=DiskStatusQuo(tmp_path / "kept"))
    first = solve(package, Scenario(name="a", budget=50_000), options=options)
    assert len(counted) == 1
    assert len(list((tmp_path / "kept").glob("*.pkl"))) == 1
    _fresh_process(monkeypatch)
    second = solve(package, Scenario(name="a", budget=50_000), options=options)
    assert len(counted) == 1  # read back, not solved
    assert first.has_plan and second.has_plan
    assert second.objective == pytest.approx(first.objective, rel=1e-9)
    pd.testing.assert_frame_equal(first.coverage, second.coverage)
    _fresh_process(monkeypatch)
    solve(package, Scenario(name="a", budget=50_000))  # no store: solved in the process
    assert len(counted) == 2


def test_a_damaged_file_is_solved_again_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: list[int]
) -> None:
    package = read_package(write_v2_package(tmp_path / "city"))
    options = SolveOptions(status_quo_store=DiskStatusQuo(tmp_path / "kept"))
    solve(package, Scenario(name="a", budget=50_000), options=options)
    (kept,) = (tmp_path / "kept").glob("*.pkl")
    kept.write_bytes(b"not a pickle")
    _fresh_process(monkeypatch)
    plan = solve(package, Scenario(name="a", budget=50_000), options=options)
    assert plan.has_plan
    assert len(counted) == 2
    with kept.open("rb") as handle:
        assert isinstance(pickle.load(handle), pd.DataFrame)


def test_a_status_quo_that_did_not_finish_is_not_kept(tmp_path: Path) -> None:
    store = DiskStatusQuo(tmp_path / "kept")
    assert store("some-key", lambda: None) is None
    assert not list(tmp_path.glob("kept/*.pkl"))
    frame = pd.DataFrame({"agency_id": ["A1"], "units": [1.0]})
    assert store("some-key", lambda: frame) is frame
    again = store("some-key", lambda: pytest.fail("solved again"))  # type: ignore[arg-type,return-value]
    pd.testing.assert_frame_equal(again, frame)


def test_the_store_lies_beside_the_forecasts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAVEN_FORECAST_DIR", str(tmp_path / "forecasts"))
    store = disk_store()
    assert store is not None and store.where == tmp_path / "forecasts" / "status_quo"
    pickle.loads(pickle.dumps(store))  # a sweep's worker processes carry it
