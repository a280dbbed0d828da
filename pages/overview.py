"""Overview: the city at a glance: capacity, demand, the gap, unmet need, data freshness."""

from datetime import date

import streamlit as st

from models.db import session_scope
from planner.access import Action, can, city_totals_for
from planner.overview import (
    data_freshness,
    district_measures,
    gap_by_month,
    largest_unmet_need,
    service_summary,
)
from ui import charts
from ui.auth import actor_allowed
from ui.data import engine, status_quo_plan, visible_package
from ui.layout import choose_city

st.title("Haven")
st.caption("The city's anti-trafficking services at a glance.")

actor = actor_allowed(Action.VIEW_CITY_TOTALS, "see the city's totals")
city = choose_city()
if city is None:
    st.stop()
package = visible_package(city, actor)
if package.city.notes:
    st.info(package.city.notes)

if not can(actor, Action.VIEW_AGGREGATES):
    st.subheader("City totals")
    with session_scope(engine()) as session:
        totals = city_totals_for(actor, session, city)
    st.dataframe(
        totals,
        hide_index=True,
        column_config={
            "service_id": None,
            "name": "Service",
            "unit": "Unit",
            "capacity": st.column_config.NumberColumn("Capacity (units)", format="%.0f"),
            "occupied": st.column_config.NumberColumn("Occupied (units)", format="%.0f"),
            "cases": "Cases, last 12 months",
        },
    )
    st.stop()
exact = can(actor, Action.READ_EXACT_COUNTS)

measures = district_measures(package)
col1, col2, col3, col4 = st.columns(4)
col1.metric("Districts", f"{len(package.districts):,}")
col2.metric("Agencies", f"{len(package.agencies):,}")
col3.metric("Services", f"{len(package.services):,}")
col4.metric("Cases per month (last 12 months)", f"{measures['cases_per_month'].sum():,.0f}")

st.subheader("Capacity and demand by service")
st.caption("Demand: mean of the last 12 months, in each service's unit (cases × units per case).")
st.dataframe(
    service_summary(package),
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

st.subheader("The gap over time")
st.altair_chart(
    charts.line_chart(
        gap_by_month(package),
        x="period",
        y="gap_units",
        color="service",
        x_title="Month",
        y_title="Demand − today's capacity (units)",
        color_title="Service",
        zero_rule=True,
    ),
    width="stretch",
)

left, right = st.columns(2)
left.subheader("Largest unmet need today")
left.caption("Existing capacity assigned as well as it can be, with no new money.")
unmet = largest_unmet_need(package, status_quo_plan(city).coverage)
left.dataframe(
    unmet if exact else unmet[["name", "most_unmet_service"]],
    hide_index=True,
    column_config={
        "name": "District",
        "unmet": st.column_config.NumberColumn("Unmet (units, 12 months)", format="%.0f"),
        "weighted_unmet": st.column_config.NumberColumn("Weighted unmet", format="%.0f"),
        "most_unmet_service": "Most unmet service",
    },
)
right.subheader("Data freshness")
freshness = data_freshness(package, date.today())
stale = int(freshness["stale"].sum())
right.caption(f"{stale} of {len(freshness)} agencies last updated more than 30 days ago.")
right.dataframe(
    freshness.style.apply(
        lambda row: ["background-color: #fde2c8" if row["stale"] else "" for _ in row], axis=1
    ),
    hide_index=True,
    column_config={
        "agency_id": None,
        "agency": "Agency",
        "oldest_as_of": st.column_config.DateColumn("Oldest capacity update"),
        "age_days": st.column_config.NumberColumn("Age (days)", format="%d"),
        "stale": st.column_config.CheckboxColumn("Older than 30 days"),
    },
)
