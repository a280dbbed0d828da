"""Cached access to the database for the pages. The only place the app caches data.

Caches are keyed by the city's data version (it changes with every write), so a write
makes what it staled unreachable without clearing anything by hand.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from models import repository
from models.db import get_engine, session_scope, upgrade_database
from planner.package import CityPackage
from planner.settings import get_settings


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """The app's engine, migrated to the latest schema once per process."""
    db = get_engine(get_settings().database_url)
    upgrade_database(db)
    return db


def city_names() -> list[str]:
    with session_scope(engine()) as session:
        return repository.list_cities(session)


def data_version(city_name: str) -> str:
    with session_scope(engine()) as session:
        return repository.data_version(session, city_name=city_name)


@st.cache_resource(show_spinner="Loading the city…", max_entries=4)
def _package(city_name: str, version: str) -> CityPackage:
    del version  # part of the cache key only
    with session_scope(engine()) as session:
        return repository.load_package(session, city_name)


def city_package(city_name: str) -> CityPackage:
    """The city's data, read once per data version and shared by every session."""
    return _package(city_name, data_version(city_name))
