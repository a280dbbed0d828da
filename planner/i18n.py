"""English and French: one translation table, the current language, locale formatting.

The table is `planner/locales/fr.json`, keyed by the English source string itself (the
English text is the message id, gettext-style): `t("Run")` returns "Lancer" in French and
"Run" in English. A string missing from the table falls back to English, never an error;
tests/planner/test_i18n.py reads every `t("...")` and `N_("...")` literal in the code and
asserts each has a French entry with the same `{placeholders}`.

Placeholders use `str.format` names: `t("{count} error(s)", count=3)`. Strings that are not
literal at the call site (page titles in a table, enum labels) are marked with `N_("...")`
where they are written, so the scan finds them, and translated with `t(value)` where shown.

The current language is a context variable: the CLI sets it from `--lang` (or `HAVEN_LANG`),
the app from its sidebar switch at the top of every run, so concurrent app sessions never
see each other's language. `use_language("fr")` scopes it for a block (tests, reports).

Formatting follows CLDR's English and French conventions, written out here rather than
pulled from a locale library: French groups thousands with a narrow no-break space (U+202F)
and uses a decimal comma ("1 234,5"), a no-break space before "%" ("12,5 %") and the
currency after the figure ("2 500 000 $", "1 000 €"; `fmt_money`, the one money formatter,
in the city's currency); `latin1=True` swaps U+202F for U+00A0 for the PDF's core fonts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import string
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
LOCALES = Path(__file__).resolve().parent / "locales"

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"

_current: ContextVar[str | None] = ContextVar("haven_language", default=None)

_MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def normalise_language(value: str | None) -> str:
    """ "fr", "fr_CA", "FR-ca" -> "fr"; anything unknown or empty -> "en"."""
    code = (value or "").strip().lower().replace("-", "_").split("_")[0]
    return code if code in LANGUAGES else "en"


def get_language() -> str:
    """The language set for this context, else HAVEN_LANG, else English."""
    current = _current.get()
    if current is not None:
        return current
    return normalise_language(os.environ.get("HAVEN_LANG"))


def set_language(language: str | None) -> str:
    """Set the language of this context (None: back to HAVEN_LANG); returns the one in force."""
    _current.set(None if language is None else normalise_language(language))
    return get_language()


@contextmanager
def use_language(language: str) -> Iterator[str]:
    """Use `language` inside the block, restoring the previous one after."""
    token = _current.set(normalise_language(language))
    try:
        yield get_language()
    finally:
        _current.reset(token)


@cache
def translations(language: str) -> dict[str, str]:
    """The table of one language, English source -> translation (empty for English)."""
    if language == "en":
        return {}
    path = LOCALES / f"{language}.json"
    with path.open(encoding="utf-8") as handle:
        table: dict[str, str] = json.load(handle)
    return table


def N_(text: str) -> str:  # the gettext name: "mark, translate later"
    """Mark a string for the translation table without translating it here."""
    return text


# Words the code shows from data (roles, audiences, kinds of binding limit), marked here.
VOCABULARY = (
    N_("analyst"),
    N_("funder"),
    N_("partner"),
    N_("public"),
    N_("admin"),
    N_("budget"),
    N_("expansion"),
    N_("capacity"),
    N_("floor"),
)


def t(text: str, /, **params: object) -> str:
    """`text` in the current language, with `{name}` placeholders filled from `params`.

    Falls back to the English text when the table has no entry; a translation whose
    placeholders do not match falls back to English too rather than raising.
    """
    language = get_language()
    translated = translations(language).get(text, text) if language != "en" else text
    if not params:
        return translated
    try:
        return translated.format(**params)
    except (KeyError, IndexError, ValueError):
        return text.format(**params)


def placeholders(text: str) -> set[str]:
    """The `{names}` a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# --- Formatting --------------------------------------------------------------------------


def _group(language: str, latin1: bool) -> str:
    if language == "fr":
        return NBSP if latin1 else NARROW_NBSP
    return ","


def fmt_number(
    value: float, decimals: int = 0, *, language: str | None = None, latin1: bool = False
) -> str:
    """1,234.5 in English, 1 234,5 in French (narrow no-break space)."""
    language = language or get_language()
    text = f"{value:,.{decimals}f}"
    if language != "fr":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", _group(language, latin1))


def fmt_percent(
    value: float, decimals: int = 1, *, language: str | None = None, latin1: bool = False
) -> str:
    """`value` is a fraction: 0.125 -> "12.5%" in English, "12,5 %" in French."""
    language = language or get_language()
    number = fmt_number(value * 100, decimals, language=language, latin1=latin1)
    return f"{number}{NBSP}%" if language == "fr" else f"{number}%"


CURRENCY_SYMBOLS = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3", "CAD": "CA$"}
"""English: the symbol before the figure ("$2,500,000", "\u20ac1,000")."""
CURRENCY_SYMBOLS_FR = {"USD": "$", "CAD": "$", "EUR": "\u20ac", "GBP": "\u00a3"}
"""French: the symbol after the figure ("2 500 000 $", "1 000 \u20ac"); a city's dollar is "$"."""


