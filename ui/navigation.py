"""The pages of the app and which role sees which: decided here, in one place."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from planner.i18n import N_
from service.access import PUBLIC_VISITOR, Action, Actor, can


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    shown_with: Action


PAGES = (
    PageSpec("pages/overview.py", N_("Overview"), ":material/dashboard:", Action.VIEW_CITY_TOTALS),
    PageSpec("pages/capacity_map.py", N_("Capacity map"), ":material/map:", Action.VIEW_MAP),
    PageSpec("pages/demand.py", N_("Demand"), ":material/trending_up:", Action.VIEW_AGGREGATES),
    PageSpec("pages/plan.py", N_("Plan"), ":material/calculate:", Action.RUN_SCENARIOS),
    PageSpec("pages/compare.py", N_("Compare"), ":material/compare_arrows:", Action.RUN_SCENARIOS),
    PageSpec("pages/sweep.py", N_("Budget sweep"), ":material/show_chart:", Action.RUN_SCENARIOS),
    PageSpec(  # FLOW (issue 16): what a closure does
        "pages/whatif.py",
        N_("If an agency closes"),
        ":material/domain_disabled:",
        Action.RUN_SCENARIOS,
    ),
    PageSpec("pages/data.py", N_("Data"), ":material/database:", Action.EDIT_OWN_CAPACITY),
    PageSpec("pages/audit.py", N_("Audit log"), ":material/history:", Action.READ_AUDIT),
)
LOGIN = PageSpec("pages/login.py", N_("Log in"), ":material/login:", Action.VIEW_MAP)


def pages_for(actor: Actor | None) -> list[PageSpec]:
    """The pages this user sees, in order; only the login page when nobody is logged in."""
    if actor is None:
        return [LOGIN]
    return [page for page in PAGES if can(actor, page.shown_with)]


def registered_for(actor: Actor | None) -> list[PageSpec]:
    """The pages app.py registers with `st.navigation` (their addresses are found).

    Without a login (nobody, or the public visitor) every page: a shared link such as
    `/plan?budget=...` then opens the login form in place of the page, at the same address,
    and after the login the page runs with the link's query string. With a login, the
    user's pages and the login page (which sends a logged-in user to the first page).
    """
    if actor is None or actor == PUBLIC_VISITOR:
        return [*PAGES, LOGIN]
    return [*pages_for(actor), LOGIN]


def needs_login(actor: Actor | None, page: PageSpec) -> bool:
    """Whether the page asked for is shown only after a login: nobody is logged in, or the
    public visitor asked for a page the public role does not see."""
    if actor is None:
        return True
    return actor == PUBLIC_VISITOR and not can(actor, page.shown_with)


def through_the_app() -> None:
    """Make sure this page runs inside app.py (its menu, language and login), not alone.

    Streamlit treats a folder named `pages/` beside the entry script as a multipage app of
    its own ("v1") until some run in the process calls `st.navigation`. Until then a link
    straight to a page (`/plan?budget=…`, the permalinks Haven hands out) runs that page's
    script alone: no menu, no language switch. Every page calls this first: in that case
    it turns the v1 behaviour off for the process and reruns, and the rerun goes through
    app.py to the same page.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
