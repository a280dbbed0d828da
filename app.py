"""Haven: the Streamlit app. Run with `make run` (or `streamlit run app.py`).

The pages are listed here, in one place, so what a role sees is decided here.
"""

import streamlit as st

st.set_page_config(page_title="Haven", page_icon="🏠", layout="wide")

pages = [
    st.Page("pages/city.py", title="City", icon="🗺️", default=True),
    st.Page("pages/plan.py", title="Plan", icon="🧮"),
]
st.navigation(pages).run()
