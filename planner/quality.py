"""A data-quality score per agency and per district, with severity-ranked reasons.

As an HMIS data-quality report does, four dimensions are scored from 0 to 100:

- completeness: the figures that should be there are (an agency's capacity rows dated,
  with occupancy and, where the city reports it, funded units; a district's demand every
  month, and its population);
- timeliness: the figures are recent (an agency's oldest current `as_of` within the city's
  stale threshold; a district's last month of demand as recent as the city's);
- consistency: the figures agree with each other (occupied <= in service <= funded; funded
  not far above what is in service; hotline referrals in a district with demand recorded);
- outliers: no figure is far from its own history (an agency's capacity jumping between
  two dates; a district's monthly demand far from the median of its series, by the
  median absolute deviation).

Each problem found is a `Reason`: a code, a severity (high, medium, low), the dimension,
the agency or district, and the values that show it; no words (the edges say them:
`reports.quality_words`). A dimension's score is 100 less a penalty per reason (high 50,
medium 25, low 10), never below 0; the score is their product scaled to 100 (one high
reason gives 50, one medium 75, two mediums 56), so that one serious problem is enough to
score low.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from planner.capacity_levels import FUNDED_GAP_SHARE, STALE_AFTER_DAYS, capacity_levels
from planner.package import CityPackage

Severity = Literal["high", "medium", "low"]
Dimension = Literal["completeness", "timeliness", "consistency", "outliers"]
Subject = Literal["agency", "district"]

SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low")
DIMENSIONS: tuple[Dimension, ...] = ("completeness", "timeliness", "consistency", "outliers")
PENALTY: dict[Severity, float] = {"high": 50.0, "medium": 25.0, "low": 10.0}
LOW_SCORE = 60.0
"""Below this an agency's data should be verified before it is funded."""

RECENT_MONTHS = 12
OUTLIER_Z = 3.5
"""Robust z-score (0.6745 (x - median) / MAD) beyond which a month is an outlier."""
EXTREME_Z = 7.0
MIN_SERIES = 6
"""Months of history a series needs before its months are judged."""
CAPACITY_JUMP = 0.5
"""A change of capacity between two dated rows by more than this share is an outlier."""

CODES = (
    "no_capacity",
    "undated",
    "occupied_unknown",
    "funded_unknown",
    "stale",
    "very_stale",
    "occupied_above_capacity",
    "funded_below_capacity",
    "funded_gap",
    "capacity_jump",
    "no_demand",
    "missing_months",
    "no_population",
    "demand_behind",
    "referrals_without_demand",
    "demand_outlier",
)


@dataclass(frozen=True)
class Reason:
    """One problem of one agency or district. `value` and `limit` are the figures that show
    it (e.g. an age in days and the threshold; a month's cases and the series' median);
    `count` how many rows it concerns."""

    code: str
    severity: Severity
    dimension: Dimension
    subject: Subject
    subject_id: str
    service_id: str | None = None
    period: str | None = None
    value: float | None = None
    limit: float | None = None
    count: int | None = None

    @property
    def rank(self) -> int:
        return SEVERITIES.index(self.severity)


@dataclass(frozen=True, eq=False)
class QualityReport:
    """`agencies` (agency_id) and `districts` (district_id): one row each with the four
    dimension scores, `score` and `reasons` (how many); lowest score first. `reasons`: every
    reason, high severity first, then by score of its subject."""

    agencies: pd.DataFrame
    districts: pd.DataFrame
    reasons: tuple[Reason, ...]
    stale_after_days: int

    def reasons_of(self, subject: Subject, subject_id: str) -> list[Reason]:
        return [r for r in self.reasons if r.subject == subject and r.subject_id == subject_id]

    def low_agencies(self, threshold: float = LOW_SCORE) -> pd.DataFrame:
        """The agencies scoring below `threshold`."""
        return self.agencies[self.agencies["score"] < threshold].reset_index(drop=True)


