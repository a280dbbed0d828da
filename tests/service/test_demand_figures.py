"""One demand figure everywhere (issue 14): the Overview's forecast of the demo city and the
plan's demand are the same figure, from the same joint sample paths."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from models.db import dispose_engines
from planner.package import read_package
from planner.scenario import Scenario
from planner.settings import DEMO_PACKAGE, get_settings
from service import city, edits, plans, store
from service.access import Actor

ADMIN = Actor("ada", "admin")
ANALYST = Actor("ann", "analyst")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demand') / 'haven.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        store.clear()
        package = read_package(DEMO_PACKAGE)
        edits.import_city(ADMIN, package)
        yield package.city.name
        store.clear()
        get_settings.cache_clear()
    dispose_engines()


def test_the_overviews_forecast_is_the_default_plans_demand(demo: str) -> None:
    forecast = city.service_forecast(ANALYST, demo)
    overview = forecast.groupby("service_id")["mean"].sum()  # units over the 12 months
    plan = plans.run_plan(ANALYST, demo, Scenario(name="no new money", budget=0.0))
    planned = plan.coverage.groupby("service_id")["demand"].sum()
    assert planned.reindex(overview.index).to_numpy() == pytest.approx(overview.to_numpy())
    assert plan.totals.demand == pytest.approx(float(overview.sum()))


def test_a_p90_plan_plans_for_the_overviews_p90_of_the_city_month_by_month(demo: str) -> None:
    outlook = city.service_forecast(ANALYST, demo)
    plan = plans.run_plan(ANALYST, demo, Scenario(name="P90", budget=0.0, demand_quantile=0.9))
    planned = plan.coverage.groupby("service_id")["demand"].sum()
    p90 = outlook.groupby("service_id")["q0.9"].sum()
    assert planned.reindex(p90.index).to_numpy() == pytest.approx(p90.to_numpy())
    assert plan.totals.demand > outlook["mean"].sum()
