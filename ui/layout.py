"""Page furniture shared by every page: the city picker and formatting of figures."""

from __future__ import annotations

import streamlit as st

from planner.i18n import fmt_money, t
from planner.package import CityPackage
from service.access import Actor
from ui import data


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
