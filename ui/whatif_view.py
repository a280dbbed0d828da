"""The one-page "if this agency closes" view: the form (with its permalink) and the result."""

from __future__ import annotations

from typing import Any

import streamlit as st

from planner.i18n import t
from planner.package import CityPackage
from planner.scenario import Scenario
from reports.whatif import district_table, takers_table, what_if_html, what_if_lines
from reports.words import NameBook
from service.access import Actor

ALL_SERVICES = ""


def _ids(value: Any) -> list[str]:
    if not value:
        return []
    return [part.strip() for part in str(value).split(",") if part.strip()]


def draw_form(package: CityPackage, query: dict[str, Any]) -> Scenario | None:
    """The form, filled from the address; returns the what-if's scenario (None before one is
    asked), and writes the choice to the address so that a link reproduces it."""
    agencies = package.agencies.assign(agency_id=package.agencies["agency_id"].astype(str))
    names = dict(zip(agencies["agency_id"], agencies["name"].astype(str), strict=True))
    services = dict(
        zip(
            package.services["service_id"].astype(str),
            package.services["name"].astype(str),
            strict=True,
        )
    )
    closed, locked = _ids(query.get("close")), _ids(query.get("lock"))
    chosen = (closed or locked or [""])[0]
    agency_id, _, service_id = chosen.partition(":")
    with st.form("whatif"):
        options = sorted(names, key=lambda a: names[a])
        agency = st.selectbox(
            t("Agency"),
            options,
            index=options.index(agency_id) if agency_id in options else None,
            format_func=lambda a: names[a],
        )
        service_options = [ALL_SERVICES, *sorted(services)]
        service = st.selectbox(
            t("Service"),
            service_options,
            index=service_options.index(service_id) if service_id in service_options else 0,
            format_func=lambda s: t("every service") if s == ALL_SERVICES else services[s],
        )
        freeze = st.checkbox(
            t("Keep it open but add nothing there (lock) instead of closing it"),
            value=bool(locked) and not closed,
        )
        asked = st.form_submit_button(t("Show"))
    if asked and agency:
        item = f"{agency}:{service}" if service else agency
        st.query_params.clear()
        st.query_params["lock" if freeze else "close"] = item
        closed, locked = ([], [item]) if freeze else ([item], [])
    if not closed and not locked:
        return None
    known = set(names)
    closed = [c for c in closed if c.partition(":")[0] in known]
    locked = [c for c in locked if c.partition(":")[0] in known]
    if not closed and not locked:
        st.warning(t("The link names no agency of this city."))
        return None
    return Scenario(name=t("If an agency closes"), closed=closed, locked=locked)


def draw_result(
    city: str, scenario: Scenario, actor: Actor, package: CityPackage, *, confidential: bool
) -> None:
    from service.whatif import run_what_if

    with st.spinner(t("Planning with and without the closure…")):
        result = run_what_if(actor, city, scenario)
    book = NameBook.from_package(package, confidential_places=confidential)
    data = result.to_dict()
    for line in what_if_lines(data, book):
        st.markdown(t("- {line}", line=line))
    st.subheader(t("Per district"))
    st.dataframe(district_table(data, book), hide_index=True)
    st.subheader(t("Who takes the demand"))
    st.dataframe(takers_table(data, book), hide_index=True)
    st.download_button(
        t("Download this page"),
        what_if_html(data, book, t("If an agency closes")),
        file_name="whatif.html",
        mime="text/html",
    )
