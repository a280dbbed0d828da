"""Demand: history and forecast per district and service, the backtest that chose the models,
forecast demand per resident, and the hidden population behind the counts."""

import streamlit as st

from planner.demand_view import backtest_table
from planner.hidden import estimate_hidden
from planner.i18n import fmt_number, t
from planner.problems import InvalidInput
from service.access import Action, can
from ui import charts, data_view
from ui.auth import actor_allowed
from ui.chart_locale import localised
from ui.data import backtest, demand_fan, forecast_per_resident, visible_package
from ui.hidden_view import draw_plan_offer, read_uploaded_lists
from ui.layout import in_language, require_city
from ui.navigation import through_the_app

through_the_app()

st.title(t("Demand"))
st.caption(t("Cases referred or asking for a service, and what the next 12 months may bring."))

actor = actor_allowed(Action.VIEW_AGGREGATES, t("see demand by district and service"))
city = require_city(actor)
package = visible_package(city, actor)
exact = can(actor, Action.READ_EXACT_COUNTS)
districts = dict(zip(package.districts["district_id"], package.districts["name"], strict=True))
services = dict(zip(package.services["service_id"], package.services["name"], strict=True))

left, right = st.columns(2)
district_id = left.selectbox(
    t("District") if exact else t("District (city-wide only: district series hold small counts)"),
    [None, *districts] if exact else [None],
    format_func=lambda d: t("The whole city") if d is None else districts[d],
)
service_id = right.selectbox(
    t("Service"),
    [None, *services],
    format_func=lambda s: t("All services") if s is None else services[s],
)
history, forecast = demand_fan(city, actor, district_id, service_id)  # the published history
where = t("the whole city") if district_id is None else districts[district_id]
what = t("all services") if service_id is None else services[service_id]
st.altair_chart(
    localised(
        charts.fan_chart(
            history,
            forecast,
            title=t("Cases per month, {what}, {where}", what=what, where=where),
            y_title=t("Cases per month"),
        )
    ),
    width="stretch",
)
st.caption(
    t(
        "Line: observed. Dashed line and band: the forecast's median and its 80% interval "
        "(P10–P90), from 200 joint sample paths, so a total's band is the band of the total."
    )
)
if len(forecast) and "mean" in forecast.columns:
    st.caption(
        t(
            "Expected over the next {months} months: {cases} cases, the demand a plan for "
            "the expected demand plans for (in cases; the Overview shows it in units).",
            months=len(forecast),
            cases=fmt_number(float(forecast["mean"].sum())),
        )
    )

st.subheader(t("Forecast demand per resident"))
per_resident = forecast_per_resident(city, actor, service_id)  # small figures hidden
st.vega_lite_chart(
    spec=localised(
        charts.district_map(
            package.districts,
            per_resident,
            "cases_per_10k",
            title=t("Forecast cases per month per 10,000 residents, {what}", what=what),
            value_title=t("Cases per 10,000 residents"),
            value_format=",.1f",
            tooltip_fields={"cases_per_month": t("Cases per month"), "population": t("Population")},
            height=460,
        )
    ),
    width="stretch",
)

st.subheader(t("How the forecasting models did"))
result = backtest(city, actor)
table = backtest_table(result)
models = table[table["model"] != "chosen"]["model"]
winner = models.iloc[0] if len(models) else "—"  # a short history leaves nothing to score
st.caption(
    t(
        "Rolling-origin backtest over {count} folds of 12 months. Lower MASE is "
        "better; below 1 beats the seasonal naive forecast. Best overall: "
        "{winner}.",
        count=len(result.origins),
        winner=winner,
    )
)
st.dataframe(
    in_language(table, numbers={"n": 0, "mase": 3, "bias": 2, "bias_pct": 1, "series_won": 0}),
    hide_index=True,
    column_config={
        "model": t("Model"),
        "n": st.column_config.NumberColumn(t("Months scored")),
        "mase": st.column_config.NumberColumn(t("MASE")),
        "bias": st.column_config.NumberColumn(t("Bias (cases)")),
        "bias_pct": st.column_config.NumberColumn(t("Bias (%)")),
        "coverage": st.column_config.NumberColumn(t("80% interval coverage"), format="percent"),
        "series_won": st.column_config.NumberColumn(t("Series chosen for")),
    },
)

st.subheader(t("Hotline contacts"))
data_view.draw_hotline(actor, city)  # trends beside demand; small counts as for this reader

st.subheader(t("The hidden population"))
st.caption(
    t(
        "Identified survivors are a fraction of all victims. Upload counts of people found on "
        "each combination of lists (one 0/1 column per list, and a count column) to estimate "
        "the total by multiple systems estimation."
    )
)
upload = st.file_uploader(t("List-overlap counts (CSV)"), type=["csv"])
if upload is not None:
    try:
        counts, lists, count = read_uploaded_lists(upload)
        estimate = estimate_hidden(counts, lists, count)
    except InvalidInput as exc:
        for problem in exc.problems:
            st.error(str(problem))
        st.stop()
    except ValueError as exc:
        st.error(
            t("{name}: these counts cannot be estimated from ({exc}).", name=upload.name, exc=exc)
        )
        st.stop()
    c1, c2, c3 = st.columns(3)
    c1.metric(t("Observed on any list"), fmt_number(estimate.observed))
    c2.metric(t("Estimated total"), fmt_number(estimate.estimate))
    c3.metric(t("95% interval"), f"{fmt_number(estimate.lower)} – {fmt_number(estimate.upper)}")
    st.caption(t("Model chosen by BIC: {model}.", model=estimate.model))
    if can(actor, Action.RUN_SCENARIOS):
        draw_plan_offer(estimate)
