"""The Compare page's helpers: the comparison in words and tables.

The saved scenarios are solved again and compared by `service.plans.compare` (cached per
data version and scenario), for the actor's audience: confidential agencies masked, counts
suppressed. A saved summary is not used: it holds totals only (no funding per agency, no
coverage per district, which the chart and the map need), and it does not record the data
version it was solved on.

What the scenarios set differently (`parameter_table`) and the demand each plan is measured
against (`demand_basis_warning`) are said before the figures, as GAMS MIRO does: two plans
for different demand cover different denominators.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from planner.compare import UNSET, ComparisonTables
from planner.i18n import fmt_number, fmt_percent, t
from planner.package import CityPackage
from reports.robust_words import latent_demand_words, robust_choice_words
from reports.words import demand_basis_name
from service import plans
from service.access import Actor
from service.forecasts import Recomputing
from service.plans import Comparison, SavedScenario
from ui import groups_view
from ui.layout import in_language, money


def saved_scenarios(city_name: str, actor: Actor) -> list[SavedScenario]:
    """The city's saved scenarios, by name (read fresh: saving one does not change the data
    version)."""
    return plans.saved_scenarios(actor, city_name)


def pending(city_name: str, actor: Actor, names: list[str]) -> Recomputing | None:
    """The background worker's progress while it solves these saved scenarios again for
    new data (service.plans.comparison_pending), or None."""
    return plans.comparison_pending(actor, city_name, names)


def compare(city_name: str, actor: Actor, names: list[str]) -> Comparison:
    """The chosen saved scenarios compared, as the actor may see them."""
    return plans.compare(actor, city_name, names)


def side_by_side(
    tables: ComparisonTables, currency: str, package: CityPackage | None = None
) -> pd.DataFrame:
    """One row per measure (with its unit), one column of formatted figures per plan. Units
    added are one row per service in its own unit (beds, slots and hours are never summed),
    named from `package` (as this reader may see it)."""
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
    figures = {
        plan: [fmt(float(totals[plan][column])) for _, column, fmt in rows] for plan in tables.plans
    }
    labels = [label for label, _, _ in rows]
    at = labels.index(t("New money spent ({currency})", currency=currency)) + 1
    added = _units_added_rows(tables, package)
    labels[at:at] = list(added)
    for plan in tables.plans:
        figures[plan][at:at] = [units(float(row[plan])) for row in added.values()]
    table = pd.DataFrame(figures, index=pd.Index(labels, name=t("Measure")))
    return table.reset_index()


def _units_added_rows(
    tables: ComparisonTables, package: CityPackage | None
) -> dict[str, pd.Series]:
    """Per service some plan adds to: its label ("Units added: Shelter (bed-nights)") and
    its units per plan; one "Units added" row of zeros when no plan adds any."""
    added = tables.units_added
    if added.empty or not set(tables.plans) <= set(added.columns):
        return {t("Units added"): pd.Series(0.0, index=list(tables.plans))}
    services = (
        package.services.set_index("service_id")
        if package is not None
        else pd.DataFrame(columns=["name", "unit"])
    )
    rows = {}
    for service_id, row in added.iterrows():
        name = services["name"].get(service_id, service_id)
        unit = services["unit"].get(service_id, "")
        label = (
            t("Units added: {service} ({unit})", service=name, unit=unit)
            if unit
            else t("Units added: {service}", service=name)
        )
        rows[label] = row
    return rows


def draw_funding_tables(tables: ComparisonTables, currency: str) -> None:
    """Funding per agency and per funder, one money column per plan."""
    money_columns = {
        plan: st.column_config.NumberColumn(t("{plan} ({currency})", plan=plan, currency=currency))
        for plan in tables.plans
    }
    in_currency = dict.fromkeys(tables.plans, currency)
    st.dataframe(
        in_language(tables.funding, money=in_currency),
        hide_index=True,
        column_config={"agency_name": t("Agency"), **money_columns},
    )
    st.caption(t("Per funder"))
    st.dataframe(
        in_language(tables.funding_by_funder, money=in_currency),
        hide_index=True,
        column_config={"funder_name": t("Funder"), **money_columns},
    )
    groups_view.draw_compare_groups(tables)  # issue 15: coverage by group, plan by plan


def demand_basis_warning(tables: ComparisonTables) -> str | None:
    """In words, when the plans plan for different demand (None when they all plan for the
    same): "“A” plans for expected demand; “B” plans for P80 …: their coverage is measured
    against different demand"."""
    if not tables.demand_basis_differs:
        return None
    parts = [
        t(
            "“{plan}” plans for {basis}",
            plan=plan,
            basis=demand_basis_name(tables.demand_bases.get(plan)),
        )
        for plan in tables.plans
    ]
    return t(
        "{plans}: their coverage is measured against different demand, so a higher coverage "
        "is not more served. Compare what they serve and spend, or save them with the same "
        "demand.",
        plans="; ".join(parts),
    )


