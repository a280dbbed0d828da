"""What every format of a report does alike: headers and sheet names in the current
language, and cells as text (shares as percentages, numbers with thousands separators).

The frames keep their English column names for the code that reads them; a format
translates them when it lays them out (`header`, `sheet`).
"""

from __future__ import annotations

import math
import re

import pandas as pd

from planner.i18n import N_, fmt_number, fmt_percent, t

SHEETS = (
    N_("Summary"),
    N_("Against baselines"),
    N_("By service"),
    N_("By funder"),
    N_("Funding"),
    N_("Capacity added"),
    N_("Binding limits"),
    N_("By district"),
    N_("Bad months"),
)
"""Sheet names (31 characters at most in either language)."""
HEADERS = (
    N_("plan"),
    N_("service"),
    N_("unit"),
    N_("funder"),
    N_("agency"),
    N_("agency kind"),
    N_("district"),
    N_("limit"),
    N_("demand (unit-months)"),
    N_("served (unit-months)"),
    N_("unmet (unit-months)"),
    N_("coverage (share of demand)"),
    N_("weighted unmet (weighted unit-months)"),
    N_("money spent ({currency})"),
    N_("units added (capacity units)"),
    N_("units added (units of the service)"),
    N_("new money ({currency})"),
    N_("budget ({currency})"),
    N_("spent ({currency})"),
    N_("spent (share of budget)"),
    N_("amount ({currency})"),
    N_("expected weighted unmet (weighted unit-months)"),
    N_("weighted unmet in a bad year, P90 (weighted unit-months)"),
    N_("expected unmet (unit-months)"),
)
"""Column headers, translated when a format writes them (`header`)."""


def header(column: object) -> str:
    """A column header in the current language; the currency in it stays as it is."""
    name = str(column)
    found = re.search(r"\(([A-Z]{3})\)$", name)
    if found:
        template = name[: found.start()] + "({currency})"
        if template in HEADERS:
            return t(template, currency=found.group(1))
    return t(name)


def sheet(name: str) -> str:
    """A sheet name in the current language, cut to Excel's 31 characters."""
    return t(name)[:31]


def cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return fmt_number(value, 0 if abs(value) >= 100 or value == int(value) else 2)
    return str(value)


def frame_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as text: shares as percentages, numbers with thousands separators."""
    text = frame.astype(object).copy()
    for column in frame.columns:
        is_share = "share" in str(column)
        text[column] = [
            fmt_percent(v)
            if is_share and isinstance(v, int | float) and not pd.isna(v)
            else cell_text(v)
            for v in frame[column]
        ]
    return text


def numeric_text(text: str) -> bool:
    """Whether a cell's text is a number (set right-aligned)."""
    stripped = text.replace(",", "").replace("%", "").replace(".", "").replace("-", "")
    return stripped.isdigit()
