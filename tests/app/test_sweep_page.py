"""The Budget sweep page: the served-against-budget curve and where the next dollar helps."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT

PAGE = str(ROOT / "pages/sweep.py")


def test_sweep_page_renders_and_runs(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=600).run()
    assert not app.exception
    if app.button:  # the sweep starts on a button press
        app.button[0].click().run()
    assert not app.exception
    assert app.get("vega_lite_chart") or app.get("arrow_vega_lite_chart")
