"""`planner.i18n.fmt_money`: the one money formatter, in the city's currency and language."""

from __future__ import annotations

import pytest

from planner.i18n import NARROW_NBSP, NBSP, chart_locale, fmt_money, use_language


@pytest.mark.parametrize(
    ("currency", "english", "french"),
    [
        ("USD", "$2,500,000", f"2{NARROW_NBSP}500{NARROW_NBSP}000{NBSP}$"),
        ("EUR", "€2,500,000", f"2{NARROW_NBSP}500{NARROW_NBSP}000{NBSP}€"),
        ("GBP", "£2,500,000", f"2{NARROW_NBSP}500{NARROW_NBSP}000{NBSP}£"),
        ("CAD", "CA$2,500,000", f"2{NARROW_NBSP}500{NARROW_NBSP}000{NBSP}$"),
        ("CHF", "2,500,000 CHF", f"2{NARROW_NBSP}500{NARROW_NBSP}000{NBSP}CHF"),
    ],
)
def test_whole_amounts_in_each_currency_and_language(
    currency: str, english: str, french: str
) -> None:
    assert fmt_money(2_500_000, currency, language="en") == english
    assert fmt_money(2_500_000, currency, language="fr") == french


def test_the_current_language_is_used_when_none_is_given() -> None:
    with use_language("fr"):
        assert fmt_money(1000, "EUR") == f"1{NARROW_NBSP}000{NBSP}€"
    with use_language("en"):
        assert fmt_money(1000, "EUR") == "€1,000"


def test_decimals_signs_and_lower_case_codes() -> None:
    assert fmt_money(1234.5, "usd", decimals=2, language="en") == "$1,234.50"
    assert fmt_money(-1234.5, "USD", decimals=2, language="en") == "-$1,234.50"
    assert fmt_money(-1234.5, "EUR", decimals=2, language="fr") == f"-1{NARROW_NBSP}234,50{NBSP}€"
    assert fmt_money(-0.4, "USD", language="en") == "$0"  # no "-$0"
    assert fmt_money(0, "JPY", language="en") == "0 JPY"


def test_compact_amounts_for_metrics() -> None:
    assert fmt_money(1_234_567, "EUR", compact=True, language="en") == "€1.2M"
    assert fmt_money(35_000, "GBP", compact=True, language="en") == "£35K"
    assert fmt_money(35_000, "CHF", compact=True, language="en") == "35K CHF"
    assert fmt_money(35_000, "EUR", compact=True, language="fr") == f"35{NBSP}k€"
    assert fmt_money(900, "CAD", compact=True, language="fr") == f"900{NBSP}$"


def test_latin1_for_the_pdf_fonts() -> None:
    """The PDF's core fonts have no euro sign and no narrow no-break space."""
    assert fmt_money(1000, "EUR", language="en", latin1=True) == "1,000 EUR"
    assert fmt_money(1000, "EUR", language="fr", latin1=True) == f"1{NBSP}000{NBSP}EUR"
    assert fmt_money(1000, "GBP", language="en", latin1=True) == "£1,000"
    text = fmt_money(2_500_000, "USD", language="fr", latin1=True)
    assert text.encode("latin-1") and NARROW_NBSP not in text


def test_chart_locale_writes_the_city_currency() -> None:
    assert chart_locale("en") is None  # dollars: Vega's own en-US
    english = chart_locale("en", currency="EUR")
    assert english is not None and english["number"]["currency"] == ["€", ""]
    assert english["number"]["thousands"] == "," and english["time"]["months"][0] == "January"
    french = chart_locale("fr", currency="EUR")
    assert french is not None and french["number"]["currency"] == ["", f"{NBSP}€"]
    swiss = chart_locale("fr", currency="CHF")
    assert swiss is not None and swiss["number"]["currency"] == ["", f"{NBSP}CHF"]
    pdf = chart_locale("en", latin1=True, currency="EUR")
    assert pdf is not None and pdf["number"]["currency"] == ["", " EUR"]
