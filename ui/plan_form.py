"""The Plan page's scenario form, with one source of truth for what it shows.

Streamlit keeps a widget's value in session state under the widget's key, and a widget
created with a `value=` that changes between runs becomes a new widget whose state starts
again from that value. The old form recomputed its `value=` from the link after each run,
so the first edit after a run went to a widget that no longer existed and the previous
figures ran again (issue 14). Here every field has a stable key and no `value=`: its state
is set from a scenario only when the page follows a new link (`load`) or when a key is
missing (first visit, back from another page: `ensure`), and the Run button's callback
reads the state into a `Scenario` (`submit`). The URL is written from the scenario that
ran, never read back into the form on the next run (`ui.permalink`).

Amounts are typed as text so that they show grouped thousands ("1,600,000"; a number input
can show digits only); `parse_amount` reads them back in either language.
"""

from __future__ import annotations

import math
import re
from typing import Any

import streamlit as st

from planner.i18n import fmt_number, get_language, t
from planner.package import CityPackage
from planner.problems import InvalidInput
from planner.scenario import ROBUST_SCENARIOS, Scenario
from ui.permalink import (
    LINK,
    LINK_VERSION,
    VERSION,
    changed,
    link_url,
    scenario_from_query,
    scenario_to_query,
)

NAME = "plan_name"
BUDGET = "plan_budget"
HORIZON = "plan_horizon"
QUANTILE = "plan_quantile"
FLOOR = "plan_floor_percent"
MODE = "plan_mode"
ALLOW_NEW = "plan_allow_new"
SOLVER = "plan_solver"
TIME_LIMIT = "plan_time_limit"
LATENT_MULTIPLIER = "plan_latent_multiplier"
LATENT_SHARE = "plan_latent_share_percent"
ROBUST_ON = "plan_robust"
ROBUST_K = "plan_robust_k"
ROBUST_RISK = "plan_robust_risk"
ROBUST_ALPHA = "plan_robust_alpha"
LATENT_OFFER = "plan_latent_offer"
"""Session key: (multiplier, share) the Demand page offers the form (`take_latent_offer`)."""
ROBUST_KS = (4, 8, 12, 20)
RISKS = ("mean", "cvar")
ALPHAS = (0.8, 0.9, 0.95)
RUN = "plan_scenario"  # the scenario that runs (the Data page reads it too)
PROBLEMS = "plan_form_problems"  # what the last Run could not use, for the page to show
EXPECTED = "mean"
"""The form's value for the expected demand (a scenario's empty `demand_quantile`)."""
QUANTILES: tuple[str | float, ...] = (EXPECTED, 0.5, 0.8, 0.9)
MODES = ("soft", "hard")
SOLVERS = ("highs", "cbc")
_GROUPING = re.compile(r"[\s\u00a0\u202f'_]")
_AMOUNT = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([km]?)")


def funder_key(funder_id: object) -> str:
    return f"fb_{funder_id}"


def weight_key(service_id: object) -> str:
    return f"w_{service_id}"


def radius_key(service_id: object) -> str:
    return f"r_{service_id}"


def fmt_amount(value: float) -> str:
    """An amount with grouped thousands in the app's language ("1,600,000" / "1 600 000")."""
    return fmt_number(value)


def parse_amount(text: str, language: str | None = None) -> float | None:
    """An amount typed with or without grouping: "1,600,000", "1 600 000", "1600000",
    "1.6M", "250k" (in French "1,6M" and "2,5"); None when it is not one."""
    french = (language or get_language()) == "fr"
    cleaned = _GROUPING.sub("", str(text)).lower()
    cleaned = cleaned.replace(",", ".") if french else cleaned.replace(",", "")
    found = _AMOUNT.fullmatch(cleaned)
    if not found:
        return None
    number = float(found.group(1)) * {"": 1, "k": 1e3, "m": 1e6}[found.group(2)]
    return number if math.isfinite(number) else None


