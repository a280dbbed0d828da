"""Live capacity, data quality and hotline contacts of a city, for one actor (issue 19).

Each function takes the actor, checks its role and city, reads through `service.store` and
returns what the actor's audience may see (names of confidential agencies masked; hotline
counts below the city's k suppressed for an audience without exact counts; district
quality, which is made of demand counts, for exact audiences only). Codes and values: the
pages say them (`reports.quality_words`, ui/).

- `capacity_status(actor, city, today) -> CapacityStatus`: funded, in service, occupied
  and free now per agency and service, each with its as-of date and stale mark, and the
  agencies whose funded units exceed those in service by more than 10 %;
- `quality(actor, city, today) -> QualityView`: the data-quality score per agency (and per
  district for exact audiences) with its severity-ranked reasons;
- `low_scoring_funded(actor, city, plan, today) -> list[FundedQuality]`: the agencies a
  plan funds whose data score low ("verify before you fund");
- `hotline_trends(actor, city) -> HotlineTrends`: contacts and referrals per month and
  channel, suppressed for the audience; breakdowns by language, type of exploitation and
  district for exact audiences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from planner import disclosure
from planner import hotline as hotline_tables
from planner.capacity_levels import STALE_AFTER_DAYS, capacity_levels, funded_gaps
from planner.i18n import N_
from planner.optimise.plan import Plan
from planner.quality import LOW_SCORE, QualityReport, Reason, assess
from service import city as city_service
from service import store
from service.access import Action, Actor, require
from service.audience import Audience, audience_for
from service.city import require_city

__all__ = [
    "CapacityStatus",
    "FundedQuality",
    "HotlineTrends",
    "QualityView",
    "capacity_status",
    "hotline_trends",
    "low_scoring_funded",
    "quality",
]


def _checked(actor: Actor, city_name: str, what: str) -> tuple[Audience, str]:
    require(actor, Action.VIEW_AGGREGATES, what)
    require_city(actor, city_name)
    return audience_for(actor, city_name=city_name), store.data_version(city_name)


def _names(actor: Actor, city_name: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Agency, district and service names as the actor may see them."""
    visible = city_service.visible_package(actor, city_name)
    agencies = dict(
        zip(visible.agencies["agency_id"].astype(str), visible.agencies["name"], strict=True)
    )
    districts = dict(
        zip(visible.districts["district_id"].astype(str), visible.districts["name"], strict=True)
    )
    services = dict(
        zip(visible.services["service_id"].astype(str), visible.services["name"], strict=True)
    )
    return agencies, districts, services


# --- capacity in three levels ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CapacityStatus:
    """`levels`: agency_id, agency (the name this audience may see), service_id, service,
    unit, funded, capacity (in service), occupied, free, as_of, age_days, stale.
    `funded_gaps`: per agency with a funded figure, agency_id, agency, funded, capacity,
    gap, gap_share, flagged (funded above in service by more than 10 %), flagged first."""

    levels: pd.DataFrame
    funded_gaps: pd.DataFrame
    stale_after_days: int
    today: date

    @property
    def flagged(self) -> pd.DataFrame:
        return self.funded_gaps[self.funded_gaps["flagged"]].reset_index(drop=True)


def capacity_status(
    actor: Actor,
    city_name: str,
    today: date | None = None,
    stale_after_days: int = STALE_AFTER_DAYS,
) -> CapacityStatus:
    """The city's capacity in three levels as the actor may see it (funders, partners,
    analysts and admins)."""
    _, version = _checked(actor, city_name, N_("see the city's capacity"))
    day = today or date.today()
    package = store.exact_package(city_name, version)
    levels = capacity_levels(package, day, stale_after_days)
    agencies, _, services = _names(actor, city_name)
    units = package.services.set_index("service_id")["unit"].astype(str)
    table = levels.copy()
    table.insert(1, "agency", table["agency_id"].map(agencies).astype("str"))
    table.insert(3, "service", table["service_id"].map(services).astype("str"))
    table.insert(4, "unit", table["service_id"].map(units).astype("str"))
    gaps = funded_gaps(levels)
    gaps.insert(1, "agency", gaps["agency_id"].map(agencies).astype("str"))
    return CapacityStatus(
        levels=table, funded_gaps=gaps, stale_after_days=stale_after_days, today=day
    )


# --- data quality ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class QualityView:
    """`agencies`: agency_id, agency (visible name), completeness, timeliness, consistency,
    outliers, score, reasons; lowest first. `districts`: the same per district (district,
    district_id), empty for an audience without exact counts. `reasons`: most severe first
    (district reasons only for exact audiences). The name maps are for the words."""

    agencies: pd.DataFrame
    districts: pd.DataFrame
    reasons: tuple[Reason, ...]
    agency_names: dict[str, str]
    district_names: dict[str, str]
    service_names: dict[str, str]
    stale_after_days: int
    exact: bool


def _report(city_name: str, version: str, day: date, stale_after_days: int) -> QualityReport:
    return store.cached(
        "quality",
        (city_name, version, day.isoformat(), stale_after_days),
        lambda: assess(store.exact_package(city_name, version), day, stale_after_days),
    )