def assess(
    package: CityPackage, today: date, stale_after_days: int = STALE_AFTER_DAYS
) -> QualityReport:
    """Score every agency and district of the package as of `today`."""
    reasons = [
        *_agency_reasons(package, today, stale_after_days),
        *_district_reasons(package),
    ]
    agencies = _scores(package.agencies["agency_id"].astype(str).tolist(), "agency", reasons)
    districts = _scores(package.districts["district_id"].astype(str).tolist(), "district", reasons)
    score = {
        **{("agency", a): s for a, s in zip(agencies["agency_id"], agencies["score"], strict=True)},
        **{
            ("district", d): s
            for d, s in zip(districts["district_id"], districts["score"], strict=True)
        },
    }
    ordered = sorted(
        reasons, key=lambda r: (r.rank, score[(r.subject, r.subject_id)], r.subject, r.subject_id)
    )
    return QualityReport(
        agencies=agencies,
        districts=districts,
        reasons=tuple(ordered),
        stale_after_days=stale_after_days,
    )


def _scores(ids: list[str], subject: Subject, reasons: list[Reason]) -> pd.DataFrame:
    key = "agency_id" if subject == "agency" else "district_id"
    penalties = {(i, d): 0.0 for i in ids for d in DIMENSIONS}
    counts = dict.fromkeys(ids, 0)
    for reason in reasons:
        if reason.subject != subject or reason.subject_id not in counts:
            continue
        penalties[(reason.subject_id, reason.dimension)] += PENALTY[reason.severity]
        counts[reason.subject_id] += 1
    rows: list[dict[str, object]] = []
    for i in ids:
        dims: dict[str, float] = {d: max(0.0, 100.0 - penalties[(i, d)]) for d in DIMENSIONS}
        row: dict[str, object] = {key: i, **dims}
        row["score"] = 100.0 * float(np.prod([v / 100.0 for v in dims.values()]))
        row["reasons"] = counts[i]
        rows.append(row)
    columns = [key, *DIMENSIONS, "score", "reasons"]
    table = pd.DataFrame(rows, columns=columns)
    table[key] = table[key].astype("str")
    table["reasons"] = table["reasons"].astype("int64")
    return table.sort_values(["score", key], kind="stable").reset_index(drop=True)


# --- agencies -------------------------------------------------------------------------------


class _Figure(NamedTuple):
    """One current capacity figure of an agency (NaN: not known)."""

    service_id: str
    capacity: float
    occupied: float
    funded: float
    age_days: float


def _agency_reasons(package: CityPackage, today: date, stale_after_days: int) -> list[Reason]:
    levels = capacity_levels(package, today, stale_after_days)
    uses_funded = bool(levels["funded"].notna().any())
    by_agency: dict[str, list[_Figure]] = {}
    for agency_id, *values in zip(
        levels["agency_id"].astype(str).tolist(),
        levels["service_id"].astype(str).tolist(),
        levels["capacity"].astype(float).tolist(),
        levels["occupied"].astype(float).tolist(),
        levels["funded"].astype(float).tolist(),
        levels["age_days"].astype(float).tolist(),
        strict=True,
    ):
        by_agency.setdefault(agency_id, []).append(_Figure(*values))
    found: list[Reason] = []
    for agency_id in package.agencies["agency_id"].astype(str):
        figures = by_agency.get(agency_id, [])
        if not figures:
            found.append(Reason("no_capacity", "high", "completeness", "agency", agency_id))
            continue
        found.extend(_agency_completeness(agency_id, figures, uses_funded))
        found.extend(_agency_timeliness(agency_id, figures, stale_after_days))
        found.extend(_agency_consistency(agency_id, figures))
    found.extend(_capacity_jumps(package))
    return found


def _agency_completeness(agency_id: str, figures: list[_Figure], uses_funded: bool) -> list[Reason]:
    found: list[Reason] = []
    total = len(figures)
    checks: list[tuple[str, int, bool]] = [
        ("undated", sum(math.isnan(f.age_days) for f in figures), True),
        ("occupied_unknown", sum(math.isnan(f.occupied) for f in figures), True),
        ("funded_unknown", sum(math.isnan(f.funded) for f in figures), uses_funded),
    ]
    for code, count, applies in checks:
        if not applies or count == 0:
            continue
        severity: Severity = "medium" if count == total else "low"
        found.append(
            Reason(
                code,
                severity,
                "completeness",
                "agency",
                agency_id,
                value=float(count),
                limit=float(total),
                count=count,
            )
        )
    return found


