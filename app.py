"""Haven: the Streamlit app. Run with `make run` (or `streamlit run app.py`).

Which pages a role sees is decided in ui/navigation.py; every page and every service-layer
call checks again (planner/access.py), whatever the list shows.
"""

import streamlit as st

from ui.auth import current_actor, logout_button
from ui.navigation import pages_for

st.set_page_config(page_title="Haven", page_icon=":material/home_health:", layout="wide")

actor = current_actor()
pages = [
    st.Page(page.path, title=page.title, icon=page.icon, default=index == 0)
    for index, page in enumerate(pages_for(actor))
]
with st.sidebar:
    logout_button()
st.navigation(pages).run()
