"""Log in: the only page before a login when the city does not open a public view."""

import streamlit as st

from planner.i18n import t
from ui.auth import login_form
from ui.navigation import through_the_app

through_the_app()

st.title(t("Haven"))
st.caption(t("Planning the city's services for survivors of trafficking. Please log in."))
login_form()