def fmt_money(
    amount: float,
    currency: str,
    *,
    decimals: int = 0,
    compact: bool = False,
    language: str | None = None,
    latin1: bool = False,
) -> str:
    """Money in the city's currency (an ISO code), the one way Haven writes it.

    "$2,500,000", "\u20ac1,000", "\u00a3900", "CA$1,000" in English; "2 500 000 $", "1 000 \u20ac"
    in French. A code without a symbol here is written after the figure ("1,000 CHF",
    "1 000 CHF"). `compact` shortens large amounts for a metric ("$1.2M", "$35K"; "1,2 M$",
    "35 k$"). `latin1` (the PDF's core fonts): U+00A0 for U+202F, and a symbol outside
    Latin-1 (the euro) written as its code after the figure.
    """
    language = language or get_language()
    code = currency.strip().upper()
    symbols = CURRENCY_SYMBOLS_FR if language == "fr" else CURRENCY_SYMBOLS
    symbol = symbols.get(code)
    if symbol is not None and latin1 and not _is_latin1(symbol):
        symbol = None
    suffix = ""
    if compact:
        amount, decimals, suffix = _compact(amount, language)
    number = fmt_number(abs(amount), decimals, language=language, latin1=latin1)
    sign = "-" if amount < 0 and number.strip("0,.\u00a0\u202f") else ""
    if symbol is None:  # the code after the figure, in both languages
        return f"{sign}{number}{suffix}{NBSP if language == 'fr' else ' '}{code}"
    if language == "fr":
        return f"{sign}{number}{suffix}{symbol}" if suffix else f"{sign}{number}{NBSP}{symbol}"
    return f"{sign}{symbol}{number}{suffix}"


def _compact(amount: float, language: str) -> tuple[float, int, str]:
    """The amount scaled for `fmt_money(compact=True)`, its decimals and its suffix."""
    french = language == "fr"
    if abs(amount) >= 999_500:  # what would round to "1,000K" is "1.0M"
        return amount / 1e6, 1, f"{NBSP}M" if french else "M"
    if abs(amount) >= 1e4:
        return amount / 1e3, 0, f"{NBSP}k" if french else "K"
    return amount, 0, ""


def _is_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def fmt_date(value: dt.date | str, *, language: str | None = None) -> str:
    """ "November 25, 2026" in English, "25 novembre 2026" in French (ISO strings accepted)."""
    language = language or get_language()
    day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if language == "fr":
        first = "1er" if day.day == 1 else str(day.day)
        return f"{first} {_MONTHS_FR[day.month - 1]} {day.year}"
    return f"{day:%B} {day.day}, {day.year}"


def fmt_month(value: dt.date | str, *, language: str | None = None) -> str:
    """A period: "March 2027" / "mars 2027" (ISO "2027-03" accepted)."""
    language = language or get_language()
    if isinstance(value, str):
        year, month = int(value[:4]), int(value[5:7])
    else:
        year, month = value.year, value.month
    if language == "fr":
        return f"{_MONTHS_FR[month - 1]} {year}"
    return f"{dt.date(year, month, 1):%B} {year}"


# --- Charts ------------------------------------------------------------------------------

_D3_TIME_FR = {
    "dateTime": "%A %e %B %Y à %X",
    "date": "%d/%m/%Y",
    "time": "%H:%M:%S",
    "periods": ["AM", "PM"],
    "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
    "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
    "months": list(_MONTHS_FR),
    "shortMonths": [
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ],
}


_D3_TIME_EN = {
    "dateTime": "%x, %X",
    "date": "%-m/%-d/%Y",
    "time": "%-I:%M:%S %p",
    "periods": ["AM", "PM"],
    "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    "months": [f"{dt.date(2000, m, 1):%B}" for m in range(1, 13)],
    "shortMonths": [f"{dt.date(2000, m, 1):%b}" for m in range(1, 13)],
}
"""d3's en-US time locale (Vega's default), for an English chart in another currency."""


def chart_locale(
    language: str | None = None, *, latin1: bool = False, currency: str = "USD"
) -> dict[str, dict[str, object]] | None:
    """The d3 format and time locales of Vega-Lite's `config.locale`, or None for English
    in dollars (en-US is Vega's default).

    French numbers as `fmt_number` writes them ("1 234,5", "12,5 %"); a "$" format (d3's
    currency) writes the city's currency as `fmt_money` does: "35 $", "35 €", "€35", "35 CHF".
    The app puts it in every chart's spec (`ui/chart_locale.py`), the report gives it to
    vl-convert (`reports/charts.py`, `latin1=True`).
    """
    language = language or get_language()
    code = currency.strip().upper()
    if language != "fr" and code == "USD":
        return None
    french = language == "fr"
    symbol = (CURRENCY_SYMBOLS_FR if french else CURRENCY_SYMBOLS).get(code)
    if symbol is not None and latin1 and not _is_latin1(symbol):
        symbol = None
    if symbol is None:
        money = ["", f"{NBSP if french else ' '}{code}"]
    else:
        money = ["", f"{NBSP}{symbol}"] if french else [symbol, ""]
    number: dict[str, object] = {
        "decimal": "," if french else ".",
        "thousands": _group(language, latin1),
        "grouping": [3],
        "currency": money,
        "percent": f"{NBSP}%" if french else "%",
    }
    return {"number": number, "time": dict(_D3_TIME_FR if french else _D3_TIME_EN)}
