"""Cells that a spreadsheet would run as formulas, made inert: the one place for it.

OWASP's advice on CSV injection (https://owasp.org/www-community/attacks/CSV_Injection):
prefix a single quote to any text cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return, so that Excel, LibreOffice and Google Sheets show it as text instead of
evaluating it (`=HYPERLINK(...)`, `@SUM(...)`, `=cmd|' /C calc'!A0`). Every file Haven writes
for people to open (CSV, xlsx, the package export, HSDS, reports) passes its text cells
through `neutralise`.

Numbers stay numbers: an int or a float is returned as it is, and so is text that is a plain
number (`-3`, `+1.5`, `-2e3`), which a spreadsheet reads as that number, not as a formula.

Text that already starts with a quote followed by one of those characters (or by another
quote) gets one more, so that `restore` gives back exactly the text that was written: a
package exported and imported again is the same, row for row.
"""

from __future__ import annotations

import re
from typing import TypeVar

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet takes as the start of a formula (OWASP's list)."""

QUOTE = "'"

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

V = TypeVar("V")


def neutralise(value: V) -> V | str:
    """`value` made safe for a spreadsheet cell: formula-like text gets a leading `'`.

    Anything that is not text (numbers, booleans, dates, None) is returned unchanged.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(value):
        return QUOTE + value
    if value.startswith(QUOTE) and value[1:2] and value[1:2] in (*FORMULA_STARTS, QUOTE):
        return QUOTE + value
    return value


def restore(text: str) -> str:
    """The text `neutralise` was given: one leading `'` removed where it added one."""
    if text.startswith(QUOTE) and text[1:2] and text[1:2] in (*FORMULA_STARTS, QUOTE):
        return text[1:]
    return text


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet would take this cell's text as a formula."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(text)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells (and column names) pass through `neutralise`;
    number, boolean and date columns are left as they are, typed."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            out[column] = values.map(neutralise, na_action="ignore")
    out.columns = [neutralise(c) for c in out.columns]
    return out
