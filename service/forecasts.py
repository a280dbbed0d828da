"""Forecasts computed when the data changes and stored, so that no visitor waits for them.

A city's forecasts (the demand outlook with its joint sample paths, the backtest, the
planner's demand per horizon and quantile) depend on its demand history, not on its
capacity. They are stored keyed by a fingerprint of what they are computed from: the demand
history (with its rows per population group, language and exploitation type when the
package has them), the services' units per case, the district ids, and the forecaster's own source
(planner/forecast.py, demand.py, demand_view.py), so that a capacity edit reuses them, a
re-import of the same history reuses them, and a change of the forecaster recomputes them.

- `stored(kind, city, version, params, make)`: `make()` once per fingerprint and params,
  kept in the process (`service.store.cached`) and on disk.
- `data_changed(city)`: the hook of every write (`service.edits`) in the app: in a
  background worker, compute what the new data version needs and is not stored yet
  (nothing new after a capacity edit), then solve the status quo (the Overview and the map
  read it), so that the next visitor finds them ready. The worker's solves run in one child
  process (`in_child`): building a model holds the GIL, and pages render meanwhile. A page
  that needs what is not ready says so with the worker's progress (`progress`,
  ui/recompute_view.py) instead of showing an older version's figures.
- `warm_at_start()`: once per process (the first page run of a fresh server): the same for
  every city, in the background.

Where: on disk, one pickle per (city, fingerprint, kind, params) under `HAVEN_FORECAST_DIR`,
by default the folder `forecasts/` beside an SQLite database file (var/forecasts/ for the
default var/haven.db), else var/forecasts/. Disk rather than the database: no migration, a
content-addressed file is never stale (its name is its key) and may be deleted at any time,
and reading one is a quarter of a second where recomputing takes 15 s. The files are written
by the app itself (never uploaded), replaced atomically, and the newest three per city and
kind kept. Plain pickles: the demo city's outlook (1.5 million sample rows) is 95 MB; parquet
(0.75 MB) and compressed or categorical pickles were 4 to 10 times slower to read. With
several app instances on one database, give them a shared HAVEN_FORECAST_DIR or each
computes its own once.

Nightly refresh (new code or a cleared folder; data edits already trigger it):
`python -c "from service import forecasts; forecasts.refresh_all()"`.
`HAVEN_PRECOMPUTE=0` turns the background worker off (computed on first use instead); it
is off by default inside pytest.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import multiprocessing
import os
import pickle
import queue
import re
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable, Hashable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pandas as pd

from planner.demand import horizon_demand
from planner.package import CityPackage
from planner.scenario import Scenario
from planner.settings import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from types import ModuleType

    from service.access import Actor

T = TypeVar("T")
A = TypeVar("A")

log = logging.getLogger(__name__)

FORECASTER_MODULES = ("planner.forecast", "planner.demand", "planner.demand_view", "planner.groups")
DEFAULT_HORIZON = 12


def _store() -> ModuleType:
    """service.store, imported on first use: the command line's `plan` reads and writes its
    stored demand (`package_demand`) without loading the database's modules."""
    from service import store

    return store


def _code_fingerprint() -> bytes:
    digest = hashlib.sha256()
    for name in FORECASTER_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin and os.path.exists(spec.origin):
            digest.update(Path(spec.origin).read_bytes())
    return digest.digest()


_CODE = _code_fingerprint()


def fingerprint(package: CityPackage) -> str:
    """What the city's forecasts are computed from, as 16 hex digits."""
    digest = hashlib.sha256(_CODE)
    demand = package.demand
    columns = sorted(demand.columns)
    ordered = demand[columns].astype(str).sort_values(columns).reset_index(drop=True)
    digest.update(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes())
    groups = getattr(package, "demand_groups", None)  # version 2: demand per group
    if groups is not None and len(groups):
        columns = sorted(groups.columns)
        ordered = groups[columns].astype(str).sort_values(columns).reset_index(drop=True)
        digest.update(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes())
    services = package.services[["service_id", "units_per_case"]].astype(str)
    digest.update(pd.util.hash_pandas_object(services, index=False).to_numpy().tobytes())
    digest.update("\n".join(sorted(package.districts["district_id"].astype(str))).encode())
    return digest.hexdigest()[:16]


