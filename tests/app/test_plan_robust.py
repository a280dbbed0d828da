"""The Plan page's "plan for bad months" and latent demand (issue 17): the form's choices, the
comparison drawn once the background solve is done, the assumption shown with the plan and
kept in its link, and the Demand page's estimate offered to the form."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT

PAGE = str(ROOT / "pages/plan.py")


def _run(app: AppTest) -> AppTest:
    app.button[0].click().run()  # the form's Run button
    assert not app.exception
    return app


def test_plan_for_bad_months_from_the_form(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.scenario

    monkeypatch.setattr(planner.scenario, "EVALUATION_SAMPLES", 3)  # a short wait here
    app = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not app.exception
    app.checkbox(key="plan_robust").check()
    app.select_slider(key="plan_robust_k").set_value(4)
    app.radio(key="plan_robust_risk").set_value("cvar")
    app.select_slider(key="plan_robust_alpha").set_value(0.8)
    _run(app)
    assert app.query_params["robust"] == '{"scenarios": 4, "risk": "cvar", "alpha": 0.8}'
    assert "Plan for bad months" in [h.value for h in app.subheader]
    deadline = time.monotonic() + 600
    while not any("plan" in d.value.columns and len(d.value) == 2 for d in app.dataframe):
        assert time.monotonic() < deadline, "the plan for bad months never finished"
        assert app.get("progress") or not app.exception
        time.sleep(0.5)
        app.run()
        assert not app.exception
    table = next(d.value for d in app.dataframe if "p90_weighted_unmet" in d.value.columns)
    assert list(table["plan"]) == ["Plan on expected demand", "Plan for bad months"]
    assert (table["p90_weighted_unmet"] >= table["expected_weighted_unmet"] - 1e-6).all()
    assert any(
        "4 demand scenarios" in c.value and "3 fresh samples" in c.value for c in app.caption
    )


def test_latent_demand_from_the_form_is_shown_and_linked(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not app.exception
    app.number_input(key="plan_latent_multiplier").set_value(2.4)
    app.slider(key="plan_latent_share_percent").set_value(25)
    _run(app)
    assert any(i.value.startswith("Assumption: demand times 1.35") for i in app.info)
    assert app.query_params["latent_demand"] == '{"multiplier": 2.4, "share": 0.25}'


def test_a_link_with_latent_demand_fills_the_form(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=300)
    app.query_params["name"] = "Unseen"
    app.query_params["latent_demand"] = '{"multiplier": 2.4, "share": 0.25}'
    app.run()
    assert not app.exception
    assert app.number_input(key="plan_latent_multiplier").value == 2.4
    assert app.slider(key="plan_latent_share_percent").value == 25
    assert any(i.value.startswith("Assumption: demand times 1.35") for i in app.info)


def test_the_demand_pages_estimate_fills_the_form(app_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=300)
    app.session_state["plan_latent_offer"] = (3.0, 0.5)  # as the Demand page's button leaves it
    app.run()
    assert not app.exception
    assert app.number_input(key="plan_latent_multiplier").value == 3.0
    assert app.slider(key="plan_latent_share_percent").value == 50
    assert any("hidden-population estimate is in the form" in i.value for i in app.info)


def test_the_permalink_keeps_both_keys() -> None:
    from planner.scenario import Scenario
    from ui.permalink import scenario_from_query, scenario_to_query

    scenario = Scenario(
        name="Unseen",
        latent_demand={"multiplier": 2.4, "share": 0.25},
        robust={"scenarios": 8, "risk": "cvar", "alpha": 0.9},
    )
    query = scenario_to_query(scenario, "v7")
    assert query["latent_demand"] == '{"multiplier": 2.4, "share": 0.25}'
    back, problems = scenario_from_query(query, "New plan")
    assert problems == [] and back == scenario
    plain = scenario_to_query(Scenario(name="Plain"))
    assert "latent_demand" not in plain and "robust" not in plain
    bad, problems = scenario_from_query(
        {"name": "Bad", "latent_demand": '{"multiplier": 0.5, "share": 0.2}'}, "New plan"
    )
    assert bad is not None and bad.latent_demand is None
    assert any("latent_demand.multiplier" in p for p in problems)


def test_the_form_reads_its_choices_into_the_scenario_keys() -> None:
    from ui.plan_form import latent_from_state, robust_from_state

    state = {
        "plan_latent_multiplier": 2.4,
        "plan_latent_share_percent": 25,
        "plan_robust": True,
        "plan_robust_k": 12,
        "plan_robust_risk": "cvar",
        "plan_robust_alpha": 0.95,
    }
    assert latent_from_state(state) == {"multiplier": 2.4, "share": 0.25}
    assert robust_from_state(state) == {"scenarios": 12, "risk": "cvar", "alpha": 0.95}
    assert latent_from_state({**state, "plan_latent_share_percent": 0}) is None
    assert latent_from_state({**state, "plan_latent_multiplier": 1.0}) is None
    assert robust_from_state({**state, "plan_robust": False}) is None


def test_the_demand_pages_offer_button_leaves_the_estimate_for_the_form() -> None:
    def page() -> None:
        import pandas as pd

        from planner.hidden import MSEResult
        from ui.hidden_view import draw_plan_offer

        estimate = MSEResult(
            lists=("A", "B"),
            observed=100,
            interactions=(),
            unseen=140.0,
            estimate=240.0,
            lower=200.0,
            upper=300.0,
            level=0.95,
            criterion="bic",
            steps=pd.DataFrame(),
        )
        draw_plan_offer(estimate)

    app = AppTest.from_function(page, default_timeout=60).run()
    assert not app.exception
    app.slider(key="hidden_plan_share_percent").set_value(50).run()
    app.button(key="hidden_plan_offer").click().run()
    assert not app.exception
    assert app.session_state["plan_latent_offer"] == (2.4, 0.5)
    assert any("demand times 1.7" in s.value for s in app.success)
