"""The app in French: the sidebar switch, `?lang=fr`, HAVEN_LANG; every page renders in French
with no string the translation table knows left in English."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from models.db import get_engine, session_scope
from models.scenarios import save_scenario
from planner.i18n import chart_locale, translations
from planner.scenario import Scenario
from planner.settings import get_settings
from tests.app.conftest import ROOT
from tests.app.scratch import copy_database, use_database
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


def test_tables_write_numbers_in_the_apps_language(french: str) -> None:
    """Issue 14: a table's numbers follow the app's language, not the browser's locale
    (Streamlit's "localized" format is the browser's): the text drawn in each cell is the
    Styler's, written by planner.i18n; the cell still holds its number, so sorting stays
    numeric."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    app = AppTest.from_file(str(ROOT / "pages/overview.py"), default_timeout=90).run()
    assert not app.exception
    checked = 0
    for table in app.dataframe:
        shown = convert_arrow_bytes_to_pandas_df(table.proto.arrow_data.styler.display_values)
        for position, column in enumerate(table.value.columns):
            values = table.value[column]
            if values.dtype.kind not in "fi" or column in {"occupancy", "stale"}:
                continue
            for value, text in zip(values, shown.iloc[:, position].astype(str), strict=True):
                if value == value and abs(value) >= 1000:  # numbers, sorted as numbers
                    assert NNBSP in text and "," not in text, (column, value, text)
                    checked += 1
    assert checked


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
    # What limits the plan: findings said in French on the page (reports.words).
    limits = [m.value for m in app.markdown]
    value = next(m for m in limits if m.startswith("**La valeur du budget :**"))
    assert (
        "\u202f000\u00a0$ de plus" in value
    )  # "10 000 $ de plus retirent…" or "…ne permettraient pas…"
    assert any(m.startswith("**Organismes à pleine capacité (") for m in limits)
    assert any("est entièrement dépensé" in m or "est à pleine capacité" in m for m in limits)
    baselines = next(d.value for d in app.dataframe if "plan" in d.value.columns)
    assert list(baselines["plan"])[:2] == ["Optimisé", "Statu quo (aucun nouveau fonds)"]
    # The baselines' table writes its numbers in French and its money in the city's
    # currency (it used Streamlit's browser-locale and "dollar" formats).
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    table = next(d for d in app.dataframe if "money_spent" in d.value.columns)
    shown = convert_arrow_bytes_to_pandas_df(table.proto.arrow_data.styler.display_values)
    columns = list(table.value.columns)
    served = shown.iloc[:, columns.index("served")].astype(str)
    assert all(NNBSP in text and "," not in text for text in served), list(served)
    spent = shown.iloc[:, columns.index("money_spent")].astype(str)
    assert all(text.endswith("\u00a0$") for text in spent), list(spent)


# --- Every page in French: no string the table translates is shown in English ----------------

TEXT_ELEMENTS = frozenset(
    {"Markdown", "Caption", "Title", "Header", "Subheader", "Text", "Info", "Warning", "Error"}
    | {"Success", "Toast", "Exception", "Metric"}
)
"""Elements whose `value` is text on the screen (a widget's `value` is its Python value)."""


def dataframe_headers(node: Any) -> list[str]:
    """The column headers a dataframe shows: its column_config labels, hidden ones left out."""
    config = json.loads(node.proto.columns or "{}")
    shown = list(node.proto.column_order) or [str(c) for c in node.value.columns]
    headers = []
    for column in shown:
        entry = config.get(column)
        if isinstance(entry, dict) and entry.get("hidden"):
            continue
        label = entry.get("label") if isinstance(entry, dict) else None
        headers.append(label or column)
    return headers


def chart_titles(spec: Any) -> list[str]:
    """Every `title` (and axis or legend title) of a Vega-Lite spec."""
    if isinstance(spec, dict):
        found = [v for k, v in spec.items() if k == "title" and isinstance(v, str)]
        title = spec.get("title")
        if isinstance(title, dict) and isinstance(title.get("text"), str):
            found.append(title["text"])
        return found + [s for v in spec.values() for s in chart_titles(v)]
    if isinstance(spec, list):
        return [s for v in spec for s in chart_titles(v)]
    return []


