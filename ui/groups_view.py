"""Population groups on the Plan page (issue 15): results by group, by language need, and
the price of every group floor in force. Draws what the plan holds for this reader (the
service layer has suppressed it); pure tables come from planner.plan_tables."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import streamlit as st

from planner.compare import ComparisonTables
from planner.i18n import t
from planner.optimiser import Plan
from planner.package import CityPackage
from planner.plan_tables import (
    coverage_by_group,
    coverage_by_group_and_service,
    coverage_by_language,
    fairness_table,
)
from reports.groups import exploitation_label, fairness_line, language_label
from reports.words import NameBook
from service.access import Actor
from service.city import CapacityMap
from ui.layout import in_language


def draw_plan_groups(plan: Plan, package: CityPackage, book: NameBook) -> None:
    """Coverage and unmet demand by group (and by service), by language need, and the price
    of fairness; nothing for a plan without groups."""
    if plan.coverage_by_group.empty:
        return
    st.subheader(t("Results by population group"))
    by_group = coverage_by_group(plan, package)
    st.dataframe(
        in_language(by_group.drop(columns="population"), numbers=_counts()),
        hide_index=True,
        column_config=_columns(),
    )
    by_service = coverage_by_group_and_service(plan, package)
    by_service["service"] = [book.service(s) for s in by_service["service_id"]]
    with st.expander(t("By group and service")):
        st.dataframe(
            in_language(
                by_service[["name", "service", "demand", "served", "unmet", "coverage"]],
                numbers=_counts(),
            ),
            hide_index=True,
            column_config={**_columns(), "service": t("Service")},
        )
    languages = coverage_by_language(plan)
    if len(languages) > 1 or (len(languages) == 1 and languages["language"].iloc[0] not in ("",)):
        languages["language"] = [language_label(code) for code in languages["language"]]
        with st.expander(t("By language need")):
            st.dataframe(
                in_language(languages, numbers=_counts()),
                hide_index=True,
                column_config={**_columns(), "language": t("Language")},
            )
    draw_fairness(plan, package, book.currency)
    st.caption(
        t(
            "Counts below the small-count threshold are hidden for readers without exact "
            "counts; they see groups city-wide only."
        )
    )


def draw_fairness(plan: Plan, package: CityPackage, currency: str) -> None:
    """Each group floor's price: what it costs the other groups, in units and in money."""
    table = fairness_table(plan, package)
    if table.empty:
        return
    st.markdown(t("**The price of fairness**"))
    for row in table.itertuples(index=False):
        st.markdown(t("- {line}", line=fairness_line(row, currency)))


def _known(value: Any) -> bool:
    return value is not None and not pd.isna(value)


def _counts() -> dict[str, int]:
    return {"demand": 0, "served": 0, "unmet": 0}


def _columns() -> dict[str, Any]:
    return {
        "name": t("Group"),
        "demand": st.column_config.NumberColumn(t("Demand (units)")),
        "served": st.column_config.NumberColumn(t("Served (units)")),
        "unmet": st.column_config.NumberColumn(t("Unmet (units)")),
        "coverage": st.column_config.NumberColumn(t("Coverage"), format="percent"),
    }


def draw_compare_groups(tables: ComparisonTables) -> None:
    """Coverage per population group, one column per plan (nothing without groups)."""
    frame = tables.group_coverage
    if frame.empty:
        return
    st.markdown(t("**Coverage by population group**"))
    st.dataframe(
        frame,
        hide_index=True,
        column_config={
            "name": t("Group"),
            **{
                plan: st.column_config.NumberColumn(plan, format="percent") for plan in tables.plans
            },
        },
    )


def draw_overview_groups(city: str, actor: Actor, *, ready: bool = True) -> None:
    """The Overview's population groups: today's coverage by group and the cases of the last
    12 months by group, filtered by exploitation type (nothing for a city without groups).
    `ready=False`: the status quo is being solved (ui.recompute_view): the coverage later."""
    from service import groups as group_service

    first = group_service.overview_groups(actor, city, wait=ready)
    if (first.coverage is None or first.coverage.empty) and first.cases.empty:
        return
    st.subheader(t("Population groups"))
    left, right = st.columns(2)
    left.caption(t("Coverage today by group: today's capacity, no new money, 12 months."))
    if first.coverage is None:
        left.info(t("Being computed for the new data: shown here when ready."))
    else:
        left.dataframe(
            in_language(first.coverage.drop(columns="population"), numbers=_counts()),
            hide_index=True,
            column_config=_columns(),
        )
    choices = ["", *first.exploitation_types]
    chosen = right.selectbox(
        t("Exploitation type"),
        choices,
        format_func=lambda value: t("all types") if not value else exploitation_label(value),
        key="overview_exploitation",
    )
    figures = (
        group_service.overview_groups(actor, city, chosen or None, wait=ready) if chosen else first
    )
    right.caption(t("Cases of the last 12 months by group."))
    right.dataframe(
        in_language(figures.cases.drop(columns="population"), numbers={"cases": 0}),
        hide_index=True,
        column_config={"name": t("Group"), "cases": st.column_config.NumberColumn(t("Cases"))},
    )


def filter_capacity_map(
    shown: CapacityMap, package: CityPackage, service_id: str | None
) -> CapacityMap:
    """The capacity map's agencies that accept a group for the service and speak a language
    ("accepts men", "speaks Spanish"), chosen here; the map unchanged without groups."""
    from planner.groups import agencies_serving, languages_spoken
    from planner.plan_tables import population_names

    names = population_names(package)
    languages = languages_spoken(package)
    if not names and not languages:
        return shown
    left, right = st.columns(2)
    group = left.selectbox(
        t("Accepts"),
        ["", *names],
        format_func=lambda p: t("any group") if not p else names.get(p, p),
        key="map_accepts",
    )
    language = right.selectbox(
        t("Speaks"),
        ["", *languages],
        format_func=lambda code: code or t("any language"),
        key="map_speaks",
    )
    if not group and not language:
        return shown
    keep = agencies_serving(package, service_id, group or None, language or None)
    points = shown.points[shown.points["agency_id"].isin(keep)]
    agencies = shown.agencies
    if "id" in agencies:
        agencies = agencies[agencies["id"].isin(keep)]
    return dataclasses.replace(shown, points=points, agencies=agencies)
