"""Overview: the city at a glance: capacity, demand, the gap, unmet need, data freshness."""

from datetime import date

import streamlit as st

from models.db import session_scope
from planner.access import Action, can, city_totals_for
from planner.i18n import fmt_number, t
from planner.overview import (
    data_freshness,
    district_measures,
    gap_by_month,
    largest_unmet_need,
    service_summary,
)
from ui import charts
from ui.auth import actor_allowed
from ui.chart_locale import localised
from ui.data import engine, status_quo_plan
from ui.layout import require_city, shown_city
from ui.navigation import through_the_app

through_the_app()

st.title(t("Haven"))
st.caption(t("The city's anti-trafficking services at a glance."))

actor = actor_allowed(Action.VIEW_CITY_TOTALS, t("see the city's totals"))
city = require_city()
package = shown_city(city, actor)

if not can(actor, Action.VIEW_AGGREGATES):
    st.subheader(t("City totals"))
    with session_scope(engine()) as session:
        totals = city_totals_for(actor, session, city)
    st.dataframe(
        totals,
        hide_index=True,
        column_config={
            "service_id": None,
            "name": t("Service"),
            "unit": t("Unit"),
            "capacity": st.column_config.NumberColumn(t("Capacity (units)"), format="%.0f"),
            "occupied": st.column_config.NumberColumn(t("Occupied (units)"), format="%.0f"),
            "cases": t("Cases, last 12 months"),
        },
    )
    st.stop()
exact = can(actor, Action.READ_EXACT_COUNTS)

measures = district_measures(package)
col1, col2, col3, col4 = st.columns(4)
col1.metric(t("Districts"), fmt_number(len(package.districts)))
col2.metric(t("Agencies"), fmt_number(len(package.agencies)))
col3.metric(t("Services"), fmt_number(len(package.services)))
col4.metric(t("Cases per month (last 12 months)"), fmt_number(measures["cases_per_month"].sum()))

st.subheader(t("Capacity and demand by service"))
st.caption(
    t("Demand: mean of the last 12 months, in each service's unit (cases × units per case).")
)
st.dataframe(
    service_summary(package),
    hide_index=True,
    column_config={
        "service_id": None,
        "name": t("Service"),
        "unit": t("Unit"),
        "capacity": st.column_config.NumberColumn(t("Capacity (units)"), format="%.0f"),
        "occupied": st.column_config.NumberColumn(t("Occupied (units)"), format="%.0f"),
        "agencies": st.column_config.NumberColumn(t("Agencies"), format="%d"),
        "occupancy": st.column_config.ProgressColumn(t("Occupancy"), format="percent"),
        "demand_units": st.column_config.NumberColumn(t("Demand (units/month)"), format="%.0f"),
        "gap": st.column_config.NumberColumn(t("Gap (demand − capacity)"), format="%.0f"),
    },
)

st.subheader(t("The gap over time"))
st.altair_chart(
    localised(
        charts.line_chart(
            gap_by_month(package),
            x="period",
            y="gap_units",
            color="service",
            x_title=t("Month"),
            y_title=t("Demand − today's capacity (units)"),
            color_title=t("Service"),
            zero_rule=True,
        )
    ),
    width="stretch",
)

left, right = st.columns(2)
left.subheader(t("Largest unmet need today"))
left.caption(t("Existing capacity assigned as well as it can be, with no new money."))
unmet = largest_unmet_need(package, status_quo_plan(city).coverage)
left.dataframe(
    unmet if exact else unmet[["name", "most_unmet_service"]],
    hide_index=True,
    column_config={
        "name": t("District"),
        "unmet": st.column_config.NumberColumn(t("Unmet (units, 12 months)"), format="%.0f"),
        "weighted_unmet": st.column_config.NumberColumn(t("Weighted unmet"), format="%.0f"),
        "most_unmet_service": t("Most unmet service"),
    },
)
right.subheader(t("Data freshness"))
freshness = data_freshness(package, date.today())
stale = int(freshness["stale"].sum())
right.caption(
    t(
        "{stale} of {count} agencies last updated more than 30 days ago.",
        stale=stale,
        count=len(freshness),
    )
)
right.dataframe(
    freshness.style.apply(
        lambda row: ["background-color: #fde2c8" if row["stale"] else "" for _ in row], axis=1
    ),
    hide_index=True,
    column_config={
        "agency_id": None,
        "agency": t("Agency"),
        "oldest_as_of": st.column_config.DateColumn(t("Oldest capacity update")),
        "age_days": st.column_config.NumberColumn(t("Age (days)"), format="%d"),
        "stale": st.column_config.CheckboxColumn(t("Older than 30 days")),
    },
)