def _agency_timeliness(
    agency_id: str, figures: list[_Figure], stale_after_days: int
) -> list[Reason]:
    dated = [f.age_days for f in figures if not math.isnan(f.age_days)]
    if not dated:
        return []  # said once, as "undated"
    oldest = max(dated)
    if oldest > 3 * stale_after_days:
        code, severity = "very_stale", "high"
    elif oldest > stale_after_days:
        code, severity = "stale", "medium"
    else:
        return []
    return [
        Reason(
            code,
            severity,  # type: ignore[arg-type]
            "timeliness",
            "agency",
            agency_id,
            value=oldest,
            limit=float(stale_after_days),
        )
    ]


def _agency_consistency(agency_id: str, figures: list[_Figure]) -> list[Reason]:
    found: list[Reason] = []
    for service, capacity, occupied, funded, _ in figures:
        if not math.isnan(occupied) and occupied > capacity:
            found.append(
                Reason(
                    "occupied_above_capacity",
                    "high",
                    "consistency",
                    "agency",
                    agency_id,
                    service_id=service,
                    value=occupied,
                    limit=capacity,
                )
            )
        if not math.isnan(funded) and funded < capacity:
            found.append(
                Reason(
                    "funded_below_capacity",
                    "high",
                    "consistency",
                    "agency",
                    agency_id,
                    service_id=service,
                    value=funded,
                    limit=capacity,
                )
            )
        elif not math.isnan(funded) and funded > capacity * (1.0 + FUNDED_GAP_SHARE):
            found.append(
                Reason(
                    "funded_gap",
                    "medium",
                    "consistency",
                    "agency",
                    agency_id,
                    service_id=service,
                    value=funded,
                    limit=capacity,
                )
            )
    return found


def _capacity_jumps(package: CityPackage) -> list[Reason]:
    """The largest jump of each agency and service's dated history, when above CAPACITY_JUMP."""
    history = package.capacity[package.capacity["as_of"].notna()]
    found: list[Reason] = []
    if history.empty:
        return found
    ordered = history.sort_values(["agency_id", "service_id", "as_of"], kind="stable")
    for (agency_id, service_id), rows in ordered.groupby(["agency_id", "service_id"], sort=True):
        values = rows["capacity"].astype(float).to_numpy()
        if len(values) < 2:
            continue
        before, after = values[:-1], values[1:]
        change = np.abs(after - before) / np.maximum(before, 1.0)
        worst = int(np.argmax(change))
        if change[worst] > CAPACITY_JUMP and abs(after[worst] - before[worst]) > 2:
            found.append(
                Reason(
                    "capacity_jump",
                    "medium",
                    "outliers",
                    "agency",
                    str(agency_id),
                    service_id=str(service_id),
                    period=str(rows["as_of"].iloc[worst + 1]),
                    value=float(after[worst]),
                    limit=float(before[worst]),
                )
            )
    return found


# --- districts ------------------------------------------------------------------------------


def _district_reasons(package: CityPackage) -> list[Reason]:
    demand = package.demand
    found: list[Reason] = []
    for district_id, population in zip(
        package.districts["district_id"].astype(str), package.districts["population"], strict=True
    ):
        if pd.notna(population) and int(population) <= 0:
            found.append(Reason("no_population", "medium", "completeness", "district", district_id))
    if demand.empty:
        return found
    cells = pd.DataFrame(
        demand.assign(period=demand["period"].astype(str), cases=demand["cases"].astype(float))
        .groupby(["district_id", "service_id", "period"], as_index=False)["cases"]
        .sum()
    )
    months = [
        str(p) for p in pd.period_range(cells["period"].min(), cells["period"].max(), freq="M")
    ]
    recent = months[-RECENT_MONTHS:]
    seen_by_district: dict[str, set[str]] = {}
    for district_id, period in zip(cells["district_id"], cells["period"], strict=True):
        seen_by_district.setdefault(str(district_id), set()).add(str(period))
    for district_id in package.districts["district_id"].astype(str):
        seen = seen_by_district.get(district_id)
        if seen is None:
            found.append(Reason("no_demand", "high", "completeness", "district", district_id))
            continue
        missing = [m for m in recent if m not in seen]
        if missing:
            severity: Severity = "medium" if len(missing) > len(recent) / 4 else "low"
            found.append(
                Reason(
                    "missing_months",
                    severity,
                    "completeness",
                    "district",
                    district_id,
                    value=float(len(missing)),
                    limit=float(len(recent)),
                    count=len(missing),
                )
            )
        last = max(seen)
        behind = len([m for m in months if m > last])
        if behind >= 1:
            found.append(
                Reason(
                    "demand_behind",
                    "high" if behind >= 3 else "medium",
                    "timeliness",
                    "district",
                    district_id,
                    period=last,
                    value=float(behind),
                    limit=None,
                    count=behind,
                )
            )
    found.extend(_demand_outliers(cells, months, recent))
    found.extend(_referrals_without_demand(package, cells, recent))
    return found


