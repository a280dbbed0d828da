"""The Overview page: capacity and demand per service, the gap over time, unmet need,
data freshness."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT

PAGE = str(ROOT / "pages/overview.py")


def test_overview_renders_every_section(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not app.exception
    assert [m.label for m in app.metric] == [
        "Districts",
        "Agencies",
        "Services",
        "Cases per month (last 12 months)",
    ]
    assert app.metric[0].value == "77"
    subheaders = [s.value for s in app.subheader]
    assert subheaders == [
        "Capacity and demand by service",
        "The gap over time",
        "Largest unmet need today",
        "Data freshness",
    ]
    services, unmet, freshness = (d.value for d in app.dataframe)
    assert len(services) == 8
    # The forecast of the next 12 months beside today's demand, and the gap it would leave.
    assert services["forecast_units"].notna().all() and (services["forecast_units"] > 0).all()
    assert (services["forecast_gap"] == services["forecast_units"] - services["capacity"]).all()
    (trend,) = (json.loads(c.proto.spec) for c in app.get("vega_lite_chart"))
    assert trend["layer"][0]["encoding"]["strokeDash"]["scale"]["domain"] == [
        "observed",
        "forecast (median)",
    ]
    assert 0 < len(unmet) <= 10
    assert unmet["weighted_unmet"].is_monotonic_decreasing
    assert freshness["stale"].any()  # the demo has agencies not updated for months


def test_app_navigation_lists_the_pages(app_env: str) -> None:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not app.exception
    assert app.title[0].value == "Haven"
