"""Haven: the Streamlit app. Run with `make run` (or `streamlit run app.py`).

Which pages a role sees is decided in ui/navigation.py; every page and every service-layer
call checks again (service/access.py), whatever the list shows. The favicon is an emoji: a
`:material/...:` page icon makes the browser fetch it from a font server. The language (English or
French) is chosen in the sidebar, or by `?lang=fr` in a link (ui/language.py).
"""

import streamlit as st

from planner.i18n import t
from service.access import PUBLIC_VISITOR
from ui.auth import checked_for_this_run, current_actor, login_page, logout_button
from ui.language import apply_language, language_switch
from ui.navigation import LOGIN, needs_login, pages_for, registered_for

st.set_page_config(page_title="Haven", page_icon="🏠", layout="wide")

apply_language()
actor = current_actor()
menu = pages_for(actor)
pages = {
    spec.path: st.Page(spec.path, title=t(spec.title), icon=spec.icon, default=spec == menu[0])
    for spec in registered_for(actor)
}
specs = {pages[spec.path].url_path: spec for spec in registered_for(actor)}
# The menu is drawn here from the same list, not by Streamlit: a first visitor who opens a
# link to a page would otherwise see Streamlit's listing of every file in pages/
# (client.showSidebarNavigation is off in .streamlit/config.toml).
page = st.navigation(list(pages.values()), position="hidden")
spec = specs[page.url_path]
with st.sidebar:
    for entry in menu:
        st.page_link(pages[entry.path])
    if actor == PUBLIC_VISITOR:
        st.page_link(pages[LOGIN.path])
language_switch()
with st.sidebar:
    logout_button()
if needs_login(actor, spec):
    # The login form at the page's own address: after the login the page runs, with the
    # link's query string (a shared plan keeps its scenario).
    login_page()
elif spec == LOGIN and actor != PUBLIC_VISITOR:
    st.switch_page(pages[menu[0].path])
else:
    checked_for_this_run(actor)  # the page takes this check instead of making its own
    page.run()
