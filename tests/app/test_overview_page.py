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
    expected = [
        "Capacity and demand by service",
        "Population groups",  # issue 15: the demo city has groups
        "The gap over time",
        "Largest unmet need today",
        "Data freshness",
    ]
    # Other sections (referral pathways: issue 16) may sit between these, in this order.
    assert [s for s in subheaders if s in expected] == expected
    frames = [d.value for d in app.dataframe]
    services, unmet, freshness = frames[0], frames[-2], frames[-1]
    group_coverage = next(f for f in frames if "coverage" in f and "name" in f and "served" in f)
    group_cases = next(f for f in frames if list(f.columns) == ["name", "cases"])
    assert "Men" in set(group_coverage["name"]) and (group_cases["cases"] >= 0).all()
    assert len(services) == 8
    # The forecast of the next 12 months beside today's demand, and the gap it would leave.
    assert services["forecast_units"].notna().all() and (services["forecast_units"] > 0).all()
    assert (services["forecast_gap"] == services["forecast_units"] - services["capacity"]).all()
    specs = [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]
    (trend,) = (spec for spec in specs if "strokeDash" in str(spec))  # beside the Sankey
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
