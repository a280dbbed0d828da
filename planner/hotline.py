"""Hotline contacts (hotline.csv, version 2): trends by period and channel, and breakdowns.

Aggregate counts only: a row of hotline.csv counts contacts in one month, channel and
(optionally) district, language and type of exploitation. The tables here are exact; who
may read them, and with which small counts suppressed, is the service layer's business
(`service.hotline`), through `planner.disclosure`.
"""

from __future__ import annotations

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
