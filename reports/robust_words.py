"""Words for the latent-demand assumption and the plan for bad months (the robust plan), in
the reader's language: the Plan page, the CLI and the report say them the same way."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from planner.i18n import fmt_number, fmt_percent, t


def latent_factor(latent: Mapping[str, Any]) -> float:
    """1 + share (multiplier - 1), as planner.scenario.LatentDemand.factor."""
    return 1.0 + float(latent["share"]) * (float(latent["multiplier"]) - 1.0)


def latent_demand_words(latent: Mapping[str, Any] | None) -> str:
    """The assumption in one sentence ("" without latent demand)."""
    if not latent:
        return ""
    return t(
        "demand times {factor}: the plan provides for {share} of the people a multiple-systems "
        "estimate says are not seen (the estimate is {multiplier} times those observed)",
        factor=fmt_number(latent_factor(latent), 3),
        share=fmt_percent(float(latent["share"]), 0),
        multiplier=fmt_number(float(latent["multiplier"]), 2),
    )


def risk_words(risk: str, alpha: float | None) -> str:
    """What the robust plan minimises, in a few words."""
    if risk == "cvar":
        return t(
            "the mean of the worst {tail} of the scenarios (CVaR at {alpha})",
            tail=fmt_percent(1.0 - float(alpha or 0.9), 0),
            alpha=fmt_number(float(alpha or 0.9), 2),
        )
    return t("the mean over the scenarios")


def robust_choice_words(robust: Mapping[str, Any] | None) -> str:
    """The scenario's `robust` key in one sentence ("" without it)."""
    if not robust:
        return ""
    return t(
        "a plan for bad months is also made on {k} demand scenarios drawn from the forecast, "
        "minimising {risk} of weighted unmet demand",
        k=int(robust.get("scenarios") or 0),
        risk=risk_words(str(robust.get("risk") or "mean"), robust.get("alpha")),
    )


def plan_label(code: str, quantile: float | None = None) -> str:
    """A row of the comparison: the scenario's own plan (named by its demand basis) or the
    robust plan."""
    if code == "robust":
        return t("Plan for bad months")
    if quantile is None:
        return t("Plan on expected demand")
    return t("Plan at P{percentile}", percentile=f"{quantile * 100:g}")


def _figure(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return fmt_number(float(value), digits)


def comparison_lines(
    comparison: Mapping[str, Any], quantile: float | None, money: Any = None
) -> list[str]:
    """The comparison (RobustComparison.to_dict()) as lines: each plan's expected and P90
    weighted unmet demand on the fresh samples, and the money it spends."""
    money = money or (lambda amount: fmt_number(amount))
    lines = [
        t(
            "Plan for bad months: {k} scenarios, minimising {risk}; both plans judged on {n} "
            "fresh demand samples neither saw.",
            k=comparison.get("scenarios"),
            risk=risk_words(str(comparison.get("risk")), comparison.get("cvar_alpha")),
            n=comparison.get("evaluation_samples"),
        )
    ]
    for row in comparison.get("rows") or []:
        lines.append(
            t(
                "{plan}: weighted unmet {expected} expected, {p90} in a bad year (P90); "
                "spends {money}, adds {units} units",
                plan=plan_label(str(row["plan"]), quantile),
                expected=_figure(row.get("expected_weighted_unmet")),
                p90=_figure(row.get("p90_weighted_unmet")),
                money=money(float(row.get("money_spent") or 0.0)),
                units=_figure(row.get("units_added"), 1),
            )
        )
    return lines
