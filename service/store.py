"""Storage behind the service layer: the engine, sessions, and the exact data's caches.

- `session(url=None)`: a transaction on the configured database (`DATABASE_URL`), migrated
  to the latest schema the first time the process uses that URL.
- `exact_package(city)`: the city's exact package, read once per data version.
- `cached(kind, key, make)`: a small in-process cache (bounded, least recently used first
  out) of what is computed from exact data: solved plans, forecasts, the suppressed history.

Caching here is the reasoned exception to the house style (st.cache only in ui/): the exact
package and a plan solved on it must never leave service/ for a reader who may not see
them, so their cache cannot live in ui/. ui/ still caches what the service returns for an
audience, keyed by (city, data version, audience). Keys hold the database URL and the city's
data version, which every write bumps: a write makes what it staled unreachable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from models import repository
from models.db import get_engine, session_scope, upgrade_database
from planner.package import CityPackage
from planner.settings import get_settings

T = TypeVar("T")

_migrated: dict[str, Engine] = {}
_migrate_lock = threading.Lock()
_cache: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
_cache_lock = threading.Lock()
_key_locks: dict[tuple[Hashable, ...], threading.Lock] = {}

CACHE_ENTRIES = 96
"""At most this many computed values are kept (plans, packages, forecasts, histories, the
Demand page's city fans and per-resident tables)."""


def database_url() -> str:
    return get_settings().database_url


def engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: the configured one), migrated once per process."""
    url = url or database_url()
    db = get_engine(url)
    with _migrate_lock:
        if _migrated.get(url) is not db:
            upgrade_database(db)
            _migrated[url] = db
    return db


@contextmanager
def session(url: str | None = None) -> Iterator[Session]:
    """One transaction: commits when the block ends, rolls back if it raises."""
    with session_scope(engine(url)) as opened:
        yield opened


def data_version(city_name: str) -> str:
    """The city's data version, read fresh (raises `UnknownCity`)."""
    with session() as opened:
        return repository.data_version(opened, city_name=city_name)


def cached(kind: str, key: tuple[Hashable, ...], make: Callable[[], T]) -> T:
    """`make()` once per (database URL, kind, key) while it stays among the recent entries.

    Two sessions asking for the same key at once wait for one computation.
    """
    full = (database_url(), kind, *key)
    with _cache_lock:
        if full in _cache:
            _cache.move_to_end(full)
            return _cache[full]  # type: ignore[no-any-return]
        lock = _key_locks.setdefault(full, threading.Lock())
    with lock:
        with _cache_lock:
            if full in _cache:
                _cache.move_to_end(full)
                return _cache[full]  # type: ignore[no-any-return]
        value = make()
        with _cache_lock:
            _cache[full] = value
            while len(_cache) > CACHE_ENTRIES:
                _cache.popitem(last=False)
            _key_locks.pop(full, None)
        return value


def peek(kind: str, key: tuple[Hashable, ...]) -> bool:
    """True when `cached(kind, key, ...)` holds a value now (nothing is computed)."""
    with _cache_lock:
        return (database_url(), kind, *key) in _cache


def clear() -> None:
    """Forget every cached value (tests)."""
    with _cache_lock:
        _cache.clear()


def exact_package(city_name: str, version: str | None = None) -> CityPackage:
    """The city's exact package at `version` (default: the current one). Service only."""
    version = version or data_version(city_name)

    def load() -> CityPackage:
        with session() as opened:
            return repository.load_package(opened, city_name)

    return cached("package", (city_name, version), load)
