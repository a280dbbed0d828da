"""Capacity map: districts by a measure, agencies on top, and what every agency offers."""

import streamlit as st

from planner.capacity_levels import STALE_AFTER_DAYS
from planner.i18n import N_, t
from planner.schema import AGENCY_KINDS
from service.access import Action, can
from ui import charts, groups_view
from ui.auth import actor_allowed
from ui.chart_locale import localised
from ui.data import capacity_map
from ui.layout import require_city, shown_city
from ui.navigation import through_the_app
from ui.recompute_view import draw_waiting, recomputing

through_the_app()

st.title(t("Capacity map"))
st.caption(t("Where the city's services are, and where the need is."))

actor = actor_allowed(Action.VIEW_MAP, t("see the capacity map"))
city = require_city(actor)
package = shown_city(city, actor)

services = dict(zip(package.services["service_id"], package.services["name"], strict=True))
MEASURES = {
    N_("Gap: demand − capacity located there (units/month)"): ("gap_units", ",.0f"),
    N_("Coverage today (share of demand served)"): ("coverage", ".0%"),
    N_("Demand per 10,000 residents (units/month)"): ("demand_per_10k", ",.1f"),
    N_("Capacity located in the district (units)"): ("capacity_units", ",.0f"),
    N_("Population"): ("population", ",.0f"),
}
left, middle, right = st.columns(3)
if not can(actor, Action.VIEW_AGGREGATES):  # the public: capacity only
    MEASURES = {k: v for k, v in MEASURES.items() if v[0] in ("capacity_units", "population")}
label = left.selectbox(t("Colour the districts by"), list(MEASURES), format_func=t)
# One service at a time: beds, slots, hours and calls are never added up on one scale.
service_id = middle.selectbox(t("Service"), list(services), format_func=lambda s: services[s])
kinds = right.multiselect(
    t("Kinds of agency"), AGENCY_KINDS, format_func=t, placeholder=t("All kinds")
)
column, fmt = MEASURES[label]

pending = recomputing(city, actor)  # after a write: coverage solved in the background
if pending is not None:
    draw_waiting(pending, lambda: recomputing(city, actor))
shown = capacity_map(city, actor, service_id, tuple(kinds), ready=pending is None)
shown = groups_view.filter_capacity_map(shown, package, service_id)  # issue 15: accepts, speaks
measures, points = shown.measures, shown.points
scope = services[service_id]
st.vega_lite_chart(
    spec=localised(
        charts.district_map_with_points(
            package.districts,
            measures,
            column,
            points,
            title=t(
                "{name}: {value}, {scope}",
                name=package.city.name,
                value=t(label).split(" (")[0].lower(),
                scope=scope,
            ),
            value_title=t(label),
            value_format=fmt,
            diverging=column == "gap_units",
        )
    ),
    width="stretch",
)
if column == "gap_units":
    st.caption(
        t(
            "Red: more demand than the capacity located in the district (a shortage); blue: "
            "more capacity than demand (a surplus); white: about even."
        )
    )
st.caption(
    t(
        "{count} agencies drawn, sized by capacity. Confidential shelters are "
        "drawn at their district's centre, never at their address. Coverage "
        "today: existing capacity assigned to demand within each service's "
        "radius, with no new money.",
        count=len(points),
    )
)

st.subheader(t("Agencies and their capacity"))
st.caption(
    t(
        "Capacity in each service's own unit per month, as of the oldest of each agency's "
        "figures; stale when one is older than {days} days or undated. Locations are not "
        "listed here.",
        days=STALE_AFTER_DAYS,
    )
)
st.dataframe(
    shown.agencies,
    hide_index=True,
    column_config={
        "id": t("Id"),
        "name": t("Agency"),
        "kind": t("Kind of agency"),
        "district": t("District"),
        "as_of": st.column_config.DateColumn(t("As of")),
        "stale": st.column_config.CheckboxColumn(
            t("Stale (older than {days} days)", days=STALE_AFTER_DAYS)
        ),
    },
)
