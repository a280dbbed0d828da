"""Warm starts (planner.optimise.warm): a plan's relaxation starts from the optimal basis of
an earlier plan of the same data, and reaches the same optimum as from scratch."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from planner.optimise import warm
from planner.optimise.highs import KeptModel
from planner.optimise.solve import SolveOptions, solve
from planner.optimise.warm import Basis
from planner.package import read_package
from planner.scenario import Scenario
from service.statusquo import DiskBases
from tests.package_factory import write_v2_package

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def starts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Every basis handed to HiGHS (True: taken), with the process's bases emptied."""
    warm.forget_all()
    taken: list[bool] = []
    original = KeptModel.set_basis

    def recorded(self: KeptModel, basis: Basis) -> bool:
        ok = original(self, basis)
        taken.append(ok)
        return ok

    monkeypatch.setattr(KeptModel, "set_basis", recorded)
    yield taken
    warm.forget_all()


def test_a_second_plan_of_the_same_data_starts_warm_and_finds_the_same_optimum(
    tmp_path: Path, starts: list[bool]
) -> None:
    package = read_package(write_v2_package(tmp_path / "city"))
    cold_low = solve(package, Scenario(name="low", budget=50_000))
    assert starts == []  # nothing kept yet: from scratch
    warm_high = solve(package, Scenario(name="high", budget=80_000))
    assert starts and all(starts)  # the relaxation and the baselines from kept bases
    warm.forget_all()
    starts.clear()
    cold_high = solve(package, Scenario(name="high", budget=80_000))
    assert starts == []
    assert warm_high.has_plan and cold_high.has_plan and cold_low.has_plan
    assert warm_high.objective == pytest.approx(cold_high.objective, rel=1e-6)
    assert warm_high.totals.served == pytest.approx(cold_high.totals.served, rel=1e-6)
    for mine, theirs in zip(warm_high.baselines, cold_high.baselines, strict=True):
        assert mine.totals is not None and theirs.totals is not None
        assert mine.totals.objective == pytest.approx(theirs.totals.objective, rel=1e-6)


def test_other_data_does_not_start_from_this_datas_basis(
    tmp_path: Path, starts: list[bool]
) -> None:
    package = read_package(write_v2_package(tmp_path / "city"))
    solve(package, Scenario(name="a", budget=50_000))
    capacity = package.capacity.copy()
    capacity["capacity"] = capacity["capacity"] + 1
    other = dataclasses.replace(package, capacity=capacity)
    solve(other, Scenario(name="a", budget=50_000))
    assert starts == []


def test_bases_outlive_the_process_on_disk(tmp_path: Path, starts: list[bool]) -> None:
    package = read_package(write_v2_package(tmp_path / "city"))
    options = SolveOptions(basis_store=DiskBases(tmp_path / "bases"))
    first = solve(package, Scenario(name="a", budget=50_000), options=options)
    assert len(list((tmp_path / "bases").glob("*.npz"))) >= 2  # the relaxation, baselines
    warm.forget_all()  # a new process
    second = solve(package, Scenario(name="a", budget=50_000), options=options)
    assert starts and all(starts)
    assert second.objective == pytest.approx(first.objective, rel=1e-9)


def test_a_damaged_or_foreign_basis_is_a_cold_start(tmp_path: Path) -> None:
    store = DiskBases(tmp_path / "bases")
    assert store.get("key") is None
    basis = Basis(np.array([1, 0, 2], np.int8), np.array([1], np.int8))
    store.put("key", basis)
    kept = store.get("key")
    assert kept is not None
    assert kept.columns.tolist() == [1, 0, 2] and kept.rows.tolist() == [1]
    (path,) = (tmp_path / "bases").glob("*.npz")
    path.write_bytes(b"damaged")
    assert store.get("key") is None
    assert not basis.fits(4, 1) and basis.fits(3, 1)


def test_the_data_key_is_the_same_in_every_process(tmp_path: Path) -> None:
    """Python salts its string hashes per process: the key must not depend on them (a disk
    store keyed otherwise would never be read back)."""
    city = write_v2_package(tmp_path / "city")
    script = (
        "import sys\n"
        "from planner.package import read_package\n"
        "from planner.scenario import Scenario\n"
        "from planner.demand import horizon_demand\n"
        "from planner.optimise.inputs import prepare_inputs\n"
        "from planner.optimise.warm import data_key\n"
        "p = read_package(sys.argv[1]); s = Scenario(name='a')\n"
        "print(data_key(prepare_inputs(p, s, horizon_demand(p, s))))\n"
    )
    keys = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", script, str(city)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        keys.add(done.stdout.strip().splitlines()[-1])
    assert len(keys) == 1
