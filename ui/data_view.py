"""The Data page's sections: each reads its widgets, calls `ui.data_admin`, and draws.

What a section offers depends on the acting user's role (`service.access`): importing and
exporting whole packages (which hold confidential shelters' locations) is for analysts and
admins; a partner may update its own agency's capacity only.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from planner.exchange import problems_frame
from planner.i18n import fmt_number, t
from planner.package import CityPackage
from planner.quality import LOW_SCORE
from reports.quality_words import dimension_text, reason_text, severity_text
from service import access
from service.access import Action, Actor
from ui import data_admin
from ui.data import city_names, data_version, run_plan
from ui.layout import in_language

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def draw_import(actor: Actor) -> None:
    """Upload, check (every problem as a table), and import on confirmation."""
    if not access.can(actor, Action.IMPORT_DATA):
        st.info(t("Importing data packages is for analysts and admins."))
        return
    uploaded = st.file_uploader(
        t(
            "Data package: a .zip of the package folder (city.json, districts.geojson, "
            "the CSV files)"
        ),
        type=["zip"],
    )
    if uploaded is None:
        return
    checked = data_admin.checked_upload(uploaded.getvalue(), uploaded.name)
    if checked.problems:
        st.dataframe(problems_frame(checked.problems), hide_index=True)
    if checked.package is None:
        st.error(
            t(
                "{errors} error(s) in this package: nothing can be imported. Fix them "
                "in the files (file, line and column above) and upload the .zip again.",
                errors=fmt_number(checked.errors),
            )
        )
        return
    new = checked.package
    st.success(
        t(
            "{name}: {count} districts, {count2} agencies, {count3} services, "
            "{count4} demand rows; {warnings} warning(s).",
            name=new.city.name,
            count=fmt_number(len(new.districts)),
            count2=fmt_number(len(new.agencies)),
            count3=fmt_number(len(new.services)),
            count4=fmt_number(len(new.demand)),
            warnings=fmt_number(checked.warnings),
        )
    )
    exists = new.city.name in city_names(actor)
    replace = exists and st.checkbox(
        t("Replace the city's data"),
        help=t(
            "{name} is in the database already; its saved scenarios are kept.", name=new.city.name
        ),
    )
    if st.button(t("Import"), type="primary", disabled=exists and not replace):
        message, imported = data_admin.import_checked(actor, new, replace=replace)
        (st.success if imported else st.error)(message)


FORM_AT = "capacity_form_at"  # (city, agency, service, data version) the fields were set at
OUTCOME = "capacity_outcome"  # what the last Save did, for the next run to show
FIELDS = ("capacity", "occupied", "max_expansion", "funded", "as_of")


def field_key(agency_id: str, service_id: str, name: str) -> str:
    return f"capacity_{agency_id}_{service_id}_{name}"


def _save(actor: Actor, city: str, agency_id: str, service_id: str, version: str) -> None:
    """Save's callback, before the page runs: what the fields hold is what is saved; after
    a save the fields keep it (they were set at the new version)."""
    state = st.session_state
    values = {name: state.get(field_key(agency_id, service_id, name)) for name in FIELDS}
    outcome = data_admin.record_capacity_update(
        actor,
        city,
        agency_id=agency_id,
        service_id=service_id,
        capacity=values["capacity"],
        occupied=values["occupied"],
        max_expansion=values["max_expansion"],
        funded=values["funded"],
        as_of=values["as_of"] or date.today(),
        expected_version=version,  # the figures the fields were set from
    )
    state[OUTCOME] = (agency_id, service_id, outcome)
    if outcome.saved is not None:
        state[FORM_AT] = (city, agency_id, service_id, data_version(city, actor))


def draw_capacity_editor(actor: Actor, city: str, package: CityPackage) -> None:
    """Choose an agency and a service, record new figures, show the history.

    The fields have stable keys and take the current figures only when the agency, the
    service or the city's data changed (`FORM_AT`); so what the user typed is what Save
    saves (issue 14: a widget made again with the new figures as its default dropped it).
    """
    version = data_version(city, actor)
    names = package.agencies.set_index("agency_id")["name"]
    editable = [
        a for a in names.index if access.can_edit_capacity(actor, city_name=city, agency_id=a)
    ]
    if not editable:
        st.info(
            t("Updating capacity is for analysts, admins and each agency's own partner account.")
        )
        return
    services = package.services.set_index("service_id")
    left, right = st.columns(2)
    agency_id = left.selectbox(t("Agency"), editable, format_func=lambda a: f"{names[a]} ({a})")
    current = package.current_capacity()
    current = current[current["agency_id"] == agency_id].set_index("service_id")
    offered = [s for s in services.index if s in current.index]
    service_id = right.selectbox(
        t("Service"),
        offered + [s for s in services.index if s not in current.index],
        format_func=lambda s: (
            services.loc[s, "name"]
            if s in offered
            else t("{name} (new)", name=services.loc[s, "name"])
        ),
    )
    unit = services.loc[service_id, "unit"]
    row = current.loc[service_id] if service_id in current.index else None

    def now(column: str) -> float | None:
        value = None if row is None else row[column]
        return None if value is None or value != value else float(value)

    keys = {name: field_key(agency_id, service_id, name) for name in FIELDS}
    at = (city, agency_id, service_id, version)
    if st.session_state.get(FORM_AT) != at:
        st.session_state[keys["capacity"]] = now("capacity")
        st.session_state[keys["occupied"]] = now("occupied")
        st.session_state[keys["max_expansion"]] = now("max_expansion") or 0.0
        st.session_state[keys["funded"]] = (
            now("funded") if row is not None and "funded" in row else None
        )
        st.session_state[keys["as_of"]] = date.today()
        st.session_state[FORM_AT] = at
    shown = st.session_state.pop(OUTCOME, None)
    outcome = shown[2] if shown and shown[:2] == (agency_id, service_id) else None
    errors = outcome.fields if outcome is not None else {}

    with st.form(f"capacity_{agency_id}_{service_id}"):
        c1, c2, c3, c5, c4 = st.columns(5)
        c1.number_input(
            t("Capacity ({unit}s)", unit=unit),
            step=1.0,
            key=keys["capacity"],
            help=t("In service now: what the planner plans on (funded may be more)."),
        )
        c2.number_input(t("Occupied ({unit}s; empty: unknown)", unit=unit), key=keys["occupied"])
        c3.number_input(
            t("May add at most ({unit}s)", unit=unit), step=1.0, key=keys["max_expansion"]
        )
        c5.number_input(
            t("Funded ({unit}s; empty: unknown)", unit=unit), step=1.0, key=keys["funded"]
        )
        c4.date_input(t("As of"), key=keys["as_of"])
        for column, name in zip((c1, c2, c3, c5), FIELDS, strict=False):
            if name in errors:
                column.error(errors[name])
        st.form_submit_button(
            t("Save capacity"),
            on_click=_save,
            args=(actor, city, agency_id, service_id, version),
        )
    if outcome is not None and outcome.saved is not None:
        st.success(data_admin.saved_message(outcome.saved, names[agency_id]))
    elif outcome is not None and outcome.problem:
        st.error(outcome.problem)
    st.caption(
        t(
            "History of {value}: {value2}, newest first.",
            value=names[agency_id],
            value2=services.loc[service_id, "name"],
        )
    )
    currency = package.city.currency
    st.dataframe(
        data_admin.capacity_history(actor, city, agency_id, service_id),
        hide_index=True,
        column_config={
            "as_of": st.column_config.DateColumn(t("As of")),
            "capacity": st.column_config.NumberColumn(
                t("Capacity ({unit}s)", unit=unit), format="localized", step=1
            ),
            "occupied": st.column_config.NumberColumn(
                t("Occupied ({unit}s)", unit=unit), format="localized", step=1
            ),
            "max_expansion": st.column_config.NumberColumn(
                t("May add ({unit}s)", unit=unit), format="localized", step=1
            ),
            "funded": st.column_config.NumberColumn(
                t("Funded ({unit}s)", unit=unit), format="localized", step=1
            ),
            "unit_cost": st.column_config.NumberColumn(
                t(
                    "Cost per {unit} ({currency}; empty: the service's)",
                    unit=unit,
                    currency=currency,
                ),
                format="localized",
                step=1,
            ),
            "recorded_at": st.column_config.DatetimeColumn(t("Recorded at (UTC)")),
            "recorded_by": t("Recorded by"),
        },
    )


def draw_export(actor: Actor, city: str) -> None:
    """The whole city as a package .zip (it holds confidential locations)."""
    if not access.can(actor, Action.IMPORT_DATA):
        st.info(
            t("Exporting the whole package (with shelters' locations) is for analysts and admins.")
        )
        return
    st.download_button(
        t("Download {city} as a data package (.zip)", city=city),
        data=data_admin.city_zip(actor, city),
        file_name=data_admin.export_file_name(city),
        mime="application/zip",
    )


def draw_plan_downloads(actor: Actor, city: str, package: CityPackage) -> None:
    """The last plan of this session (the Plan page's scenario) as CSV files and one .xlsx."""
    if not access.can(actor, Action.RUN_SCENARIOS):
        st.info(t("Plans and their tables are for funders, analysts and admins."))
        return
    scenario = st.session_state.get("plan_scenario")
    if scenario is None:
        st.info(t("Run a scenario on the Plan page first; its tables can then be downloaded here."))
        return
    problems = scenario.validate_for(package)
    if problems:
        st.warning(
            t(
                "The last plan was run for another city ({value}): run it again.",
                value="; ".join(problems),
            )
        )
        return
    plan = run_plan(city, scenario, actor)
    if not plan.has_plan:
        st.warning(
            t(
                "“{name}” has no plan ({status}): see the Plan page for why.",
                name=scenario.name,
                status=plan.status,
            )
        )
        return
    st.caption(
        t(
            "“{name}”: funding per funder and agency ({currency}), capacity added "
            "(in each service's unit) and coverage per district and service over "
            "{horizon_months} months.",
            name=scenario.name,
            currency=package.city.currency,
            horizon_months=scenario.horizon_months,
        )
    )
    files = data_admin.result_files(actor, city, scenario)
    for column, (name, content) in zip(st.columns(len(files)), files.items(), strict=True):
        excel = name.endswith(".xlsx")
        column.download_button(
            t("{name} ({value})", name=name, value="Excel, a sheet per table" if excel else "CSV"),
            data=content,
            file_name=name,
            mime=XLSX if excel else "text/csv",
        )


# --- live capacity, data quality and hotline contacts (issue 19) ---------------------------


def _for_aggregates(actor: Actor) -> bool:
    if data_admin.may_see_live(actor):
        return True
    st.info(
        t(
            "Capacity levels, data quality and hotline contacts are for funders, partners, "
            "analysts and admins."
        )
    )
    return False


def draw_capacity_status(actor: Actor, city: str) -> None:
    """Funded, in service, occupied and free now per agency and service, each with its
    as-of date and a stale mark; the agencies funded more than 10 % above what is in service."""
    if not _for_aggregates(actor):
        return
    status = data_admin.capacity_status(actor, city)
    flagged = status.flagged
    if not flagged.empty:
        st.warning(
            t(
                "{count} agencies have more than 10 % of their funded units out of service.",
                count=fmt_number(len(flagged)),
            )
        )
        st.dataframe(  # names as data, never as Markdown (issue 13)
            in_language(
                flagged[["agency", "funded", "capacity", "gap", "gap_share"]],
                numbers={"funded": 0, "capacity": 0, "gap": 0},
            ),
            hide_index=True,
            column_config={
                "agency": t("Agency"),
                "funded": st.column_config.NumberColumn(t("Funded")),
                "capacity": st.column_config.NumberColumn(t("In service")),
                "gap": st.column_config.NumberColumn(t("Out of service")),
                "gap_share": st.column_config.NumberColumn(
                    t("Share of funded units"), format="percent"
                ),
            },
        )
    levels = status.levels
    stale = int(levels["stale"].sum())
    st.caption(
        t(
            "Capacity as of each figure's date; {stale} of {count} figures are older than "
            "{days} days or undated (stale). Free now = in service - occupied; the planner "
            "plans on what is in service.",
            stale=fmt_number(stale),
            count=fmt_number(len(levels)),
            days=status.stale_after_days,
        )
    )
    table = levels[
        [
            "agency",
            "service",
            "funded",
            "capacity",
            "occupied",
            "free",
            "as_of",
            "age_days",
            "stale",
        ]
    ]
    st.dataframe(
        in_language(
            table.sort_values(["stale", "age_days"], ascending=False, na_position="first"),
            numbers={"funded": 1, "capacity": 1, "occupied": 1, "free": 1, "age_days": 0},
        ),
        hide_index=True,
        column_config={
            "agency": t("Agency"),
            "service": t("Service"),
            "funded": st.column_config.NumberColumn(t("Funded")),
            "capacity": st.column_config.NumberColumn(t("In service")),
            "occupied": st.column_config.NumberColumn(t("Occupied")),
            "free": st.column_config.NumberColumn(t("Free now")),
            "as_of": st.column_config.DateColumn(t("As of")),
            "age_days": st.column_config.NumberColumn(t("Age (days)")),
            "stale": st.column_config.CheckboxColumn(
                t("Stale (older than {days} days)", days=status.stale_after_days)
            ),
        },
    )


def draw_quality(actor: Actor, city: str) -> None:
    """The data-quality score per agency (and district), with its reasons, most severe first."""
    if not _for_aggregates(actor):
        return
    view = data_admin.quality(actor, city)
    low = int((view.agencies["score"] < LOW_SCORE).sum())
    c1, c2, c3 = st.columns(3)
    c1.metric(t("Agencies scoring below {score}", score=fmt_number(LOW_SCORE)), fmt_number(low))
    c2.metric(t("Reasons found"), fmt_number(len(view.reasons)))
    c3.metric(t("High severity"), fmt_number(sum(1 for r in view.reasons if r.severity == "high")))
    st.caption(
        t(
            "Scores from 0 to 100 for completeness, timeliness, consistency and outliers in "
            "demand; lowest first. Verify an agency's figures before funding it when it scores "
            "below {score}.",
            score=fmt_number(LOW_SCORE),
        )
    )
    scores = {
        "score": st.column_config.ProgressColumn(
            t("Score"), min_value=0, max_value=100, format="%.0f"
        ),
        "completeness": st.column_config.NumberColumn(
            dimension_text("completeness"), format="%.0f"
        ),
        "timeliness": st.column_config.NumberColumn(dimension_text("timeliness"), format="%.0f"),
        "consistency": st.column_config.NumberColumn(dimension_text("consistency"), format="%.0f"),
        "outliers": st.column_config.NumberColumn(dimension_text("outliers"), format="%.0f"),
        "reasons": st.column_config.NumberColumn(t("Reasons")),
    }
    columns = ["score", "completeness", "timeliness", "consistency", "outliers", "reasons"]
    st.dataframe(
        view.agencies[["agency", *columns]],
        hide_index=True,
        column_config={"agency": t("Agency"), **scores},
    )
    if view.exact:
        st.dataframe(
            view.districts[["district", *columns]],
            hide_index=True,
            column_config={"district": t("District"), **scores},
        )
    else:
        st.caption(t("District scores are made of demand counts: analysts and admins see them."))
    reasons = pd.DataFrame(
        {
            "severity": [severity_text(r.severity) for r in view.reasons],
            "dimension": [dimension_text(r.dimension) for r in view.reasons],
            "reason": [
                reason_text(r, view.agency_names, view.district_names, view.service_names)
                for r in view.reasons
            ],
        }
    )
    st.dataframe(
        reasons,
        hide_index=True,
        column_config={
            "severity": t("Severity"),
            "dimension": t("Dimension"),
            "reason": st.column_config.TextColumn(t("Reason"), width="large"),
        },
    )


def draw_hotline(actor: Actor, city: str) -> None:
    """Hotline contacts and referrals per month and channel, small counts suppressed."""
    if not _for_aggregates(actor):
        return
    trends = data_admin.hotline(actor, city)
    if trends.empty:
        st.caption(t("No hotline contacts in this city's data (hotline.csv)."))
        return
    if trends.k > 1:
        st.caption(
            t(
                "Counts below {k} are shown as <{k}, and counts that would give one away as x.",
                k=trends.k,
            )
        )
    for title, shown, labels in (
        (t("Contacts per month and channel"), trends.contacts_shown, trends.contacts_labels),
        (t("Contacts referred on to a service"), trends.referred_shown, trends.referred_labels),
    ):
        st.markdown(f"**{title}**")
        body = shown.drop(index="Total", errors="ignore").drop(columns="Total", errors="ignore")
        st.line_chart(body)
        st.dataframe(labels, column_config={"_index": t("Month")})
    leading = trends.leading
    if leading is not None:
        st.caption(
            t(
                "Hotline contacts as a leading indicator of next month's demand, tried on "
                "{origins} months: the forecast's mean error {verdict} from {before} to "
                "{after} cases.",
                origins=fmt_number(leading.origins),
                verdict=t("falls") if leading.helps else t("does not fall (rises)"),
                before=fmt_number(leading.mae_baseline, 1),
                after=fmt_number(leading.mae_with_hotline, 1),
            )
        )
    if trends.by_language is not None:
        st.markdown(f"**{t('The last 12 months by language, type of exploitation and district')}**")
        c1, c2, c3 = st.columns(3)
        for column, table in (
            (c1, trends.by_language),
            (c2, trends.by_exploitation),
            (c3, trends.by_district),
        ):
            if table is not None:
                column.dataframe(table, hide_index=True)
