"""Plan: set a scenario, run the optimiser, read the result, save it.

The form's fields keep what the user typed (`ui.plan_form`); the URL is written from the
scenario that ran and read only when it changes, so a link reproduces a run.
"""

import streamlit as st

from planner.i18n import t
from planner.scenario import Scenario
from service.access import Action, can
from service.errors import ScenarioExists
from ui import flow_view, plan_form, plan_view
from ui.auth import actor_allowed
from ui.data import data_version, run_plan, save_scenario, visible_package
from ui.layout import require_city
from ui.navigation import through_the_app

through_the_app()

st.title(t("Plan"))
st.caption(t("How should new money and beds be spread across agencies? Set a scenario and run."))

actor = actor_allowed(Action.RUN_SCENARIOS, t("run scenarios"))
city = require_city(actor)
package = visible_package(city, actor)  # names and places as this role may see them
version = data_version(city, actor)
for problem in plan_form.follow_link(st.query_params.to_dict(), package):
    st.warning(t("The link's scenario was partly unusable: {problem}", problem=problem))
plan_form.ensure(st.session_state.get(plan_form.RUN) or Scenario(name=t("New plan")), package)
if plan_form.take_latent_offer():
    st.info(
        t(
            "The Demand page's hidden-population estimate is in the form (Unseen demand): "
            "press Run to plan for it."
        )
    )
plan_form.draw(package)

scenario = st.session_state.get(plan_form.RUN)
if scenario is None:
    st.info(t("Set the scenario and press Run. The defaults use every funder's whole budget."))
    st.stop()
unusable = scenario.validate_for(package)  # a link made for another city
for problem in unusable:
    st.warning(t("The link's scenario was partly unusable: {problem}", problem=problem))
if unusable:
    st.stop()
plan_form.draw_link(plan_form.write_link(scenario, version), version)

with st.spinner(t("Solving…")):
    plan = run_plan(city, scenario, actor)  # as this role may see it (service.plans)
shown = package
book = plan_view.name_book(
    shown, confidential_places=can(actor, Action.READ_CONFIDENTIAL_LOCATIONS)
)
if not plan_view.draw_status(plan, book):
    st.stop()

plan_view.draw_headline(plan, package.city.currency)
plan_view.draw_latent(plan)
st.subheader(t("Against the baselines"))
plan_view.draw_baselines(plan, book)
st.subheader(t("What limits the plan"))
plan_view.draw_limits(plan, book)
flow_view.draw_waiting(plan, book, exact_counts=can(actor, Action.READ_EXACT_COUNTS))  # FLOW
st.subheader(t("Where the plan works"))
plan_view.draw_maps(plan, shown, book)
st.subheader(t("Funding per agency and funder"))
plan_view.draw_funding(plan, shown)
plan_view.draw_verify_before_funding(actor, city, plan, shown)  # issue 19 (LIVE)

comparison = None
if scenario.robust is not None:
    st.subheader(t("Plan for bad months"))
    comparison = plan_view.draw_robust(city, scenario, actor, version, shown)

st.subheader(t("A report for funders"))
audience = "analyst" if can(actor, Action.READ_EXACT_COUNTS) else "funder"
plan_view.draw_report_download(  # from the plan and the city as this role may see them
    plan,
    shown,
    f"{city}:{version}:{scenario.model_dump_json()}",
    audience,
    plan_view.robust_record(comparison),
)

with st.form("save", clear_on_submit=True):
    st.markdown(t("**Save “{name}”** with a note, to compare it later.", name=scenario.name))
    note = st.text_area(t("Note"), placeholder=t("What this scenario asks, and why"))
    if st.form_submit_button(t("Save scenario")):
        try:
            save_scenario(city, scenario, note, actor)
            st.success(t("Saved “{name}”.", name=scenario.name))
        except ScenarioExists:
            st.error(
                t(
                    "A scenario named “{name}” is saved already: choose another name.",
                    name=scenario.name,
                )
            )
