"""What a page says while the city's data of this version is still being computed in the
background (issue 14: no visitor waits for a recomputation, and no page shows the figures
of an older version as current).

After a write (a capacity edit, an import, another process's write) the service layer
recomputes in the background what depends on the new data (service.forecasts.precompute);
a page that needs what is not ready yet (the status quo: the Overview's unmet need and
coverage by group, the map's coverage) draws the rest at once, says what is still being
computed with its progress, and runs again when it is ready.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from planner.i18n import N_, t
from service import city as city_service
from service.access import Actor
from service.forecasts import Recomputing

POLL_SECONDS = 1.0

STEP_TEXT = {
    "queued": N_("waiting for the background worker"),
    "forecast": N_("reading the demand forecast"),
    "status_quo": N_("assigning today's capacity to the new data"),
    "audiences": N_("preparing the figures for each audience"),
    "pages": N_("preparing the pages"),
    "backtest": N_("backtesting the forecasting models"),
    "saved_plans": N_("solving the saved scenarios again"),
}


def recomputing(city: str, actor: Actor) -> Recomputing | None:
    """What of this data version is still being computed (service.city.recomputing)."""
    return city_service.recomputing(actor, city)


TODAY = N_(
    "Figures of today's assignment show here when ready; everything else on this page "
    "is already the new data's."
)
PLANS = N_("The chosen scenarios' plans show here when solved for the new data.")


def progress_text(state: Recomputing, note: str = TODAY) -> str:
    return t(
        "The data changed: {step} (step {step_number} of {steps}, {seconds} s so far).",
        step=t(STEP_TEXT.get(state.step, state.step)),
        step_number=min(state.done + 1, state.total),
        steps=state.total,
        seconds=f"{state.seconds:.0f}",
    ) + (" " + t(note) if note else "")


def draw_waiting(
    state: Recomputing, check: Callable[[], Recomputing | None], note: str = TODAY
) -> None:
    """A progress bar that follows the background work (`check()`: its state now, None
    when what the page waits for is ready) and runs the page again once it is ready."""

    @st.fragment(run_every=POLL_SECONDS)
    def follow() -> None:
        now = check()
        if now is None or now.version != state.version:
            st.rerun(scope="app")
        shown = now or state
        st.progress(min(shown.done / max(shown.total, 1), 1.0), text=progress_text(shown, note))

    follow()
