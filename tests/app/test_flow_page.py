"""The Plan page's waiting times (ui.flow_view): shown after a run, checked by simulation."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT

PAGE = str(ROOT / "pages/plan.py")


def test_plan_page_shows_waits_and_checks_them_by_simulation(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=300)
    app.run()
    assert not app.exception
    app.button[0].click().run()  # the form's Run button
    assert not app.exception
    assert "Waiting for a place" in [s.value for s in app.subheader]
    assert any("of cases wait" in m.value for m in app.markdown)
    tables = [d.value for d in app.dataframe]
    assert any("Mean wait today" in table.columns for table in tables)
    check = next(b for b in app.button if b.label == "Check by simulation")
    check.click().run()
    assert not app.exception
    compared = [d.value for d in app.dataframe if "Waits (simulated)" in d.value.columns]
    assert compared and "all services" in list(compared[0]["Service"])
