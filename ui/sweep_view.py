"""The "served against budget" curve: the city's and each district's, and where the next
dollar helps most. Chart builders take frames and return Altair charts; `draw_budget_curve`
runs the sweep in a background thread (a progress bar polls it) and draws them."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from planner.i18n import t
from planner.scenario import Scenario
from planner.sweep import SweepResult, marginal_served
from service import plans
from service.access import Actor
from ui.chart_locale import localised
from ui.data import data_version, visible_package
from ui.layout import in_language

DEFAULT_FACTORS = tuple(i / 10 for i in range(21))  # 0 to 2x in 21 points


def city_curve(points: pd.DataFrame, currency: str) -> alt.Chart:
    """Served units against the total budget, with coverage in the tooltip."""
    return (
        alt.Chart(points)
        .mark_line(point=True)
        .encode(
            x=alt.X("budget:Q", title=t("Budget ({currency})", currency=currency)),
            y=alt.Y("served:Q", title=t("Units served over the horizon")),
            tooltip=[
                alt.Tooltip("budget:Q", format=",.0f"),
                alt.Tooltip("served:Q", format=",.1f"),
                alt.Tooltip("coverage:Q", format=".1%"),
                alt.Tooltip("money_spent:Q", format=",.0f"),
            ],
        )
        .properties(height=300)
    )


def district_curves(districts: pd.DataFrame, points: pd.DataFrame, currency: str) -> alt.Chart:
    """One line of coverage against budget per district."""
    frame = districts.merge(points[["point", "budget"]], on="point")
    return (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("budget:Q", title=t("Budget ({currency})", currency=currency)),
            y=alt.Y("coverage:Q", title=t("Share of demand served"), axis=alt.Axis(format="%")),
            color=alt.Color("district:N", title=t("District"), legend=None),
            tooltip=["district:N", alt.Tooltip("coverage:Q", format=".1%")],
        )
        .properties(height=300)
    )


def marginal_heatmap(marginal: pd.DataFrame) -> alt.Chart:
    """Units served more per 1,000 of budget, per district and budget step."""
    frame = marginal.assign(
        step=marginal["budget_from"].map("{:,.0f}".format)
        + " → "
        + marginal["budget_to"].map("{:,.0f}".format)
    )
    return (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X("step:N", title=t("Budget step"), sort=None),
            y=alt.Y("district:N", title=t("District")),
            color=alt.Color("served_per_1000:Q", title=t("Served per 1,000")),
            tooltip=["district:N", "step:N", alt.Tooltip("served_per_1000:Q", format=".2f")],
        )
    )


@dataclass(eq=False)
class SweepJob:
    """A sweep solving in a background thread: its share done, then its result or error.
    The thread touches no Streamlit: it only sets these fields, which the page polls."""

    key: tuple[object, ...]
    share: float = 0.0
    result: SweepResult | None = None
    error: Exception | None = None

    @property
    def done(self) -> bool:
        return self.result is not None or self.error is not None


def start_sweep(
    city: str,
    scenario: Scenario,
    factors: tuple[float, ...],
    actor: Actor,
    key: tuple[object, ...],
) -> SweepJob:
    """Run the sweep (service.plans.run_sweep) in a background thread, so that the page is
    drawn at once and the user may go elsewhere meanwhile."""
    job = SweepJob(key)

    def advance(share: float) -> None:
        job.share = min(1.0, max(job.share, share))

    def work() -> None:
        try:
            job.result = plans.run_sweep(actor, city, scenario, factors, progress=advance)
        except Exception as error:  # shown on the page, never lost in the thread
            job.error = error

    threading.Thread(target=work, name="haven-sweep", daemon=True).start()
    return job


POLL_SECONDS = 0.5


@st.fragment(run_every=POLL_SECONDS)
def _progress(job: SweepJob) -> None:
    """The progress bar, redrawn every half second; the page again once the sweep is done."""
    if job.done:
        st.rerun()
    st.progress(
        job.share,
        text=t("Solving the budget sweep…")
        if job.share <= 0
        else t("Solved {share:.0%} of the sweep", share=job.share),
    )


def draw_budget_curve(
    city: str, scenario: Scenario, actor: Actor, factors: tuple[float, ...] = DEFAULT_FACTORS
) -> SweepResult | None:
    """Sweep the budget from 0 to 2x the scenario's, then draw the city's curve, each
    district's, and the marginal served per 1,000 per district (where the next dollar helps).
    The sweep runs in the background with a progress bar; its result is kept in the session
    for this city's data version and scenario."""
    key = ("budget_sweep", city, data_version(city, actor), hash(scenario), factors, actor)
    job = st.session_state.get("budget_sweep_job")
    if not isinstance(job, SweepJob) or job.key != key:
        if not st.button(t("Run the budget sweep"), type="primary"):
            return None
        job = start_sweep(city, scenario, factors, actor, key)
        st.session_state["budget_sweep_job"] = job
    if not job.done:
        _progress(job)
        return None
    if job.error is not None or job.result is None:
        st.error(t("The budget sweep failed: {error}", error=str(job.error)))
        del st.session_state["budget_sweep_job"]
        return None
    result: SweepResult = job.result
    currency = visible_package(city, actor).city.currency
    points = result.points
    failed = points[~points["status"].isin(["optimal", "time_limit"])]
    if len(failed):
        st.warning(t("{n} budget points have no plan.", n=len(failed)))
    st.subheader(t("Served against budget"))
    st.altair_chart(
        localised(city_curve(points.dropna(subset=["served"]), currency)), width="stretch"
    )
    st.subheader(t("Per district"))
    st.altair_chart(localised(district_curves(result.districts, points, currency)), width="stretch")
    marginal = marginal_served(result)
    st.subheader(t("Where the next dollar helps most"))
    st.caption(t("Units served more per 1,000 of budget, between successive budget points."))
    st.altair_chart(localised(marginal_heatmap(marginal)), width="stretch")
    best = (
        marginal.sort_values("served_per_1000", ascending=False)
        .drop_duplicates("budget_from")
        .sort_values("budget_from")
    )
    st.dataframe(
        in_language(
            best[["budget_from", "budget_to", "district", "served_per_1000"]],
            {"budget_from": 0, "budget_to": 0, "served_per_1000": 2},
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "budget_from": st.column_config.NumberColumn(
                t("From budget ({currency})", currency=currency), step=1
            ),
            "budget_to": st.column_config.NumberColumn(
                t("To budget ({currency})", currency=currency), step=1
            ),
            "district": t("District"),
            "served_per_1000": st.column_config.NumberColumn(
                t("Units served more per 1,000"), step=0.01
            ),
        },
    )
    return result