def _demand_outliers(cells: pd.DataFrame, months: list[str], recent: list[str]) -> list[Reason]:
    """Per district and service, the recent month farthest from the series' median (months
    from its first observation on, missing ones 0), when beyond OUTLIER_Z. Vectorised: one
    matrix of series × months."""
    matrix = cells.pivot_table(
        index=["district_id", "service_id"], columns="period", values="cases", aggfunc="sum"
    ).reindex(columns=months)
    values = matrix.to_numpy(dtype=float)
    if values.size == 0:
        return []
    observed = ~np.isnan(values)
    first = observed.argmax(axis=1)
    in_span = np.arange(len(months))[None, :] >= first[:, None]
    series = np.where(in_span, np.nan_to_num(values, nan=0.0), np.nan)
    length = in_span.sum(axis=1)
    median = np.nanmedian(series, axis=1)
    deviation = np.abs(series - median[:, None])
    mad = np.nanmedian(deviation, axis=1)
    scale = np.where(mad > 0, mad, np.maximum(np.nanmean(deviation, axis=1), 1.0))
    z = 0.6745 * (series - median[:, None]) / scale[:, None]
    window = np.abs(z[:, len(months) - len(recent) :])
    window = np.where(np.isnan(window), -1.0, window)
    worst = window.argmax(axis=1)
    strongest = window[np.arange(len(window)), worst]
    found: list[Reason] = []
    keys = list(matrix.index)
    for row in np.flatnonzero((length >= MIN_SERIES) & (strongest > OUTLIER_Z)):
        district_id, service_id = keys[row]
        column = len(months) - len(recent) + int(worst[row])
        found.append(
            Reason(
                "demand_outlier",
                "high" if strongest[row] > EXTREME_Z else "medium",
                "outliers",
                "district",
                str(district_id),
                service_id=str(service_id),
                period=months[column],
                value=float(series[row, column]),
                limit=float(median[row]),
            )
        )
    return found


def _referrals_without_demand(
    package: CityPackage, cells: pd.DataFrame, recent: list[str]
) -> list[Reason]:
    """Districts whose hotline referred contacts in recent months where no demand is recorded."""
    hotline = package.hotline
    if hotline.empty or "district_id" not in hotline.columns:
        return []
    rows = hotline[hotline["district_id"].notna() & hotline["period"].astype(str).isin(recent)]
    if rows.empty:
        return []
    referred = (
        rows.assign(referred=rows["referred"].astype(float).fillna(0.0))
        .groupby(["district_id", "period"], as_index=False)["referred"]
        .sum()
    )
    demand = cells.groupby(["district_id", "period"], as_index=False)["cases"].sum()
    frame = referred.merge(demand, on=["district_id", "period"], how="left")
    frame["cases"] = frame["cases"].fillna(0.0)
    hits = frame[(frame["referred"] > 0) & (frame["cases"] == 0)]
    found: list[Reason] = []
    for district_id, group in hits.groupby("district_id", sort=True):
        months = sorted(group["period"].astype(str).tolist())
        if months:
            found.append(
                Reason(
                    "referrals_without_demand",
                    "medium",
                    "consistency",
                    "district",
                    str(district_id),
                    period=months[-1],
                    value=float(len(months)),
                    count=len(months),
                )
            )
    return found
