"""Years and grant windows (MODEL.md "Years and grant windows", issue 20): codes and values.

A horizon above 12 months is cut into plan years of 12 months from its first period (the
last year may be shorter). A funder's window (`funders.start`, `funders.end`, 'YYYY-MM',
empty: open on that side) covers a share of each year: the share of the year's months that
fall inside it. A funder pays a year's running costs and openings at most in that share
(all of a year inside its window, none outside, a part where the window starts or ends
inside the year), so capacity it paid for ends with its window unless another funder pays:
the funding cliff.

`YearsResult` is what the year-by-year plan (planner.optimise.years) returns: capacity in
operation, money and coverage per year, the cliffs, and the "keep coverage flat" variant
with what it costs. No sentence is written here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from planner.package import CityPackage

YEAR_MONTHS = 12

Window = tuple[str | None, str | None]
"""A funder's first and last month ('YYYY-MM'), None: open on that side."""

BY_YEAR_COLUMNS = [
    "year",
    "first_period",
    "last_period",
    "months",
    "capacity_units",
    "money",
    "demand",
    "served",
    "coverage",
    "cliff_units",
]
CAPACITY_COLUMNS = ["agency_id", "service_id", "year", "units"]
FUNDING_COLUMNS = ["funder_id", "agency_id", "service_id", "year", "amount"]
CLIFF_COLUMNS = ["year", "agency_id", "service_id", "units", "funders_ended"]
SHARE_COLUMNS = ["funder_id", "year", "share"]


def funder_windows(package: CityPackage) -> dict[str, Window]:
    """Each funder's window from funders.csv's start and end (none: the whole horizon)."""
    funders = package.funders
    windows: dict[str, Window] = {}
    for row in funders.to_dict("records"):
        windows[str(row["funder_id"])] = (_month(row.get("start")), _month(row.get("end")))
    return windows


def _month(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text[:7] or None


def has_windows(windows: Mapping[str, Window]) -> bool:
    """Whether any funder has a window (a start or an end)."""
    return any(start or end for start, end in windows.values())


def year_periods(periods: Sequence[str]) -> list[list[str]]:
    """The horizon's periods (sorted 'YYYY-MM') cut into years of 12 months."""
    ordered = sorted(periods)
    return [ordered[i : i + YEAR_MONTHS] for i in range(0, len(ordered), YEAR_MONTHS)]


def window_shares(windows: Mapping[str, Window], years: Sequence[Sequence[str]]) -> pd.DataFrame:
    """funder_id, year (1-based), share: the share of the year's months inside the window."""
    rows = []
    for funder_id, (start, end) in windows.items():
        for index, months in enumerate(years, start=1):
            inside = [
                p for p in months if (start is None or p >= start) and (end is None or p <= end)
            ]
            rows.append((funder_id, index, len(inside) / len(months) if months else 0.0))
    return pd.DataFrame(rows, columns=SHARE_COLUMNS)


def applies(horizon_months: int, windows: Mapping[str, Window]) -> bool:
    """Whether the plan is made year by year: a horizon above 12 months and a window."""
    return horizon_months > YEAR_MONTHS and has_windows(windows)


@dataclass(frozen=True, eq=False)
class FlatCoverage:
    """The "keep coverage flat" variant: every year's city coverage at least the first
    year's (`target`), paid by the grants where their windows and budgets allow and by new
    money (`bridge_money`: beyond the grants, in any year) where they do not. `extra_cost`
    is its money (grants and bridge) less the year-by-year plan's."""

    status: str
    target: float | None
    money: float | None
    bridge_money: float | None
    extra_cost: float | None
    by_year: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BY_YEAR_COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "target": self.target,
            "money": self.money,
            "bridge_money": self.bridge_money,
            "extra_cost": self.extra_cost,
            "by_year": _records(self.by_year),
        }


@dataclass(frozen=True, eq=False)
class YearsResult:
    """The year-by-year plan: `by_year` (BY_YEAR_COLUMNS: capacity in operation added,
    money, demand, served, coverage and the capacity losing its funding, per year),
    `capacity` (agency, service, year, units), `funding` (funder, agency, service, year,
    amount), `cliffs` (per year and pair: units losing their funding and the funders whose
    window ended), `shares` (each funder's share of each year), `flat` (the variant)."""

    status: str
    objective: float | None
    size: Mapping[str, int]
    by_year: pd.DataFrame
    capacity: pd.DataFrame
    funding: pd.DataFrame
    cliffs: pd.DataFrame
    shares: pd.DataFrame
    flat: FlatCoverage | None = None
    solve_s: float = 0.0

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "time_limit")

    def to_dict(self) -> dict[str, Any]:
        """plan.json's optional `years`."""
        return {
            "status": self.status,
            "objective": self.objective,
            "size": dict(self.size),
            "solve_s": self.solve_s,
            "by_year": _records(self.by_year),
            "funding_by_year": _records(
                self.funding.groupby(["funder_id", "year"], sort=True)["amount"].sum().reset_index()
                if len(self.funding)
                else pd.DataFrame(columns=["funder_id", "year", "amount"])
            ),
            "cliffs": _records(self.cliffs),
            "shares": _records(self.shares),
            "flat": self.flat.to_dict() if self.flat is not None else None,
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    for record in frame.to_dict("records"):
        clean = {}
        for key, value in record.items():
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            clean[str(key)] = value
        records.append(clean)
    return records
