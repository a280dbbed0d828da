"""The Overview's referral flow (issue 16): a Sankey diagram of the demo city's pathways,
drawn through service/ with counts as the reader may see them."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from planner.pathways import CityFlow, city_flow, suppressed
from tests.app.conftest import ROOT

PAGE = str(ROOT / "pages/overview.py")


def test_overview_draws_the_city_flow(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=300)
    app.run()
    assert not app.exception
    assert "How cases move between services" in [s.value for s in app.subheader]


def test_small_flows_are_blank_and_levels_follow_the_pathways() -> None:
    pathways = pd.DataFrame(
        {
            "from_service": ["hotline", "case_management"],
            "to_service": ["case_management", "shelter"],
            "share": [0.5, 0.04],
            "lag_months": [0, 1],
        }
    )
    cases = pd.Series({"hotline": 40.0, "case_management": 30.0, "shelter": 6.0})
    flow: CityFlow = city_flow(pathways, cases)
    levels = flow.nodes.set_index("service_id")["level"]
    assert levels.to_dict() == {"case_management": 1, "hotline": 0, "shelter": 2}
    carried = flow.links.set_index("to_service")["cases"]
    assert carried["case_management"] == 20.0 and abs(carried["shelter"] - 1.2) < 1e-9
    shown = suppressed(flow, k=5).links.set_index("to_service")["cases"]
    assert shown["case_management"] == 20.0 and pd.isna(shown["shelter"])
