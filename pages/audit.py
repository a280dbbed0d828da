"""Audit log: every change, who made it and when, with before and after. Admins only."""

import streamlit as st

from planner.exchange import csv_bytes
from planner.i18n import t
from service import access, exports
from ui.api_tokens import token_admin
from ui.auth import actor_or_login
from ui.navigation import through_the_app

through_the_app()

st.title(t("Audit log"))
st.caption(
    t(
        "Append-only: every import, capacity edit, scenario saved or deleted, account change "
        "and login. Nobody can edit it through the app."
    )
)

actor = actor_or_login()
if not access.can(actor, access.Action.READ_AUDIT):
    st.error(t("Only administrators can read the audit log."))
    st.stop()

limit = st.number_input(t("Show the latest"), min_value=10, max_value=100_000, value=500, step=100)
table = exports.audit_log(actor, limit=int(limit))
st.dataframe(table, hide_index=True)
st.download_button(
    t("Download as CSV"),
    csv_bytes(table),  # formula-like text quoted (planner.cells)
    file_name="haven-audit-log.csv",
    mime="text/csv",
)

token_admin(actor)  # the REST API's tokens (docs/api.md)