def values_for(scenario: Scenario, package: CityPackage) -> dict[str, Any]:
    """What each field shows for `scenario` (the city's own figures where it keeps them)."""
    funders = package.funders.set_index("funder_id")
    services = package.services.set_index("service_id")
    budget = scenario.budget if scenario.budget is not None else float(funders["budget"].sum())
    quantile = scenario.demand_quantile
    latent, robust = scenario.latent_demand, scenario.robust
    values: dict[str, Any] = {
        NAME: scenario.name,
        BUDGET: fmt_amount(budget),
        HORIZON: int(min(max(scenario.horizon_months, 1), 36)),
        QUANTILE: EXPECTED if quantile is None else (quantile if quantile in QUANTILES else 0.5),
        FLOOR: round(scenario.equity_floor * 100),
        MODE: scenario.equity_mode,
        ALLOW_NEW: scenario.allow_new_services,
        SOLVER: scenario.solver,
        TIME_LIMIT: float(min(max(scenario.time_limit_s, 1.0), 600.0)),
        LATENT_MULTIPLIER: float(latent.multiplier) if latent is not None else 1.0,
        LATENT_SHARE: round(latent.share * 100) if latent is not None else 0,
        ROBUST_ON: robust is not None,
        ROBUST_K: _nearest(robust.scenarios if robust else ROBUST_SCENARIOS, ROBUST_KS),
        ROBUST_RISK: robust.risk if robust else "mean",
        ROBUST_ALPHA: _nearest(robust.alpha if robust else 0.9, ALPHAS),
    }
    for fid, row in funders.iterrows():
        values[funder_key(fid)] = float(scenario.funder_budgets.get(str(fid), row["budget"]))
    for sid, row in services.iterrows():
        values[weight_key(sid)] = float(scenario.weights.get(str(sid), row["weight"]))
        radius = scenario.radius_km.get(str(sid), row["radius_km"])
        values[radius_key(sid)] = None if radius is None or radius != radius else float(radius)
    return values


def _nearest(value: float, options: tuple[Any, ...]) -> Any:
    """The option nearest `value` (a link or file may ask for any K or alpha; the form
    offers a few)."""
    return min(options, key=lambda option: abs(float(option) - float(value)))


def latent_from_state(state: Any) -> dict[str, float] | None:
    """The form's latent demand as the scenario key (None: not planned for)."""
    multiplier = float(state.get(LATENT_MULTIPLIER) or 1.0)
    share = float(state.get(LATENT_SHARE) or 0) / 100
    if share <= 0 or multiplier <= 1.0:
        return None
    return {"multiplier": multiplier, "share": share}


def robust_from_state(state: Any) -> dict[str, Any] | None:
    """The form's "plan for bad months" choice as the scenario key (None: off)."""
    if not state.get(ROBUST_ON):
        return None
    return {
        "scenarios": int(state.get(ROBUST_K) or ROBUST_SCENARIOS),
        "risk": state.get(ROBUST_RISK) or "mean",
        "alpha": float(state.get(ROBUST_ALPHA) or 0.9),
    }


def offer_latent(multiplier: float, share: float) -> None:
    """The Demand page's hidden-population estimate, offered to the Plan form (it fills
    the form's latent-demand fields the next time the Plan page is drawn)."""
    st.session_state[LATENT_OFFER] = (float(multiplier), float(share))


def take_latent_offer() -> bool:
    """Fill the latent-demand fields from the Demand page's offer, if any (before `draw`)."""
    offer = st.session_state.pop(LATENT_OFFER, None)
    if offer is None:
        return False
    multiplier, share = offer
    st.session_state[LATENT_MULTIPLIER] = round(max(1.0, float(multiplier)), 3)
    st.session_state[LATENT_SHARE] = round(min(max(float(share), 0.0), 1.0) * 100)
    return True


def load(scenario: Scenario, package: CityPackage) -> None:
    """Show `scenario` in the form (a new link was followed). Call before the form."""
    for key, value in values_for(scenario, package).items():
        st.session_state[key] = value


def ensure(scenario: Scenario, package: CityPackage) -> None:
    """Give the fields that have no state yet the values of `scenario`; keep the others
    (what the user typed, or what the last run used)."""
    for key, value in values_for(scenario, package).items():
        if key not in st.session_state:
            st.session_state[key] = value