def parameter_table(tables: ComparisonTables, package: CityPackage) -> pd.DataFrame:
    """What the scenarios set differently: `Parameter`, `For` (a service or funder, by the
    name this reader may see), then one column of formatted values per plan."""
    services = package.services.set_index(package.services["service_id"].astype(str))["name"]
    funders = package.funders.set_index(package.funders["funder_id"].astype(str))["name"]
    currency = package.city.currency
    labels, formats = _parameter_words(currency)
    rows = []
    for record in tables.parameters.to_dict("records"):
        parameter, key = str(record["parameter"]), str(record["key"])
        names = funders if parameter == "funder_budgets" else services
        row = {
            t("Parameter"): labels.get(parameter, parameter),
            t("For"): str(names.get(key, key)) if key else "",
        }
        fmt = formats.get(parameter, _plain)
        for plan in tables.plans:
            row[plan] = fmt(record[plan])
        rows.append(row)
    return pd.DataFrame(rows, columns=[t("Parameter"), t("For"), *tables.plans])


def _plain(value: Any) -> str:
    return "—" if value is None else str(value)


def _figure(value: Any) -> str:
    """A number as typed: 12, 0.5, 15.5 (no trailing zeros), in the app's language."""
    number = float(value)
    return fmt_number(number, 0 if number.is_integer() else 2)


def _parameter_words(
    currency: str,
) -> tuple[dict[str, str], dict[str, Callable[[Any], str]]]:
    def own(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
        return lambda value: t("the city's own") if value == UNSET else fmt(value)

    def cash(value: Any) -> str:
        return t("the funders' total") if value is None else money(float(value), currency)

    def radius(value: Any) -> str:
        return t("anywhere") if value is None else t("{km} km", km=_figure(value))

    labels = {
        "budget": t("Budget"),
        "funder_budgets": t("Funder's budget"),
        "demand_quantile": t("Demand planned for"),
        "horizon_months": t("Horizon"),
        "equity_floor": t("Equity floor"),
        "equity_mode": t("Equity floor mode"),
        "weights": t("Priority weight"),
        "radius_km": t("Radius"),
        "allow_new_services": t("New services"),
        "distance_weight": t("Weight of distance"),
        "cost_weight": t("Weight of money"),
        "solver": t("Solver"),
        "time_limit_s": t("Time limit"),
        "latent_demand": t("Latent demand"),
        "robust": t("Plan for bad months"),
    }
    formats: dict[str, Callable[[Any], str]] = {
        "budget": cash,
        "funder_budgets": own(cash),
        "demand_quantile": lambda value: demand_basis_name(value),
        "horizon_months": lambda value: t("{months} months", months=value),
        "equity_floor": lambda value: fmt_percent(float(value), 0),
        "equity_mode": lambda value: t(str(value)),
        "weights": own(_figure),
        "radius_km": own(radius),
        "allow_new_services": lambda value: t("allowed") if value else t("not allowed"),
        "distance_weight": lambda value: f"{float(value):g}",
        "cost_weight": lambda value: f"{float(value):g}",
        "time_limit_s": lambda value: t("{seconds} s", seconds=fmt_number(float(value), 0)),
        "latent_demand": lambda value: latent_demand_words(value) or t("none"),
        "robust": lambda value: robust_choice_words(value) or t("none"),
    }
    return labels, formats
