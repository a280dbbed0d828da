"""The Capacity map renders the demo city: districts, agencies on top, and their capacity."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from planner.package import read_package
from planner.settings import DEMO_PACKAGE
from tests.app.conftest import ROOT

PAGE = str(ROOT / "pages/capacity_map.py")


def the_map(app: AppTest) -> dict[str, Any]:
    specs = [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]
    assert len(specs) == 1
    return specs[0]


def drawn_points(app: AppTest) -> pd.DataFrame:
    """The agencies the map draws: the data of its point layer, which Streamlit sends beside
    the spec as an Arrow table (the districts' GeoJSON stays in the spec)."""
    spec = the_map(app)
    name = spec["layer"][1]["data"]["name"]
    (dataset,) = (d for d in app.get("vega_lite_chart")[0].proto.datasets if d.name == name)
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()


def test_capacity_map_renders_the_demo(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not app.exception
    assert app.title[0].value == "Capacity map"
    table = app.dataframe[-1].value
    package = read_package(DEMO_PACKAGE)
    assert len(table) == len(package.agencies)
    assert "lat" not in table.columns and "lon" not in table.columns


def test_map_is_inline_geojson_with_clockwise_rings(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    spec = the_map(app)
    districts, agencies = spec["layer"]
    assert districts["mark"]["type"] == "geoshape"
    assert set(districts["data"]) == {"name"}  # a dataset of the spec: no URL
    features = spec["datasets"][districts["data"]["name"]]
    assert len(features) == 77
    # Vega needs clockwise outer rings: the signed area (shoelace, lon/lat) is negative.
    geometry = features[0]["geometry"]
    outer = geometry["coordinates"][0]
    if geometry["type"] == "MultiPolygon":
        outer = outer[0]
    signed = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(outer))
    assert signed < 0
    assert agencies["mark"]["type"] == "circle"


def test_confidential_shelters_are_not_at_their_address(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    drawn = drawn_points(app)
    package = read_package(DEMO_PACKAGE)
    secret = package.agencies[package.agencies["confidential"]]
    assert len(secret) > 0
    exact = set(zip(drawn["lat"].round(6), drawn["lon"].round(6), strict=True))
    for lat, lon in zip(secret["lat"].round(6), secret["lon"].round(6), strict=True):
        assert (lat, lon) not in exact
    shown = drawn.set_index("agency_id")
    # The map draws one service at a time (units of kinds are never added up): the
    # confidential agencies offering the first service.
    drawn_secret = secret["agency_id"][secret["agency_id"].isin(shown.index)]
    assert len(drawn_secret) > 0
    assert (shown.loc[drawn_secret, "located"] == "at its district (confidential)").all()


def test_filter_by_service_and_kind(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    app.selectbox[1].select("shelter_men").run()
    app.multiselect[0].select("shelter").run()
    assert not app.exception
    drawn = drawn_points(app)
    assert set(drawn["kind"]) == {"shelter"}
    package = read_package(DEMO_PACKAGE)
    current = package.current_capacity()
    offering = current[current["service_id"] == "shelter_men"]["agency_id"]
    assert set(drawn["agency_id"]) <= set(offering)


def test_page_without_data_says_what_to_do(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from planner.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        app = AppTest.from_file(PAGE, default_timeout=60).run()
    finally:
        get_settings.cache_clear()
    assert not app.exception
    assert "python -m planner demo" in app.info[0].value


def test_filter_accepts_group_and_speaks_language(app_env: str) -> None:
    """Issue 15: "accepts trans and non-binary people" for men's shelter, "speaks es"."""
    app = AppTest.from_file(PAGE, default_timeout=180).run()
    app.selectbox[1].select("shelter_men").run()
    app.selectbox(key="map_accepts").select("trans_nonbinary").run()
    assert not app.exception
    package = read_package(DEMO_PACKAGE)
    current = package.current_capacity()
    men = current[current["service_id"] == "shelter_men"]
    takes = men[[not p or "trans_nonbinary" in str(p).split(";") for p in men["populations"]]]
    drawn = drawn_points(app)
    assert set(drawn["agency_id"]) <= set(takes["agency_id"])
    assert len(drawn) < len(men)  # some men's shelters do not take trans people
    app.selectbox(key="map_accepts").select("").run()
    app.selectbox(key="map_speaks").select("es").run()
    speaks = set(
        package.agencies.loc[package.agencies["languages"].str.contains("es"), "agency_id"]
    )
    assert set(drawn_points(app)["agency_id"]) <= speaks
