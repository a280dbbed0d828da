"""The Budget sweep page: the served-against-budget curve and where the next dollar helps."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT

PAGE = str(ROOT / "pages/sweep.py")


def test_sweep_page_renders_and_runs(app_env: str, sweep_budgets: list[tuple[float, ...]]) -> None:
    """On the demo city, at every fifth budget of the page's sweep (tests/app/conftest.py)."""
    app = AppTest.from_file(PAGE, default_timeout=600).run()
    assert not app.exception
    if app.button:  # the sweep starts on a button press, and runs in the background
        app.button[0].click().run()
    assert not app.exception
    assert app.get("progress"), "the page shows the sweep's progress at once"
    deadline = time.monotonic() + 600
    while not (app.get("vega_lite_chart") or app.get("arrow_vega_lite_chart")):
        assert time.monotonic() < deadline, "the sweep never finished"
        time.sleep(0.5)
        app.run()
        assert not app.exception
    # The page asked for its whole sweep: from nothing to twice the budget, in 21 steps.
    assert len(sweep_budgets) == 1
    asked = sweep_budgets[0]
    assert len(asked) == 21 and asked[0] == 0 and asked[-1] == 2
