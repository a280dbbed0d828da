"""The report per population group (issue 15): coverage by group and service, city-wide, and
the price of every group floor in force, from plan.json's `groups` (absent for a package
without groups: no table). Counts are suppressed at the report's k as one table of groups ×
(service, served | unmet) with its totals (planner.disclosure), as the district table is;
a floor's counts are shown only when at least k."""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.disclosure import suppress_coverage
from planner.i18n import N_, fmt_money, fmt_number, fmt_percent, t
from reports.view import ReportTable, ReportView


def report_tables(view: ReportView) -> list[ReportTable]:
    groups = view.record.summary.get("groups") or {}
    coverage = pd.DataFrame(groups.get("coverage") or [])
    if coverage.empty:
        return []
    names = _population_names(view)
    table = _suppressed(coverage, view, view.context.services)
    table["group"] = [names.get(p, p) for p in table["population"]]
    table["service"] = [view.book.service(s) for s in table["service_id"]]
    frame = table[["group", "service", "demand", "served", "unmet", "coverage"]].rename(
        columns={
            "group": t("Group"),
            "service": t("Service"),
            "demand": t("Demand (units)"),
            "served": t("Served (units)"),
            "unmet": t("Unmet (units)"),
            "coverage": t("Coverage"),
        }
    )
    prices = [fairness_sentence(p, names, view) for p in groups.get("fairness") or []]
    return [
        ReportTable(
            sheet=t("By group")[:31],
            title=t("Coverage by population group"),
            frame=frame,
            note=" ".join(prices),
        )
    ]


def _population_names(view: ReportView) -> dict[str, str]:
    """Group names when the report's context carries the populations, else the ids."""
    frame = getattr(view.context, "populations", None)
    if frame is None or len(frame) == 0:
        return {}
    return dict(zip(frame["population_id"].astype(str), frame["name"].astype(str), strict=True))


def _suppressed(coverage: pd.DataFrame, view: ReportView, services: Any) -> pd.DataFrame:
    if view.k <= 1:
        table = coverage.copy()
        table["coverage"] = table["served"] / table["demand"].where(table["demand"] > 0)
        return table
    units = services.set_index(services["service_id"].astype(str))["units_per_case"]
    shown = suppress_coverage(
        coverage.rename(columns={"population": "district_id"}), units.astype(float), view.k
    ).coverage
    return shown.rename(columns={"district_id": "population"})


def fairness_sentence(price: dict[str, Any], names: dict[str, str], view: ReportView) -> str:
    """A floor's price in words for the report's reader (counts below k not said)."""
    group = names.get(price.get("population_id", ""), price.get("population_id", ""))
    units = price.get("units")
    if view.k > 1 and units is not None and 0 < units < view.k:
        units = None
    head = t(
        "The {floor} floor for {group}",
        floor=fmt_percent(price.get("floor") or 0.0),
        group=group,
    )
    if units is None:
        return t("{head}: its price is not shown.", head=head)
    if units <= 1e-9:
        return t("{head} costs the other groups nothing.", head=head)
    money = price.get("money")
    if money is None:
        return t(
            "{head} leaves {units} more weighted units of demand unmet elsewhere.",
            head=head,
            units=fmt_number(units, 1),
        )
    return t(
        "{head} leaves {units} more weighted units of demand unmet elsewhere, worth {money} "
        "at the budget's shadow price.",
        head=head,
        units=fmt_number(units, 1),
        money=view.money(money),
    )


def fairness_line(row: Any, currency: str) -> str:
    """One floor's price in words (for the page and the report)."""
    name = row.name
    floor = fmt_percent(row.floor)
    units = row.price_units
    price_money = row.price_money
    coverage = row.coverage
    without = row.coverage_without
    head = t(
        "the {floor} floor for {group}: {coverage} of the group served (without the floor: "
        "{without})",
        floor=floor,
        group=name,
        coverage=fmt_percent(coverage) if _known(coverage) else "—",
        without=fmt_percent(without) if _known(without) else "—",
    )
    if units is None:
        return t("{head}; its price is not shown", head=head)
    if units <= 1e-9:
        return t("{head}; it costs the other groups nothing", head=head)
    if price_money is None:
        return t(
            "{head}; it leaves {units} more weighted units of demand unmet elsewhere",
            head=head,
            units=fmt_number(units, 1),
        )
    return t(
        "{head}; it leaves {units} more weighted units of demand unmet elsewhere, worth "
        "{money} at the budget's shadow price",
        head=head,
        units=fmt_number(units, 1),
        money=fmt_money(price_money, currency, compact=True),
    )


def language_label(code: str) -> str:
    if code == "*":
        return t("all languages")
    return code if code else t("no interpreter needed")


def _known(value: Any) -> bool:
    return value is not None and not pd.isna(value)


EXPLOITATION_NAMES = {
    "labour": N_("labour"),
    "sex": N_("sexual"),
    "domestic_servitude": N_("domestic servitude"),
    "criminal": N_("forced criminality"),
    "other": N_("other"),
    "unknown": N_("not recorded"),
}


def exploitation_label(code: str) -> str:
    """An exploitation type's name for the reader (its code when unknown here)."""
    name = EXPLOITATION_NAMES.get(code)
    return t(name) if name else code