def scenario_from_state(package: CityPackage) -> tuple[Scenario | None, list[str]]:
    """The scenario the form holds, checked for the city; or None and what to correct."""
    state = st.session_state
    budget = parse_amount(state[BUDGET])
    if budget is None:
        return None, [
            t(
                "Total new budget: “{value}” is not an amount; type digits, e.g. {example}.",
                value=state[BUDGET],
                example=fmt_amount(1_500_000),
            )
        ]
    funders = package.funders.set_index("funder_id")
    services = package.services.set_index("service_id")
    try:
        asked = Scenario.from_dict(
            {
                "name": str(state[NAME]).strip() or t("New plan"),
                "budget": budget,
                "horizon_months": state[HORIZON],
                "demand_quantile": state[QUANTILE],
                "equity_floor": state[FLOOR] / 100,
                "equity_mode": state[MODE],
                "allow_new_services": state[ALLOW_NEW],
                "solver": state[SOLVER],
                "time_limit_s": state[TIME_LIMIT],
                "funder_budgets": changed(
                    {fid: state[funder_key(fid)] for fid in funders.index},
                    funders["budget"].to_dict(),
                ),
                "weights": changed(
                    {sid: state[weight_key(sid)] for sid in services.index},
                    services["weight"].to_dict(),
                ),
                "radius_km": changed(
                    {sid: state[radius_key(sid)] for sid in services.index},
                    services["radius_km"].to_dict(),
                ),
                "latent_demand": latent_from_state(state),
                "robust": robust_from_state(state),
            },
            source="form",
        )
        asked.ensure_valid_for(package)
    except InvalidInput as exc:
        return None, [str(problem) for problem in exc.problems]
    return asked, []


def submit(package: CityPackage) -> None:
    """The Run button's callback (before the page runs): the form's state becomes the
    scenario that runs, and the budget is shown again with its thousands grouped."""
    asked, problems = scenario_from_state(package)
    st.session_state[PROBLEMS] = problems
    if asked is None:
        return
    st.session_state[RUN] = asked
    st.session_state[NAME] = asked.name
    if asked.budget is not None:
        st.session_state[BUDGET] = fmt_amount(asked.budget)
    st.session_state[LINK_VERSION] = None  # run now: on today's data


