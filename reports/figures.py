"""The charts and maps of a report, as PNG (`reports.charts` builds and renders them).

For every audience but the analyst the coverage map is cut down to 5-point bands and leaves
out districts with fewer than k cases' worth of demand, so that it adds nothing precise to
the suppressed district table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.i18n import t
from reports import charts
from reports.tables import UNMET, baselines_table, funding_table
from reports.view import Chart, ReportView


def report_charts(view: ReportView) -> list[Chart]:
    """The unmet demand against the baselines, the new money by funder and service, and
    (when the city has districts) the maps of coverage and new money."""
    result = _comparison(view) + _money_by_funder(view)
    if len(view.context.districts):
        result += _maps(view)
    return result


def district_values(view: ReportView) -> tuple[pd.Series, pd.Series]:
    """Coverage per district and new money per district (where the agencies are)."""
    cells = view.cells.frame
    grouped = cells.groupby("district_id")
    demand = grouped["demand"].sum()
    coverage = grouped["served"].sum() / demand.where(demand > 0)
    if view.k > 1:
        per_case = cells["service_id"].map(view.services["units_per_case"]).fillna(1.0)
        cases = (cells["demand"] / per_case.astype(float)).groupby(cells["district_id"]).sum()
        coverage = np.floor(coverage * 20 + 1e-9) / 20
        coverage = coverage.where(cases.reindex(coverage.index) >= view.k)
    agencies = view.context.agencies.set_index("agency_id")["district_id"]
    funding = view.record.funding
    money = funding.groupby(funding["agency_id"].map(agencies))["amount"].sum()
    ids = view.context.districts["district_id"].to_numpy()
    return coverage.reindex(ids), money.reindex(ids).fillna(0.0)


def _comparison(view: ReportView) -> list[Chart]:
    comparison = baselines_table(view).frame.rename(columns={UNMET: "unmet"})
    if not len(comparison):
        return []
    chart = charts.comparison_bars(
        comparison,
        value="unmet",
        title=t("Unmet demand: the plan against the baselines"),
        value_title=t("unmet (unit-months)"),
        value_format=",.0f",
    )
    return [Chart(t("Unmet demand against the baselines"), charts.render_png(chart))]


def _money_by_funder(view: ReportView) -> list[Chart]:
    funding = funding_table(view).frame
    if not len(funding):
        return []
    chart = charts.stacked_bars(
        funding,
        category="funder",
        value=f"amount ({view.currency})",
        color="service",
        title=t("New money by funder and service"),
        category_title=t("Funder"),
        value_title=view.currency,
        color_title=t("Service"),
    )
    return [Chart(t("New money by funder and service"), charts.render_png(chart))]


def _maps(view: ReportView) -> list[Chart]:
    coverage, money = district_values(view)
    note = t("Grey: no demand")
    if view.k > 1:
        note = t("In 5-point bands; grey: fewer than {k} cases' worth of demand", k=view.k)
    coverage_map = charts.district_map(
        view.context.districts,
        coverage,
        title=t("Share of demand served by district"),
        value_title=t("coverage"),
        value_format=".0%",
        missing_note=note,
    )
    money_map = charts.district_map(
        view.context.districts,
        money.where(money > 0),
        title=t("New money by district (where the agencies are)"),
        value_title=view.currency,
        missing_note=t("Grey: no new money"),
    )
    return [
        Chart(t("Share of demand served by district"), charts.render_png(coverage_map), True),
        Chart(t("New money by district"), charts.render_png(money_map), True),
    ]
