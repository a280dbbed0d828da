"""Compare: two to four saved plans side by side, for funders."""

import streamlit as st

from planner.compare import coverage_difference
from planner.i18n import t
from service import access
from service.access import Action
from ui import briefing_view, compare_charts, compare_view
from ui.auth import actor_or_login
from ui.chart_locale import localised
from ui.layout import require_city
from ui.navigation import through_the_app
from ui.recompute_view import PLANS, draw_waiting

through_the_app()

st.title(t("Compare"))
st.caption(
    t("Saved scenarios side by side: what each serves, how fairly, and where the money goes.")
)

actor = actor_or_login()
if not access.can(actor, Action.RUN_SCENARIOS):
    st.info(t("Comparing plans is for funders, analysts and admins: log in with such an account."))
    st.stop()
city = require_city(actor)
saved = compare_view.saved_scenarios(city, actor)
if len(saved) < 2:
    st.info(
        t(
            "Comparing needs two saved scenarios; {city} has {count}. On the Plan "
            "page, run a scenario, give it a name and press “Save scenario” under "
            "its results; then change the settings, run and save again.",
            city=city,
            count=len(saved),
        )
    )
    st.stop()

by_name = {s.name: s for s in saved}
chosen = st.multiselect(
    t("Scenarios to compare (two to four; the first is the reference)"),
    list(by_name),
    default=list(by_name)[:2],
    max_selections=4,
)
if len(chosen) < 2:
    st.info(t("Choose at least two scenarios."))
    st.stop()
for name in chosen:
    if by_name[name].note:
        # as text, not Markdown: a note is anyone's words (no outside image, no link)
        st.text(t("{name}: {note}", name=name, note=by_name[name].note))

# After a write the background worker solves the first saved scenarios again: say so with
# its progress, instead of solving them a second time here (issue 14).
pending = compare_view.pending(city, actor, chosen)
if pending is not None:
    draw_waiting(pending, lambda: compare_view.pending(city, actor, chosen), note=PLANS)
    st.stop()
with st.spinner(t("Solving the scenarios (once per data version)…")):
    comparison = compare_view.compare(city, actor, chosen)
for problem in comparison.problems:
    st.warning(problem)
tables = comparison.tables
if tables is None:
    st.error(t("Fewer than two of the chosen scenarios have a plan: choose others to compare."))
    st.stop()
assert tables is not None
package = comparison.package  # as this role may see it: confidential agencies masked
currency = package.city.currency
first, second = tables.plans[0], tables.plans[1]

basis_warning = compare_view.demand_basis_warning(tables)
if basis_warning:
    st.warning(basis_warning)
st.subheader(t("What the scenarios set differently"))
parameters = compare_view.parameter_table(tables, package)
if parameters.empty:
    st.caption(t("The scenarios set every parameter alike: only their names differ."))
else:
    st.dataframe(parameters, hide_index=True)

st.subheader(t("Side by side"))
st.caption(
    t(
        "Units are each service's own (beds, slots, hours) summed over each scenario's horizon; "
        "district coverage counts only districts with demand."
    )
)
st.dataframe(compare_view.side_by_side(tables, currency, package), hide_index=True)

st.subheader(t("Funding per agency"))
if tables.funding_difference["difference"].abs().max() > 0.5:
    st.altair_chart(
        localised(
            compare_charts.funding_difference_chart(
                tables.funding_difference, reference=first, currency=currency
            )
        ),
        width="stretch",
    )
else:
    st.info(t("Every agency gets the same funding in these plans as in “{first}”.", first=first))
with st.expander(t("Funding per agency and funder, in full")):
    compare_view.draw_funding_tables(tables, currency)

st.subheader(t("Where “{second}” differs from “{first}”", second=second, first=first))
difference = coverage_difference(tables, first, second)
st.vega_lite_chart(
    spec=localised(
        compare_charts.difference_map(
            package.districts,
            difference,
            title=t(
                "Change in coverage of demand, from “{first}” to “{second}”",
                first=first,
                second=second,
            ),
            first=first,
            second=second,
        )
    ),
    width="stretch",
)
st.caption(t("Orange: more of the district's demand served; blue: less; grey: no demand."))

with st.expander(t("Coverage of each plan")):
    columns = st.columns(len(tables.plans))
    for column, plan_name in zip(columns, tables.plans, strict=True):
        coverage = tables.district_coverage[["name", plan_name]]
        column.vega_lite_chart(
            spec=localised(
                compare_charts.coverage_map(
                    package.districts,
                    coverage.rename(columns={plan_name: "coverage"}),
                    title=plan_name,
                )
            ),
            width="stretch",
        )

briefing_view.draw_briefing(city, actor, chosen)  # issue 20 (YEARS): the council briefing
