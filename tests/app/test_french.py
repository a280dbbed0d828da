"""The app in French: the sidebar switch, `?lang=fr`, HAVEN_LANG; pages render without error."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT
from ui.language import LANGUAGE_KEY

NNBSP = "\u202f"


@pytest.fixture
def french(app_env: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HAVEN_LANG", "fr")
    return app_env


def test_the_link_opens_the_app_in_french(app_env: str) -> None:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    app.query_params["lang"] = "fr"
    app.run()
    assert not app.exception
    assert app.selectbox(key=LANGUAGE_KEY).value == "fr"
    assert (
        app.caption[0].value
        == "Les services de lutte contre la traite de la ville en un coup d’œil."
    )
    assert [m.label for m in app.metric][:3] == ["Secteurs", "Organismes", "Services"]


def switch_script() -> None:
    import streamlit as st

    from planner.i18n import t
    from ui.language import apply_language, language_switch

    apply_language()
    language_switch()
    st.metric(t("Districts"), 77)


def test_the_sidebar_switch_changes_the_language(app_env: str) -> None:
    # app.py draws the same switch; AppTest drops the sidebar widgets of an st.navigation
    # entrypoint on reruns, so the switch is driven here on a page of its own.
    app = AppTest.from_function(switch_script).run()
    assert not app.exception
    switch = app.selectbox(key=LANGUAGE_KEY)
    assert switch.options == ["English", "Français"]
    assert app.metric[0].label == "Districts"
    switch.set_value("fr").run()
    assert app.metric[0].label == "Secteurs"
    app.selectbox(key=LANGUAGE_KEY).set_value("en").run()
    assert app.metric[0].label == "Districts"


def test_the_app_draws_the_switch(app_env: str) -> None:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not app.exception
    assert app.selectbox(key=LANGUAGE_KEY).value == "en"
    assert app.metric[0].label == "Districts"


def test_overview_in_french(french: str) -> None:
    app = AppTest.from_file(str(ROOT / "pages/overview.py"), default_timeout=90).run()
    assert not app.exception
    headings = [h.value for h in app.subheader]
    assert "Capacité et demande par service" in headings
    assert "Fraîcheur des données" in headings


def test_capacity_map_in_french(french: str) -> None:
    app = AppTest.from_file(str(ROOT / "pages/capacity_map.py"), default_timeout=60).run()
    assert not app.exception
    assert app.title[0].value == "Carte des capacités"
    measure = next(s for s in app.selectbox if s.label == "Colorer les secteurs selon")
    assert "Population" in measure.options
    assert "Couverture actuelle (part de la demande servie)" in measure.options


def test_plan_in_french(french: str) -> None:
    app = AppTest.from_file(str(ROOT / "pages/plan.py"), default_timeout=120).run()
    assert not app.exception
    assert app.title[0].value == "Plan"
    app.button[0].click().run()
    assert not app.exception
    assert app.success[0].value.startswith("Plan optimal trouvé par")
    labels = [m.label for m in app.metric]
    assert labels[:2] == ["Demande servie (unités)", "Couverture"]
    coverage = app.metric[1].value
    assert coverage.endswith("\u00a0%") and "," in coverage
    spent = app.metric[2].value
    assert spent.endswith("$") and " " not in spent  # "1,2 M$": no-break spaces only
    assert app.metric[0].delta.endswith("par rapport à aujourd’hui")
    # The optimiser's diagnostics, written in French when the plan was solved.
    limits = [m.value for m in app.markdown]
    value = next(m for m in limits if m.startswith("**La valeur du budget :**"))
    assert (
        "\u202f000\u00a0$ de plus" in value
    )  # "10 000 $ de plus retirent…" or "…ne permettraient pas…"
    assert any(m.startswith("**Limites contraignantes") for m in limits)
    assert any("est entièrement dépensé" in m or "est à pleine capacité" in m for m in limits)
    baselines = next(d.value for d in app.dataframe if "plan" in d.value.columns)
    assert list(baselines["plan"])[:2] == ["Optimisé", "Statu quo (aucun nouveau fonds)"]
