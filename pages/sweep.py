"""Budget sweep: how much more is served for each step of money, city-wide and per district."""

import streamlit as st

from planner.i18n import t
from planner.scenario import Scenario
from service.access import Action
from ui.auth import actor_allowed
from ui.layout import require_city
from ui.navigation import through_the_app
from ui.sweep_view import draw_budget_curve

through_the_app()

st.title(t("Budget sweep"))
st.caption(
    t(
        "The plan solved again at every budget from nothing to twice the funders' budgets: "
        "what each step of money buys, and in which district the next dollar helps most."
    )
)

actor = actor_allowed(Action.RUN_SCENARIOS, t("run scenarios"))
city = require_city(actor)
left, right = st.columns(2)
floor = left.slider(t("Equity floor"), 0.0, 1.0, 0.0, 0.05)
horizon = right.slider(t("Horizon (months)"), 1, 36, 12)
scenario = Scenario(name="Budget sweep", equity_floor=floor, horizon_months=horizon)
draw_budget_curve(city, scenario, actor)
