"""Data: import a package, update an agency's capacity, see capacity in three levels, the
data's quality and hotline contacts, export the city, download results."""

import streamlit as st

from planner.i18n import t
from ui import data_view
from ui.auth import actor_or_login
from ui.data import visible_package
from ui.layout import require_city
from ui.navigation import through_the_app

through_the_app()

st.title(t("Data"))
st.caption(t("Bring a city's data in, keep capacity current, and take data and results out."))
actor = actor_or_login()

st.subheader(t("Import a data package"))
data_view.draw_import(actor)

city = require_city(actor)
package = visible_package(city, actor)  # names and places as this role may see them

st.subheader(t("Update an agency's capacity"))
data_view.draw_capacity_editor(actor, city, package)

st.subheader(t("Capacity now: funded, in service, free"))
data_view.draw_capacity_status(actor, city)

st.subheader(t("Data quality"))
data_view.draw_quality(actor, city)

st.subheader(t("Hotline contacts"))
data_view.draw_hotline(actor, city)

st.subheader(t("Export the city"))
data_view.draw_export(actor, city)

st.subheader(t("Download the plan's tables"))
data_view.draw_plan_downloads(actor, city, package)
