"""Compare's council briefing (issue 20): the chosen plans in one document to download.

The reader picks the audience (its own or a narrower one: service.audience.narrowed) and the
language; each format's file is written when its button is clicked (a callable `data`,
cached per city, data version, plans, audience and language), through service.briefing,
which discloses the plans for that audience as the single-plan report does.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from planner.i18n import LANGUAGE_NAMES, LANGUAGES, get_language, t
from reports.briefing import briefing_document
from service import briefing as briefing_service
from service.access import Actor
from service.audience import AUDIENCE_NAMES, audience_for, audience_named
from ui.data import data_version

MIME = {
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_NAMES = {"pdf": "PDF", "html": "HTML", "xlsx": "Excel"}


@st.cache_data(show_spinner=False, max_entries=16)
def _file(
    _actor: Actor,
    city: str,
    version: str,
    names: tuple[str, ...],
    fmt: str,
    audience: str,
    language: str,
) -> bytes:
    del version  # part of the key: a new data version writes a new file
    made = briefing_service.briefing_for(_actor, city, list(names), audience)
    return briefing_document(
        made.briefing,
        made.package,
        audience=made.role,  # type: ignore[arg-type]
        k=made.audience.k,
        fmt=fmt,  # type: ignore[arg-type]
        language=language,
    )


def audiences_for(actor: Actor, city: str) -> list[str]:
    """The audiences this actor may write a briefing for (its own and narrower ones)."""
    own = audience_for(actor, city_name=city)
    return [
        name
        for name in AUDIENCE_NAMES
        if name != "public" and audience_named(name, city_name=city).narrower_than_or_equal(own)
    ]


def draw_briefing(city: str, actor: Actor, names: list[str]) -> None:
    """The briefing's choices (audience, language) and one download button per format."""
    st.subheader(t("A council briefing"))
    if not 2 <= len(names) <= 4:
        st.info(t("A briefing compares two to four saved plans."))
        return
    st.caption(
        t(
            "What each plan buys, for which districts, at what cost per unit served, the "
            "parameters that differ, years and funding cliffs, the data's freshness and a short "
            "narrative, in one document. Small counts and confidential places are hidden as "
            "for the chosen reader."
        )
    )
    choices = audiences_for(actor, city)
    left, right = st.columns(2)
    audience = left.selectbox(
        t("For"), choices, format_func=lambda name: t(name), key="briefing_audience"
    )
    language = right.selectbox(
        t("Language"),
        list(LANGUAGES),
        index=list(LANGUAGES).index(get_language()),
        format_func=lambda code: LANGUAGE_NAMES.get(code, code),
        key="briefing_language",
    )
    version = data_version(city, actor)
    stem = f"haven-briefing-{city}".replace(" ", "-")
    for column, fmt in zip(st.columns(len(MIME)), MIME, strict=True):
        column.download_button(
            t("Download the briefing ({value})", value=FORMAT_NAMES[fmt]),
            data=partial(
                _file, actor, city, version, tuple(names), fmt, str(audience), str(language)
            ),
            file_name=f"{stem}.{fmt}",
            mime=MIME[fmt],
            key=f"briefing_{fmt}",
            on_click="ignore",
        )
