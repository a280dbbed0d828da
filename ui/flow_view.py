"""The Plan page's waiting times: per service, agency and district, before and after, and a
check by simulation (planner.simulate) on a button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from planner.i18n import fmt_number, fmt_percent, t
from planner.optimise.inputs import rows
from planner.optimiser import Plan
from planner.queues import Waiting
from reports import flow
from reports.words import NameBook
from ui.chart_locale import localised

#: The button's simulation: short enough for a page (about 10 s on the demo city).
CHECK_RUNS = 4
CHECK_MONTHS = 240.0
CHECK_WARMUP_MONTHS = 60.0


def draw_waiting(plan: Plan, book: NameBook, *, exact_counts: bool) -> None:
    """Waits for a bed or a slot (Erlang C), before and after the plan, and the check."""
    waiting: Waiting | None = plan.waiting
    if waiting is None or not plan.has_plan or len(waiting.after.agencies) == 0:
        return
    st.subheader(t("Waiting for a place"))
    st.caption(
        t(
            "Each agency's beds or slots as a queue (M/M/c, Erlang C): cases arrive as the "
            "plan sends them and hold a unit for the service's units per case. An agency "
            "that the plan fills to capacity has no steady wait: it grows without bound."
        )
    )

    def service_name(service_id: str) -> str:
        return book.services.get(service_id, service_id)

    for line in flow.summary_lines(waiting, service_name):
        st.markdown(t("- {line}", line=line))
    for line in flow.target_lines(waiting, book.agency, book.district, service_name):
        st.markdown(t("- {line}", line=line))
    if waiting.induced and exact_counts:
        st.markdown(t("**Demand the plan sends on** (referral pathways)"))
        st.dataframe(flow.induced_table(waiting, book.district, service_name), hide_index=True)
    services = sorted(set(waiting.after.agencies["service_id"]))
    service = st.selectbox(
        t("Service"), services, format_func=service_name, key="flow_wait_service"
    )
    agencies = flow.agency_table(
        _only(waiting, service), book.agency, service_name, exact_counts=exact_counts
    )
    districts = flow.district_table(_only(waiting, service), book.district, service_name)
    left, right = st.tabs([t("Per agency"), t("Per district")])
    left.dataframe(agencies, hide_index=True)
    right.dataframe(districts, hide_index=True)
    if len(waiting.after.flows):  # the flows are for readers of exact counts only
        _draw_check(plan, waiting, service_name)


def _only(waiting: Waiting, service_id: str) -> Waiting:
    from planner.queues import WaitingSide

    def cut(side: WaitingSide) -> WaitingSide:
        return WaitingSide(
            side.agencies[side.agencies["service_id"] == service_id],
            side.districts[side.districts["service_id"] == service_id],
            side.flows[side.flows["service_id"] == service_id],
        )

    before = cut(waiting.before) if waiting.before is not None else None
    return Waiting(waiting.quantile, waiting.hold_months, cut(waiting.after), before)


def _draw_check(plan: Plan, waiting: Waiting, service_name: Callable[[str], str]) -> None:
    key = f"flow_check:{id(plan)}"
    if st.button(t("Check by simulation"), key="flow_check_button"):
        from planner.simulate import comparison, for_comparison, simulate

        side = for_comparison(waiting.after)
        with st.spinner(t("Simulating…")):
            result = simulate(
                side,
                runs=CHECK_RUNS,
                months=CHECK_MONTHS,
                warmup_months=CHECK_WARMUP_MONTHS,
                quantile=waiting.quantile,
            )
        st.session_state[key] = (comparison(side, result), result.runs, result.cases_simulated)
    held = st.session_state.get(key)
    if held is None:
        return
    table, runs, cases = held
    st.caption(
        t(
            "{runs} seeded runs, {cases} cases; queues at most 85 % full (fuller ones need "
            "longer runs than a page allows)",
            runs=runs,
            cases=fmt_number(cases),
        )
    )
    shown = {
        t("Service"): [service_name(s) if s else t("all services") for s in table["service_id"]],
        t("Queues"): table["queues"].tolist(),
        t("Waits (formula)"): [fmt_percent(v, 1) for v in table["p_wait_formula"]],
        t("Waits (simulated)"): [fmt_percent(v, 1) for v in table["p_wait_simulated"]],
        t("Mean wait, days (formula)"): [fmt_number(v, 1) for v in table["mean_wait_formula_days"]],
        t("Mean wait, days (simulated)"): [
            fmt_number(v, 1) for v in table["mean_wait_simulated_days"]
        ],
    }
    st.dataframe(shown, hide_index=True)


def sankey_chart(nodes: pd.DataFrame, links: pd.DataFrame, name: Callable[[str], str]) -> Any:
    """The city's flow as a Sankey diagram drawn with Altair's layered marks (offline): each
    service a bar in the column of its depth on the pathways, as tall as its cases a month,
    each pathway a band as wide as the cases it carries. A blank (suppressed) count is drawn
    as a thin dashed band with no figure."""
    import altair as alt

    gap = 0.08
    top = max(float(nodes["cases"].fillna(0).sum()), 1.0)
    placed = []
    for level, group in nodes.sort_values(["level", "service_id"]).groupby("level", sort=True):
        y = 0.0
        for row in rows(group):
            height = max(float(row.cases) if pd.notna(row.cases) else 0.0, 0.02 * top)
            placed.append((row.service_id, level, y, y + height, row.cases))
            y += height + gap * top
    frame = pd.DataFrame(placed, columns=["service_id", "level", "y0", "y1", "cases"])
    frame["label"] = [name(s) for s in frame["service_id"]]
    frame["shown"] = [fmt_number(v) if pd.notna(v) else "—" for v in frame["cases"]]
    where = frame.set_index("service_id")
    out_used = dict.fromkeys(frame["service_id"], 0.0)
    in_used = dict.fromkeys(frame["service_id"], 0.0)
    bands = []
    for i, row in enumerate(rows(links)):
        width = float(row.cases) if pd.notna(row.cases) else 0.0
        source: Any = where.loc[row.from_service]
        target: Any = where.loc[row.to_service]
        y_from = float(source["y0"]) + out_used[row.from_service]
        y_to = float(target["y0"]) + in_used[row.to_service]
        out_used[row.from_service] += width
        in_used[row.to_service] += width
        for x, low in (
            (float(source["level"]) + 0.1, y_from),
            (float(target["level"]) - 0.1, y_to),
        ):
            bands.append(
                {
                    "link": i,
                    "x": x,
                    "low": low,
                    "high": low + max(width, 0.002 * top),
                    "from": name(row.from_service),
                    "to": name(row.to_service),
                    "cases": fmt_number(width) if pd.notna(row.cases) else "—",
                    "share": fmt_percent(float(row.share), 0),
                }
            )
    band_frame = pd.DataFrame(bands)
    y_scale = alt.Scale(domain=[0, float(frame["y1"].max()) * 1.02], reverse=True)
    tooltip = [
        alt.Tooltip("from:N", title=t("From")),
        alt.Tooltip("to:N", title=t("To")),
        alt.Tooltip("share:N", title=t("Share")),
        alt.Tooltip("cases:N", title=t("Cases a month")),
    ]
    links_layer = (
        alt.Chart(band_frame)
        .mark_area(opacity=0.35, interpolate="monotone")
        .encode(
            x=alt.X("x:Q", axis=None),
            y=alt.Y("low:Q", scale=y_scale, axis=None),
            y2="high:Q",
            detail="link:N",
            color=alt.Color("from:N", legend=None, scale=alt.Scale(scheme="tableau10")),
            tooltip=tooltip,
        )
    )
    nodes_layer = (
        alt.Chart(frame)
        .mark_rect(color="#444")
        .encode(
            x=alt.X("x0:Q", axis=None),
            x2="x1:Q",
            y=alt.Y("y0:Q", scale=y_scale, axis=None),
            y2="y1:Q",
            tooltip=[
                alt.Tooltip("label:N", title=t("Service")),
                alt.Tooltip("shown:N", title=t("Cases a month")),
            ],
        )
        .transform_calculate(x0="datum.level - 0.1", x1="datum.level + 0.1")
    )
    labels = (
        alt.Chart(frame)
        .mark_text(align="left", dx=4, fontSize=11)
        .encode(
            x=alt.X("x:Q", axis=None),
            y=alt.Y("middle:Q", scale=y_scale, axis=None),
            text="caption:N",
        )
        .transform_calculate(
            x="datum.level + 0.1",
            middle="(datum.y0 + datum.y1) / 2",
            caption="datum.label + ' (' + datum.shown + ')'",
        )
    )
    return (links_layer + nodes_layer + labels).properties(height=360)


def draw_city_flow(city: str, actor: Any) -> None:
    """The Overview's Sankey diagram of referral pathways (nothing without pathways)."""
    from service.access import Action, can
    from service.flow import city_flow

    if not can(actor, Action.VIEW_AGGREGATES):
        return
    flow_data = city_flow(actor, city)
    if flow_data.empty:
        return
    st.subheader(t("How cases move between services"))
    st.caption(
        t(
            "Referral pathways: each band carries its share of the cases a month of the "
            "service it leaves (the last 12 months); counts too small to show are blank."
        )
    )
    from ui.data import visible_package

    services = visible_package(city, actor).services
    names = dict(zip(services["service_id"].astype(str), services["name"].astype(str), strict=True))
    chart = sankey_chart(flow_data.nodes, flow_data.links, lambda s: names.get(s, s))
    st.altair_chart(localised(chart), width="stretch")
