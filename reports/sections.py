"""The words of a report: the question, the assumptions, the headline figures, what limits
the plan, and the caveats, for one audience and in the current language.

The plan holds codes and values (planner.findings); `reports.words` says them with the names
the audience may see. Dates are as written in English ("2026-11-25") and spelt out in
French ("25 novembre 2026").
"""

from __future__ import annotations

from planner import disclosure
from planner import findings as F
from planner.findings import Baselines, Diagnostics
from planner.i18n import N_, fmt_date, fmt_month, fmt_number, fmt_percent, get_language, t
from planner.plan_words import status_words
from reports import words
from reports.robust_words import latent_demand_words, robust_choice_words
from reports.view import CONFIDENTIAL_NAME, ReportView

SYNTHETIC = N_("SYNTHETIC DATA:")
EQUITY_MODES = (N_("soft"), N_("hard"))


def report_date(value: object) -> str:
    """An ISO date or month as it is in English ("2026-11-25", "2026-11"), spelt out in
    French ("25 novembre 2026", "novembre 2026")."""
    if not value:
        return ""
    text = str(value)
    if get_language() == "en":
        return text
    try:
        return fmt_month(text) if len(text) == 7 else fmt_date(text)
    except ValueError:
        return text


def question(view: ReportView) -> str:
    funders = len(view.context.funders)
    template = (
        N_(
            "How should {money} of new money from {funders} funder be shared among the "
            "agencies of {city} over the next {months} months, so that as little of the "
            "forecast need for services as possible goes unmet (weighted by each "
            "service's priority)?"
        )
        if funders == 1
        else N_(
            "How should {money} of new money from {funders} funders be shared among the "
            "agencies of {city} over the next {months} months, so that as little of the "
            "forecast need for services as possible goes unmet (weighted by each "
            "service's priority)?"
        )
    )
    return t(
        template,
        money=view.money(view.totals.get("budget")),
        funders=funders,
        city=view.context.city.name,
        months=view.scenario["horizon_months"],
    )


def assumptions(view: ReportView) -> list[tuple[str, str]]:
    scenario = view.scenario
    floor = float(scenario.get("equity_floor") or 0.0)
    return [
        (t("Scenario"), str(scenario["name"])),
        (t("Data freshness"), _freshness(view)),
        (t("Demand planned for"), _quantile(scenario.get("demand_quantile"))),
        (t("Horizon"), t("{months} months", months=scenario["horizon_months"])),
        (t("Budget"), view.money(view.totals.get("budget"))),
        (
            t("Equity floor"),
            t(
                "{floor} of demand in every district ({mode})",
                floor=fmt_percent(floor, 0),
                mode=t(str(scenario["equity_mode"])),
            )
            if floor
            else t("none"),
        ),
        (
            t("New services"),
            t("agencies may start services they do not offer")
            if scenario.get("allow_new_services")
            else t("only services the agencies already offer"),
        ),
        (t("Solver"), _solver(view)),
        (t("Units"), t("demand, served and unmet are unit-months of service, not people")),
        *_latent_and_robust(scenario),
    ]


def _latent_and_robust(scenario: dict) -> list[tuple[str, str]]:
    """The latent-demand assumption and the plan for bad months, when the scenario has them."""
    rows = []
    latent = latent_demand_words(scenario.get("latent_demand"))
    if latent:
        rows.append((t("Latent demand"), latent))
    robust = robust_choice_words(scenario.get("robust"))
    if robust:
        rows.append((t("Plan for bad months"), robust))
    return rows


def _freshness(view: ReportView) -> str:
    fresh = view.context.freshness
    text = t(
        "capacity as of {oldest} to {newest}; cases recorded {first} to {last}",
        oldest=report_date(fresh.get("capacity_oldest")) or t("unknown"),
        newest=report_date(fresh.get("capacity_newest")) or t("unknown"),
        first=report_date(fresh.get("demand_first")) or "?",
        last=report_date(fresh.get("demand_last")) or "?",
    )
    if fresh.get("capacity_stale") is None:  # a context written before issue 19
        return text
    if fresh.get("capacity_stale") == "0":
        return text + t(
            "; every capacity figure within {days} days on {day}",
            days=fresh.get("stale_after_days"),
            day=report_date(fresh.get("freshness_on")) or "?",
        )
    return text + t(
        "; STALE: {stale} of {count} capacity figures older than {days} days or undated on {day}",
        stale=fresh.get("capacity_stale"),
        count=fresh.get("capacity_count"),
        days=fresh.get("stale_after_days"),
        day=report_date(fresh.get("freshness_on")) or "?",
    )


