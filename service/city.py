"""Reading a city, for one actor: every figure and name a page shows comes from here.

Each function takes the actor, checks its role and its city (a partner reads its own city
only), reads through `service.store` and returns what the actor's audience may see
(`service.audience`). Counts of cases come from ONE suppression of the history per audience
(`published_history`), so that no two pages can be combined to recover a hidden count.

API (names kept stable; tests attack them):
- `cities_for(actor) -> list[str]`, `require_city(actor, city)`,
  `data_version(actor, city) -> str`;
- `published_history(actor, city) -> PublishedHistory`;
- `visible_package(actor, city) -> CityPackage` (disclosed, outlines simplified for maps);
- `city_totals(actor, city) -> DataFrame` (the public's table: per service capacity,
  occupied and cases of the last 12 months as text, and a Total row);
- `overview(actor, city) -> Overview`;
- `capacity_map(actor, city, service_id, kinds) -> CapacityMap`;
- `demand_fan(actor, city, district_id, service_id) -> (history, forecast)`,
  `forecast_per_resident(actor, city, service_id) -> DataFrame`,
  `backtest(actor, city) -> BacktestResult`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from models import repository
from planner import overview as domain
from planner.demand_view import DemandOutlook, demand_outlook, fan, model_backtest
from planner.demand_view import forecast_per_resident as per_resident
from planner.forecast import BacktestResult
from planner.geo import display_geometry
from planner.i18n import N_, t
from planner.overview import service_outlook
from planner.package import CityPackage
from service import forecasts, store
from service.access import AccessDenied, Action, Actor, require
from service.audience import Audience, audience_for
from service.published import (
    PublishedHistory,
    disclosed_package,
    for_audience,
    publish_history,
)

FORECAST_MONTHS = 12


# --- cities ---------------------------------------------------------------------------------


def cities_for(actor: Actor | None) -> list[str]:
    """The cities the actor may pick: a partner its own; every other role all of them."""
    if actor is None:
        return []
    forecasts.warm_at_start()
    with store.session() as opened:
        names = repository.list_cities(opened)
    if actor.role == "partner":
        return [name for name in names if name == actor.city]
    return names


def require_city(actor: Actor, city_name: str) -> None:
    """Refuse a city the actor may not read (`AccessDenied`)."""
    if actor.role == "partner" and actor.city != city_name:
        raise AccessDenied(
            t(
                "{user} (partner) may see only the city {city}",
                user=repr(actor.username),
                city=repr(actor.city),
            )
        )


def data_version(actor: Actor, city_name: str) -> str:
    """The city's data version (changes with every write): the key of every cache."""
    require(actor, Action.VIEW_MAP, N_("see the city"))
    require_city(actor, city_name)
    return store.data_version(city_name)


def recomputing(actor: Actor, city_name: str) -> forecasts.Recomputing | None:
    """What of the city's current data version is still being computed in the background
    (after a write: the status quo, which the Overview's unmet need and the map's coverage
    read), or None when it is ready or nothing computes in the background (a page then
    computes it itself and waits). A page given a `Recomputing` shows the rest and says so,
    instead of showing the figures of an older version as current."""
    require(actor, Action.VIEW_MAP, N_("see the city"))
    require_city(actor, city_name)
    version = store.data_version(city_name)
    from service import plans

    if plans.status_quo_ready(city_name, version):
        return None
    if not forecasts.recompute_soon(city_name, version):
        return None
    steps = len(forecasts.STEPS)
    return forecasts.progress(city_name, version) or forecasts.Recomputing(
        version, "queued", 0, steps, 0.0
    )


def database_is_empty() -> bool:
    """True when no city is loaded yet (says nothing about any city)."""
    with store.session() as opened:
        return repository.database_is_empty(opened)


# --- the published history and the visible package ------------------------------------------


def _history(city_name: str, version: str, k: int) -> PublishedHistory:
    """The demand history published at threshold k, once per demand history (a capacity
    edit keeps it: it reads demand only)."""
    return store.cached(
        "history",
        (city_name, forecasts.demand_key(city_name, version), k),
        lambda: publish_history(store.exact_package(city_name, version), k),
    )


def _checked(actor: Actor, city_name: str, action: Action, what: str) -> tuple[Audience, str]:
    require(actor, action, what)
    require_city(actor, city_name)
    return audience_for(actor, city_name=city_name), store.data_version(city_name)


