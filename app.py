"""Haven: the Streamlit app. Run with `make run` (or `streamlit run app.py`).

The pages are listed here, in one place, so what a role sees is decided here.
"""

import streamlit as st

st.set_page_config(page_title="Haven", page_icon=":material/home_health:", layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/capacity_map.py", title="Capacity map", icon=":material/map:"),
    st.Page("pages/demand.py", title="Demand", icon=":material/trending_up:"),
    st.Page("pages/plan.py", title="Plan", icon=":material/calculate:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("pages/data.py", title="Data", icon=":material/database:"),
]
st.navigation(pages).run()