def _quantile(quantile: float | None) -> str:
    if quantile is None:
        return t(
            "the expected demand: the mean of the forecast's sample paths, district by district"
        )
    kind = (
        t("cautious") if quantile > 0.5 else (t("median") if quantile == 0.5 else t("optimistic"))
    )
    return t(
        "P{percentile} ({kind}): the city's demand for each service stays under the plan's in "
        "{percent} of the forecast's futures",
        percentile=f"{quantile * 100:g}",
        kind=kind,
        percent=fmt_percent(quantile, 0),
    )


def _solver(view: ReportView) -> str:
    gap = view.summary.get("gap")
    text = t(
        "{solver}: {status}",
        solver=view.summary.get("solver_version", ""),
        status=status_words(view.summary.get("status")),
    )
    if isinstance(gap, int | float):
        text += t(", gap {gap}", gap=fmt_percent(gap, 2))
    return text


def headline(view: ReportView) -> list[str]:
    if not view.record.has_plan:
        return [t("No plan: {reason}", reason=_status(view))]
    totals = view.totals
    lines = [
        t(
            "Served {served} of {demand} unit-months of forecast demand ({coverage}); "
            "{unmet} left unmet.",
            served=fmt_number(totals["served"]),
            demand=fmt_number(totals["demand"]),
            coverage=fmt_percent(totals["coverage"]),
            unmet=fmt_number(totals["unmet"]),
        ),
        t(
            "Spent {spent} of {budget}, adding {units} units of capacity.",
            spent=view.money(totals["money_spent"]),
            budget=view.money(totals["budget"]),
            units=fmt_number(totals["units_added"], 1),
        ),
    ]
    baselines = Baselines.from_dict(view.summary.get("baselines"))
    lines += words.baseline_lines(baselines, view.book)
    value = words.budget_value(view.findings, view.book)
    if value:
        lines.append(value.rstrip(".") + ".")
    return lines


def _status(view: ReportView) -> str:
    diagnostics = Diagnostics.from_dict(view.summary.get("diagnostics"))
    return words.status_line(
        str(view.summary.get("status")), view.summary.get("gap"), diagnostics.solver_message
    )


def binding(view: ReportView) -> list[str]:
    """What limits the plan, one line per kind of limit. A district out of reach is said
    only where its unmet figure is shown to this audience."""
    findings = [f for f in view.findings if f.kind != F.OUT_OF_REACH or _reach_shown(view, f)]
    lines = []
    for section in words.limit_sections(findings, view.book):
        shown = t("; ").join(section.lines)
        if section.more:
            shown += t("; and {more} more", more=section.more)
        lines.append(t("{title}: {lines}", title=section.title, lines=shown))
    return lines


def _reach_shown(view: ReportView, finding: F.Finding) -> bool:
    if view.exact:
        return True
    district = finding.district_ids[0] if finding.district_ids else ""
    return view.cells.shown(district, str(finding.service_id), "unmet")


def caveats(view: ReportView) -> list[str]:
    lines = []
    if view.context.synthetic:
        notes = view.context.city.notes or ""
        text = t(SYNTHETIC) + " " + t("this report is made from invented data.") + f" {notes}"
        lines.append(text.strip())
    status = view.summary.get("status")
    if status == "time_limit":
        lines.append(t("The solver stopped at its time limit: the plan may not be the best one."))
    elif not view.record.has_plan:
        lines.append(
            t(
                "No plan was found ({status}): {message}",
                status=status_words(status),
                message=_why_no_plan(view),
            )
        )
    lines.append(
        t(
            "Figures are unit-months of service (one unit of a service for one month, e.g. "
            "a bed-month), summed over the horizon; they are not counts of people."
        )
    )
    if not view.exact:
        lines.append(
            t(
                "Small counts are suppressed for this {audience} report: a district "
                "figure worth fewer than {k} cases shows as '{primary}', and one hidden so "
                "that it cannot be worked out from the totals as '{complement}'; "
                "confidential agencies are named '{confidential}'.",
                audience=t(view.audience),
                k=view.k,
                primary=disclosure.primary_label(view.k),
                complement=disclosure.COMPLEMENT_LABEL,
                confidential=t(CONFIDENTIAL_NAME),
            )
        )
    return lines + words.notes(view.findings, view.book)


def _why_no_plan(view: ReportView) -> str:
    if F.findings_of(view.findings, *F.INFEASIBLE_KINDS):
        return words.infeasible_summary(view.findings, view.book)
    return _status(view)
