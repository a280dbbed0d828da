"""Haven served warm: `streamlit run serve.py` (the same app as `streamlit run app.py`).

Streamlit runs app.py for each visitor; its first run in a fresh process imports every
library the pages use (pandas, SQLAlchemy, Altair, geopandas, the planner: 3 to 5 s on two
cores) and reads the city from the database, so the first visitor after a restart waits for
the process, not for their page. Here the app is served through Streamlit's `st.App`, whose
lifespan runs before the server answers its first request: it imports what the pages
import and migrates the database, then starts reading each city's stored forecasts and the
city as an analyst sees it in the background (service/forecasts.py precomputes; nothing is
solved or forecast here that the store already holds). The server is ready a few seconds
later than with `streamlit run app.py`; a visitor's first page is then as quick as a warm
one plus its own reads. Everything else (pages, login, cookies) is app.py's.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import streamlit as st

log = logging.getLogger(__name__)

WARM_MODULES = (
    "pandas",
    "pyarrow",
    "altair",
    "service.access",
    "service.city",
    "service.plans",
    "ui.auth",
    "ui.charts",
    "ui.chart_locale",
    "ui.compare_charts",
    "ui.compare_view",
    "ui.data",
    "ui.data_view",
    "ui.layout",
    "ui.navigation",
    "ui.plan_form",
    "ui.plan_view",
    "ui.sweep_view",
)
"""What the pages import (a module missing here is imported by its first page instead)."""


def _read_cities() -> None:
    """Each city's figures as an analyst reads them (the one-user demo's role): the package,
    the published history and the Overview's tables, from the forecast store."""
    from service import city
    from service.access import Actor

    reader = Actor("system", "analyst")
    try:
        for name in city.cities_for(reader):
            city.overview(reader, name)
    except Exception:  # a page computes it on first use instead; never breaks the server
        log.exception("warm start: reading the cities failed")


def warm() -> None:
    """Import the pages' libraries and migrate the database; read the cities in the
    background (`service.forecasts.warm_at_start` and `_read_cities`)."""
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
    threading.Thread(target=_read_cities, name="haven-warm", daemon=True).start()


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    warm()
    yield


app = st.App("app.py", lifespan=lifespan)
