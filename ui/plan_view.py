"""Drawing a plan: headline figures, the baselines, funding, the map, and what limits it."""

from __future__ import annotations

import streamlit as st

from planner.i18n import N_, fmt_number, fmt_percent, get_language, t, use_language
from planner.optimiser import Plan
from planner.package import CityPackage
from planner.plan_views import (
    added_by_district,
    comparison_with_baselines,
    coverage_by_district,
    coverage_change,
    district_coverage,
    funding_by_agency,
)
from planner.plan_words import status_words
from planner.report import build_report
from ui import charts
from ui.chart_locale import localised
from ui.layout import money

MAX_MESSAGES = 8
OPTIMISED = N_("Optimised")  # the plan's row among the baselines (planner.plan_views)


def draw_status(plan: Plan) -> bool:
    """Say what the solve ended with; True when there is a plan to show."""
    if plan.status == "optimal":
        st.success(
            t(
                "Optimal plan found by {solver_version} in {value} s.",
                solver_version=plan.solver_version,
                value=fmt_number(plan.times["total"], 1),
            )
        )
    elif plan.status == "time_limit" and plan.has_plan:
        gap = fmt_percent(plan.gap, 2) if plan.gap is not None else t("unknown")
        st.warning(
            t(
                "Stopped at the time limit with a feasible plan: it is within {gap} of best.",
                gap=gap,
            )
        )
    else:
        st.error(t("No plan: {status}.", status=status_words(plan.status)))
        explain_infeasible(plan)
        return False
    return True


def explain_infeasible(plan: Plan) -> None:
    reasons = [part.strip() for part in plan.message.split(";") if part.strip()]
    for reason in reasons[:MAX_MESSAGES]:
        st.markdown(t("- {reason}", reason=reason))
    if len(reasons) > MAX_MESSAGES:
        with st.expander(t("{value} more", value=len(reasons) - MAX_MESSAGES)):
            for reason in reasons[MAX_MESSAGES:]:
                st.markdown(t("- {reason}", reason=reason))


def draw_headline(plan: Plan, currency: str) -> None:
    totals = plan.totals
    status_quo = plan.baselines.get("status_quo", {})
    col1, col2, col3, col4 = st.columns(4)
    col1.metric(
        t("Demand served (units)"),
        fmt_number(totals["served"]),
        delta=t(
            "{change} vs today",
            change=signed(totals["served"] - status_quo.get("served", totals["served"])),
        ),
    )
    col2.metric(t("Coverage"), fmt_percent(totals["coverage"]))
    col3.metric(t("Money spent"), money(totals["money_spent"], currency))
    per_unit = totals.get("cost_per_additional_unit_served")
    col4.metric(
        t("Cost per additional unit served"), money(per_unit, currency) if per_unit else "—"
    )


def signed(value: float) -> str:
    """A whole change with its sign, for the locale: "+1,234" / "+1 234"."""
    return ("+" if value >= 0 else "") + fmt_number(value)


def draw_baselines(plan: Plan) -> None:
    table = comparison_with_baselines(plan)  # plan names in English (planner.report's N_ marks)
    table["plan"] = [t(OPTIMISED if name == "Optimised" else name) for name in table["plan"]]
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "plan": t("Plan"),
            "served": st.column_config.NumberColumn(
                t("Served (units)"), format="localized", step=1
            ),
            "unmet": st.column_config.NumberColumn(t("Unmet (units)"), format="localized", step=1),
            "coverage": st.column_config.NumberColumn(t("Coverage"), format="percent"),
            "weighted_unmet": st.column_config.NumberColumn(
                t("Weighted unmet"), format="localized", step=1
            ),
            "money_spent": st.column_config.NumberColumn(t("Money spent"), format="dollar", step=1),
        },
    )


def draw_limits(plan: Plan) -> None:
    diagnostics = plan.diagnostics
    sentence = diagnostics.get("shadow_price", {}).get("sentence")
    if sentence:
        st.markdown(t("**The budget's value:** {sentence}.", sentence=sentence))
    for kind, found in diagnostics.get("binding", {}).items():
        words = found.get("words", [])
        if words:
            st.markdown(
                t(
                    "**Binding {kind} limits** ({value}):",
                    kind=t(kind),
                    value=found.get("count", len(words)),
                )
            )
            for line in words[:MAX_MESSAGES]:
                st.markdown(t("- {line}", line=line))
    radius = diagnostics.get("radius", [])
    if radius:
        st.markdown(t("**Out of reach:**"))
        for item in radius[:MAX_MESSAGES]:
            st.markdown(t("- {value}", value=item["words"]))
    below = diagnostics.get("below_floor", [])
    if below:
        st.markdown(t("**Districts below the equity floor:** {count}", count=len(below)))


