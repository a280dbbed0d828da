"""Overview: the city at a glance: capacity, demand, the gap, unmet need, data freshness."""

import streamlit as st

from planner.i18n import fmt_number, t
from service.access import Action, can
from ui import charts, flow_view, groups_view
from ui.auth import actor_allowed
from ui.chart_locale import localised
from ui.data import city_totals, overview
from ui.layout import in_language, require_city, shown_city
from ui.navigation import through_the_app
from ui.recompute_view import draw_waiting, recomputing

through_the_app()

st.title(t("Haven"))
st.caption(t("The city's anti-trafficking services at a glance."))

actor = actor_allowed(Action.VIEW_CITY_TOTALS, t("see the city's totals"))
city = require_city(actor)
shown_city(city, actor)  # its notes

if not can(actor, Action.VIEW_AGGREGATES):
    st.subheader(t("City totals"))
    st.dataframe(
        in_language(city_totals(city, actor), {"capacity": 0, "occupied": 0}),
        hide_index=True,
        column_config={
            "service_id": None,
            "name": t("Service"),
            "unit": t("Unit"),
            "capacity": st.column_config.NumberColumn(t("Capacity (units)"), step=1),
            "occupied": st.column_config.NumberColumn(t("Occupied (units)"), step=1),
            "cases": t("Cases, last 12 months"),
        },
    )
    st.stop()
# After a write the status quo is solved in the background: the page draws the rest now,
# says what is still being computed, and runs again when it is ready (issue 14).
pending = recomputing(city, actor)
if pending is not None:
    draw_waiting(pending, lambda: recomputing(city, actor))
figures = overview(city, actor, ready=pending is None)  # one suppression of this audience

col1, col2, col3, col4 = st.columns(4)
col1.metric(t("Districts"), fmt_number(figures.districts))
col2.metric(t("Agencies"), fmt_number(figures.agencies))
col3.metric(t("Services"), fmt_number(figures.services_count))
col4.metric(
    t("Cases per month (last 12 months)"),
    "—" if figures.cases_per_month is None else fmt_number(figures.cases_per_month),
)

st.subheader(t("Capacity and demand by service"))
st.caption(
    t(
        "In each service's unit (cases × units per case). Demand: the mean of the last 12 "
        "months; forecast: the expected demand of the next 12 months, per month (what a plan "
        "for the expected demand plans for), from the models chosen on the Demand page."
    )
)
st.dataframe(
    in_language(
        figures.services,
        {
            column: 0
            for column in (
                "agencies",
                "capacity",
                "demand_units",
                "gap",
                "forecast_units",
                "forecast_gap",
            )
        },
    ),
    hide_index=True,
    column_order=[
        "name",
        "unit",
        "agencies",
        "capacity",
        "occupancy",
        "demand_units",
        "gap",
        "forecast_units",
        "forecast_gap",
    ],
    column_config={
        "name": st.column_config.TextColumn(t("Service"), width=240),
        "unit": st.column_config.TextColumn(t("Unit"), width=55),
        "agencies": st.column_config.NumberColumn(t("Agencies"), step=1, width=70),
        "capacity": st.column_config.NumberColumn(
            t("Capacity"),
            step=1,
            width=72,
            help=t("Units of the service today."),
        ),
        "occupancy": st.column_config.ProgressColumn(
            t("Occupancy"), format="percent", width=100, help=t("Occupied / capacity.")
        ),
        "demand_units": st.column_config.NumberColumn(
            t("Demand/month"),
            step=1,
            width=100,
            help=t("Units per month, the mean of the last 12 months."),
        ),
        "gap": st.column_config.NumberColumn(
            t("Gap"), step=1, width=60, help=t("Demand − capacity, units.")
        ),
        "forecast_units": st.column_config.NumberColumn(
            t("Forecast/month"),
            step=1,
            width=105,
            help=t("Units per month, the expected demand of the next 12 months."),
        ),
        "forecast_gap": st.column_config.NumberColumn(
            t("Forecast gap"),
            step=1,
            width=100,
            help=t("Forecast − capacity, units."),
        ),
    },
)

flow_view.draw_city_flow(city, actor)  # FLOW (issue 16): referral pathways as a Sankey
groups_view.draw_overview_groups(
    city, actor, ready=pending is None
)  # issue 15: coverage and cases by group
st.subheader(t("The gap over time"))
trend = figures.gap_trend.copy()
trend["kind"] = trend["observed"].map({True: t("observed"), False: t("forecast (median)")})
st.altair_chart(
    localised(
        charts.line_chart(
            trend,
            x="period",
            y="gap_units",
            color="service",
            x_title=t("Month"),
            y_title=t("Demand − today's capacity (units)"),
            color_title=t("Service"),
            zero_rule=True,
            dash="kind",
            dash_title=t("Demand"),
        )
    ),
    width="stretch",
)
st.caption(
    t(
        "Above zero, a service's demand exceeds all of today's capacity. Solid: observed "
        "months; dashed: the forecast median of the next 12 months."
    )
)

left, right = st.columns(2)
left.subheader(t("Largest unmet need today"))
left.caption(t("Existing capacity assigned as well as it can be, with no new money."))
if figures.unmet is None:
    left.info(t("Being computed for the new data: shown here when ready."))
else:
    left.dataframe(
        in_language(figures.unmet, {"unmet": 0, "weighted_unmet": 0}),
        hide_index=True,
        column_config={
            "name": t("District"),
            "unmet": st.column_config.NumberColumn(t("Unmet (units, 12 months)"), step=1),
            "weighted_unmet": st.column_config.NumberColumn(t("Weighted unmet"), step=1),
            "most_unmet_service": t("Most unmet service"),
        },
    )
right.subheader(t("Data freshness"))
freshness = figures.freshness
if len(figures.funded_gaps):  # issue 19 (LIVE): the agencies are listed on the Data page
    right.warning(
        t(
            "{count} agencies have more than 10 % of their funded units out of service "
            "(the Data page lists them).",
            count=len(figures.funded_gaps),
        )
    )
stale = int(freshness["stale"].sum())
right.caption(
    t(
        "{stale} of {count} agencies last updated more than 30 days ago.",
        stale=stale,
        count=len(freshness),
    )
)
right.dataframe(
    in_language(
        freshness.style.apply(
            lambda row: ["background-color: #fde2c8" if row["stale"] else "" for _ in row], axis=1
        ),
        {"age_days": 0},
    ),
    hide_index=True,
    column_config={
        "agency_id": None,
        "agency": t("Agency"),
        "oldest_as_of": st.column_config.DateColumn(t("Oldest capacity update")),
        "age_days": st.column_config.NumberColumn(t("Age (days)"), step=1),
        "stale": st.column_config.CheckboxColumn(t("Older than 30 days")),
    },
)
