"""Demand: history and forecast per district and service, the backtest that chose the models,
forecast demand per resident, and the hidden population behind the counts."""

import streamlit as st

from planner.access import Action, can
from planner.demand_view import backtest_table, fan, forecast_per_resident
from planner.disclosure import resolve_k
from planner.hidden import estimate_hidden
from planner.problems import InvalidInput
from ui import charts
from ui.auth import actor_allowed
from ui.data import backtest, outlook, visible_package
from ui.hidden_view import read_uploaded_lists
from ui.layout import choose_city

st.title("Demand")
st.caption("Cases referred or asking for a service, and what the next 12 months may bring.")

actor = actor_allowed(Action.VIEW_AGGREGATES, "see demand by district and service")
city = choose_city()
if city is None:
    st.stop()
package = visible_package(city, actor)
forecasts = outlook(city)
exact = can(actor, Action.READ_EXACT_COUNTS)
districts = dict(zip(package.districts["district_id"], package.districts["name"], strict=True))
services = dict(zip(package.services["service_id"], package.services["name"], strict=True))

left, right = st.columns(2)
district_id = left.selectbox(
    "District" if exact else "District (city-wide only: district series hold small counts)",
    [None, *districts] if exact else [None],
    format_func=lambda d: "The whole city" if d is None else districts[d],
)
service_id = right.selectbox(
    "Service", [None, *services], format_func=lambda s: "All services" if s is None else services[s]
)
history, forecast = fan(forecasts, district_id, service_id)
where = "the whole city" if district_id is None else districts[district_id]
what = "all services" if service_id is None else services[service_id]
st.altair_chart(
    charts.fan_chart(
        history, forecast, title=f"Cases per month, {what}, {where}", y_title="Cases per month"
    ),
    width="stretch",
)
st.caption(
    "Line: observed. Dashed line and band: the forecast's median and its 80% interval "
    "(P10–P90), from 200 joint sample paths, so a total's band is the band of the total."
)

st.subheader("Forecast demand per resident")
per_resident = forecast_per_resident(package, forecasts, service_id)
if not exact:  # a rate times the population would give back a small count
    small = per_resident["cases_per_month"] < resolve_k(None)
    per_resident.loc[small, ["cases_per_month", "cases_per_10k"]] = float("nan")
st.altair_chart(
    charts.district_map(
        package.districts,
        per_resident,
        "cases_per_10k",
        title=f"Forecast cases per month per 10,000 residents, {what}",
        value_title="Cases per 10,000 residents",
        value_format=",.1f",
        tooltip_fields={"cases_per_month": "Cases per month", "population": "Population"},
        height=460,
    ),
    width="stretch",
)

st.subheader("How the forecasting models did")
result = backtest(city)
table = backtest_table(result)
winner = table[table["model"] != "chosen"].iloc[0]["model"]
st.caption(
    f"Rolling-origin backtest over {len(result.origins)} folds of 12 months. Lower MASE is "
    f"better; below 1 beats the seasonal naive forecast. Best overall: {winner}."
)
st.dataframe(
    table,
    hide_index=True,
    column_config={
        "model": "Model",
        "n": st.column_config.NumberColumn("Months scored", format="%d"),
        "mase": st.column_config.NumberColumn("MASE", format="%.3f"),
        "bias": st.column_config.NumberColumn("Bias (cases)", format="%.2f"),
        "bias_pct": st.column_config.NumberColumn("Bias (%)", format="%.1f"),
        "coverage": st.column_config.NumberColumn("80% interval coverage", format="percent"),
        "series_won": st.column_config.NumberColumn("Series chosen for", format="%d"),
    },
)

st.subheader("The hidden population")
st.caption(
    "Identified survivors are a fraction of all victims. Upload counts of people found on "
    "each combination of lists (one 0/1 column per list, and a count column) to estimate "
    "the total by multiple systems estimation."
)
upload = st.file_uploader("List-overlap counts (CSV)", type=["csv"])
if upload is not None:
    try:
        counts, lists, count = read_uploaded_lists(upload)
        estimate = estimate_hidden(counts, lists, count)
    except InvalidInput as exc:
        for problem in exc.problems:
            st.error(str(problem))
        st.stop()
    except ValueError as exc:
        st.error(f"{upload.name}: these counts cannot be estimated from ({exc}).")
        st.stop()
    c1, c2, c3 = st.columns(3)
    c1.metric("Observed on any list", f"{estimate.observed:,.0f}")
    c2.metric("Estimated total", f"{estimate.estimate:,.0f}")
    c3.metric("95% interval", f"{estimate.lower:,.0f} – {estimate.upper:,.0f}")
    st.caption(f"Model chosen by BIC: {estimate.model}.")
