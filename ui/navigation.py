"""The pages of the app and which role sees which: decided here, in one place."""

from __future__ import annotations

from dataclasses import dataclass

from planner.access import Action, Actor, can


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    shown_with: Action


PAGES = (
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:", Action.VIEW_CITY_TOTALS),
    PageSpec("pages/capacity_map.py", "Capacity map", ":material/map:", Action.VIEW_MAP),
    PageSpec("pages/demand.py", "Demand", ":material/trending_up:", Action.VIEW_AGGREGATES),
    PageSpec("pages/plan.py", "Plan", ":material/calculate:", Action.RUN_SCENARIOS),
    PageSpec("pages/compare.py", "Compare", ":material/compare_arrows:", Action.RUN_SCENARIOS),
    PageSpec("pages/data.py", "Data", ":material/database:", Action.EDIT_OWN_CAPACITY),
    PageSpec("pages/audit.py", "Audit log", ":material/history:", Action.READ_AUDIT),
)
LOGIN = PageSpec("pages/login.py", "Log in", ":material/login:", Action.VIEW_MAP)


def pages_for(actor: Actor | None) -> list[PageSpec]:
    """The pages this user sees, in order; only the login page when nobody is logged in."""
    if actor is None:
        return [LOGIN]
    return [page for page in PAGES if can(actor, page.shown_with)]
