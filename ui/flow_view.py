"""The Plan page's waiting times: per service, agency and district, before and after, and a
check by simulation (planner.simulate) on a button."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from planner.i18n import fmt_number, fmt_percent, t
from planner.optimiser import Plan
from planner.queues import Waiting
from reports import flow
from reports.words import NameBook

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