def draw_funding(plan: Plan, package: CityPackage) -> None:
    table = funding_by_agency(plan, package)
    if table.empty:
        st.info(t("This plan spends no new money."))
        return
    st.altair_chart(
        localised(
            charts.bar_chart(
                table.head(40),
                category="agency_name",
                value="amount",
                category_title=t("Agency"),
                value_title=t("Funding ({currency})", currency=package.city.currency),
                color="funder",
                color_title=t("Funder"),
                value_format="$,.0f",
            )
        ),
        width="stretch",
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "funder": t("Funder"),
            "agency_name": t("Agency"),
            "agency_kind": t("Kind"),
            "service": t("Service"),
            "amount": st.column_config.NumberColumn(t("Amount"), format="dollar", step=1),
        },
    )


def draw_maps(plan: Plan, package: CityPackage) -> None:
    """Coverage per district before and after the plan (on one colour scale), the capacity
    added, and the districts whose coverage changes most."""
    coverage = coverage_by_district(plan, package)
    maps = [(t("Coverage of demand after the plan"), coverage)]
    changes = None
    if not plan.status_quo_coverage.empty:
        before = district_coverage(plan.status_quo_coverage, package)
        changes = coverage_change(coverage, before)
        maps.insert(0, (t("Coverage before: today's capacity, no new money"), before))
    with_demand = coverage["demand"] > 0
    low = min(float(values.loc[with_demand, "coverage"].min()) for _, values in maps)
    domain = (min(low, 0.99), 1.0) if low == low else None  # NaN: no district has demand
    for column, (title, values) in zip(st.columns(2), maps, strict=False):
        column.vega_lite_chart(
            spec=localised(
                charts.district_map(
                    package.districts,
                    values,
                    "coverage",
                    title=title,
                    value_title=t("Coverage"),
                    value_format=".0%",
                    tooltip_fields={"demand": t("Demand (units)"), "unmet": t("Unmet (units)")},
                    height=420,
                    domain=domain,
                )
            ),
            width="stretch",
        )
    left, right = st.columns(2)
    added = added_by_district(plan, package)
    left.vega_lite_chart(
        spec=localised(
            charts.district_map(
                package.districts,
                added,
                "units",
                title=t("Beds and slots added, by the district of the agency"),
                value_title=t("Units added"),
                tooltip_fields={"cost": t("Cost")},
                height=420,
            )
        ),
        width="stretch",
    )
    if changes is not None:
        right.markdown(t("**Largest gains in coverage**"))
        right.dataframe(
            changes.head(12),
            hide_index=True,
            column_config={
                "name": t("District"),
                "demand": st.column_config.NumberColumn(
                    t("Demand (units)"), format="localized", step=1
                ),
                "before": st.column_config.NumberColumn(t("Before"), format="percent"),
                "after": st.column_config.NumberColumn(t("After"), format="percent"),
                "change_points": st.column_config.NumberColumn(
                    t("Change (percentage points)"), format="%+.1f"
                ),
            },
        )


MIME = {
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@st.cache_data(show_spinner=False, max_entries=8)
def _report(
    _plan: Plan, _package: CityPackage, key: str, fmt: str, audience: str, language: str
) -> bytes:
    del key  # the plan's identity: its scenario and data version
    with use_language(language):
        return build_report(_plan, fmt=fmt, audience=audience, package=_package)  # type: ignore[arg-type]


def draw_report_download(plan: Plan, package: CityPackage, key: str, audience: str) -> None:
    """One click: the plan as a report a funder can forward (PDF, HTML or Excel)."""
    left, right = st.columns([1, 3])
    fmt = left.radio(t("Format"), ["pdf", "html", "xlsx"], horizontal=True, key="report_format")
    right.caption(
        t(
            "For a {audience}: small counts are suppressed and confidential places "
            "hidden as that audience requires; charts are drawn offline.",
            audience=t(audience),
        )
    )
    if right.button(t("Prepare the report"), key="report_prepare"):
        with st.spinner(t("Writing the report…")):
            data = _report(plan, package, key, fmt, audience, get_language())
        right.download_button(
            t("Download the report ({value})", value=fmt.upper()),
            data,
            file_name=f"haven-{plan.scenario.name}.{fmt}".replace(" ", "-"),
            mime=MIME[fmt],
            key="report_download",
        )
