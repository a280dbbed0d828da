"""Hotline contacts (hotline.csv, version 2): trends by period and channel, and breakdowns.

Aggregate counts only: a row of hotline.csv counts contacts in one month, channel and
(optionally) district, language and type of exploitation. The tables here are exact; who
may read them, and with which small counts suppressed, is the service layer's business
(`service.live`), through `planner.disclosure`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.i18n import t
from planner.schema import HOTLINE_CHANNELS

MEASURES = ("contacts", "referred")
BREAKDOWNS = ("channel", "district_id", "language", "exploitation")
RECENT_MONTHS = 12


def periods(hotline: pd.DataFrame) -> list[str]:
    """Every month from the first to the last with contacts, oldest first (gaps included)."""
    if hotline.empty:
        return []
    first, last = str(hotline["period"].min()), str(hotline["period"].max())
    months = pd.period_range(first, last, freq="M")
    return [str(p) for p in months]


def by_period(
    hotline: pd.DataFrame, measure: str = "contacts", by: str = "channel"
) -> pd.DataFrame:
    """A period × `by` table of `measure` (whole numbers; 0 for a month without a row).

    Rows: every month from the first to the last; columns: the channels in the schema's
    order (those present), or the values of `by` sorted (empty: "unknown"). A missing
    `referred` counts as 0 referrals.
    """
    if measure not in MEASURES:
        raise ValueError(
            t("measure: {value} is not one of: {names}", value=repr(measure), names=MEASURES)
        )
    if by not in BREAKDOWNS:
        raise ValueError(t("by: {value} is not one of: {names}", value=repr(by), names=BREAKDOWNS))
    months = periods(hotline)
    if not months:
        return pd.DataFrame(index=pd.Index([], name="period"), dtype="int64")
    keys = hotline[by].astype(object).where(hotline[by].notna(), "unknown").astype(str)
    values = pd.to_numeric(hotline[measure], errors="coerce").fillna(0.0)
    frame = pd.DataFrame({"period": hotline["period"].astype(str), by: keys, measure: values})
    table = frame.pivot_table(index="period", columns=by, values=measure, aggfunc="sum")
    table = table.reindex(months).fillna(0.0).round().astype("int64")
    if by == "channel":
        order = [c for c in HOTLINE_CHANNELS if c in table.columns]
    else:
        order = sorted(table.columns)
    table = table[order]
    table.index.name = "period"
    table.columns.name = by
    return table


def recent(hotline: pd.DataFrame, by: str, months: int = RECENT_MONTHS) -> pd.DataFrame:
    """Contacts and referrals over the last `months` months, per value of `by` (most
    contacts first): columns `by`, contacts, referred, referred_share (NaN without contacts)."""
    recent_months = periods(hotline)[-months:]
    rows = hotline[hotline["period"].astype(str).isin(recent_months)]
    contacts = by_period(rows, "contacts", by).sum() if len(rows) else pd.Series(dtype="int64")
    referred = by_period(rows, "referred", by).sum() if len(rows) else pd.Series(dtype="int64")
    table = pd.DataFrame({"contacts": contacts, "referred": referred.reindex(contacts.index)})
    table = table.fillna(0).astype("int64")
    table["referred_share"] = table["referred"] / table["contacts"].where(table["contacts"] > 0)
    table.index.name = by
    return table.sort_values("contacts", ascending=False, kind="stable").reset_index()


@dataclass(frozen=True)
class LeadingIndicator:
    """Whether last month's hotline contacts help forecast this month's demand (the city's
    cases, all services): a rolling-origin backtest of a one-month-ahead forecast, the
    baseline (the mean of the last 3 months) against the baseline corrected by a linear fit
    of its errors on the hotline contacts `lag` months before, each fitted on the months
    before the origin only. `mae_*`: mean absolute error in cases over `origins` origins."""

    lag: int
    origins: int
    mae_baseline: float
    mae_with_hotline: float

    @property
    def helps(self) -> bool:
        return self.mae_with_hotline < self.mae_baseline


def leading_indicator(
    demand: pd.DataFrame, hotline: pd.DataFrame, lag: int = 1, min_train: int = 6
) -> LeadingIndicator | None:
    """The backtest of `LeadingIndicator`, or None when demand and hotline overlap too
    little (fewer than `min_train` + 3 months with both)."""
    if demand.empty or hotline.empty:
        return None
    cases = demand.assign(period=demand["period"].astype(str)).groupby("period")["cases"].sum()
    contacts = (
        hotline.assign(period=hotline["period"].astype(str)).groupby("period")["contacts"].sum()
    )
    months = [str(p) for p in pd.period_range(min(cases.index), max(cases.index), freq="M")]
    y = cases.reindex(months).fillna(0.0).to_numpy(dtype=float)
    x = contacts.reindex(months).to_numpy(dtype=float)  # NaN: no hotline figure that month
    baseline = np.full(len(y), np.nan)
    for i in range(3, len(y)):
        baseline[i] = y[i - 3 : i].mean()
    lead = np.full(len(y), np.nan)
    lead[lag:] = x[: len(x) - lag]
    usable = ~np.isnan(baseline) & ~np.isnan(lead)
    errors_base: list[float] = []
    errors_with: list[float] = []
    for origin in range(len(y)):
        train = np.flatnonzero(usable[:origin])
        if not usable[origin] or len(train) < min_train:
            continue
        residual = y[train] - baseline[train]
        slope, intercept = np.polyfit(lead[train], residual, 1)
        errors_base.append(abs(y[origin] - baseline[origin]))
        forecast = baseline[origin] + intercept + slope * lead[origin]
        errors_with.append(abs(y[origin] - forecast))
    if len(errors_base) < 3:
        return None
    return LeadingIndicator(
        lag=lag,
        origins=len(errors_base),
        mae_baseline=float(np.mean(errors_base)),
        mae_with_hotline=float(np.mean(errors_with)),
    )
