"""The Data page with live capacity (issue 19): capacity in three levels with as-of and
stale marks and the >10 % funded flag, the data-quality scores and reasons, the hotline's
contacts; and the capacity form's funded field, checked beside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planner.package import read_package
from planner.settings import get_settings
from service import edits, store
from service.access import Actor
from tests.app.conftest import ROOT
from tests.package_factory import add_column, edit_city, set_cell, write_tiny_package

HOTLINE = """\
period,channel,contacts,district_id,language,exploitation,referred
2026-01,phone,42,D1,,,30
2026-01,chat,2,,es,labour,1
2026-02,phone,38,D1,,,25
"""


@pytest.fixture
def live_city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    path = write_tiny_package(tmp_path / "city")
    add_column(path, "capacity.csv", "funded")
    set_cell(path, "capacity.csv", 3, "funded", "30")  # A1: 24 beds in service, 30 funded
    (path / "hotline.csv").write_text(HOTLINE, encoding="utf-8")
    edit_city(path, small_count_k=4)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'haven.db'}")
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    store.clear()
    package = read_package(path)
    edits.import_city(Actor("ada", "admin"), package)
    yield package.city.name
    store.clear()
    get_settings.cache_clear()


def texts(app: AppTest) -> str:
    kinds = ("markdown", "error", "info", "warning", "caption", "success")
    return "\n".join(str(e.value) for kind in kinds for e in app.get(kind))


def test_the_data_page_shows_live_capacity_quality_and_hotline(live_city: str) -> None:
    app = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=120).run()
    assert not app.exception
    words = texts(app)
    assert "1 agencies have more than 10 % of their funded units out of service." in words
    assert "figures are older than 30 days or undated (stale)" in words
    frames = [f.value for f in app.dataframe]
    flagged = next(f for f in frames if "gap_share" in f.columns)
    assert flagged.iloc[0][["agency", "funded", "capacity"]].tolist() == [
        "Safe Harbor House",
        30,
        24,
    ]
    levels = next(f for f in frames if "free" in f.columns and "funded" in f.columns)
    a1 = levels[levels["agency"] == "Safe Harbor House"].iloc[0]
    assert (a1["funded"], a1["capacity"], a1["free"]) == (30, 24, 2)
    assert str(a1["as_of"]) == "2026-01-01"
    # Drawn in the app's language (a Styler's text), not the browser's locale; whole units
    # without decimals.
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    drawn = next(d for d in app.dataframe if "free" in d.value.columns)
    shown = convert_arrow_bytes_to_pandas_df(drawn.proto.arrow_data.styler.display_values)
    column = list(drawn.value.columns).index("funded")
    assert "30" in shown.iloc[:, column].astype(str).tolist()
    scores = next(f for f in frames if "agency" in f.columns and "score" in f.columns)
    assert set(scores["agency"]) == {
        "Safe Harbor House",
        "Hennepin Legal Aid Clinic",
        "Riverside Health Center",
    }
    assert any("district" in f.columns and "score" in f.columns for f in frames)
    reasons = next(f for f in frames if "reason" in f.columns)
    assert reasons["reason"].str.contains("Riverside Health Center").any()
    contacts = next(f for f in frames if "phone" in f.columns)
    assert contacts.loc["2026-01", "chat"] == "2"  # an analyst reads exact counts


def test_a_funded_figure_below_capacity_is_said_beside_its_field(live_city: str) -> None:
    app = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=120).run()
    next(s for s in app.selectbox if s.label == "Agency").set_value("A1").run()
    next(n for n in app.number_input if n.label.startswith("Funded")).set_value(10.0)
    next(b for b in app.button if b.label == "Save capacity").click().run()
    assert not app.exception
    assert any("Fewer than the 24 in service" in e.value for e in app.error)


def _verify_script() -> None:
    from types import SimpleNamespace

    import pandas as pd

    from service import city as city_service
    from service.access import Actor
    from ui import plan_view

    actor = Actor("fay", "funder")
    name = "Minneapolis (tiny test package)"
    plan = SimpleNamespace(
        funding=pd.DataFrame(
            {
                "funder_id": ["city_fund"],
                "agency_id": ["A2"],
                "service_id": ["legal_aid"],
                "amount": [5000.0],
            }
        )
    )
    package = city_service.visible_package(actor, name)
    plan_view.draw_verify_before_funding(actor, name, plan, package)  # type: ignore[arg-type]


def test_the_plan_says_verify_before_you_fund(live_city: str) -> None:
    """Every figure of the tiny city is months old today: a funded agency scores low."""
    app = AppTest.from_function(_verify_script, default_timeout=120).run()
    assert not app.exception
    assert "Verify before you fund: 1 funded agencies" in app.warning[0].value
    table = app.dataframe[0].value
    assert table.loc[0, "agency"] == "Hennepin Legal Aid Clinic"
    assert "capacity last updated" in table.loc[0, "why"]


def test_the_demand_page_shows_hotline_contacts(live_city: str) -> None:
    """Issue 19: contacts and referrals beside demand, on the Demand page, with small counts
    as for this reader."""
    app = AppTest.from_file(str(ROOT / "pages/demand.py"), default_timeout=180).run()
    assert not app.exception
    assert "Hotline contacts" in [h.value for h in app.subheader]
    contacts = next(d.value for d in app.dataframe if "phone" in d.value.columns)
    assert contacts.loc["2026-01", "chat"] == "2"  # an analyst reads exact counts