def quality(
    actor: Actor,
    city_name: str,
    today: date | None = None,
    stale_after_days: int = STALE_AFTER_DAYS,
) -> QualityView:
    """The city's data-quality scores as the actor may see them."""
    audience, version = _checked(actor, city_name, N_("see the city's data quality"))
    report = _report(city_name, version, today or date.today(), stale_after_days)
    agency_names, district_names, service_names = _names(actor, city_name)
    agencies = report.agencies.copy()
    agencies.insert(1, "agency", agencies["agency_id"].map(agency_names).astype("str"))
    if audience.exact_counts:
        districts = report.districts.copy()
        districts.insert(1, "district", districts["district_id"].map(district_names))
        reasons = report.reasons
    else:
        districts = report.districts.iloc[0:0].assign(district=pd.Series(dtype="str"))
        reasons = tuple(r for r in report.reasons if r.subject == "agency")
    return QualityView(
        agencies=agencies,
        districts=districts,
        reasons=reasons,
        agency_names=agency_names,
        district_names=district_names,
        service_names=service_names,
        stale_after_days=stale_after_days,
        exact=audience.exact_counts,
    )


@dataclass(frozen=True)
class FundedQuality:
    """An agency a plan funds whose data score below the threshold: what the plan gives
    it, its score and its most severe reasons (codes)."""

    agency_id: str
    agency: str
    amount: float
    score: float
    reasons: tuple[Reason, ...]


def low_scoring_funded(
    actor: Actor,
    city_name: str,
    plan: Plan,
    today: date | None = None,
    threshold: float = LOW_SCORE,
) -> list[FundedQuality]:
    """The agencies `plan` funds (any amount > 0) whose data-quality score is below
    `threshold`, lowest score first: "verify before you fund"."""
    view = quality(actor, city_name, today)
    funding = plan.funding
    if funding is None or funding.empty or "amount" not in funding.columns:
        return []
    amounts = funding[funding["amount"] > 0].groupby("agency_id")["amount"].sum()
    scores: dict[str, float] = {
        str(a): float(v)
        for a, v in zip(view.agencies["agency_id"], view.agencies["score"], strict=True)
    }
    names = {
        str(a): str(v)
        for a, v in zip(view.agencies["agency_id"], view.agencies["agency"], strict=True)
    }
    found = []
    for agency_id, amount in amounts.items():
        key = str(agency_id)
        if key not in scores or scores[key] >= threshold:
            continue
        reasons = tuple(r for r in view.reasons if r.subject == "agency" and r.subject_id == key)
        found.append(
            FundedQuality(
                agency_id=key,
                agency=names[key],
                amount=float(amount),
                score=scores[key],
                reasons=reasons[:3],
            )
        )
    return sorted(found, key=lambda f: (f.score, -f.amount))


# --- hotline contacts -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class HotlineTrends:
    """Hotline contacts (`contacts`) and referrals (`referred`) per month (rows) and channel
    (columns) with a Total row and column: `*_shown` numbers (NaN where hidden) and
    `*_labels` text ("<k", "x" where hidden). `by_language`, `by_exploitation` and
    `by_district` (the last 12 months; planner.hotline.recent) only for exact audiences
    (else None). `k`: the threshold (1: exact). Empty frames when the city has no hotline."""

    contacts_shown: pd.DataFrame
    contacts_labels: pd.DataFrame
    referred_shown: pd.DataFrame
    referred_labels: pd.DataFrame
    by_language: pd.DataFrame | None
    by_exploitation: pd.DataFrame | None
    by_district: pd.DataFrame | None
    k: int
    leading: hotline_tables.LeadingIndicator | None = None
    """Last month's contacts as a leading indicator of demand (exact audiences only)."""

    @property
    def empty(self) -> bool:
        return self.contacts_shown.empty


def _suppressed(table: pd.DataFrame, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    if table.empty:
        return pd.DataFrame(), pd.DataFrame()
    suppressed = disclosure.suppress_table(table, k, row_totals=True, column_totals=True)
    return suppressed.shown.astype("float64"), suppressed.labels()


def hotline_trends(actor: Actor, city_name: str) -> HotlineTrends:
    """The city's hotline contacts as the actor may see them (funders, partners and up)."""
    audience, version = _checked(actor, city_name, N_("see hotline contacts"))

    def make() -> HotlineTrends:
        hotline = store.exact_package(city_name, version).hotline
        contacts = hotline_tables.by_period(hotline, "contacts", "channel")
        referred = hotline_tables.by_period(hotline, "referred", "channel")
        contacts_shown, contacts_labels = _suppressed(contacts, audience.k)
        referred_shown, referred_labels = _suppressed(referred, audience.k)
        exact = audience.exact_counts and not hotline.empty
        return HotlineTrends(
            contacts_shown=contacts_shown,
            contacts_labels=contacts_labels,
            referred_shown=referred_shown,
            referred_labels=referred_labels,
            by_language=hotline_tables.recent(hotline, "language") if exact else None,
            by_exploitation=hotline_tables.recent(hotline, "exploitation") if exact else None,
            by_district=hotline_tables.recent(hotline, "district_id") if exact else None,
            k=audience.k,
            leading=(
                hotline_tables.leading_indicator(
                    store.exact_package(city_name, version).demand, hotline
                )
                if exact
                else None
            ),
        )

    return store.cached("hotline", (city_name, version, audience.key), make)
