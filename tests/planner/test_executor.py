"""The executor: same results in this process, on a local pool and on a Dask LocalCluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.executor import describe, run_all
from planner.scenario import Scenario
from planner.sweep import sweep
from tests.planner.optimiser_city import hand_city


def _square(value: int) -> int:
    return value * value


def test_local_runs_keep_the_order() -> None:
    items = list(range(7))
    assert run_all(_square, items, workers=1) == [v * v for v in items]
    assert run_all(_square, items, workers=2) == [v * v for v in items]
    assert run_all(_square, [], workers=2) == []
    assert describe(workers=1, scheduler="") == "this process"
    assert "2 processes" in describe(workers=2, scheduler="")


def test_sweep_on_a_process_pool_matches_the_serial_sweep() -> None:
    package, scenario = hand_city(), Scenario(name="pool")
    factors = [0.0, 0.5, 1.0, 1.5, 2.0]
    serial = sweep(package, scenario, budget_factors=factors, workers=1, mip_gap=0.0)
    pooled = sweep(package, scenario, budget_factors=factors, workers=2, mip_gap=0.0)
    pd.testing.assert_frame_equal(
        serial.points.drop(columns="solve_s"), pooled.points.drop(columns="solve_s")
    )
    pd.testing.assert_frame_equal(serial.districts, pooled.districts)


def test_sweep_on_a_dask_local_cluster_matches_the_local_run() -> None:
    distributed = pytest.importorskip("dask.distributed")
    package, scenario = hand_city(), Scenario(name="dask")
    factors = [0.0, 0.5, 1.0, 1.5, 2.0]
    local = sweep(package, scenario, budget_factors=factors, workers=1, mip_gap=0.0)
    # Threads in this process talking over inproc:// : no network, no dashboard.
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        on_cluster = sweep(package, scenario, budget_factors=factors, client=client, mip_gap=0.0)
        assert run_all(_square, [1, 2, 3], client=client) == [1, 4, 9]
    np.testing.assert_allclose(local.points["objective"], on_cluster.points["objective"])
    pd.testing.assert_frame_equal(
        local.points.drop(columns="solve_s"), on_cluster.points.drop(columns="solve_s")
    )
    pd.testing.assert_frame_equal(local.districts, on_cluster.districts)
