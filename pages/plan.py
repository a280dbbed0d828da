"""Plan: set a scenario, run the optimiser, read the result, save it."""

import streamlit as st

from planner.i18n import t
from planner.problems import InvalidInput
from planner.scenario import Scenario
from service.access import Action, can
from service.errors import ScenarioExists
from ui import plan_view
from ui.auth import actor_allowed
from ui.data import data_version, run_plan, save_scenario, visible_package
from ui.layout import require_city
from ui.navigation import through_the_app
from ui.permalink import changed, scenario_from_query, scenario_to_query

through_the_app()

st.title(t("Plan"))
st.caption(t("How should new money and beds be spread across agencies? Set a scenario and run."))

actor = actor_allowed(Action.RUN_SCENARIOS, t("run scenarios"))
city = require_city(actor)
package = visible_package(city, actor)  # names and places as this role may see them
linked, link_problems = scenario_from_query(st.query_params.to_dict(), t("New plan"))
for problem in link_problems:
    st.warning(t("The link's scenario was partly unusable: {problem}", problem=problem))
base = linked or Scenario(name=t("New plan"))
funders = package.funders.set_index("funder_id")
services = package.services.set_index("service_id")

with st.form("scenario"):
    name = st.text_input(t("Scenario name"), value=base.name)
    left, middle, right = st.columns(3)
    default_budget = base.budget if base.budget is not None else float(funders["budget"].sum())
    budget = left.number_input(
        t("Total new budget ({currency})", currency=package.city.currency),
        min_value=0.0,
        value=default_budget,
        step=50_000.0,
        format="%.0f",
    )
    horizon = middle.slider(t("Horizon (months)"), 1, 36, base.horizon_months)
    quantile = right.select_slider(
        t("Plan for demand at"),
        options=[0.5, 0.8, 0.9],
        value=base.demand_quantile if base.demand_quantile in (0.5, 0.8, 0.9) else 0.5,
        format_func=lambda q: f"P{round(q * 100)}",
    )
    floor = left.slider(
        t("Equity floor (share of demand met in every district)"), 0.0, 1.0, base.equity_floor, 0.05
    )
    mode = middle.radio(
        t("Floor is"),
        ["soft", "hard"],
        index=["soft", "hard"].index(base.equity_mode),
        horizontal=True,
        format_func=t,
        help=t("Hard: a plan that cannot reach it is infeasible."),
    )
    allow_new = right.checkbox(t("Agencies may start new services"), value=base.allow_new_services)
    with st.expander(t("Funders' budgets")):
        funder_budgets = {
            fid: st.number_input(
                t("{value}", value=row["name"]),
                min_value=0.0,
                format="%.0f",
                step=10_000.0,
                value=float(base.funder_budgets.get(str(fid), row["budget"])),
                key=f"fb_{fid}",
            )
            for fid, row in funders.iterrows()
        }
    with st.expander(t("Priority weights and radii per service")):
        weights, radii = {}, {}
        for sid, row in services.iterrows():
            c1, c2 = st.columns(2)
            weights[sid] = c1.number_input(
                t("Weight: {value}", value=row["name"]),
                min_value=0.01,
                value=float(base.weights.get(str(sid), row["weight"])),
                key=f"w_{sid}",
            )
            radius = base.radius_km.get(str(sid), row["radius_km"])
            radii[sid] = c2.number_input(
                t("Radius (km): {value} (empty: anywhere)", value=row["name"]),
                min_value=0.0,
                value=None if radius is None or radius != radius else float(radius),
                key=f"r_{sid}",
            )
    with st.expander(t("Solver")):
        solver = st.radio(
            t("Solver"),
            ["highs", "cbc"],
            index=["highs", "cbc"].index(base.solver),
            horizontal=True,
        )
        time_limit = st.number_input(t("Time limit (s)"), 1.0, 600.0, float(base.time_limit_s))
    submitted = st.form_submit_button(t("Run"), type="primary")

if submitted:
    try:
        asked = Scenario.from_dict(
            {
                "name": name.strip() or t("New plan"),
                "budget": budget,
                "horizon_months": horizon,
                "demand_quantile": quantile,
                "equity_floor": floor,
                "equity_mode": mode,
                "allow_new_services": allow_new,
                "solver": solver,
                "time_limit_s": time_limit,
                "funder_budgets": changed(funder_budgets, funders["budget"].to_dict()),
                "weights": changed(weights, services["weight"].to_dict()),
                "radius_km": changed(radii, services["radius_km"].to_dict()),
            },
            source="form",
        )
        asked.ensure_valid_for(package)
    except InvalidInput as exc:
        for invalid in exc.problems:
            st.error(str(invalid))
        st.stop()
    st.query_params.from_dict(scenario_to_query(asked))
    st.session_state["plan_scenario"] = asked
elif linked is not None:
    st.session_state["plan_scenario"] = linked

scenario = st.session_state.get("plan_scenario")
if scenario is None:
    st.info(t("Set the scenario and press Run. The defaults use every funder's whole budget."))
    st.stop()

with st.spinner(t("Solving…")):
    plan = run_plan(city, scenario, actor)  # as this role may see it (service.plans)
shown = package
book = plan_view.name_book(
    shown, confidential_places=can(actor, Action.READ_CONFIDENTIAL_LOCATIONS)
)
if not plan_view.draw_status(plan, book):
    st.stop()

plan_view.draw_headline(plan, package.city.currency)
st.subheader(t("Against the baselines"))
plan_view.draw_baselines(plan, book)
st.subheader(t("What limits the plan"))
plan_view.draw_limits(plan, book)
st.subheader(t("Where the plan works"))
plan_view.draw_maps(plan, shown, book)
st.subheader(t("Funding per agency and funder"))
plan_view.draw_funding(plan, shown)

st.subheader(t("A report for funders"))
audience = "analyst" if can(actor, Action.READ_EXACT_COUNTS) else "funder"
plan_view.draw_report_download(  # from the plan and the city as this role may see them
    plan, shown, f"{city}:{data_version(city, actor)}:{scenario.model_dump_json()}", audience
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
