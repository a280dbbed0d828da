"""Page furniture shared by every page: the city picker and formatting of figures."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from planner.i18n import fmt_money, fmt_number, get_language, t
from planner.package import CityPackage
from service.access import Actor
from ui import data

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler


def choose_city(actor: Actor) -> str | None:
    """The city the user works on, chosen in the sidebar among the cities it may read (a
    partner: its own); None (with a message) when there is none yet."""
    names = data.city_names(actor)
    if not names:
        st.info(
            t(
                "No city is loaded yet. Run `python -m planner demo` to load the demo city, "
                "or `python -m planner import PATH` for your own data package."
            )
        )
        return None
    current = st.session_state.get("city")
    index = names.index(current) if current in names else 0
    city = st.sidebar.selectbox(t("City"), names, index=index, key="city_picker")
    st.session_state["city"] = city
    return str(city)


def require_city(actor: Actor) -> str:
    """`choose_city`, ending the run (after its message) when there is no city to read."""
    city = choose_city(actor)
    if city is None:
        st.stop()
    assert city is not None
    return city


def shown_city(city: str, actor: Actor) -> CityPackage:
    """The city as this user may see it (`data.visible_package`), its notes shown first (a
    synthetic city says so)."""
    package = data.visible_package(city, actor)
    if package.city.notes:
        st.info(package.city.notes)
    return package


def money(amount: float, currency: str) -> str:
    """Short money for a metric in the city's currency: "$1.2M", "€35K"; "1,2 M$" in French."""
    return fmt_money(amount, currency, compact=True)


def _number_text(value: object, *, decimals: int, language: str) -> str:
    if not isinstance(value, int | float) or value != value:  # None, NaN: an empty cell
        return ""
    if float(value).is_integer():  # 24 beds, not "24.0"; 37.5 hours keep their decimal
        decimals = 0
    return fmt_number(float(value), decimals, language=language)


def _money_text(value: object, *, currency: str, language: str) -> str:
    if not isinstance(value, int | float) or value != value:
        return ""
    return fmt_money(float(value), currency, language=language)


def in_language(
    table: pd.DataFrame | Styler,
    numbers: Mapping[str, int] | None = None,
    money: Mapping[str, str] | None = None,
) -> Styler:
    """`table` for st.dataframe with its numbers written in the app's language ("12 346",
    "1 234 568 $" in French), not the browser's: `numbers` maps columns to their decimals,
    `money` columns to their currency. The cells keep their numbers, so a click on a header
    still sorts by value. The columns' NumberColumn must set no `format` (a column_config
    format takes precedence over the Styler's text, and "localized" is the browser's
    locale)."""
    styler = table.style if isinstance(table, pd.DataFrame) else table
    columns = set(styler.data.columns)  # type: ignore[attr-defined]
    language = get_language()
    formats = {
        column: partial(_number_text, decimals=decimals, language=language)
        for column, decimals in (numbers or {}).items()
        if column in columns
    }
    formats.update(
        {
            column: partial(_money_text, currency=currency, language=language)
            for column, currency in (money or {}).items()
            if column in columns
        }
    )
    return styler.format(formats)  # type: ignore[arg-type]
