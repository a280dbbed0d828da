"""Status quo solves and warm-start bases kept on disk, so that a plan does not solve today's
capacity again, and starts its relaxation where the last plan of the same data ended.

A plan with referral pathways or held services (planner.optimise.pathways) first solves the
status quo of its city: today's capacity, no new money. It depends on the data, the demand
and the floors, never on the money, so every plan of the same data (the command line run
again, a restarted server, a budget sweep's workers) would solve the same LP again: on the
demo city that is a third of a plan. `DiskStatusQuo` keeps each solve as one pickle named
by its key (planner.optimise.pathways fingerprints the model's inputs; the model's own
source is added here, so a change of the model code solves again), beside the stored
forecasts (`service.forecasts.folder()`), written atomically and the newest
`KEEP_FILES` kept.

`DiskBases` keeps the relaxations' optimal bases the same way (planner.optimise.warm: the
next plan of the same data, whatever its money, starts from one: on the demo city 0.3 to
0.5 s instead of 2 s), under `bases/`.

A file is the app's own output, never uploaded; an unreadable one is solved again and
replaced.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner.optimise.warm import Basis
from service import forecasts

log = logging.getLogger(__name__)

KEEP_FILES = 16
"""Status quo files kept (the newest): a few cities, demand bases and floors each."""

SUBFOLDER = "status_quo"
BASES_SUBFOLDER = "bases"


def _code_fingerprint() -> str:
    """The model's source (planner/optimise/*.py): a status quo is solved again after it
    changes."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parents[1] / "planner" / "optimise"
    for path in sorted(here.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


_CODE = _code_fingerprint()


@dataclass(frozen=True)
class DiskStatusQuo:
    """A `planner.optimise.pathways.StatusQuoStore` on disk under `where` (picklable, so a
    sweep's worker processes may carry it)."""

    where: Path

    def __call__(self, key: str, solve: Callable[[], pd.DataFrame | None]) -> pd.DataFrame | None:
        path = self.where / f"{hashlib.sha256((_CODE + key).encode()).hexdigest()[:32]}.pkl"
        try:
            with path.open("rb") as handle:
                kept = pickle.load(handle)
            if isinstance(kept, pd.DataFrame):
                os.utime(path)  # the newest used are kept
                return kept
        except FileNotFoundError:
            pass
        except Exception:  # a truncated or outdated file: solved again and replaced
            log.warning("status quo store: %s unreadable, solved again", path.name)
        solved = solve()
        if solved is not None:
            _write(path, solved)
        return solved


@dataclass(frozen=True)
class DiskBases:
    """A `planner.optimise.warm.BasisStore` on disk under `where` (one .npz per key)."""

    where: Path

    def _path(self, key: str) -> Path:
        return self.where / f"{hashlib.sha256((_CODE + key).encode()).hexdigest()[:32]}.npz"

    def get(self, key: str) -> Basis | None:
        path = self._path(key)
        try:
            with np.load(path) as kept:
                basis = Basis(kept["columns"].astype(np.int8), kept["rows"].astype(np.int8))
            os.utime(path)
            return basis
        except FileNotFoundError:
            return None
        except Exception:  # a damaged file: a cold start, and the next basis replaces it
            log.warning("basis store: %s unreadable", path.name)
            return None

    def put(self, key: str, basis: Basis) -> None:
        _write(self._path(key), basis)


def _write(path: Path, value: pd.DataFrame | Basis) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
            if isinstance(value, Basis):
                np.savez(out, columns=value.columns, rows=value.rows)
            else:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, path)
        kept = sorted(
            path.parent.glob(f"*{path.suffix}"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for old in kept[KEEP_FILES:]:
            old.unlink(missing_ok=True)
    except OSError as error:  # a read-only disk: kept in the process only
        log.warning("status quo store: cannot write %s: %s", path, error)


def disk_store() -> DiskStatusQuo | None:
    """The store beside the forecasts (None for an in-memory database: the process's own
    memo only)."""
    where = forecasts.folder()
    return None if where is None else DiskStatusQuo(where / SUBFOLDER)


def basis_store() -> DiskBases | None:
    """The bases' store beside the forecasts (None for an in-memory database)."""
    where = forecasts.folder()
    return None if where is None else DiskBases(where / BASES_SUBFOLDER)


__all__ = ["KEEP_FILES", "DiskBases", "DiskStatusQuo", "basis_store", "disk_store"]
