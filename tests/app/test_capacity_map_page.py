"""The City page renders the demo city: a map of its districts and its agencies' capacity."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from planner.package import read_package
from planner.settings import DEMO_PACKAGE
from tests.app.conftest import ROOT


def test_city_page_renders_the_demo(app_env: str) -> None:
    app = AppTest.from_file(str(ROOT / "pages/city.py"), default_timeout=60).run()
    assert not app.exception
    assert app.title[0].value == "Haven"
    assert [m.label for m in app.metric][:2] == ["Districts", "Agencies"]
    assert app.metric[0].value == "77"
    frames = [d.value for d in app.dataframe]
    package = read_package(DEMO_PACKAGE)
    assert len(frames[-1]) == len(package.agencies)
    assert "lat" not in frames[-1].columns and "lon" not in frames[-1].columns


def test_map_is_inline_geojson_with_clockwise_rings(app_env: str) -> None:
    app = AppTest.from_file(str(ROOT / "pages/city.py"), default_timeout=60).run()
    specs = [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]
    geo = [s for s in specs if s.get("mark", {}).get("type") == "geoshape"]
    assert geo, "no map drawn"
    assert "url" not in geo[0]["data"]
    dataset = geo[0]["data"]["values"]
    assert len(dataset) == 77
    # Vega needs clockwise outer rings: the signed area (shoelace, lon/lat) is negative.
    ring = dataset[0]["geometry"]["coordinates"]
    outer = ring[0][0] if dataset[0]["geometry"]["type"] == "MultiPolygon" else ring[0]
    signed = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(outer, outer[1:], strict=False))
    assert signed < 0


def test_city_page_without_data_says_what_to_do(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from planner.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        app = AppTest.from_file(str(ROOT / "pages/city.py"), default_timeout=60).run()
    finally:
        get_settings.cache_clear()
    assert not app.exception
    assert "python -m planner demo" in app.info[0].value
