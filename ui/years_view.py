"""The Plan page's years (issue 20): capacity, money and coverage per plan year, the funding
cliffs, and what keeping coverage flat would cost.

Shown only for a plan with years (a horizon above 12 months and a funder with a window:
planner.years); the plan comes through service/ as this reader may see it, and coverage is
shown only where the plan's own totals are (reports.briefing_years says the same in the
report).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from planner.i18n import t
from planner.optimiser import Plan
from planner.package import CityPackage
from reports.briefing_years import cliffs_frame, years_frame, years_lines
from reports.layout import header
from ui.chart_locale import localised


def years_chart(frame: pd.DataFrame, currency: str) -> alt.Chart:
    """Money per year as bars, capacity in operation as a line (a pure chart builder)."""
    money = f"amount ({currency})"
    data = frame.rename(columns={money: "money", "capacity in operation (units)": "capacity"})
    base = alt.Chart(data).encode(x=alt.X("year:O", title=t("Year")))
    bars = base.mark_bar(opacity=0.6).encode(
        y=alt.Y("money:Q", title=t("Money ({currency})", currency=currency)),
        tooltip=["year", "money", "capacity"],
    )
    line = base.mark_line(point=True, color="#c0392b").encode(
        y=alt.Y("capacity:Q", title=t("Capacity in operation (units)"))
    )
    return alt.layer(bars, line).resolve_scale(y="independent")


def draw_years(plan: Plan, package: CityPackage) -> None:
    """The plan's years, when it has them (nothing otherwise)."""
    years = getattr(plan, "years", None)
    if years is None:
        return
    currency = package.city.currency
    st.subheader(t("Year by year, and the funding cliffs"))
    if not years.has_plan:
        st.warning(t("No year-by-year plan: {status}.", status=t(years.status)))
        return
    summary = years.to_dict()
    coverage_shown = plan.totals.served is not None
    frame = years_frame(summary, currency, coverage_shown=coverage_shown)
    st.caption(
        t(
            "Each funder pays only in the months of its grant window: capacity it paid for "
            "ends with its grant unless another funder pays (the funding cliff)."
        )
        + " "
        + t(
            "The plan is made year by year: its capacity added is the most in operation in "
            "any year, its funding each funder's money over all the years."
        )
    )
    st.altair_chart(localised(years_chart(frame, currency)), width="stretch")
    shown = frame if coverage_shown else frame.drop(columns=["coverage (share of demand)"])
    st.dataframe(
        shown.rename(columns=header),
        hide_index=True,
        column_config={
            header("coverage (share of demand)"): st.column_config.NumberColumn(format="percent")
        },
    )
    for line in years_lines(summary, currency, coverage_shown=coverage_shown):
        st.markdown(t("- {reason}", reason=line))
    names = package.agencies.set_index("agency_id")["name"].astype(str).to_dict()
    services = package.services.set_index("service_id")["name"].astype(str).to_dict()
    funders = package.funders.set_index("funder_id")["name"].astype(str).to_dict()
    cliffs = cliffs_frame(summary, names, services, funders)
    if len(cliffs):
        with st.expander(t("Where the funding cliffs fall")):
            st.dataframe(cliffs.rename(columns=header), hide_index=True)
