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
from typing import Literal

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


def _agency_reasons(package: CityPackage, today: date, stale_after_days: int) -> list[Reason]:
    levels = capacity_levels(package, today, stale_after_days)
    uses_funded = bool(levels["funded"].notna().any())
    found: list[Reason] = []
    for agency_id in package.agencies["agency_id"].astype(str):
        rows = levels[levels["agency_id"] == agency_id]
        if rows.empty:
            found.append(Reason("no_capacity", "high", "completeness", "agency", agency_id))
            continue
        found.extend(_agency_completeness(agency_id, rows, uses_funded))
        found.extend(_agency_timeliness(agency_id, rows, stale_after_days))
        found.extend(_agency_consistency(agency_id, rows))
    found.extend(_capacity_jumps(package))
    return found


def _agency_completeness(agency_id: str, rows: pd.DataFrame, uses_funded: bool) -> list[Reason]:
    found: list[Reason] = []
    total = len(rows)
    checks: list[tuple[str, pd.Series, bool]] = [
        ("undated", rows["age_days"].isna(), True),
        ("occupied_unknown", rows["occupied"].isna(), True),
        ("funded_unknown", rows["funded"].isna(), uses_funded),
    ]
    for code, missing, applies in checks:
        count = int(missing.sum())
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


def _agency_timeliness(agency_id: str, rows: pd.DataFrame, stale_after_days: int) -> list[Reason]:
    dated = rows["age_days"].dropna()
    if dated.empty:
        return []  # said once, as "undated"
    oldest = float(dated.max())
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


def _agency_consistency(agency_id: str, rows: pd.DataFrame) -> list[Reason]:
    found: list[Reason] = []
    figures = zip(
        rows["service_id"].astype(str).tolist(),
        rows["capacity"].astype(float).tolist(),
        rows["occupied"].astype(float).tolist(),
        rows["funded"].astype(float).tolist(),
        strict=True,
    )
    for service, capacity, occupied, funded in figures:
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
    by_district: dict[str, pd.DataFrame] = {
        str(key): group for key, group in cells.groupby("district_id", sort=False)
    }
    for district_id in package.districts["district_id"].astype(str):
        rows = by_district.get(district_id)
        if rows is None:
            found.append(Reason("no_demand", "high", "completeness", "district", district_id))
            continue
        seen = set(rows["period"])
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
        found.extend(_demand_outliers(district_id, rows, months, recent))
    found.extend(_referrals_without_demand(package, cells, recent))
    return found


def _demand_outliers(
    district_id: str, rows: pd.DataFrame, months: list[str], recent: list[str]
) -> list[Reason]:
    """Per service, the recent month farthest from the series' median, when beyond OUTLIER_Z."""
    found: list[Reason] = []
    for service_id, series_rows in rows.groupby("service_id", sort=True):
        first = series_rows["period"].min()
        span = [m for m in months if m >= first]
        if len(span) < MIN_SERIES:
            continue
        series = series_rows.set_index("period")["cases"].reindex(span).fillna(0.0)
        median = float(series.median())
        mad = float((series - median).abs().median())
        scale = mad if mad > 0 else max(float((series - median).abs().mean()), 1.0)
        z = 0.6745 * (series - median) / scale
        window = z[z.index.isin(recent)]
        if window.empty:
            continue
        worst = str(window.abs().idxmax())
        if abs(float(z[worst])) <= OUTLIER_Z:
            continue
        found.append(
            Reason(
                "demand_outlier",
                "high" if abs(float(z[worst])) > EXTREME_Z else "medium",
                "outliers",
                "district",
                district_id,
                service_id=str(service_id),
                period=worst,
                value=float(series[worst]),
                limit=median,
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