def demand_key(city_name: str, version: str) -> str:
    """The fingerprint of the city's demand at a data version (once per version)."""
    return _store().cached(
        "demand_key",
        (city_name, version),
        lambda: fingerprint(_store().exact_package(city_name, version)),
    )


def folder() -> Path | None:
    """Where forecasts are stored (None: an in-memory database, kept in memory only)."""
    configured = os.environ.get("HAVEN_FORECAST_DIR")
    if configured:
        return Path(configured)
    database = _sqlite_file(get_settings().database_url)
    if database is not None:
        if not database or database == ":memory:":
            return None
        return Path(database).resolve().parent / "forecasts"
    return PROJECT_ROOT / "var" / "forecasts"


def _sqlite_file(url: str) -> str | None:
    """The database file of an SQLite URL (`sqlite:///var/haven.db` -> `var/haven.db`, ""
    for an in-memory one), None for another database. SQLAlchemy's own URL parser would
    load SQLAlchemy for the command line's `plan`, which does not otherwise use it."""
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0] != "sqlite":
        return None
    return rest.removeprefix("/").split("?")[0]


def _file_name(kind: str, city_name: str, key: str, params: tuple[Hashable, ...]) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", city_name).strip("_")[:40] or "city"
    city_hash = hashlib.sha256(city_name.encode()).hexdigest()[:6]
    tail = "-".join(re.sub(r"[^A-Za-z0-9.]+", "", str(p)) for p in params)
    return f"{slug}.{city_hash}-{key}-{kind}{'-' + tail if tail else ''}.pkl"


KEEP_VERSIONS = 3
"""Files kept per city, kind and params (the newest): older demand histories go."""


def _prune(path: Path) -> None:
    city, _, rest = path.name.partition("-")
    _key, _, kind_params = rest.partition("-")
    siblings = sorted(
        path.parent.glob(f"{city}-*-{kind_params}"),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in siblings[KEEP_VERSIONS:]:
        old.unlink(missing_ok=True)


def _from_disk(path: Path, make: Callable[[], T]) -> T:
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # type: ignore[no-any-return]
    except FileNotFoundError:
        pass
    except Exception:  # a truncated or outdated file: computed again and replaced
        log.warning("forecast store: %s unreadable, recomputed", path.name)
    value = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, path)
        _prune(path)
    except OSError as error:  # a read-only disk: still served from memory
        log.warning("forecast store: cannot write %s: %s", path, error)
    return value


def stored(
    kind: str,
    city_name: str,
    version: str,
    params: tuple[Hashable, ...],
    make: Callable[[], T],
) -> T:
    """`make()` once per (city, demand fingerprint, kind, params): from memory, else from
    disk, else computed and stored."""
    key = demand_key(city_name, version)
    where = folder()

    def load() -> T:
        if where is None:
            return make()
        return _from_disk(where / _file_name(kind, city_name, key, params), make)

    return _store().cached(f"stored:{kind}", (city_name, key, *params), load)


def by_version(
    kind: str,
    city_name: str,
    version: str,
    params: tuple[Hashable, ...],
    make: Callable[[], T],
) -> T:
    """Like `stored`, for what depends on capacity too (the status quo, the gap): keyed by
    the data version and the demand fingerprint, so that a restarted server reads it back
    instead of solving again; a write makes a new version."""
    key = demand_key(city_name, version)
    where = folder()
    tag = hashlib.sha256(version.encode()).hexdigest()[:12]

    def load() -> T:
        if where is None:
            return make()
        name = _file_name(kind, city_name, f"{key}.{tag}", params)
        return _from_disk(where / name, make)

    return _store().cached(f"by_version:{kind}", (city_name, version, *params), load)


def demand_params(scenario: Scenario) -> tuple[Hashable, ...]:
    """What a plan's stored demand depends on besides the data: the horizon, the quantile
    and the latent-demand factor (when not 1)."""
    factor = scenario.demand_factor
    params: tuple[Hashable, ...] = (scenario.horizon_months, scenario.demand_quantile)
    return params if factor == 1.0 else (*params, f"latent{factor:.12g}")


