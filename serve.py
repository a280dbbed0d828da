"""Haven served warm: `streamlit run serve.py` (the same app as `streamlit run app.py`).

Streamlit runs app.py for each visitor; its first run in a fresh process imports every
library the pages use (pandas, SQLAlchemy, Altair, geopandas, the planner: 3 to 5 s on two
cores) and reads the city from the database, so the first visitor after a restart waits for
the process, not for their page. Here the app is served through Streamlit's `st.App`, whose
lifespan runs before the server answers its first request: it imports what the pages
import and migrates the database, then starts reading each city's stored forecasts, status
quo and the pages' figures in the background (service/forecasts.py precomputes; nothing is
solved or forecast here that the store already holds; a page opened meanwhile waits for the
same computation instead of starting its own). The server is ready a few seconds
later than with `streamlit run app.py`; a visitor's first page is then as quick as a warm
one plus its own reads. Everything else (pages, login, cookies) is app.py's.
"""

from __future__ import annotations

import importlib
import logging
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
    forecasts.warm_at_start()


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    warm()
    yield


app = st.App("app.py", lifespan=lifespan)
