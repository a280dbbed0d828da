"""Years and funding cliffs in words and tables (issue 20): for the plan's report, the Plan
page (ui.years_view) and the council briefing.

Everything reads plan.json's optional `years` (planner.years.YearsResult.to_dict), so a plan
in memory and a plan folder are said alike. No count of cases is shown here: capacity is in
units of the services, money in the city's currency, and coverage (a share) only where the
reader sees the plan's own totals (`coverage_shown`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from planner.i18n import N_, fmt_percent, t
from reports.layout import cell_text
from reports.view import ReportTable, ReportView

YEAR_COLUMNS = (
    "year",
    "first month",
    "last month",
    "capacity in operation (units)",
    "amount ({currency})",
    "coverage (share of demand)",
    "capacity losing its funding (units)",
)
HEADERS = (N_("first month"), N_("last month"), N_("units lost"), N_("funders whose grant ended"))


def years_frame(years: Mapping[str, Any], currency: str, *, coverage_shown: bool) -> pd.DataFrame:
    """One row per plan year: its months, capacity in operation added, money, coverage (NaN
    when not shown) and the capacity that loses its funding that year."""
    records = list(years.get("by_year") or [])
    frame = pd.DataFrame(records)
    if frame.empty:
        return pd.DataFrame(columns=[c.format(currency=currency) for c in YEAR_COLUMNS])
    coverage = frame["coverage"].astype(float) if coverage_shown else float("nan")
    return pd.DataFrame(
        {
            "year": frame["year"].astype(int),
            "first month": frame["first_period"].astype(str),
            "last month": frame["last_period"].astype(str),
            "capacity in operation (units)": frame["capacity_units"].astype(float),
            f"amount ({currency})": frame["money"].astype(float),
            "coverage (share of demand)": coverage,
            "capacity losing its funding (units)": frame["cliff_units"].astype(float),
        }
    )


def cliffs_frame(
    years: Mapping[str, Any],
    agency_names: Mapping[Any, str],
    service_names: Mapping[Any, str],
    funder_names: Mapping[Any, str],
) -> pd.DataFrame:
    """Per year, agency and service: the units that lose their funding, and the funders
    whose window ended (names as the reader may see them)."""
    frame = pd.DataFrame(list(years.get("cliffs") or []))
    columns = ["year", "agency", "service", "units lost", "funders whose grant ended"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    ended = frame["funders_ended"].fillna("").astype(str)
    return pd.DataFrame(
        {
            "year": frame["year"].astype(int),
            "agency": [agency_names.get(str(a), str(a)) for a in frame["agency_id"]],
            "service": [service_names.get(str(s), str(s)) for s in frame["service_id"]],
            "units lost": frame["units"].astype(float),
            "funders whose grant ended": [
                ", ".join(funder_names.get(f, f) for f in text.split(";") if f) for text in ended
            ],
        }
    )


def years_lines(years: Mapping[str, Any], currency: str, *, coverage_shown: bool) -> list[str]:
    """The cliffs and the flat-coverage variant in sentences (figures as the tables write
    them)."""
    lines = []
    for record in years.get("by_year") or []:
        units = float(record.get("cliff_units") or 0.0)
        if units > 1e-6:
            lines.append(
                t(
                    "In year {year}, {units} units of capacity lose their funding: a grant "
                    "ended and no other funder pays for them.",
                    year=int(record["year"]),
                    units=cell_text(units),
                )
            )
    flat = years.get("flat")
    if flat:
        if flat.get("status") in ("optimal", "time_limit") and flat.get("extra_cost") is not None:
            extra = max(0.0, float(flat["extra_cost"]))
            bridge = max(0.0, float(flat.get("bridge_money") or 0.0))
            target = flat.get("target")
            if coverage_shown and target is not None:
                lines.append(
                    t(
                        "Keeping coverage at the first year's {coverage} every year would "
                        "cost {extra} {currency} more than this plan, {bridge} {currency} of "
                        "it new money beyond the grants.",
                        coverage=fmt_percent(float(target)),
                        extra=cell_text(extra),
                        bridge=cell_text(bridge),
                        currency=currency,
                    )
                )
            else:
                lines.append(
                    t(
                        "Keeping coverage at the first year's level every year would cost "
                        "{extra} {currency} more than this plan, {bridge} {currency} of it new "
                        "money beyond the grants.",
                        extra=cell_text(extra),
                        bridge=cell_text(bridge),
                        currency=currency,
                    )
                )
        else:
            lines.append(t("Coverage cannot be kept at the first year's level in every year."))
    return lines


def report_tables(view: ReportView) -> list[ReportTable]:
    """The plan report's years tables (none for a plan of one horizon)."""
    years = view.summary.get("years")
    if not years or years.get("status") not in ("optimal", "time_limit"):
        return []
    coverage_shown = view.exact or view.totals.get("served") is not None
    note = " ".join(years_lines(years, view.currency, coverage_shown=coverage_shown))
    tables = [
        ReportTable(
            "Years and cliffs",
            t("Years and funding cliffs"),
            years_frame(years, view.currency, coverage_shown=coverage_shown),
            note=note
            or t(
                "Capacity in operation, money and coverage per plan year; no grant ends "
                "inside the horizon without another funder to pay."
            ),
        )
    ]
    cliffs = cliffs_frame(
        years,
        view.agency_names.to_dict(),
        view.services["name"].astype(str).to_dict(),
        view.context.funders.set_index("funder_id")["name"].astype(str).to_dict(),
    )
    if len(cliffs):
        tables.append(ReportTable("Funding cliffs", t("Where the funding cliffs fall"), cliffs))
    return tables
