"""The city at a glance: its districts on a map and what every agency offers."""

import streamlit as st

from planner.overview import capacity_by_agency, district_measures, service_summary
from ui import charts
from ui.data import city_package
from ui.layout import choose_city

st.title("Haven")
st.caption("Where the city's anti-trafficking services are, and where the need is.")

city = choose_city()
if city is None:
    st.stop()
package = city_package(city)
if package.city.notes:
    st.info(package.city.notes)

measures = district_measures(package)
services = service_summary(package)

col1, col2, col3, col4 = st.columns(4)
col1.metric("Districts", f"{len(package.districts):,}")
col2.metric("Agencies", f"{len(package.agencies):,}")
col3.metric("Services", f"{len(package.services):,}")
col4.metric("Cases per month (last 12 months)", f"{measures['cases_per_month'].sum():,.0f}")

MEASURES = {
    "Cases per 10,000 residents per month": ("cases_per_10k", ",.1f"),
    "Cases per month": ("cases_per_month", ",.0f"),
    "Population": ("population", ",.0f"),
    "Capacity located in the district (all units)": ("capacity", ",.0f"),
}
label = st.selectbox("Colour the districts by", list(MEASURES))
column, fmt = MEASURES[label]
st.altair_chart(
    charts.district_map(
        package.districts,
        measures,
        column,
        title=f"{package.city.name}: {label.lower()}",
        value_title=label,
        value_format=fmt,
        tooltip_fields={"population": "Population", "cases_per_month": "Cases per month"},
    ),
    width="stretch",
)

st.subheader("Capacity and demand by service")
st.caption("Demand: mean of the last 12 months, in each service's unit (cases × units per case).")
st.dataframe(
    services,
    hide_index=True,
    column_config={
        "service_id": None,
        "name": "Service",
        "unit": "Unit",
        "capacity": st.column_config.NumberColumn("Capacity (units)", format="%.0f"),
        "occupied": st.column_config.NumberColumn("Occupied (units)", format="%.0f"),
        "agencies": st.column_config.NumberColumn("Agencies", format="%d"),
        "occupancy": st.column_config.ProgressColumn("Occupancy", format="percent"),
        "demand_units": st.column_config.NumberColumn("Demand (units/month)", format="%.0f"),
        "gap": st.column_config.NumberColumn("Gap (demand − capacity)", format="%.0f"),
    },
)

st.subheader("Agencies and their capacity")
st.caption("Capacity in each service's own unit per month. Locations are not listed here.")
st.dataframe(capacity_by_agency(package), hide_index=True)