def package_demand(package: CityPackage, scenario: Scenario) -> pd.DataFrame:
    """The plan's demand for a package read from a folder or a zip (the command line's
    `plan`), stored on disk by the package's own fingerprint: a second plan on the same
    demand history reads it back (a fraction of a second) instead of forecasting again."""
    params = demand_params(scenario)
    where = folder()

    def make() -> pd.DataFrame:
        return horizon_demand(package, scenario)

    if where is None:
        return make()
    name = _file_name("horizon_demand", package.city.name, fingerprint(package), params)
    return _from_disk(where / name, make)


def by_version_ready(kind: str, city_name: str, version: str, params: tuple[Hashable, ...]) -> bool:
    """True when `by_version(kind, ...)` would answer without computing: in this process's
    memory or on disk."""
    if _store().peek(f"by_version:{kind}", (city_name, version, *params)):
        return True
    where = folder()
    if where is None:
        return False
    tag = hashlib.sha256(version.encode()).hexdigest()[:12]
    key = demand_key(city_name, version)
    return (where / _file_name(kind, city_name, f"{key}.{tag}", params)).exists()


def is_stored(city_name: str, version: str) -> bool:
    """True when the city's default outlook is on disk for this data version."""
    where = folder()
    if where is None:
        return False
    name = _file_name("outlook", city_name, demand_key(city_name, version), (DEFAULT_HORIZON,))
    return (where / name).exists()


# --- precomputing ---------------------------------------------------------------------------


STEPS = ("forecast", "status_quo", "pages", "audiences", "backtest", "saved_plans")
"""The steps of `precompute`, in order (codes: the ui says them in words)."""

SAVED_PLANS = 2
"""Saved scenarios solved again after a write: the first ones, what Compare shows first."""


@dataclass(frozen=True)
class Recomputing:
    """A city's data version being computed in the background: the step running (one of
    `STEPS`, or "queued"), how many steps are done, and for how many seconds."""

    version: str
    step: str
    done: int
    total: int
    seconds: float


_progress: dict[tuple[str, str], tuple[str, str, int, float]] = {}
"""(database URL, city) -> (data version, step, steps done, monotonic start)."""
_progress_lock = threading.Lock()


def _step(city_name: str, version: str, step: str) -> None:
    key = (_store().database_url(), city_name)
    with _progress_lock:
        started = _progress.get(key, (version, step, 0, time.monotonic()))[3]
        _progress[key] = (version, step, STEPS.index(step), started)


def progress(city_name: str, version: str) -> Recomputing | None:
    """What the background worker does for this city's data version (None: nothing, or
    another version), with the steps done so far."""
    key = (_store().database_url(), city_name)
    with _progress_lock:
        found = _progress.get(key)
        queued = key in _queued
    if found is not None and found[0] == version:
        _, step, done, started = found
        return Recomputing(version, step, done, len(STEPS), time.monotonic() - started)
    if queued:
        return Recomputing(version, "queued", 0, len(STEPS), 0.0)
    return None


def precompute(city_name: str) -> None:
    """What the pages of the city's current data version need, most urgent first: its
    outlook and forecast (stored per demand history, so reused after a capacity edit), the
    status quo (per data version: what the Overview's unmet need and the map's coverage
    read) as every audience may see it, what a first visitor's pages read, the backtest,
    and the first saved scenarios' plans (Compare)."""
    from service import city, plans
    from service.access import Actor
    from service.audience import AUDIENCE_NAMES, audience_named

    version = _store().data_version(city_name)
    try:
        _step(city_name, version, "forecast")
        city.outlook_exact(city_name, version)
        city.service_forecast_exact(city_name, version)
        _step(city_name, version, "status_quo")
        plans.status_quo_coverage_exact(city_name, version)
        _step(city_name, version, "pages")
        reader = Actor("system", "analyst")  # the one-user demo's role first
        read_for_visitors(city_name, reader)
        _step(city_name, version, "audiences")
        for name in AUDIENCE_NAMES:
            audience = audience_named(name, city_name=city_name)
            plans.status_quo_coverage_for(audience, city_name, version)
            if audience.aggregates:
                plans.status_quo_groups_for(audience, city_name, version)
        _step(city_name, version, "backtest")
        city.backtest_exact(city_name, version)
        _read(city_name)  # what is stored is read; saved plans may need solving: not waited for
        _step(city_name, version, "saved_plans")
        plans.solve_saved(reader, city_name, SAVED_PLANS)  # and Compare's first comparison
    finally:
        _read(city_name)  # also when a step failed: nobody waits for it any longer
        with _progress_lock:
            _progress.pop((_store().database_url(), city_name), None)


