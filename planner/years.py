"""Years and grant windows (MODEL.md "Years and grant windows", issue 20): codes and values.

A horizon above 12 months is cut into plan years of 12 months from its first period (the
last year may be shorter). A funder's window (`funders.start`, `funders.end`, 'YYYY-MM',
empty: open on that side) covers a share of each year: the share of the year's months that
fall inside it. A funder pays a year's running costs and openings at most in that share
(all of a year inside its window, none outside, a part where the window starts or ends
inside the year), so capacity it paid for ends with its window unless another funder pays:
the funding cliff.

`YearInputs` is what the plan's model needs of the years (planner.optimise.inputs sets it
on `ModelInputs.years` when `applies`): the months of each year and each funder's share.
`YearsResult` is the plan's own solution read per year (planner.optimise.readback): capacity
in operation, money and coverage per year, the cliffs, and the "keep coverage flat" variant
with what it costs. No sentence is written here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
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
class YearInputs:
    """The plan's years: `periods` the months of each year (12 from the horizon's first,
    the last may be shorter), `shares` each funder's share of each year (SHARE_COLUMNS)."""

    periods: tuple[tuple[str, ...], ...]
    shares: pd.DataFrame

    @property
    def count(self) -> int:
        return len(self.periods)

    def year_of(self) -> dict[str, int]:
        """Each month's year (1-based)."""
        return {p: y for y, months in enumerate(self.periods, start=1) for p in months}

    def months(self, year: int) -> int:
        return len(self.periods[year - 1])

    def share(self) -> dict[tuple[str, int], float]:
        return {
            (str(f), int(y)): float(s)
            for f, y, s in zip(
                self.shares["funder_id"], self.shares["year"], self.shares["share"], strict=True
            )
        }


def year_inputs(
    horizon_months: int, windows: Mapping[str, Window], periods: Sequence[str]
) -> YearInputs | None:
    """The years of a plan when they apply (`applies`), else None (one horizon)."""
    if not applies(horizon_months, windows) or not periods:
        return None
    years = year_periods(periods)
    return YearInputs(
        periods=tuple(tuple(months) for months in years), shares=window_shares(windows, years)
    )


def funding_cliffs(
    capacity: pd.DataFrame, funding: pd.DataFrame, shares: pd.DataFrame
) -> pd.DataFrame:
    """Per year and pair, the capacity in operation lost since the year before, and the
    funders that paid for the pair that year before and whose window covers less now."""
    if capacity.empty:
        return pd.DataFrame(columns=CLIFF_COLUMNS)
    share: dict[tuple[str, Any], float] = {
        (str(f), int(y)): float(v)
        for f, y, v in zip(shares["funder_id"], shares["year"], shares["share"], strict=True)
    }
    table = capacity.pivot_table(
        index=["agency_id", "service_id"], columns="year", values="units", aggfunc="sum"
    ).fillna(0.0)
    paid = funding.groupby(["agency_id", "service_id", "year"])["funder_id"].apply(set).to_dict()
    found: list[dict[str, Any]] = []
    years = sorted(table.columns)
    for key, values in table.iterrows():
        a, s = str(key[0]), str(key[1])  # type: ignore[index]
        for before, year in itertools.pairwise(years):
            lost = float(values[before]) - float(values[year])
            if lost <= 1e-6:
                continue
            ended = sorted(
                f
                for f in paid.get((a, s, before), set())
                if share.get((f, year), 0.0) < share.get((f, before), 0.0)
            )
            found.append(
                {
                    "year": int(year),
                    "agency_id": a,
                    "service_id": s,
                    "units": lost,
                    "funders_ended": ";".join(ended),
                }
            )
    return pd.DataFrame(found, columns=CLIFF_COLUMNS)


@dataclass(frozen=True, eq=False)
class FlatCoverage:
    """The "keep coverage flat" variant: every year's city coverage at least the first
    year's (`target`), paid by the grants where their windows and budgets allow and by new
    money (`bridge_money`: beyond the grants, in any year) where they do not. `extra_cost`
    is its money (grants and bridge) less the plan's."""

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
    """The plan's years, read from its solution: `by_year` (BY_YEAR_COLUMNS: capacity added,
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
    #: The inputs of the model the years were read from, until the plan's "keep coverage
    #: flat" variant is solved on the same inputs (planner.optimise.years.with_years); never
    #: written out.
    inputs: Any = field(default=None, repr=False)

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


COUNT_COLUMNS = ("demand", "served")
"""The years' columns that are sums of demand (units): a count of people, disclosed only to
an audience with exact counts."""


def disclosed(
    years: YearsResult | None, *, exact_counts: bool, coverage_shown: bool
) -> YearsResult | None:
    """The years as an audience may see them: demand and served per year (sums of counts)
    blank without exact counts, coverage (a share) blank where the plan's own totals are
    hidden; capacity in units and money stay (as in the plan's capacity and funding tables,
    by agency id: names come from the package the audience sees)."""
    if years is None or (exact_counts and coverage_shown):
        return years

    def blank(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        if not exact_counts:
            for column in COUNT_COLUMNS:
                if column in frame:
                    frame[column] = math.nan
        if not coverage_shown and "coverage" in frame:
            frame["coverage"] = math.nan
        return frame

    flat = years.flat
    if flat is not None:
        flat = replace(
            flat,
            by_year=blank(flat.by_year),
            target=flat.target if coverage_shown else None,
        )
    return replace(years, by_year=blank(years.by_year), flat=flat, inputs=None)


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
