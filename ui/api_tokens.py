"""The REST API's tokens, on the Audit log page (admins): list them, make one (shown once),
revoke one. Everything goes through `service.tokens`, which checks the role and audits."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from planner.i18n import fmt_date, t
from service import accounts, tokens
from service.access import Action, Actor, can
from service.errors import AccessDenied, InvalidRecord, StorageError, UnknownUser

NEW_TOKEN_KEY = "haven_api_token_made"
"""The token just made and its account, kept for the one run that shows it."""


def _when(value: datetime | None) -> str:
    return "" if value is None else fmt_date(value)


def _table(found: list[tokens.Token]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("Number"): [token.id for token in found],
            t("Starts with"): [f"{token.prefix}…" for token in found],
            t("Account"): [token.username for token in found],
            t("For"): [token.name for token in found],
            t("Made"): [_when(token.created_at) for token in found],
            t("Made by"): [token.created_by for token in found],
            t("Last used"): [_when(token.last_used_at) for token in found],
            t("Revoked"): [_when(token.revoked_at) for token in found],
        }
    )


def _label(token: tokens.Token) -> str:
    return f"{token.id} · {token.prefix}… · {token.username} · {token.name}"


def token_admin(actor: Actor) -> None:
    """The section; nothing for a role that may not manage accounts."""
    if not can(actor, Action.MANAGE_USERS):
        return
    st.header(t("API tokens"))
    st.caption(
        t(
            "A token lets a partner's system use the REST API (docs/api.md) as one account, "
            "with its role, city and agency. It is shown once, when it is made; Haven keeps "
            "only its hash."
        )
    )
    made = st.session_state.pop(NEW_TOKEN_KEY, None)
    if made is not None:
        secret, username = made
        st.success(t("Token made for {user}: copy it now, it is not shown again.", user=username))
        st.code(secret, language=None)
    found = tokens.list_tokens(actor)
    if found:
        st.dataframe(_table(found), hide_index=True)
    else:
        st.info(t("No tokens yet."))
    users = [user.username for user in accounts.list_users(actor) if user.active]
    with st.form("api_token_new", clear_on_submit=True):
        username = st.selectbox(t("Account"), users)
        name = st.text_input(t("What it is for"), placeholder=t("nightly capacity feed"))
        if st.form_submit_button(t("Make a token")):
            try:
                created = tokens.create_token(actor, username=str(username), name=name)
            except (AccessDenied, InvalidRecord, UnknownUser) as exc:
                st.error(str(exc))
            else:
                st.session_state[NEW_TOKEN_KEY] = (created.token, created.info.username)
                st.rerun()
    active = [token for token in found if token.revoked_at is None]
    if active:
        with st.form("api_token_revoke"):
            chosen = st.selectbox(t("Token"), active, format_func=_label)
            if st.form_submit_button(t("Revoke")) and chosen is not None:
                try:
                    tokens.revoke_token(actor, chosen.id)
                except (AccessDenied, StorageError) as exc:
                    st.error(str(exc))
                else:
                    st.rerun()
