"""Haven: the Streamlit app. Run with `make run` (or `streamlit run app.py`).

Which pages a role sees is decided in ui/navigation.py; every page and every service-layer
call checks again (planner/access.py), whatever the list shows. The language (English or
French) is chosen in the sidebar, or by `?lang=fr` in a link (ui/language.py).
"""

import streamlit as st

from planner.i18n import t
from ui.auth import current_actor, logout_button
from ui.language import apply_language, language_switch
from ui.navigation import pages_for

st.set_page_config(page_title="Haven", page_icon=":material/home_health:", layout="wide")

apply_language()
actor = current_actor()
pages = [
    st.Page(page.path, title=t(page.title), icon=page.icon, default=index == 0)
    for index, page in enumerate(pages_for(actor))
]
page = st.navigation(pages)
language_switch()
with st.sidebar:
    logout_button()
page.run()