_precomputed = threading.Condition()
_done: set[tuple[str, str]] = set()


def _read(city_name: str) -> None:
    with _precomputed:
        _done.add((_store().database_url(), city_name))
        _precomputed.notify_all()


def wait_until_read(city_names: list[str], timeout_s: float) -> bool:
    """Wait until the worker has read these cities once (at the start: from the store, a
    second or two when everything is stored), all but the saved plans (solved again when the
    optimiser's code changed; in the worker's child process), at most `timeout_s`; True when
    it has. serve.py waits so before the server answers: the first visitor after a restart
    then waits for none of it."""
    url = _store().database_url()
    with _precomputed:
        return _precomputed.wait_for(
            lambda: all((url, name) in _done for name in city_names), timeout_s
        )


def read_for_visitors(city_name: str, reader: Actor) -> None:
    """What a first visitor's pages read, as `reader` sees it (the ui caches the same
    service calls): the Overview (its figures, groups, flow), the capacity map of the first
    service, the Demand page's city fan and forecast per resident."""
    from service import city, flow, groups, live

    city.visible_package(reader, city_name)
    city.overview(reader, city_name)
    groups.overview_groups(reader, city_name)
    flow.city_flow(reader, city_name)
    first = city.visible_package(reader, city_name).services["service_id"]
    city.capacity_map(reader, city_name, str(first.iloc[0]) if len(first) else None, ())
    city.demand_fan(reader, city_name)
    city.forecast_per_resident(reader, city_name)
    live.capacity_status(reader, city_name)
    live.quality(reader, city_name)
    live.hotline_trends(reader, city_name)


def refresh_all() -> None:
    """Precompute every city now, in this thread (the nightly one-liner)."""
    for name in _city_names():
        precompute(name)


def _city_names() -> list[str]:
    from models import repository

    with _store().session() as opened:
        return list(repository.list_cities(opened))


_queue: queue.Queue[tuple[str, str | None]] = queue.Queue()
_queued: set[tuple[str, str]] = set()
"""(database URL, city) waiting in the queue or being computed."""
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()
_started = False
_stop_watch = threading.Event()


def enabled() -> bool:
    """`HAVEN_PRECOMPUTE` (1/0); unset: on, except in a test process (pytest), where a
    background worker would race the tests' own databases and patches."""
    setting = os.environ.get("HAVEN_PRECOMPUTE")
    if setting is None:
        return "pytest" not in sys.modules
    return setting.strip().lower() not in {"0", "false", "no", "off"}


_background = threading.local()
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def in_background() -> bool:
    """True in the background worker's thread (and with `HAVEN_CHILD_SOLVES` not 0)."""
    setting = os.environ.get("HAVEN_CHILD_SOLVES", "1").strip().lower()
    return bool(getattr(_background, "active", False)) and setting not in {"0", "false", "no"}


def in_child(func: Callable[[A], T], arg: A) -> T:
    """`func(arg)` in the worker's child process (one, kept for the process's life, started
    by a forkserver: a forked copy of a process with running HiGHS or BLAS threads can
    hang). `func` is a module-level function; `arg` and the result pickle. When the child
    cannot run it (it died, or no process can be started here), in this thread instead."""
    global _pool
    pool = None
    try:
        with _pool_lock:
            if _pool is None:
                _pool = _new_pool()
            pool = _pool
        return pool.submit(func, arg).result()
    except (BrokenProcessPool, OSError) as error:
        log.warning("forecast store: the child process failed (%s); computed here", error)
        with _pool_lock:
            if pool is not None and _pool is pool:
                _pool = None
        return func(arg)


