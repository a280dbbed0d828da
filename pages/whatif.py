"""If an agency closes: what a closure (or a freeze) does to the plan, on one page.

The form's choice is written to the address (`?close=A12,A30:legal_aid&lock=A44`), so a
link reproduces the what-if; the work is in ui.whatif_view and service.whatif.
"""

import streamlit as st

from planner.i18n import t
from service.access import Action, can
from ui import whatif_view
from ui.auth import actor_allowed
from ui.data import visible_package
from ui.layout import require_city
from ui.navigation import through_the_app

through_the_app()

st.title(t("If an agency closes"))
st.caption(
    t(
        "Close an agency or one of its services (or add nothing there) and see who goes "
        "unserved, how much further people travel, who takes the demand, and what money "
        "would bridge it. The stored data never changes."
    )
)

actor = actor_allowed(Action.RUN_SCENARIOS, t("run scenarios"))
city = require_city(actor)
package = visible_package(city, actor)
scenario = whatif_view.draw_form(package, st.query_params.to_dict())
if scenario is None:
    st.info(t("Choose an agency and press Show."))
    st.stop()
whatif_view.draw_result(
    city, scenario, actor, package, confidential=can(actor, Action.READ_CONFIDENTIAL_LOCATIONS)
)
