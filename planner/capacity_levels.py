"""Capacity in three levels (../shared/DATA_PACKAGE.md, version 2): funded, in service,
occupied, hence free now, each with its "as of" date and a stale mark.

`capacity` is what is in service, and the planner plans on it; `funded` (>= capacity) is
what a funder pays for; `occupied` is what is taken, so `capacity - occupied` is free now.
A version-1 package has no `funded`: its levels say "not known" (NaN) and no agency is
flagged. Codes and values only; the pages say them.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from planner.package import CityPackage

STALE_AFTER_DAYS = 30
"""A capacity figure older than this (days since its as_of) is stale; so is an undated one.
The same threshold as the Overview's freshness table (planner.overview.STALE_AFTER_DAYS)."""

FUNDED_GAP_SHARE = 0.10
"""An agency is flagged when its funded units exceed those in service by more than this."""

LEVEL_COLUMNS = [
    "agency_id",
    "service_id",
    "funded",
    "capacity",
    "occupied",
    "free",
    "as_of",
    "age_days",
    "stale",
]


def _funded(capacity: pd.DataFrame) -> pd.Series:
    if "funded" in capacity.columns:
        return capacity["funded"].astype(float)
    return pd.Series(np.nan, index=capacity.index, dtype=float)


def capacity_levels(
    package: CityPackage, today: date, stale_after_days: int = STALE_AFTER_DAYS
) -> pd.DataFrame:
    """Per agency and service, the current figures: `funded` (NaN: not said), `capacity` (in
    service), `occupied` (NaN: unknown), `free` (capacity - occupied, never below 0; NaN
    when occupied is unknown), `as_of` (a date or None), `age_days` (NaN when undated) and
    `stale` (older than `stale_after_days`, or undated)."""
    current = package.current_capacity()
    table = pd.DataFrame(
        {
            "agency_id": current["agency_id"].astype(str),
            "service_id": current["service_id"].astype(str),
            "funded": _funded(current).to_numpy(),
            "capacity": current["capacity"].astype(float).to_numpy(),
            "occupied": current["occupied"].astype(float).to_numpy(),
        }
    )
    table["free"] = (table["capacity"] - table["occupied"]).clip(lower=0.0)
    as_of = pd.to_datetime(current["as_of"], errors="coerce")
    age = (pd.Timestamp(today) - as_of).dt.days.astype(float)
    table["as_of"] = [None if pd.isna(v) else v.date() for v in as_of]
    table["age_days"] = age.to_numpy()
    table["stale"] = (age.isna() | (age > stale_after_days)).to_numpy(dtype=bool)
    return table[LEVEL_COLUMNS].reset_index(drop=True)


def funded_gaps(levels: pd.DataFrame, share: float = FUNDED_GAP_SHARE) -> pd.DataFrame:
    """Per agency with a funded figure: `funded` and `capacity` summed over the services
    whose funded figure is known, `gap` (funded - in service), `gap_share` (gap / funded)
    and `flagged` (funded exceeds in service by more than `share` of what is in service).
    Flagged agencies first, by gap share."""
    known = levels[levels["funded"].notna()]
    columns = ["agency_id", "funded", "capacity", "gap", "gap_share", "flagged"]
    if known.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).astype(
            {"agency_id": "str", "flagged": bool}
        )
    sums = known.groupby("agency_id", sort=True)[["funded", "capacity"]].sum().reset_index()
    sums["gap"] = sums["funded"] - sums["capacity"]
    sums["gap_share"] = (sums["gap"] / sums["funded"].where(sums["funded"] > 0)).fillna(0.0)
    sums["flagged"] = sums["funded"] > sums["capacity"] * (1.0 + share)
    ordered = sums.sort_values(["flagged", "gap_share"], ascending=[False, False], kind="stable")
    return ordered[columns].reset_index(drop=True)
