"""The data-quality reasons (planner.quality) in the reader's language: words at the edge.

The domain gives codes and values; the Data page, `python -m planner quality` and the Plan's
"verify before you fund" warning say them here, with names the reader may see.
"""

from __future__ import annotations

from collections.abc import Mapping

from planner.i18n import N_, fmt_number, t
from planner.quality import Reason

SEVERITY_WORDS = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
DIMENSION_WORDS = {
    "completeness": N_("completeness"),
    "timeliness": N_("timeliness"),
    "consistency": N_("consistency"),
    "outliers": N_("outliers"),
}

REASON_WORDS = {
    "no_capacity": N_("{subject} has no capacity figure for any service"),
    "undated": N_("{subject}: {count} of {limit} capacity figures have no 'as of' date"),
    "occupied_unknown": N_("{subject}: occupancy unknown for {count} of {limit} services"),
    "funded_unknown": N_("{subject}: funded units not given for {count} of {limit} services"),
    "stale": N_("{subject}: capacity last updated {value} days ago (stale after {limit})"),
    "very_stale": N_(
        "{subject}: capacity last updated {value} days ago, over three times the {limit} "
        "days after which it is stale"
    ),
    "occupied_above_capacity": N_(
        "{subject}, {service}: {value} occupied, more than the {limit} in service"
    ),
    "funded_below_capacity": N_(
        "{subject}, {service}: {value} funded, fewer than the {limit} in service"
    ),
    "funded_gap": N_(
        "{subject}, {service}: {value} units funded but only {limit} in service "
        "(more than 10 % apart)"
    ),
    "capacity_jump": N_("{subject}, {service}: capacity went from {limit} to {value} on {period}"),
    "no_demand": N_("{subject} has no demand recorded in any month"),
    "missing_months": N_("{subject}: no demand recorded in {count} of the last {limit} months"),
    "no_population": N_("{subject} has a population of 0"),
    "demand_behind": N_(
        "{subject}: demand last recorded in {period}, {count} month(s) behind the city"
    ),
    "referrals_without_demand": N_(
        "{subject}: the hotline referred contacts in {count} recent month(s) with no demand "
        "recorded (last {period})"
    ),
    "demand_outlier": N_(
        "{subject}, {service}: {value} cases in {period}, far from the usual {limit}"
    ),
}


def _figure(value: float | None) -> str:
    if value is None or value != value:
        return "?"
    return fmt_number(value) if float(value).is_integer() else fmt_number(value, 1)


def reason_text(
    reason: Reason,
    agency_names: Mapping[str, str] | None = None,
    district_names: Mapping[str, str] | None = None,
    service_names: Mapping[str, str] | None = None,
) -> str:
    """One reason as a sentence, naming the agency, district and service as the reader may
    see them (an id when no name is given)."""
    names = agency_names if reason.subject == "agency" else district_names
    subject = (names or {}).get(reason.subject_id, reason.subject_id)
    service = (
        (service_names or {}).get(reason.service_id, reason.service_id)
        if reason.service_id is not None
        else ""
    )
    return t(
        REASON_WORDS[reason.code],
        subject=subject,
        service=service,
        value=_figure(reason.value),
        limit=_figure(reason.limit),
        count=fmt_number(reason.count or 0),
        period=reason.period or "",
    )


def severity_text(severity: str) -> str:
    return t(SEVERITY_WORDS[severity])


def dimension_text(dimension: str) -> str:
    return t(DIMENSION_WORDS[dimension])
