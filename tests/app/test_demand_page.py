"""The Demand page: fan chart, forecast per resident, backtest, hidden population."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT

PAGE = str(ROOT / "pages/demand.py")
MSE = ROOT.parent / "shared" / "data" / "mse" / "mse_Western.csv"


def chart_kinds(app: AppTest) -> list[str]:
    kinds = []
    for chart in app.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        kinds.append(spec["mark"]["type"] if "mark" in spec else "layer")
    return kinds


def test_demand_page_renders_fan_map_and_backtest(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=240).run()
    assert not app.exception
    assert chart_kinds(app) == ["layer", "geoshape"]
    (table,) = (d.value for d in app.dataframe)
    assert {"seasonal_naive", "drift", "pooled_glm", "chosen"} <= set(table["model"])
    chosen = table.set_index("model").loc["chosen", "mase"]
    naive = table.set_index("model").loc["seasonal_naive", "mase"]
    assert chosen < naive
    assert any("Best overall" in caption.value for caption in app.caption)
    # The city's expected demand, the figure the default plan plans for (in cases).
    assert any(
        caption.value.startswith("Expected over the next 12 months") for caption in app.caption
    )


def test_one_district_and_service(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=240).run()
    app.selectbox[0].select("CA25").run()
    app.selectbox[1].select("shelter_women").run()
    assert not app.exception
    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    assert "Austin" in spec["title"]["text"] if isinstance(spec["title"], dict) else spec["title"]


@pytest.mark.skipif(not MSE.exists(), reason="the shared MSE data is not on this machine")
def test_hidden_population_from_an_upload(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=240).run()
    # AppTest has no file uploader driver: call the page's reader and estimator directly
    # through the same functions it uses, as the uploader would hand them the bytes.
    from planner.hidden import estimate_hidden
    from ui.hidden_view import read_uploaded_lists

    class Upload:
        name = MSE.name

        def getvalue(self) -> bytes:
            return MSE.read_bytes()

    counts, lists, count = read_uploaded_lists(Upload())
    estimate = estimate_hidden(counts, lists, count)
    assert estimate.lower <= estimate.estimate <= estimate.upper
    assert estimate.estimate > estimate.observed
    assert not app.exception
