"""The "if an agency closes" page (issue 16): a link closes an agency; the page says what that
does, per district and per agency, and offers the one-page report."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT

PAGE = str(ROOT / "pages/whatif.py")


@pytest.mark.slow
def test_a_link_closes_an_agency_and_the_page_says_what_that_does(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=900)
    app.query_params["close"] = "A063:shelter_women"
    app.run()
    assert not app.exception
    lines = [m.value for m in app.markdown]
    assert any("go unmet over the horizon" in line for line in lines)
    assert [s.value for s in app.subheader] == ["Per district", "Who takes the demand"]
    assert len(app.dataframe) == 2


def test_the_page_waits_for_a_choice(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.run()
    assert not app.exception
    assert any("Choose an agency" in i.value for i in app.info)
