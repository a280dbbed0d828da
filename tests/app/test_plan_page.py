"""The Plan page: run a scenario on the demo city, read the results, save it, link to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from models.db import get_engine, session_scope
from models.scenarios import list_scenarios
from tests.app.conftest import ROOT
from tests.app.scratch import copy_database, use_database

PAGE = str(ROOT / "pages/plan.py")
BEFORE = "Coverage before: today's capacity, no new money"


def run_default(app: AppTest) -> AppTest:
    app.run()
    assert not app.exception
    app.button[0].click().run()  # the form's Run button
    assert not app.exception
    return app


def test_plan_page_runs_a_scenario_and_shows_results(app_env: str) -> None:
    app = run_default(AppTest.from_file(PAGE, default_timeout=120))
    assert app.success[0].value.startswith("Optimal plan found")
    labels = [m.label for m in app.metric]
    assert labels[:4] == [
        "Demand served (units)",
        "Coverage",
        "Money spent",
        "Cost per additional unit served",
    ]
    tables = [d.value for d in app.dataframe]
    baselines = tables[0]
    assert list(baselines["plan"])[:2] == ["Optimised", "Status quo (no new money)"]
    assert (baselines["served"].iloc[0] >= baselines["served"].iloc[1:]).all()
    assert any("one more $10,000" in m.value for m in app.markdown)
    assert app.query_params["name"] == "New plan"
    # Coverage per district before and after, on one colour scale, and the largest gains.
    maps = [json.loads(c.proto.spec) for c in app.get("vega_lite_chart")]
    titles = [m.get("title") for m in maps]
    titles = [t["text"] if isinstance(t, dict) else t for t in titles]
    before, after = (titles.index(t) for t in (BEFORE, "Coverage of demand after the plan"))
    scales = [maps[i]["encoding"]["color"]["scale"] for i in (before, after)]
    assert scales[0] == scales[1] and scales[0]["domain"][1] == 1.0
    gains = next(d.value for d in app.dataframe if "change_points" in d.value.columns)
    assert gains["change_points"].is_monotonic_decreasing
    assert (gains["after"] >= gains["before"] - 1e-9).all()


def test_a_link_reproduces_the_run(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.query_params["name"] = "From a link"
    app.query_params["budget"] = "1000000"
    app.query_params["equity_floor"] = "0.2"
    app.run()
    assert not app.exception
    assert app.text_input[0].value == "From a link"
    assert app.success[0].value.startswith("Optimal plan found")
    spent = next(m for m in app.metric if m.label == "Money spent")
    assert spent.value in ("$1.0M", "$999K") or spent.value.startswith("$9")


def test_a_bad_link_warns_and_keeps_the_rest(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.query_params["name"] = "Bad"
    app.query_params["equity_floor"] = "3"
    app.run()
    assert not app.exception
    assert any("equity_floor" in w.value for w in app.warning)


def test_an_impossible_hard_floor_is_explained(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.query_params["name"] = "Impossible"
    app.query_params["equity_floor"] = "0.95"
    app.query_params["equity_mode"] = '"hard"'
    app.run()
    assert not app.exception
    assert app.error[0].value.startswith("No plan: infeasible")
    assert any("cannot reach 95% coverage" in m.value for m in app.markdown)


def test_save_scenario(app_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app_env = copy_database(app_env, tmp_path)  # this test writes: a private copy
    use_database(app_env, monkeypatch)
    app = run_default(AppTest.from_file(PAGE, default_timeout=120))
    app.text_area[0].input("Every funder's whole budget")
    save = next(b for b in app.button if b.label == "Save scenario")
    save.click().run()
    assert not app.exception
    with session_scope(get_engine(app_env)) as session:
        saved = {s.name: s for s in list_scenarios(session, city_name="Chicago (demo)")}
    assert saved["New plan"].note == "Every funder's whole budget"
    save = next(b for b in app.button if b.label == "Save scenario")
    save.click().run()
    assert "saved already" in app.error[0].value


def test_one_click_report(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One download button per format, each a single click; drawing the page writes no
    report (the file is written when its button is clicked), and the caption's grammar
    is right ("For an analyst", never "For a analyst")."""
    import ui.plan_view

    written: list[str] = []
    real = ui.plan_view.build_report

    def counting(*args: Any, **kwargs: Any) -> bytes:
        written.append(kwargs.get("fmt", "?"))
        return real(*args, **kwargs)

    monkeypatch.setattr(ui.plan_view, "build_report", counting)
    app = run_default(AppTest.from_file(PAGE, default_timeout=180))
    downloads = app.get("download_button")
    labels = [d.proto.label for d in downloads]
    assert labels == [
        "Download the report (PDF)",
        "Download the report (HTML)",
        "Download the report (Excel)",
    ]
    assert not written, "the page wrote a report before anyone asked for one"
    assert any(c.value.startswith("For an analyst:") for c in app.caption)
    assert not any("For a analyst" in c.value for c in app.caption)


