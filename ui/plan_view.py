"""Drawing a plan: headline figures, the baselines, funding, the map, and what limits it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from planner.i18n import N_, fmt_number, fmt_percent, get_language, t, use_language
from planner.optimiser import Plan
from planner.package import CityPackage
from planner.plan_tables import (
    added_by_district,
    comparison_with_baselines,
    coverage_by_district,
    coverage_change,
    district_coverage,
    funding_by_agency,
)
from planner.robust import RobustComparison
from planner.scenario import Scenario
from reports import build_report, words
from reports.robust_words import latent_demand_words, plan_label, risk_words
from reports.words import NameBook
from service import plans as plan_service
from service.access import Actor
from ui import charts, groups_view, years_view
from ui.chart_locale import localised
from ui.layout import in_language, money

OPTIMISED = N_("Optimised")  # the plan's row among the baselines (planner.plan_tables)


def name_book(package: CityPackage, *, confidential_places: bool) -> NameBook:
    """The names this reader may see: from the package the page shows, confidential
    agencies only for an audience that may see confidential places."""
    return NameBook.from_package(package, confidential_places=confidential_places)


def draw_status(plan: Plan, book: NameBook | None = None) -> bool:
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
        st.error(
            t(
                "No plan: {status}.",
                status=words.status_line(plan.status, plan.gap, plan.diagnostics.solver_message),
            )
        )
        explain_infeasible(plan, book or NameBook())
        return False
    return True


def explain_infeasible(plan: Plan, book: NameBook) -> None:
    """Why the scenario cannot hold, one cause a line, then what would fix it."""
    reasons = words.infeasible_reasons(plan.findings, book)
    for reason in reasons[: words.LISTED]:
        st.markdown(t("- {reason}", reason=reason))
    if len(reasons) > words.LISTED:
        with st.expander(t("{value} more", value=len(reasons) - words.LISTED)):
            for reason in reasons[words.LISTED :]:
                st.markdown(t("- {reason}", reason=reason))
    fixes = words.infeasible_fixes(plan.findings, book)
    if fixes:
        st.markdown(t("**To fix:** {fixes}", fixes=t("; ").join(fixes)))


def draw_headline(plan: Plan, currency: str) -> None:
    totals = plan.totals
    served = totals.served
    status_quo = plan.baselines.totals("status_quo")
    before = status_quo.served if status_quo is not None else None
    col1, col2, col3, col4 = st.columns(4)
    col1.metric(
        t("Demand served (units)"),
        fmt_number(served) if served is not None else "—",
        delta=(
            t("{change} vs today", change=signed(served - before))
            if served is not None and before is not None
            else None
        ),
    )
    col2.metric(t("Coverage"), fmt_percent(totals.coverage) if totals.coverage is not None else "—")
    col3.metric(t("Money spent"), money(totals.money_spent, currency))
    per_unit = totals.cost_per_additional_unit_served
    col4.metric(
        t("Cost per additional unit served"), money(per_unit, currency) if per_unit else "—"
    )


def signed(value: float) -> str:
    """A whole change with its sign, for the locale: "+1,234" / "+1 234"."""
    return ("+" if value >= 0 else "") + fmt_number(value)


def draw_baselines(plan: Plan, book: NameBook | None = None) -> None:
    table = comparison_with_baselines(plan)  # plan names in English (planner.report's N_ marks)
    table["plan"] = [t(OPTIMISED if name == "Optimised" else name) for name in table["plan"]]
    book = book or NameBook()
    st.dataframe(
        # Numbers and money in the app's language and the city's currency (a column format
        # of Streamlit's would follow the browser's language, and "dollar" any currency).
        in_language(
            table,
            numbers={"served": 0, "unmet": 0, "weighted_unmet": 0},
            money={"money_spent": book.currency},
        ),
        hide_index=True,
        column_config={
            "plan": t("Plan"),
            "served": st.column_config.NumberColumn(t("Served (units)")),
            "unmet": st.column_config.NumberColumn(t("Unmet (units)")),
            "coverage": st.column_config.NumberColumn(t("Coverage"), format="percent"),
            "weighted_unmet": st.column_config.NumberColumn(t("Weighted unmet")),
            "money_spent": st.column_config.NumberColumn(t("Money spent")),
        },
    )
    for result in plan.baselines:
        if result.totals is not None:
            note = words.unspent_note(result.name, result.totals, book)
            if note:
                st.caption(note)


def draw_limits(plan: Plan, book: NameBook | None = None) -> None:
    """What limits the plan, in words for this reader (names from `book`)."""
    book = book or NameBook()
    value = words.budget_value(plan.findings, book)
    if value:
        st.markdown(t("**The budget's value:** {sentence}.", sentence=value))
    for section in words.limit_sections(plan.findings, book):
        st.markdown(t("**{title}**", title=section.title))
        for line in section.lines:
            st.markdown(t("- {line}", line=line))
        if section.more:
            st.caption(t("and {count} more", count=section.more))
    notes = words.notes(plan.findings, book)
    if notes:
        st.caption(t("; ").join(notes))


def draw_funding(plan: Plan, package: CityPackage) -> None:
    table = funding_by_agency(plan, package)
    if table.empty:
        st.info(t("This plan spends no new money."))
        return
    st.altair_chart(
        localised(
            charts.bar_chart(
                table,
                limit=40,  # the chart says "the 40 largest of N" (SPEED)
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
    years_view.draw_years(plan, package)  # YEARS (issue 20): per year, the funding cliffs


def draw_verify_before_funding(actor: Actor, city: str, plan: Plan, package: CityPackage) -> None:
    """Issue 19 (LIVE's, a minimal edit here): the agencies this plan funds whose data score
    low (service.live.low_scoring_funded), with their most severe reasons, as data."""
    from planner.quality import LOW_SCORE
    from reports.quality_words import reason_text
    from service import live

    low = live.low_scoring_funded(actor, city, plan)
    if not low:
        return
    st.warning(
        t(
            "Verify before you fund: {count} funded agencies have data scoring below {score} "
            "of 100 (the Data page says why).",
            count=fmt_number(len(low)),
            score=fmt_number(LOW_SCORE),
        )
    )
    services = dict(zip(package.services["service_id"], package.services["name"], strict=True))
    st.dataframe(
        pd.DataFrame(
            {
                "agency": [f.agency for f in low],
                "score": [f.score for f in low],
                "amount": [f.amount for f in low],
                "why": [
                    "; ".join(
                        reason_text(r, {f.agency_id: f.agency}, None, services) for r in f.reasons
                    )
                    for f in low
                ],
            }
        ),
        hide_index=True,
        column_config={
            "agency": t("Agency"),
            "score": st.column_config.NumberColumn(t("Data quality"), format="%.0f"),
            "amount": st.column_config.NumberColumn(t("Amount"), format="dollar", step=1),
            "why": st.column_config.TextColumn(t("Reason"), width="large"),
        },
    )


def draw_maps(plan: Plan, package: CityPackage, book: NameBook | None = None) -> None:
    """Coverage per district before and after the plan (on one colour scale), the capacity
    added, the districts whose coverage changes most, and the demand out of reach with its
    nearest agency (names from `book`, as this reader may see them)."""
    groups_view.draw_plan_groups(plan, package, book or NameBook())  # issue 15: by group
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
            charts.added_capacity_map(
                package.districts, added, package.services, currency=package.city.currency
            )
        ),
        width="stretch",
    )
    if changes is not None:
        right.markdown(t("**Largest gains in coverage**"))
        right.dataframe(
            in_language(changes.head(12), numbers={"demand": 0}),
            hide_index=True,
            column_config={
                "name": t("District"),
                "demand": st.column_config.NumberColumn(t("Demand (units)")),
                "before": st.column_config.NumberColumn(t("Before"), format="percent"),
                "after": st.column_config.NumberColumn(t("After"), format="percent"),
                "change_points": st.column_config.NumberColumn(
                    t("Change (percentage points)"), format="%+.1f"
                ),
            },
        )

    draw_out_of_reach(plan, package, book or name_book(package, confidential_places=False))


def draw_out_of_reach(plan: Plan, package: CityPackage, book: NameBook) -> None:
    """Where demand stays unmet because the nearest agency that offers the service is beyond
    its radius: a map of the units per district and the cells with their nearest agency."""
    cells = words.out_of_reach_table(plan.findings, book)
    if cells.empty:
        return
    by_district = words.out_of_reach_by_district(plan.findings, book)
    left, right = st.columns(2)
    left.vega_lite_chart(
        spec=localised(
            charts.district_map(
                package.districts,
                by_district,
                "unmet",
                title=t("Demand out of reach: unmet, the nearest agency beyond the radius"),
                value_title=t("Unmet (units)"),
                height=420,
            )
        ),
        width="stretch",
    )
    right.markdown(t("**Out of reach, and the nearest agency that offers it**"))
    right.dataframe(
        in_language(
            cells.drop(columns=["district_id"]),
            numbers={"unmet": 0, "distance_km": 1, "radius_km": 0},
        ),
        hide_index=True,
        column_config={
            "district": t("District"),
            "service": t("Service"),
            "unmet": st.column_config.NumberColumn(t("Unmet (units)")),
            "nearest": t("Nearest agency beyond the radius"),
            "distance_km": st.column_config.NumberColumn(t("Distance (km)")),
            "radius_km": st.column_config.NumberColumn(t("Radius (km)")),
        },
    )


MIME = {
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_NAMES = {"pdf": "PDF", "html": "HTML", "xlsx": "Excel"}
AUDIENCE_CAPTIONS = {
    "analyst": N_(
        "For an analyst: exact counts, and confidential places named; charts are drawn offline."
    ),
    "funder": N_(
        "For a funder: small counts are suppressed and confidential places hidden; charts "
        "are drawn offline."
    ),
    "public": N_(
        "For the public: city totals only, small counts suppressed and confidential places "
        "hidden; charts are drawn offline."
    ),
}


@st.cache_data(show_spinner=False, max_entries=8)
def _report(
    _plan: Plan,
    _package: CityPackage,
    key: str,
    fmt: str,
    audience: str,
    language: str,
    robust: dict[str, Any] | None = None,
) -> bytes:
    del key  # the plan's identity: its scenario and data version
    with use_language(language):
        return build_report(
            _plan,
            fmt=fmt,  # type: ignore[arg-type]
            audience=audience,  # type: ignore[arg-type]
            package=_package,
            robust=robust,
        )


def draw_report_download(
    plan: Plan,
    package: CityPackage,
    key: str,
    audience: str,
    robust: dict[str, Any] | None = None,
) -> None:
    """One click per format: the plan as a report a funder can forward (PDF, HTML, Excel).

    Each button's file is written when it is clicked (a callable `data`, cached per plan,
    format, audience and language), so drawing the page writes no report; the click does
    not rerun the page, so the buttons stay for the next download. `robust`: the plan for
    bad months against the plan (`robust_record`), in the report when given.
    """
    st.caption(t(AUDIENCE_CAPTIONS.get(audience, AUDIENCE_CAPTIONS["funder"])))
    language = get_language()
    stem = f"haven-{plan.scenario.name}".replace(" ", "-")
    for column, fmt in zip(st.columns(len(MIME)), MIME, strict=True):
        column.download_button(
            t("Download the report ({value})", value=FORMAT_NAMES[fmt]),
            data=partial(_report, plan, package, key, fmt, audience, language, robust),
            file_name=f"{stem}.{fmt}",
            mime=MIME[fmt],
            key=f"report_{fmt}",
            on_click="ignore",
        )


# --- the assumption of latent demand, and the plan for bad months -----------------------------


def draw_latent(plan: Plan) -> None:
    """The latent-demand assumption, when the scenario makes one (shown with every plan)."""
    latent = plan.scenario.latent_demand
    if latent is None:
        return
    st.info(
        t(
            "Assumption: {sentence}.",
            sentence=latent_demand_words(latent.model_dump()),
        )
    )


ROBUST_JOB = "plan_robust_job"
"""Session key: the plan for bad months solving in the background (`RobustJob`)."""
STEPS = {
    "robust": N_("Solving the plan for bad months…"),
    "evaluate": N_("Judging both plans on fresh demand samples…"),
}


@dataclass(eq=False)
class RobustJob:
    """The plan for bad months solving in a background thread: its share done and step,
    then its result or error. The thread touches no Streamlit: the page polls these."""

    key: tuple[object, ...]
    share: float = 0.0
    step: str = "robust"
    result: RobustComparison | None = None
    error: Exception | None = None

    @property
    def done(self) -> bool:
        return self.result is not None or self.error is not None


def start_robust(city: str, scenario: Scenario, actor: Actor, key: tuple[object, ...]) -> RobustJob:
    """Run service.plans.run_robust in a background thread (the page is drawn at once)."""
    job = RobustJob(key)

    def advance(share: float, step: str) -> None:
        job.share = min(1.0, max(job.share, share))
        job.step = step

    def work() -> None:
        try:
            job.result = plan_service.run_robust(actor, city, scenario, progress=advance)
        except Exception as error:  # shown on the page, never lost in the thread
            job.error = error

    threading.Thread(target=work, name="haven-robust", daemon=True).start()
    return job


POLL_SECONDS = 0.5


@st.fragment(run_every=POLL_SECONDS)
def _robust_progress(job: RobustJob) -> None:
    """The progress bar, redrawn every half second; the page again once the job is done."""
    if job.done:
        st.rerun()
    st.progress(job.share, text=t(STEPS.get(job.step, STEPS["robust"])))


def comparison_table(comparison: RobustComparison, quantile: float | None) -> pd.DataFrame:
    """The comparison's rows for the screen: the plan's name in words and its figures."""
    table = comparison.table.copy()
    table["plan"] = [plan_label(str(code), quantile) for code in table["plan"]]
    return table.drop(columns=["status"])


def draw_robust(
    city: str, scenario: Scenario, actor: Actor, version: str, package: CityPackage
) -> RobustComparison | None:
    """The plan for bad months against the plan, on fresh samples neither saw (when the
    scenario asks for it): solved in the background with a progress bar, kept per city,
    data version, scenario and reader."""
    if scenario.robust is None:
        return None
    key = ("robust", city, version, scenario.model_dump_json(), actor)
    job = st.session_state.get(ROBUST_JOB)
    if not isinstance(job, RobustJob) or job.key != key:
        job = start_robust(city, scenario, actor, key)
        st.session_state[ROBUST_JOB] = job
    if not job.done:
        _robust_progress(job)
        return None
    if job.error is not None or job.result is None:
        st.error(t("The plan for bad months failed: {error}", error=str(job.error)))
        return None
    comparison = job.result
    choice = scenario.robust
    st.caption(
        t(
            "A robust plan made on {k} demand scenarios drawn from the forecast, minimising "
            "{risk} of weighted unmet demand; both plans then judged on the same {n} fresh "
            "samples that neither saw.",
            k=choice.scenarios,
            risk=risk_words(choice.risk, choice.alpha),
            n=comparison.evaluation_samples,
        )
    )
    st.dataframe(
        in_language(
            comparison_table(comparison, scenario.demand_quantile),
            numbers={
                "units_added": 1,
                "expected_weighted_unmet": 0,
                "p90_weighted_unmet": 0,
                "expected_unmet": 0,
            },
            money={"money_spent": package.city.currency},
        ),
        hide_index=True,
        column_config={
            "plan": t("Plan"),
            "money_spent": st.column_config.NumberColumn(t("Money spent")),
            "units_added": st.column_config.NumberColumn(t("Units added")),
            "expected_weighted_unmet": st.column_config.NumberColumn(t("Weighted unmet, expected")),
            "p90_weighted_unmet": st.column_config.NumberColumn(
                t("Weighted unmet, bad year (P90)")
            ),
            "expected_unmet": st.column_config.NumberColumn(t("Unmet (units), expected")),
        },
    )
    robust_plan = comparison.robust.plan
    if robust_plan.has_plan:
        with st.expander(t("Funding of the plan for bad months")):
            draw_funding(robust_plan, package)
    else:
        st.warning(
            t(
                "No plan for bad months: {status}.",
                status=words.status_line(robust_plan.status, robust_plan.gap, ""),
            )
        )
    return comparison


def robust_record(comparison: RobustComparison | None) -> dict[str, Any] | None:
    """The comparison as the report reads it (None: no plan for bad months)."""
    return comparison.to_dict() if comparison is not None else None
