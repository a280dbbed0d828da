"""Capacity map: districts by a measure, agencies on top, and what every agency offers."""

import streamlit as st

from planner.access import Action, can
from planner.overview import agency_points, capacity_by_agency, district_service_measures
from planner.schema import AGENCY_KINDS
from ui import charts
from ui.auth import actor_allowed
from ui.data import status_quo_plan, visible_package
from ui.layout import choose_city

st.title("Capacity map")
st.caption("Where the city's services are, and where the need is.")

actor = actor_allowed(Action.VIEW_MAP, "see the capacity map")
city = choose_city()
if city is None:
    st.stop()
package = visible_package(city, actor)
if package.city.notes:
    st.info(package.city.notes)

services = dict(zip(package.services["service_id"], package.services["name"], strict=True))
MEASURES = {
    "Gap: demand − capacity located there (units/month)": ("gap_units", ",.0f"),
    "Coverage today (share of demand served)": ("coverage", ".0%"),
    "Demand per 10,000 residents (units/month)": ("demand_per_10k", ",.1f"),
    "Capacity located in the district (units)": ("capacity_units", ",.0f"),
    "Population": ("population", ",.0f"),
}
left, middle, right = st.columns(3)
if not can(actor, Action.VIEW_AGGREGATES):  # the public: capacity only
    MEASURES = {k: v for k, v in MEASURES.items() if v[0] in ("capacity_units", "population")}
label = left.selectbox("Colour the districts by", list(MEASURES))
service_id = middle.selectbox(
    "Service", [None, *services], format_func=lambda s: "All services" if s is None else services[s]
)
kinds = right.multiselect("Kinds of agency", AGENCY_KINDS, placeholder="All kinds")
column, fmt = MEASURES[label]

measures = district_service_measures(package, status_quo_plan(city).coverage, service_id)
points = agency_points(package, service_id, tuple(kinds))
scope = "all services" if service_id is None else services[service_id]
st.altair_chart(
    charts.district_map_with_points(
        package.districts,
        measures,
        column,
        points,
        title=f"{package.city.name}: {label.split(' (')[0].lower()}, {scope}",
        value_title=label,
        value_format=fmt,
    ),
    width="stretch",
)
st.caption(
    f"{len(points)} agencies drawn, sized by capacity. Confidential shelters are drawn at "
    "their district's centre, never at their address. Coverage today: existing capacity "
    "assigned to demand within each service's radius, with no new money."
)

st.subheader("Agencies and their capacity")
st.caption("Capacity in each service's own unit per month. Locations are not listed here.")
st.dataframe(capacity_by_agency(package), hide_index=True)