def draw(package: CityPackage) -> None:
    """The form: every field keyed, its value in session state (`load`, `ensure` first)."""
    funders = package.funders.set_index("funder_id")
    services = package.services.set_index("service_id")
    with st.form("scenario"):
        st.text_input(t("Scenario name"), key=NAME)
        left, middle, right = st.columns(3)
        left.text_input(
            t("Total new budget ({currency})", currency=package.city.currency),
            key=BUDGET,  # no help icon: its label would be the field's too
        )
        middle.slider(t("Horizon (months)"), 1, 36, key=HORIZON)
        right.select_slider(
            t("Plan for demand at"),
            options=list(QUANTILES),
            key=QUANTILE,
            format_func=lambda q: t("Expected") if q == EXPECTED else f"P{round(float(q) * 100)}",
            help=t(
                "Expected: the demand the forecast expects, district by district (the "
                "Overview's forecast). P50: the city's demand for each service stays under "
                "it in half of the forecast's futures. P80: demand the city's total will "
                "stay under in 8 years out of 10. P90: in 9 out of 10. A P80 or P90 plan "
                "asks for more capacity, and its coverage is measured against that higher "
                "demand."
            ),
        )
        left.slider(
            t("Equity floor (share of demand met in every district)"),
            0,
            100,
            step=5,
            format="%d%%",
            key=FLOOR,
        )
        middle.radio(
            t("Floor is"),
            list(MODES),
            key=MODE,
            horizontal=True,
            format_func=t,
            help=t("Hard: a plan that cannot reach it is infeasible."),
        )
        right.checkbox(t("Agencies may start new services"), key=ALLOW_NEW)
        with st.expander(t("Funders' budgets")):
            for fid, row in funders.iterrows():
                st.number_input(
                    t("{value}", value=row["name"]),
                    min_value=0.0,
                    format="%.0f",
                    step=10_000.0,
                    key=funder_key(fid),
                )
        with st.expander(t("Priority weights and radii per service")):
            for sid, row in services.iterrows():
                c1, c2 = st.columns(2)
                c1.number_input(
                    t("Weight: {value}", value=row["name"]), min_value=0.01, key=weight_key(sid)
                )
                c2.number_input(
                    t("Radius (km): {value} (empty: anywhere)", value=row["name"]),
                    min_value=0.0,
                    key=radius_key(sid),
                )
        with st.expander(t("Unseen demand (latent)")):
            st.caption(
                t(
                    "A multiple-systems estimate (Demand page) says how many people the "
                    "lists do not see. Plan for a share of them: demand times 1 + share x "
                    "(multiplier - 1)."
                )
            )
            c1, c2 = st.columns(2)
            c1.number_input(
                t("Multiplier (estimated total / observed)"),
                min_value=1.0,
                max_value=100.0,
                step=0.1,
                key=LATENT_MULTIPLIER,
            )
            c2.slider(
                t("Share of the unseen to plan for"),
                0,
                100,
                step=5,
                format="%d%%",
                key=LATENT_SHARE,
            )
        with st.expander(t("Plan for bad months")):
            st.checkbox(
                t("Also plan for bad months (a robust plan, compared on fresh samples)"),
                key=ROBUST_ON,
            )
            c1, c2, c3 = st.columns(3)
            c1.select_slider(
                t("Demand scenarios (K)"),
                options=list(ROBUST_KS),
                key=ROBUST_K,
                help=t("More scenarios: a steadier plan, and a longer wait."),
            )
            c2.radio(
                t("Minimise"),
                list(RISKS),
                key=ROBUST_RISK,
                horizontal=True,
                format_func=lambda risk: t("mean") if risk == "mean" else t("CVaR"),
                help=t(
                    "Mean: weighted unmet demand averaged over the scenarios. CVaR: averaged "
                    "over the worst scenarios only (1 - alpha of them)."
                ),
            )
            c3.select_slider(t("CVaR alpha"), options=list(ALPHAS), key=ROBUST_ALPHA)
        with st.expander(t("Solver")):
            st.radio(t("Solver"), list(SOLVERS), key=SOLVER, horizontal=True)
            st.number_input(t("Time limit (s)"), 1.0, 600.0, key=TIME_LIMIT)
        st.form_submit_button(t("Run"), type="primary", on_click=submit, args=(package,))
    for problem in st.session_state.pop(PROBLEMS, []):
        st.error(problem)


def follow_link(query: dict[str, str], package: CityPackage) -> list[str]:
    """Read the URL only when it changed since the page last read or wrote it: a link's
    scenario then fills the form and runs. Returns what the link held that was unusable."""
    if query == st.session_state.get(LINK):
        return []
    st.session_state[LINK] = query
    linked, problems = scenario_from_query(query, t("New plan"))
    if linked is not None:
        load(linked, package)
        st.session_state[RUN] = linked
        st.session_state[LINK_VERSION] = query.get(VERSION)
    return problems


def write_link(scenario: Scenario, data_version: str) -> dict[str, str]:
    """Put the scenario that runs (and the data version it runs on, or the one its link
    was made on) in the URL; returns that query."""
    made_on = st.session_state.get(LINK_VERSION) or data_version
    query = scenario_to_query(scenario, made_on)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    st.session_state[LINK] = query
    return query


def _today(data_version: str) -> None:
    st.session_state[LINK_VERSION] = data_version


def draw_link(query: dict[str, str], data_version: str) -> None:
    """The link to this plan, with a copy button; and, for a link made on other data, what
    the figures are (today's) and a button to link to them instead."""
    made_on = query.get(VERSION)
    if made_on is not None and made_on != data_version:
        st.warning(
            t(
                "This link was run on earlier data (version {old}); the figures below use "
                "today's data (version {new}). Haven keeps only the current data, so the "
                "earlier figures cannot be shown again.",
                old=made_on,
                new=data_version,
            )
        )
        st.button(
            t("Link to this plan on today's data"),
            key="plan_link_today",
            on_click=_today,
            args=(data_version,),
        )
    st.caption(
        t(
            "Copy link: it opens this scenario, run on the data of version {version} (the "
            "button at the right of the address copies it).",
            version=made_on or data_version,
        )
    )
    st.code(link_url(st.context.url, "/plan", query), language=None, wrap_lines=True)
