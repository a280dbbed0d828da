"""The app's language: chosen in the sidebar, remembered for the session, `?lang=fr` in a link.

`apply_language()` runs at the top of every run (app.py), before any page draws, so every
`t()` of the run uses it; the context variable of planner.i18n keeps concurrent sessions
apart. `language_switch()` draws the sidebar selectbox that changes it (its value lives in
session state under LANGUAGE_KEY, read by the next run). Pages run on their own (as most
tests do) speak HAVEN_LANG, else English.
"""

from __future__ import annotations

import streamlit as st

from planner.i18n import LANGUAGE_NAMES, LANGUAGES, get_language, normalise_language, set_language

LANGUAGE_KEY = "haven_language"


def apply_language() -> str:
    """The language of this run: the switch's, first set from `?lang=` or HAVEN_LANG."""
    if LANGUAGE_KEY not in st.session_state:
        asked = st.query_params.get("lang")
        st.session_state[LANGUAGE_KEY] = normalise_language(asked) if asked else get_language()
    return set_language(st.session_state[LANGUAGE_KEY])


def language_switch() -> None:
    """The sidebar selectbox that changes the language (from the next run on, at once)."""
    st.sidebar.selectbox(
        "Language / Langue",
        LANGUAGES,
        format_func=_language_name,
        key=LANGUAGE_KEY,
        on_change=_switched,
    )


def _language_name(code: str) -> str:
    return LANGUAGE_NAMES[code]


def _switched() -> None:
    set_language(st.session_state[LANGUAGE_KEY])