def test_the_same_scenario_in_another_language_is_told_in_that_language(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Plans are cached for every session; their sentences are written when solved, so a
    # French session must not be served the English sentences of the same scenario.
    budget = "1234000"  # a scenario no other test solves
    english = AppTest.from_file(PAGE, default_timeout=120)
    english.query_params["budget"] = budget
    english.query_params["name"] = "Same"  # the default name differs by language
    english.run()
    (told,) = (m.value for m in english.markdown if m.value.startswith("**The budget's value"))
    assert "one more $10,000" in told
    monkeypatch.setenv("HAVEN_LANG", "fr")
    french = AppTest.from_file(PAGE, default_timeout=120)
    french.query_params["budget"] = budget
    french.query_params["name"] = "Same"
    french.run()
    assert not french.exception
    (told,) = (m.value for m in french.markdown if m.value.startswith("**La valeur du budget"))
    assert "$ de plus" in told and "one more" not in told


def budget_field(app: AppTest) -> Any:
    """The budget field: a text input (grouped thousands) or, on the old page, a number."""
    fields = [*app.text_input, *app.number_input]
    return next(f for f in fields if f.label.startswith("Total new budget"))


def run_button(app: AppTest) -> Any:
    return next(b for b in app.button if b.label == "Run")


def linked_budget(app: AppTest) -> float:
    return float(json.loads(app.query_params["budget"]))


def test_the_form_keeps_each_edit_after_a_run(app_env: str) -> None:
    """Issue 14: after a run, the next edit of the budget was dropped (the field's default
    came back from the link, which made Streamlit a new widget) and the old plan ran again;
    the edit after that worked, the third was dropped again."""
    app = AppTest.from_file(PAGE, default_timeout=180)
    app.run()
    assert not app.exception
    for budget in (1_600_000, 1_700_000, 1_800_000, 1_650_000):
        field = budget_field(app)
        field.set_value(f"{budget:,}" if field.type == "text_input" else float(budget))
        run_button(app).click()
        app.run()
        assert not app.exception
        assert linked_budget(app) == budget, f"{budget:,} was typed, the link ran another"
        assert str(budget_field(app).value).replace(".0", "") in (f"{budget:,}", str(budget))
        spent = next(m for m in app.metric if m.label == "Money spent")
        # Millions to one decimal ($1.65M spent reads "$1.7M"): the money of this budget.
        assert spent.value.startswith("$") and spent.value.endswith("M"), spent.value
        assert abs(float(spent.value[1:-1]) - budget / 1e6) <= 0.05 + 1e-9, spent.value


def test_the_budget_and_floor_show_as_people_write_them(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.run()
    budget = budget_field(app)
    assert budget.type == "text_input" and "," in budget.value, budget.value
    floor = next(s for s in app.slider if s.label.startswith("Equity floor"))
    assert floor.value == 0 and floor.proto.format == "%d%%"
    budget.set_value("1 250 000")
    run_button(app).click()
    app.run()
    assert linked_budget(app) == 1_250_000
    assert budget_field(app).value == "1,250,000"
    budget_field(app).set_value("a lot")
    run_button(app).click()
    app.run()
    assert any("is not an amount" in e.value for e in app.error)
    assert linked_budget(app) == 1_250_000, "nothing new ran"


def test_a_link_says_which_data_it_was_run_on(app_env: str) -> None:
    """Issue 14: the same link gave other figures after a capacity edit, silently. A link
    carries the data version (v); opened on other data it says what the figures are."""
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.query_params["name"] = "Versioned"
    app.query_params["budget"] = "1000000"
    app.run()
    assert not app.exception
    today = app.query_params["v"]
    assert today, "the link does not carry the data version"
    assert not any("earlier data" in w.value for w in app.warning)  # today's link: no warning
    link = next(c.value for c in app.code if "budget=1000000" in c.value)
    assert f"v={today}" in link and "name=Versioned" in link

    old = AppTest.from_file(PAGE, default_timeout=120)
    old.query_params["name"] = "Versioned"
    old.query_params["budget"] = "1000000"
    old.query_params["v"] = "0.1"
    old.run()
    assert not old.exception
    (warning,) = (w.value for w in old.warning if "earlier data" in w.value)
    assert "figures below use today's data" in warning and today in warning
    assert old.success[0].value.startswith("Optimal plan found"), "today's figures are shown"
    assert old.query_params["v"] == "0.1", "the link still says what it was made on"
    next(b for b in old.button if b.label == "Link to this plan on today's data").click()
    old.run()
    assert old.query_params["v"] == today
    assert not any("earlier data" in w.value for w in old.warning)


def test_the_page_says_what_each_baseline_could_not_place(app_env: str) -> None:
    app = run_default(AppTest.from_file(PAGE, default_timeout=120))
    baselines = app.dataframe[0].value.set_index("plan")
    spent = next(m for m in app.metric if m.label == "Money spent").value
    budget = float(json.loads(app.query_params.get("budget", "0")) or 0) or None
    captions = [c.value for c in app.caption]
    for name, row in baselines.iloc[2:].iterrows():  # the rules given the whole budget
        if budget and row["money_spent"] < 0.99 * budget:
            assert any(c.startswith(f"{name} leaves") and "unspent" in c for c in captions), (
                name,
                spent,
                captions,
            )
