"""Cached access to the database for the pages. The only place the app caches data.

Caches are keyed by the city's data version (it changes with every write), so a write
makes what it staled unreachable without clearing anything by hand. Spinner texts are
shown by the public functions with `st.spinner(t(...))`, not given to the decorators, which
fix them at import in one language; a cache hit returns before the spinner's delay.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st
from pandas import DataFrame
from sqlalchemy.engine import Engine

from models import repository, scenarios
from models.db import get_engine, session_scope, upgrade_database
from planner.demand import demand_note, horizon_demand
from planner.demand_view import DemandOutlook, demand_outlook, model_backtest
from planner.forecast import BacktestResult
from planner.geo import display_geometry
from planner.i18n import get_language, t
from planner.optimiser import Plan, solve
from planner.overview import service_outlook
from planner.package import CityPackage
from planner.scenario import Scenario
from planner.settings import get_settings
from service.access import Actor, disclose_package, save_scenario_as


@st.cache_resource(show_spinner=False)
def _migrated_engine(url: str) -> Engine:
    db = get_engine(url)
    upgrade_database(db)
    return db


def engine() -> Engine:
    """The app's engine for the configured database, migrated once per process."""
    return _migrated_engine(get_settings().database_url)


def city_names() -> list[str]:
    with session_scope(engine()) as session:
        return repository.list_cities(session)


def data_version(city_name: str) -> str:
    with session_scope(engine()) as session:
        return repository.data_version(session, city_name=city_name)


@st.cache_resource(show_spinner=False, max_entries=4)
def _package(url: str, city_name: str, version: str) -> CityPackage:
    del version  # part of the cache key only
    with session_scope(_migrated_engine(url)) as session:
        return repository.load_package(session, city_name)


def city_package(city_name: str) -> CityPackage:
    """The city's exact data, read once per data version and shared by every session.

    For planning only: what a page shows comes from `visible_package`.
    """
    with st.spinner(t("Loading the city…")):
        return _package(get_settings().database_url, city_name, data_version(city_name))


@st.cache_resource(show_spinner=False, max_entries=16)
def _visible(url: str, city_name: str, version: str, actor: Actor) -> CityPackage:
    disclosed = disclose_package(_package(url, city_name, version), actor)
    return replace(disclosed, districts=display_geometry(disclosed.districts))


def visible_package(city_name: str, actor: Actor) -> CityPackage:
    """The city's data as this user may see it: small counts and confidential locations
    taken out for the roles that may not see them (service.access.disclose_package), and
    the districts simplified for drawing (planner.geo.display_geometry). For showing only."""
    with st.spinner(t("Loading the city…")):
        return _visible(get_settings().database_url, city_name, data_version(city_name), actor)


@st.cache_resource(show_spinner=False, max_entries=8)
def _demand(url: str, city_name: str, version: str, horizon: int, quantile: float) -> DataFrame:
    package = _package(url, city_name, version)
    return horizon_demand(
        package, Scenario(name="demand", horizon_months=horizon, demand_quantile=quantile)
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _plan(url: str, city_name: str, version: str, scenario_json: str, language: str) -> Plan:
    """Demand is cached apart from the plan: scenarios that differ only in money or weights
    share one forecast. A plan's messages are written in the language of the session that
    solved it, hence the language in the key."""
    del language  # part of the cache key only: the solve writes in the current language
    package = _package(url, city_name, version)
    scenario = Scenario.model_validate_json(scenario_json)
    demand = _demand(url, city_name, version, scenario.horizon_months, scenario.demand_quantile)
    plan = solve(package, scenario, demand=demand)
    return replace(plan, notes=(demand_note(package, scenario), *plan.notes))


def run_plan(city_name: str, scenario: Scenario) -> Plan:
    """The plan for this city and scenario, solved once per data version and scenario."""
    url = get_settings().database_url
    version = data_version(city_name)
    return _plan(url, city_name, version, scenario.model_dump_json(), get_language())


def save_scenario(city_name: str, scenario: Scenario, note: str, plan: Plan, actor: Actor) -> int:
    """Save the scenario under its name, as the actor (audited), with its plan's summary."""
    with session_scope(engine()) as session:
        scenario_id = save_scenario_as(
            actor,
            session,
            city_name=city_name,
            name=scenario.name,
            note=note,
            parameters=scenario.to_dict(),
        )
        scenarios.save_plan_run(
            session,
            city_name=city_name,
            scenario_id=scenario_id,
            parameters=scenario.to_dict(),
            status=plan.status,
            summary=plan.summary(),
            solver=plan.solver,
            wall_time_s=float(plan.times.get("total", 0.0)),
        )
        return scenario_id


def status_quo_plan(city_name: str) -> Plan:
    """Today's capacity assigned as well as it can be, with no new money."""
    return run_plan(city_name, Scenario(name="Status quo", budget=0.0))


@st.cache_resource(show_spinner=False, max_entries=4)
def _outlook(url: str, city_name: str, version: str, horizon_months: int) -> DemandOutlook:
    return demand_outlook(_package(url, city_name, version), horizon_months)


def outlook(city_name: str, horizon_months: int = 12) -> DemandOutlook:
    """Forecasts and sample paths of the city's demand, once per data version."""
    url = get_settings().database_url
    with st.spinner(t("Forecasting every district and service…")):
        return _outlook(url, city_name, data_version(city_name), horizon_months)


@st.cache_resource(show_spinner=False, max_entries=4)
def _service_forecast(url: str, city_name: str, version: str, horizon_months: int) -> DataFrame:
    outlook = _outlook(url, city_name, version, horizon_months)
    return service_outlook(_package(url, city_name, version), outlook.paths)


def service_forecast(city_name: str, horizon_months: int = 12) -> DataFrame:
    """The city's forecast demand per service and month, in units, with the gap to today's
    capacity (planner.overview.service_outlook), once per data version."""
    url = get_settings().database_url
    with st.spinner(t("Forecasting every district and service…")):
        return _service_forecast(url, city_name, data_version(city_name), horizon_months)


@st.cache_resource(show_spinner=False, max_entries=4)
def _backtest(url: str, city_name: str, version: str) -> BacktestResult:
    return model_backtest(_package(url, city_name, version))


def backtest(city_name: str) -> BacktestResult:
    """How each forecasting model did on the city's own history, once per data version."""
    url = get_settings().database_url
    with st.spinner(t("Backtesting the models…")):
        return _backtest(url, city_name, data_version(city_name))
