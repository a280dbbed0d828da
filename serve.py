"""Haven served warm: `streamlit run serve.py` (the same app as `streamlit run app.py`).

Streamlit runs app.py for each visitor; its first run in a fresh process imports every
library the pages use (pandas, SQLAlchemy, Altair, geopandas, the planner: 3 to 5 s on two
cores) and reads the city, so the first visitor after a restart would wait for the process,
not for their page. Here the app is served through Streamlit's `st.App`, whose lifespan
runs before the server answers its first request: it imports what the pages import,
migrates the database and starts the background worker (service/forecasts.py), which reads
each city's stored forecasts and status quo, what a first visitor's pages read, every
audience's figures and the backtest, then the saved plans. The server answers once all but
the saved plans are read (a second or two from the store; at most HAVEN_WARM_WAIT_SECONDS; a
city with nothing stored yet is not waited for: the worker computes it in the background and
its pages show the progress). Nothing is solved or forecast here that the store already
holds, and a page opened meanwhile waits for the same computation instead of starting its
own. Everything else (pages, login, cookies) is app.py's.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import streamlit as st

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent

WARM_MODULES = (
    "pandas",
    "pyarrow",
    "altair",
    "planner.hidden",  # scipy, for the Demand page's hidden-population estimate
    "planner.optimiser",
    *sorted(f"service.{p.stem}" for p in (ROOT / "service").glob("*.py") if p.stem != "__init__"),
    *sorted(f"ui.{p.stem}" for p in (ROOT / "ui").glob("*.py") if p.stem != "__init__"),
)
"""What the pages import: every module of ui/ and service/ and the libraries they load on
first use (a module missing here is imported by its first page instead)."""


def warm() -> None:
    """Import the pages' libraries and migrate the database; then, in the background, read
    every city's stored forecasts and status quo and what a first visitor's pages read
    (`service.forecasts.warm_at_start`: the worker's precompute, most urgent first)."""
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # imported again, and reported, by the page that needs it
            log.exception("warm start: importing %s failed", name)
    from service import forecasts, store

    try:
        store.engine()
    except Exception:  # no database yet: the first page says so
        log.exception("warm start: the database is not ready")
        return
    names = forecasts.warm_at_start()
    # Read from the store (a second or two) before the server answers: a first visitor's
    # page then computes nothing and shares the process with no background work. Only for
    # cities whose forecast and status quo are stored: a new city's are computed in the
    # background, its pages showing the progress.
    stored = [name for name in names if _stored(name)]
    if stored and not forecasts.wait_until_read(stored, warm_wait_seconds()):
        log.warning("warm start: the stored figures were not read within the wait")


def _stored(city_name: str) -> bool:
    from service import forecasts, plans, store

    try:
        version = store.data_version(city_name)
        return forecasts.is_stored(city_name, version) and plans.status_quo_ready(
            city_name, version
        )
    except Exception:  # the worker reports it
        return False


def warm_wait_seconds() -> float:
    """How long the start waits at most for the pages' figures (`HAVEN_WARM_WAIT_SECONDS`,
    default 10; 0: not at all)."""
    try:
        return max(0.0, float(os.environ.get("HAVEN_WARM_WAIT_SECONDS", "10")))
    except ValueError:
        return 10.0


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    warm()
    yield


app = st.App("app.py", lifespan=lifespan)
