"""The hidden population on the Demand page: an uploaded list-overlap file read with the same
reader as the CLI, and its estimate offered to the Plan form as latent demand."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Protocol

import pandas as pd
import streamlit as st

from planner.hidden import MSEResult, read_list_counts
from planner.i18n import fmt_number, fmt_percent, t
from ui import plan_form

SHARE = "hidden_plan_share_percent"
DEFAULT_SHARE = 25


class Upload(Protocol):
    name: str

    def getvalue(self) -> bytes: ...


def read_uploaded_lists(upload: Upload) -> tuple[pd.DataFrame, list[str], str]:
    """The upload's list patterns, lists and count column; InvalidInput names its problems."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        return read_list_counts(path)


def _offer(multiplier: float) -> None:
    plan_form.offer_latent(multiplier, st.session_state.get(SHARE, DEFAULT_SHARE) / 100)


def draw_plan_offer(estimate: MSEResult) -> None:
    """Plan for part of the unseen: a share, and a button that puts the estimate's
    multiplier (estimated total / observed) and that share in the Plan form
    (`latent_demand`: demand times 1 + share (multiplier - 1))."""
    multiplier = estimate.multiplier
    if not math.isfinite(multiplier) or multiplier <= 1.0:  # NaN, or nobody unseen
        return
    st.markdown(
        t(
            "**Plan for the unseen.** The estimate is {multiplier} times the people observed. "
            "A plan may provide for a share of those not seen: its demand is then multiplied "
            "by 1 + share x ({multiplier} - 1), stated as an assumption with the plan.",
            multiplier=fmt_number(multiplier, 2),
        )
    )
    st.slider(
        t("Share of the unseen to plan for"), 0, 100, DEFAULT_SHARE, 5, format="%d%%", key=SHARE
    )
    share = st.session_state.get(SHARE, DEFAULT_SHARE) / 100
    if st.button(
        t("Use in the Plan form"), key="hidden_plan_offer", on_click=_offer, args=(multiplier,)
    ):
        st.success(
            t(
                "The Plan form now plans for {share} of the unseen (demand times {factor}): "
                "open the Plan page and press Run.",
                share=fmt_percent(share, 0),
                factor=fmt_number(1 + share * (multiplier - 1), 3),
            )
        )