def shown_strings(app: AppTest) -> list[str]:
    """The text of a rendered page: text elements, metric labels and deltas, widget labels,
    help and options, button and link labels, dataframe headers, chart titles."""
    found: list[str] = []
    for node in app._tree:  # every element and block of the page
        kind = type(node).__name__
        proto = getattr(node, "proto", None)
        if kind == "Dataframe":
            found += dataframe_headers(node)
            continue
        if kind in TEXT_ELEMENTS:
            found.append(getattr(node, "value", None))
        if kind == "Metric":
            found.append(node.proto.delta)
        for attribute in ("label", "help", "placeholder"):
            found.append(getattr(node, attribute, None))
        found += list(getattr(node, "options", None) or [])
        if kind == "UnknownElement" and proto is not None:  # download buttons, links...
            found += [getattr(proto, a, None) for a in ("label", "help", "body")]
            if getattr(proto, "spec", None):
                found += chart_titles(json.loads(proto.spec))
    return [s for s in found if isinstance(s, str) and s.strip()]


def english_leftovers(app: AppTest) -> list[str]:
    """Shown strings that are an English key of fr.json whose French differs."""
    french = translations("fr")
    leftovers = []
    for text in dict.fromkeys(shown_strings(app)):
        for candidate in {text, text.strip().strip("*").rstrip(":").strip()}:
            if candidate in french and french[candidate] != candidate:
                leftovers.append(text)
    return leftovers


def test_the_leftover_check_sees_english_and_passes_french(french: str) -> None:
    def page() -> None:
        import streamlit as st

        from planner.i18n import t

        st.subheader("Capacity map")
        st.metric(t("Districts"), 77)
        st.dataframe({"d": [1]}, column_config={"d": "District"})
        st.radio(t("Floor is"), ["soft", "hard"])

    app = AppTest.from_function(page).run()
    assert not app.exception
    assert sorted(english_leftovers(app)) == ["Capacity map", "District", "hard", "soft"]
    assert "Secteurs" in shown_strings(app)


FRENCH_PAGES = ("overview", "capacity_map", "demand", "data", "audit", "compare", "sweep", "plan")


@pytest.fixture
def french_with_scenarios(
    french: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """French, on a copy of the demo database with two saved scenarios (for Compare)."""
    url = copy_database(french, tmp_path)
    with session_scope(get_engine(url)) as session:
        for scenario in (Scenario(name="A"), Scenario(name="B", budget=1_875_000)):
            save_scenario(
                session,
                city_name="Chicago (demo)",
                name=scenario.name,
                note="",
                parameters=scenario.to_dict(),
                created_by="test",
            )
    use_database(url, monkeypatch)
    yield url


@pytest.mark.parametrize("name", FRENCH_PAGES)
def test_every_page_shows_no_english_the_table_translates(
    french_with_scenarios: str, name: str, sweep_budgets: list[tuple[float, ...]]
) -> None:
    """The sweep at every fifth budget of the page's (tests/app/conftest.py): the same words."""
    app = AppTest.from_file(str(ROOT / f"pages/{name}.py"), default_timeout=600).run()
    assert not app.exception
    if name in ("plan", "sweep"):  # what the page shows after its main button
        next(b for b in app.button if b.label.startswith(("Lancer", "Résoudre"))).click().run()
        assert not app.exception
    deadline = time.monotonic() + 600
    while name == "sweep" and not chart_specs(app):  # the sweep runs in the background
        assert time.monotonic() < deadline, "the sweep never finished"
        time.sleep(0.5)
        app.run()
        assert not app.exception
    if name == "compare":
        app.multiselect[0].set_value(["A", "B"]).run()
        assert not app.exception
    assert shown_strings(app)
    assert english_leftovers(app) == []
    specs = chart_specs(app)
    if name in ("overview", "capacity_map", "demand", "compare", "sweep", "plan"):
        assert specs, f"the {name} page drew no chart"
    french = chart_locale("fr")
    assert french is not None and french["number"]["decimal"] == ","
    assert [spec.get("config", {}).get("locale") for spec in specs] == [french] * len(specs)


def chart_specs(app: AppTest) -> list[dict[str, Any]]:
    """The Vega-Lite spec of every chart of a rendered page (Altair's and plain specs)."""
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


def test_charts_in_english_carry_no_locale(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_LANG", "en")
    app = AppTest.from_file(str(ROOT / "pages/demand.py"), default_timeout=600).run()
    assert not app.exception
    specs = chart_specs(app)
    assert len(specs) >= 2  # the fan chart (Altair) and the map (a plain spec)
    assert all("locale" not in spec.get("config", {}) for spec in specs)


def test_the_login_page_in_french(french: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_AUTH", "local")
    get_settings.cache_clear()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not app.exception
    assert shown_strings(app)
    assert english_leftovers(app) == []
