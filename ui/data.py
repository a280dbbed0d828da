"""What the pages read, through the service layer, cached per audience.

Every function takes the acting user and returns what its audience may see: the service
layer (service/city.py, service/plans.py) checks the role and the city, filters for the
audience and caches what it computes from exact data (service/store.py). The caches here
hold only audience-filtered values, keyed by (city, data version, audience): every write
bumps the data version, so a write makes what it staled unreachable. Spinner texts are
shown with `st.spinner(t(...))`, not given to the decorators, which fix them at import in
one language.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from planner.forecast import BacktestResult
from planner.i18n import get_language, t
from planner.optimiser import Plan
from planner.package import CityPackage
from planner.scenario import Scenario
from service import city as city_service
from service import plans as plan_service
from service.access import Actor
from service.audience import audience_for
from service.city import CapacityMap, Overview
from service.published import PublishedHistory


def city_names(actor: Actor | None) -> list[str]:
    """The cities this user may pick (a partner: its own)."""
    return city_service.cities_for(actor)


def data_version(city_name: str, actor: Actor) -> str:
    return city_service.data_version(actor, city_name)


def _key(city_name: str, actor: Actor) -> tuple[str, str, str]:
    return (city_name, data_version(city_name, actor), audience_for(actor).key)


@st.cache_resource(show_spinner=False, max_entries=16)
def _visible(key: tuple[str, str, str], _actor: Actor) -> CityPackage:
    return city_service.visible_package(_actor, key[0])


def visible_package(city_name: str, actor: Actor) -> CityPackage:
    """The city's data as this user may see it (service.city.visible_package), with the
    districts simplified for drawing. For showing only."""
    with st.spinner(t("Loading the city…")):
        return _visible(_key(city_name, actor), actor)


def published_history(city_name: str, actor: Actor) -> PublishedHistory:
    """The demand history as this user may read it (one suppression per audience)."""
    return city_service.published_history(actor, city_name)


def city_totals(city_name: str, actor: Actor) -> pd.DataFrame:
    return city_service.city_totals(actor, city_name)


@st.cache_resource(show_spinner=False, max_entries=8)
def _overview(key: tuple[str, str, str], _actor: Actor) -> Overview:
    return city_service.overview(_actor, key[0])


def overview(city_name: str, actor: Actor, *, ready: bool = True) -> Overview:
    """The Overview's figures. `ready=False` (the status quo of this data version is being
    solved in the background: ui.recompute_view): without waiting, `unmet` None, and not
    kept (the next run, once it is ready, reads the whole)."""
    if not ready:
        return city_service.overview(actor, city_name, wait=False)
    with st.spinner(t("Forecasting every district and service…")):
        return _overview(_key(city_name, actor), actor)


def capacity_map(
    city_name: str,
    actor: Actor,
    service_id: str | None,
    kinds: tuple[str, ...],
    *,
    ready: bool = True,
) -> CapacityMap:
    """`ready=False`: the coverage NaN (`coverage_pending`) instead of waiting for it."""
    with st.spinner(t("Loading the city…")):
        return city_service.capacity_map(actor, city_name, service_id, kinds, wait=ready)


def demand_fan(
    city_name: str, actor: Actor, district_id: str | None, service_id: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    with st.spinner(t("Forecasting every district and service…")):
        return city_service.demand_fan(actor, city_name, district_id, service_id)


def forecast_per_resident(city_name: str, actor: Actor, service_id: str | None) -> pd.DataFrame:
    return city_service.forecast_per_resident(actor, city_name, service_id)


def backtest(city_name: str, actor: Actor) -> BacktestResult:
    """How each forecasting model did on the city's own history, once per data version."""
    with st.spinner(t("Backtesting the models…")):
        return city_service.backtest(actor, city_name)


def run_plan(city_name: str, scenario: Scenario, actor: Actor) -> Plan:
    """The plan as this user may see it, solved once per data version and scenario."""
    return plan_service.run_plan(actor, city_name, scenario)


def status_quo_plan(city_name: str, actor: Actor) -> Plan:
    """Today's capacity assigned as well as it can be, with no new money."""
    return plan_service.status_quo_plan(actor, city_name)


def save_scenario(city_name: str, scenario: Scenario, note: str, actor: Actor) -> int:
    """Save the scenario under its name, as the actor (audited), with its plan's summary."""
    return plan_service.save_scenario(actor, city_name, scenario, note)


def language() -> str:
    return get_language()
