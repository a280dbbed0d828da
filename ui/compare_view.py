"""The Compare page's helpers: the comparison in words and tables.

The saved scenarios are solved again and compared by `service.plans.compare` (cached per
data version and scenario), for the actor's audience: confidential agencies masked, counts
suppressed. A saved summary is not used: it holds totals only (no funding per agency, no
coverage per district, which the chart and the map need), and it does not record the data
version it was solved on.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from planner.compare import ComparisonTables
from planner.i18n import fmt_number, fmt_percent, t
from service import plans
from service.access import Actor
from service.plans import Comparison, SavedScenario
from ui.layout import money


def saved_scenarios(city_name: str, actor: Actor) -> list[SavedScenario]:
    """The city's saved scenarios, by name (read fresh: saving one does not change the data
    version)."""
    return plans.saved_scenarios(actor, city_name)


def compare(city_name: str, actor: Actor, names: list[str]) -> Comparison:
    """The chosen saved scenarios compared, as the actor may see them."""
    return plans.compare(actor, city_name, names)


def side_by_side(tables: ComparisonTables, currency: str) -> pd.DataFrame:
    """One row per measure (with its unit), one column of formatted figures per plan."""
    totals: dict[str, dict[str, float]] = tables.totals.to_dict("index")  # type: ignore[assignment]

    def units(value: float) -> str:
        return "—" if math.isnan(value) else fmt_number(value)

    def share(value: float) -> str:
        return "—" if math.isnan(value) else fmt_percent(value)

    def points(value: float) -> str:
        return "—" if math.isnan(value) else t("{points} pts", points=fmt_number(value * 100, 1))

    def cash(value: float) -> str:
        return "—" if math.isnan(value) else money(value, currency)

    rows = [
        (t("Demand over the horizon (units)"), "demand", units),
        (t("Served (units)"), "served", units),
        (t("Unmet (units)"), "unmet", units),
        (t("Coverage (share of demand served)"), "coverage", share),
        (t("Budget ({currency})", currency=currency), "budget", cash),
        (t("New money spent ({currency})", currency=currency), "money_spent", cash),
        (t("Units added (beds, slots, hours)"), "units_added", units),
        (
            t("New money per unit served ({currency})", currency=currency),
            "money_per_unit_served",
            cash,
        ),
        (
            t("Cost per additional unit served vs today ({currency})", currency=currency),
            "cost_per_additional_unit_served",
            cash,
        ),
        (t("Lowest district coverage"), "lowest_district_coverage", share),
        (t("Spread between districts (max − min)"), "coverage_spread", points),
        (t("Spread between districts (interquartile range)"), "coverage_iqr", points),
    ]
    table = pd.DataFrame(
        {
            plan: [fmt(float(totals[plan][column])) for _, column, fmt in rows]
            for plan in tables.plans
        },
        index=pd.Index([label for label, _, _ in rows], name=t("Measure")),
    )
    return table.reset_index()


def draw_funding_tables(tables: ComparisonTables, currency: str) -> None:
    """Funding per agency and per funder, one money column per plan."""
    number_format = "dollar" if currency == "USD" else "localized"
    money_columns = {
        plan: st.column_config.NumberColumn(
            t("{plan} ({currency})", plan=plan, currency=currency), format=number_format
        )
        for plan in tables.plans
    }
    st.dataframe(
        tables.funding,
        hide_index=True,
        column_config={"agency_name": t("Agency"), **money_columns},
    )
    st.caption(t("Per funder"))
    st.dataframe(
        tables.funding_by_funder,
        hide_index=True,
        column_config={"funder_name": t("Funder"), **money_columns},
    )