def _new_pool() -> ProcessPoolExecutor:
    """The child process, started now. A child prepares itself by importing the parent's
    `__main__` again, and in a serving process that is the page Streamlit ran last (it would
    run the page there): a plain module stands in while the child starts."""
    context = multiprocessing.get_context("forkserver")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        pool.submit(int).result()
    finally:
        if main is not None:
            sys.modules["__main__"] = main
    return pool


def _work() -> None:
    _background.active = True
    while True:
        city_name, url = _queue.get()
        try:
            if url is None or url == _store().database_url():
                precompute(city_name)
        except Exception:  # a background refresh never breaks a page: logged, tried on use
            log.exception("forecast store: precomputing %s failed", city_name)
        finally:
            with _progress_lock:
                _queued.discard((url or "", city_name))
            _queue.task_done()


def schedule(city_name: str) -> None:
    """Precompute the city in the background worker (one thread per process, in turn)."""
    global _worker
    if not enabled():
        return
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_work, name="haven-forecasts", daemon=True)
            _worker.start()
    url = _store().database_url()
    with _progress_lock:
        _queued.add((url, city_name))
    _queue.put((city_name, url))


def recompute_soon(city_name: str, version: str) -> bool:
    """A page found something of this data version missing: precompute the city in the
    background unless it is already queued. False when nothing runs in the background
    (`HAVEN_PRECOMPUTE=0`, tests): the page computes it itself, and waits."""
    if not enabled():
        return False
    with _progress_lock:
        queued = (_store().database_url(), city_name) in _queued
    if not queued:
        schedule(city_name)
    return True


def data_changed(city_name: str) -> None:
    """The hook of every write to a city's data (service.edits): precomputed in the
    background in a serving process (the app, once `warm_at_start` ran). A command-line
    import does not wait for it: the app computes it at its start or first use."""
    if _started:
        schedule(city_name)


def warm_at_start() -> list[str]:
    """Once per process: precompute every city in the background. The cities scheduled
    (none when it ran before, or nothing runs in the background)."""
    global _started
    with _worker_lock:
        if _started or not enabled():
            return []
        _started = True
    try:
        names = _city_names()
    except Exception:  # no database yet: nothing to warm
        return []
    for name in names:
        schedule(name)
    if watch_seconds() > 0:
        seen = {name: _store().data_version(name) for name in names}
        _stop_watch.clear()
        threading.Thread(target=_watch, args=(seen,), name="haven-watch", daemon=True).start()
    return names


def watch_seconds() -> float:
    """How often a serving process looks for data written by another process
    (`HAVEN_WATCH_SECONDS`, default 5; 0 turns the watch off)."""
    try:
        return max(0.0, float(os.environ.get("HAVEN_WATCH_SECONDS", "5")))
    except ValueError:
        return 5.0


def _watch(seen: dict[str, str]) -> None:
    """Writes from another process (the REST API's `make api`, the command line, a second
    app instance) reach this one's hook nowhere: every few seconds, read each city's data
    version (one small query per city) and precompute a city whose version moved, so that
    the next visitor finds its forecast and status quo ready instead of computing them."""
    interval = watch_seconds()
    while not _stop_watch.wait(interval):
        try:
            for name in _city_names():
                version = _store().data_version(name)
                if seen.get(name) != version:
                    schedule(name)
                seen[name] = version
        except Exception:  # a database briefly away: looked at again next time
            log.debug("forecast store: watch skipped a round", exc_info=True)


def stop_watching() -> None:
    """End the watch (tests: a watch must not outlive its database)."""
    _stop_watch.set()


def wait_idle(timeout_s: float = 120.0) -> bool:
    """Wait until the worker has nothing left (tests, benchmarks); True when idle."""
    done = threading.Event()

    def join() -> None:
        _queue.join()
        done.set()

    threading.Thread(target=join, daemon=True).start()
    return done.wait(timeout_s)
