"""Warm starts: the LP relaxation of a plan starts from the optimal basis of an earlier plan
of the same data.

Plans of one city differ mostly in money (a form edited, Compare's scenarios, a sweep's
budgets, the command line run again). Their relaxations have the same rows and columns; only
the budget rows' bounds differ, so the basis that was optimal for one is a few hundred
simplex iterations from optimal for the next. On the demo city the relaxation takes 21,000
iterations (about 2 s) from scratch, 2,000 (0.3 to 0.5 s) from the basis of a budget 20 %
lower or 50 % higher, and none from the basis of the same scenario.

A basis is kept per `key`: a fingerprint of everything the model is built from except the
money (`data_key`, also the status quo's key), with the model's size. It only says where
the simplex starts: any basis of the right size is a valid start, and the optimum reached
from it is the optimum (in a degenerate LP another optimal vertex of the same objective may
be reached than from scratch). The newest `KEPT` are kept per process; a `BasisStore`
(service.statusquo keeps them on disk) carries them across processes.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields, is_dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from planner.optimise.inputs import ModelInputs

KEPT = 8
"""Bases kept per process (the newest used)."""


@dataclass(frozen=True, eq=False)
class Basis:
    """HiGHS's basis status of every column and row (HighsBasisStatus values)."""

    columns: np.ndarray  # int8
    rows: np.ndarray  # int8

    def fits(self, n_columns: int, n_rows: int) -> bool:
        return len(self.columns) == n_columns and len(self.rows) == n_rows


class BasisStore(Protocol):
    """Where bases outlive the process: `get(key)` the kept one or None, `put(key, basis)`."""

    def get(self, key: str) -> Basis | None: ...

    def put(self, key: str, basis: Basis) -> None: ...


#: ModelInputs fields that are money, names or the plan's own notes: plans that differ only in
#: these have the same status quo, and bases that suit each other.
NOT_DATA = frozenset({"funder_names", "funder_budget", "total_budget", "eligible", "notes"})


def data_key(inputs: ModelInputs) -> str:
    """A fingerprint of what a model is built from, money and names aside (`NOT_DATA`): by
    content, so that the same data read in another process (or a frame read back from disk)
    gives the same key."""
    digest = hashlib.sha256()
    for item in fields(inputs):
        if item.name not in NOT_DATA:
            digest.update(item.name.encode())
            _feed(digest, getattr(inputs, item.name))
    return digest.hexdigest()


def _feed(digest: Any, value: object) -> None:
    """Add `value` to `digest` by content (frames by their cells, index and dtypes)."""
    if isinstance(value, pd.DataFrame | pd.Series):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
        digest.update(repr(frame.index.names).encode())
        if len(frame):
            hashed = pd.util.hash_pandas_object(frame, index=True)
            digest.update(hashed.to_numpy().tobytes())
    elif is_dataclass(value) and not isinstance(value, type):
        digest.update(type(value).__name__.encode())
        for item in fields(value):
            digest.update(item.name.encode())
            _feed(digest, getattr(value, item.name))
    elif isinstance(value, dict):
        digest.update(b"{")
        for key in sorted(value, key=repr):
            digest.update(repr(key).encode())
            _feed(digest, value[key])
        digest.update(b"}")
    elif isinstance(value, list | tuple):
        digest.update(b"(")
        for element in value:
            _feed(digest, element)
        digest.update(b")")
    else:
        digest.update(repr(value).encode())


_kept: OrderedDict[str, Basis] = OrderedDict()
_lock = threading.Lock()


def kept_basis(key: str, store: BasisStore | None = None) -> Basis | None:
    """The basis kept for `key`: in the process, else in `store`."""
    with _lock:
        basis = _kept.get(key)
        if basis is not None:
            _kept.move_to_end(key)
            return basis
    basis = store.get(key) if store is not None else None
    if basis is not None:
        _remember(key, basis)
    return basis


def keep_basis(key: str, basis: Basis, store: BasisStore | None = None) -> None:
    """Keep `basis` for `key` in the process and in `store`."""
    _remember(key, basis)
    if store is not None:
        store.put(key, basis)


def _remember(key: str, basis: Basis) -> None:
    with _lock:
        _kept[key] = basis
        _kept.move_to_end(key)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)


def forget_all() -> None:
    """Empty the process's bases (tests that compare a first solve with a second)."""
    with _lock:
        _kept.clear()


__all__ = [
    "KEPT",
    "NOT_DATA",
    "Basis",
    "BasisStore",
    "data_key",
    "forget_all",
    "keep_basis",
    "kept_basis",
]
