"""Run independent solves: in this process, on a local process pool, or on a Dask cluster.

`run_all(func, items)` returns `[func(item) for item in items]`, in the order of `items`,
computed wherever the settings say:

- a Dask `Client` passed in, or `HAVEN_DASK_SCHEDULER` naming a scheduler address
  (`tcp://host:8786`): the items are spread over that cluster's workers, so a sweep runs on
  a cluster with no change in the code that calls it;
- otherwise a local process pool of `workers` processes (`HAVEN_SWEEP_WORKERS`, default 2),
  or this very process when `workers` is 1 (no pickling, no start-up cost).

`func` must be a module-level function and items must pickle (frames, dataclasses, ids):
that is what crosses to other processes and machines. Dask is imported only when used.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from planner.settings import get_settings

T = TypeVar("T")
R = TypeVar("R")


def run_all(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
) -> list[R]:
    """`[func(item) for item in items]`, run where the settings (or the arguments) say."""
    items = list(items)
    if not items:
        return []
    settings = get_settings()
    if client is not None:
        return _run_dask(client, func, items)
    address = scheduler if scheduler is not None else settings.dask_scheduler
    if address:
        from dask.distributed import Client

        with Client(address, set_as_default=False) as remote:
            return _run_dask(remote, func, items)
    n_workers = workers if workers is not None else settings.sweep_workers
    n_workers = max(1, min(n_workers, len(items)))
    if n_workers == 1:
        return [func(item) for item in items]
    # forkserver: a forked child of a process whose HiGHS or BLAS threads are running can hang.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
        return list(pool.map(func, items))


def describe(*, workers: int | None = None, scheduler: str | None = None) -> str:
    """Where `run_all` would run, in words (for logs and the benchmark)."""
    settings = get_settings()
    address = scheduler if scheduler is not None else settings.dask_scheduler
    if address:
        return f"Dask scheduler {address}"
    n_workers = workers if workers is not None else settings.sweep_workers
    return "this process" if n_workers <= 1 else f"a local pool of {n_workers} processes"


def _run_dask(client: Any, func: Callable[[T], R], items: list[T]) -> list[R]:
    # pure=False: the same item twice is two solves, not one cached result.
    futures = client.map(func, items, pure=False)
    return list(client.gather(futures))