def published_history(actor: Actor, city_name: str) -> PublishedHistory:
    """The city's demand history as the actor may read it: the one suppression of every
    count of cases its audience can reach (`service.published`)."""
    audience, version = _checked(actor, city_name, Action.VIEW_CITY_TOTALS, N_("see counts"))
    return for_audience(_history(city_name, version, audience.k), audience)


def visible_package(actor: Actor, city_name: str) -> CityPackage:
    """The city's data as the actor may see it, with outlines simplified for drawing:
    confidential agencies masked and placed at their district's point, demand counts as
    published, no demand at all for the public. Exact for admins and analysts."""
    audience, version = _checked(actor, city_name, Action.VIEW_MAP, N_("see the city"))
    return _visible(city_name, version, audience)


def _visible(city_name: str, version: str, audience: Audience) -> CityPackage:
    def make() -> CityPackage:
        package = store.exact_package(city_name, version)
        history = None if audience.exact_counts else _history(city_name, version, audience.k)
        disclosed = disclosed_package(package, audience, history)
        return dataclasses.replace(disclosed, districts=_for_display(disclosed.districts))

    return store.cached("visible", (city_name, version, audience.key), make)


def _for_display(districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """`planner.geo.display_geometry`, the simplified outlines computed once per set of
    outlines (a capacity edit or another audience reuses them: SPEED)."""
    if districts.empty:
        return display_geometry(districts)
    digest = hashlib.sha256(str(districts.crs).encode())
    for shape in shapely.to_wkb(districts.geometry.to_numpy()):
        digest.update(shape)
    simplified = store.cached(
        "display_geometry",
        (digest.hexdigest(),),
        lambda: display_geometry(districts[[districts.geometry.name]]),
    )
    out = districts.copy()
    out.geometry = simplified.geometry.to_numpy()
    return out


def city_totals(actor: Actor, city_name: str) -> pd.DataFrame:
    """Per service: capacity and occupied units today, and the cases of the last 12 months
    (text: a number, "<k" or "x"), with a last `Total` row of cases. What the public reads
    besides the map; derived from the published history."""
    audience, version = _checked(actor, city_name, Action.VIEW_CITY_TOTALS, N_("see city totals"))
    package = store.exact_package(city_name, version)
    history = _history(city_name, version, audience.k)
    recent = history.recent_by_service().set_index("service_id")
    current = package.current_capacity().groupby("service_id")[["capacity", "occupied"]]
    capacity = current.sum(min_count=1)
    services = package.services[["service_id", "name", "unit"]].copy()
    ids = services["service_id"]
    services["capacity"] = ids.map(capacity["capacity"]).fillna(0.0).to_numpy()
    services["occupied"] = ids.map(capacity["occupied"]).to_numpy()
    counts = pd.DataFrame(
        {
            "cases": ids.map(recent["cases"]).fillna(0.0).to_numpy(),
            "status": ids.map(recent["status"]).fillna("shown").to_numpy(),
        }
    )
    total_hidden = bool((counts["status"] != "shown").any())
    total = pd.DataFrame(
        {
            "cases": [np.nan if total_hidden else float(counts["cases"].sum())],
            "status": ["hidden" if total_hidden else "shown"],
        }
    )
    labels = history.labels(pd.concat([counts, total], ignore_index=True))
    services["cases"] = labels.iloc[:-1].to_numpy()
    last = pd.DataFrame(
        [{"service_id": pd.NA, "name": "Total", "unit": pd.NA, "cases": labels.iloc[-1]}]
    )
    table = pd.concat([services, last], ignore_index=True)
    table["cases"] = table["cases"].astype("string")
    return table


# --- the Overview ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Overview:
    """The Overview page's figures for one audience.

    `cases_per_month`: the city's cases per month over the last 12 months (None when a
    count it adds up is hidden). `services`: planner.overview.service_summary columns, from
    the published history (demand NaN where hidden). `gap_trend`: observed then forecast.
    `unmet`: the districts with most unmet need today (names and service only for an
    audience without exact counts; None while the status quo of this data version is being
    solved, when asked not to wait). `freshness`: per agency, with masked names.
    """

    districts: int
    agencies: int
    services_count: int
    cases_per_month: float | None
    services: pd.DataFrame
    gap_trend: pd.DataFrame
    unmet: pd.DataFrame | None
    freshness: pd.DataFrame
    notes: str
    funded_gaps: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    """Issue 19: the agencies funded more than 10 % above what is in service (agency,
    funded, capacity, gap, gap_share; planner.capacity_levels.funded_gaps, flagged only)."""


def overview(
    actor: Actor, city_name: str, *, today: date | None = None, wait: bool = True
) -> Overview:
    """The Overview's tables for the actor (aggregates: funders, partners and up).
    `wait=False`: when the status quo of this data version is not solved yet (`recomputing`),
    `unmet` is None instead of waiting for it."""
    audience, version = _checked(
        actor, city_name, Action.VIEW_AGGREGATES, N_("see the city's aggregates")
    )
    from service import plans

    day = today or date.today()
    if not wait and not plans.status_quo_ready(city_name, version):
        # being solved in the background: the page says so; not kept
        return _overview_figures(city_name, version, audience, day, with_unmet=False)
    return store.cached(
        "overview",
        (city_name, version, audience.key, day.isoformat()),
        lambda: _overview_figures(city_name, version, audience, day, with_unmet=True),
    )


def _overview_figures(
    city_name: str, version: str, audience: Audience, today: date, *, with_unmet: bool
) -> Overview:
    from service import plans

    package = store.exact_package(city_name, version)
    visible = _visible(city_name, version, audience)
    history = _history(city_name, version, audience.k)
    forecast = _service_forecast(city_name, version)
    summary = domain.service_summary(package, forecast)
    recent = history.recent_by_service().set_index("service_id")["cases"]
    units = package.services.set_index("service_id")["units_per_case"].astype(float)
    months = max(len(history.recent_periods), 1)
    demand_units = summary["service_id"].map(recent / months * units)
    if history.exact:
        demand_units = demand_units.fillna(0.0)
    summary["demand_units"] = demand_units.to_numpy(dtype=float)
    summary["gap"] = summary["demand_units"] - summary["capacity"]
    recent_total = recent.to_numpy(dtype=float)
    cases_per_month = None if np.isnan(recent_total).any() else float(recent_total.sum()) / months
    unmet: pd.DataFrame | None = None
    if not with_unmet:
        pass
    elif audience.exact_counts:
        unmet = domain.largest_unmet_need(
            package, plans.status_quo_coverage_exact(city_name, version)
        )
    else:
        # Ranked from the status quo as this audience may see it: a district with a hidden
        # figure is left out, so that the order says nothing about hidden counts.
        coverage = plans.status_quo_coverage_for(audience, city_name, version)
        hidden = coverage.loc[coverage["unmet"].isna(), "district_id"].unique()
        shown = coverage[~coverage["district_id"].isin(hidden)]
        unmet = domain.largest_unmet_need(package, shown)[["name", "most_unmet_service"]]
    return Overview(
        districts=len(package.districts),
        agencies=len(package.agencies),
        services_count=len(package.services),
        cases_per_month=cases_per_month,
        services=summary,
        gap_trend=_gap_trend(package, history, forecast),
        unmet=None if unmet is None else unmet.reset_index(drop=True),
        freshness=domain.data_freshness(visible, today),
        notes=package.city.notes or "",
        funded_gaps=_funded_flags(visible, today),
    )


def _funded_flags(visible: CityPackage, today: date) -> pd.DataFrame:
    from planner.capacity_levels import capacity_levels, funded_gaps

    gaps = funded_gaps(capacity_levels(visible, today))
    gaps = gaps[gaps["flagged"]].reset_index(drop=True)
    names = visible.agencies.set_index("agency_id")["name"]
    gaps.insert(1, "agency", gaps["agency_id"].map(names).astype("str"))
    return gaps


def _gap_trend(
    package: CityPackage, history: PublishedHistory, forecast: pd.DataFrame
) -> pd.DataFrame:
    """planner.overview.gap_trend with the observed months from the published history."""
    units = package.services.set_index("service_id")["units_per_case"].astype(float)
    names = package.services.set_index("service_id")["name"]
    capacity = package.current_capacity().groupby("service_id")["capacity"].sum()
    observed = history.city.copy()
    observed["demand_units"] = observed["cases"].astype(float) * observed["service_id"].map(units)
    observed["gap_units"] = observed["demand_units"] - observed["service_id"].map(capacity).fillna(
        0.0
    )
    observed["service"] = observed["service_id"].map(names)
    observed = observed[["period", "service_id", "service", "gap_units"]].assign(observed=True)
    ahead = forecast[["period", "service_id", "service", "gap_units"]].assign(observed=False)
    if observed.empty or ahead.empty:
        return pd.concat([observed, ahead], ignore_index=True)
    last = observed[observed["period"] == observed["period"].max()].assign(observed=False)
    return pd.concat([observed, last, ahead], ignore_index=True)


# --- the capacity map -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CapacityMap:
    """The capacity map for one audience: per district `measures` (planner.overview.
    district_service_measures columns; demand from the published history, coverage from the
    status quo as this audience may see it), agency `points` as it may see them, and the
    `agencies` table (capacity per agency and service, no locations)."""

    measures: pd.DataFrame
    points: pd.DataFrame
    agencies: pd.DataFrame
    coverage_pending: bool = False
    """The status quo of this data version is being solved: `coverage` is NaN for now."""


NO_COVERAGE = pd.DataFrame(
    {
        "district_id": pd.Series(dtype=str),
        "service_id": pd.Series(dtype=str),
        "demand": pd.Series(dtype=float),
        "served": pd.Series(dtype=float),
    }
)


def capacity_map(
    actor: Actor,
    city_name: str,
    service_id: str | None = None,
    kinds: Sequence[str] = (),
    *,
    wait: bool = True,
) -> CapacityMap:
    """`wait=False`: while the status quo of this data version is being solved, the
    coverage column is NaN and `coverage_pending` True instead of waiting for it."""
    audience, version = _checked(actor, city_name, Action.VIEW_MAP, N_("see the capacity map"))
    visible = _visible(city_name, version, audience)
    from service import plans

    pending = not wait and not plans.status_quo_ready(city_name, version)
    coverage = (
        NO_COVERAGE if pending else plans.status_quo_coverage_for(audience, city_name, version)
    )
    measures = domain.district_service_measures(visible, coverage, service_id)
    if audience.aggregates and not audience.exact_counts:
        measures = _published_measures(visible, measures, city_name, version, audience, service_id)
    if not audience.aggregates:
        measures = measures.drop(
            columns=["demand_units", "gap_units", "demand_per_10k", "coverage"]
        )
    points = domain.agency_points(visible, service_id, tuple(kinds))
    return CapacityMap(
        measures=measures,
        points=points,
        agencies=domain.capacity_by_agency(visible),
        coverage_pending=pending,
    )


def _published_measures(
    visible: CityPackage,
    measures: pd.DataFrame,
    city_name: str,
    version: str,
    audience: Audience,
    service_id: str | None,
) -> pd.DataFrame:
    """Demand per district from the published history: NaN where any count is hidden."""
    history = _history(city_name, version, audience.k)
    recent = history.recent_by_district()
    if service_id is not None:
        recent = recent[recent["service_id"] == service_id]
    units = visible.services.set_index("service_id")["units_per_case"].astype(float)
    months = max(len(history.recent_periods), 1)
    recent = recent.assign(units=recent["cases"] / months * recent["service_id"].map(units))
    by_district = recent.groupby("district_id")["units"].sum(min_count=1)
    any_hidden = recent.groupby("district_id")["units"].apply(lambda s: bool(s.isna().any()))
    demand = by_district.mask(any_hidden.reindex(by_district.index, fill_value=False))
    table = measures.copy()
    table["demand_units"] = demand.reindex(table.index).astype(float)
    table.loc[~table.index.isin(recent["district_id"]), "demand_units"] = 0.0
    table["gap_units"] = table["demand_units"] - table["capacity_units"]
    population = table["population"].astype(float).where(table["population"] > 0)
    table["demand_per_10k"] = table["demand_units"] / population * 1e4
    return table


# --- demand and forecasts -------------------------------------------------------------------


def _outlook(city_name: str, version: str, horizon_months: int) -> DemandOutlook:
    """The outlook (joint sample paths), stored per demand history (service.forecasts)."""
    return forecasts.stored(
        "outlook",
        city_name,
        version,
        (horizon_months,),
        lambda: demand_outlook(store.exact_package(city_name, version), horizon_months),
    )


def outlook_exact(city_name: str, version: str) -> DemandOutlook:
    """Service use only: the city's outlook over the pages' horizon."""
    return _outlook(city_name, version, FORECAST_MONTHS)


def _service_forecast(city_name: str, version: str) -> pd.DataFrame:
    """The forecast per service and month (stored by the demand history's fingerprint: a
    capacity edit does not recompute it) with today's capacity and gap (per data version)."""
    demand = forecasts.stored(
        "service_forecast",
        city_name,
        version,
        (FORECAST_MONTHS,),
        lambda: service_outlook(
            store.exact_package(city_name, version),
            _outlook(city_name, version, FORECAST_MONTHS).paths,
        ),
    )
    return store.cached(
        "service_forecast",
        (city_name, version),
        lambda: domain.with_capacity(demand, store.exact_package(city_name, version)),
    )


def service_forecast_exact(city_name: str, version: str) -> pd.DataFrame:
    """Service use only: city-wide forecast per service and month, with the gap."""
    return _service_forecast(city_name, version)


def backtest_exact(city_name: str, version: str) -> BacktestResult:
    """Service use only: the backtest, stored per demand history."""
    return forecasts.stored(
        "backtest",
        city_name,
        version,
        (),
        lambda: model_backtest(store.exact_package(city_name, version)),
    )


def service_forecast(actor: Actor, city_name: str) -> pd.DataFrame:
    """The city's forecast demand per service and month in units, and the gap to today's
    capacity (planner.overview.service_outlook): city-wide figures of the models."""
    _, version = _checked(actor, city_name, Action.VIEW_AGGREGATES, N_("see forecasts"))
    return _service_forecast(city_name, version)


def demand_fan(
    actor: Actor, city_name: str, district_id: str | None = None, service_id: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """History (`period, cases`) and forecast fan (`period, q0.1, q0.5, q0.9`) of the city
    or one district (exact audiences only), for one service or all. The history is the
    published one: the city's totals as every other page shows them."""
    audience, version = _checked(
        actor, city_name, Action.VIEW_AGGREGATES, N_("see demand by district and service")
    )
    if district_id is not None and not audience.exact_counts:
        raise AccessDenied(
            t(
                "{user} ({role}) may not {what}",
                user=repr(actor.username),
                role=t(actor.role),
                what=t(N_("see one district's demand series")),
            )
        )

    def make() -> tuple[pd.DataFrame, pd.DataFrame]:
        return fan(_outlook(city_name, version, FORECAST_MONTHS), district_id, service_id)

    if district_id is None:  # the city's fans, once per demand history (a few, all shared)
        made = store.cached(
            "fan", (city_name, forecasts.demand_key(city_name, version), service_id), make
        )
        history, forecast = made[0].copy(), made[1].copy()
    else:
        history, forecast = make()
    if not audience.exact_counts:
        published = _history(city_name, version, audience.k).city_by_period(service_id)
        history = pd.DataFrame(published[["period", "cases"]])
    return history, forecast


def forecast_per_resident(
    actor: Actor, city_name: str, service_id: str | None = None
) -> pd.DataFrame:
    """Per district: forecast cases per month and per 10,000 residents.

    For an audience without exact counts a district's forecast is shown only when its
    published history of the last 12 months is (for the service, or for every service):
    a forecast is a function of the history (a seasonal naive one repeats it), so it may
    not tell what the one suppression hides. Figures below k are hidden too (a rate times
    the population would give a small count back)."""
    audience, version = _checked(
        actor, city_name, Action.VIEW_AGGREGATES, N_("see demand by district and service")
    )
    visible = _visible(city_name, version, audience)
    table = store.cached(
        "per_resident",
        (city_name, version, audience.key, service_id),
        lambda: per_resident(visible, _outlook(city_name, version, FORECAST_MONTHS), service_id),
    ).copy()
    if not audience.exact_counts:
        recent = _history(city_name, version, audience.k).recent_by_district()
        if service_id is not None:
            recent = recent[recent["service_id"] == service_id]
        hidden_districts = set(recent.loc[recent["cases"].isna(), "district_id"])
        hidden = table.index.isin(list(hidden_districts)) | (table["cases_per_month"] < audience.k)
        table.loc[hidden, ["cases_per_month", "cases_per_10k"]] = float("nan")
    return table


def backtest(actor: Actor, city_name: str) -> BacktestResult:
    """How each forecasting model did on the city's history (scores only)."""
    _, version = _checked(actor, city_name, Action.VIEW_AGGREGATES, N_("see forecasts"))
    return backtest_exact(city_name, version)
