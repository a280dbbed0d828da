"""Haven: the Streamlit app. Run with `make run` (or `streamlit run app.py`).

Which pages a role sees is decided in ui/navigation.py; every page and every service-layer
call checks again (service/access.py), whatever the list shows. The favicon is an emoji: a
`:material/...:` page icon makes the browser fetch it from a font server. The language (English or
French) is chosen in the sidebar, or by `?lang=fr` in a link (ui/language.py).
"""

import streamlit as st

from planner.i18n import t
from ui.auth import current_actor, logout_button
from ui.language import apply_language, language_switch
from ui.navigation import pages_for

st.set_page_config(page_title="Haven", page_icon="🏠", layout="wide")

apply_language()
actor = current_actor()
pages = [
    st.Page(page.path, title=t(page.title), icon=page.icon, default=index == 0)
    for index, page in enumerate(pages_for(actor))
]
# The menu is drawn here from the same list, not by Streamlit: a first visitor who opens a
# link to a page would otherwise see Streamlit's listing of every file in pages/
# (client.showSidebarNavigation is off in .streamlit/config.toml).
page = st.navigation(pages, position="hidden")
with st.sidebar:
    for entry in pages:
        st.page_link(entry)
language_switch()
with st.sidebar:
    logout_button()
page.run()
