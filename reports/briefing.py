"""A council briefing as a file: two to four saved plans in one PDF, HTML or xlsx document.

`briefing_content(briefing, context, audience=..., k=...)` turns a `planner.briefing.Briefing`
(made from plans already disclosed for the audience by service.briefing, the door the
single-plan report goes through too) into what the document shows: the narrative, the
tables with names this audience may see (confidential agencies are never named here: the
briefing lists services, funders, districts and groups, not agencies), the data's freshness
and the caveats. `render_briefing(content, fmt)` lays it out with the report's machinery
(reports.pdf's writer and table pages, reports.html's style, reports.xlsx's sheets).
docs/briefing.md says what each audience sees.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import pandas as pd

from planner.briefing import Briefing
from planner.compare import UNSET
from planner.i18n import N_, get_language, t, use_language
from planner.package import CityPackage
from reports import briefing_words
from reports.context import ReportContext
from reports.layout import frame_text, header, sheet
from reports.sections import SYNTHETIC, report_date
from reports.view import AUDIENCES, Audience, ReportTable

Format = Literal["pdf", "html", "xlsx"]
FORMATS: tuple[Format, ...] = ("pdf", "html", "xlsx")

SHEETS = (
    N_("Plans"),
    N_("What each plan buys"),
    N_("Money per funder"),
    N_("Coverage per district"),
    N_("Groups"),
    N_("Price of floors"),
    N_("Years and cliffs"),
    N_("Parameters that differ"),
    N_("Data freshness"),
    N_("Keeping coverage flat"),
    N_("Funding cliffs"),
)


@dataclass(frozen=True, eq=False)
class BriefingContent:
    """What a briefing shows, before it is laid out in one format."""

    title: str
    subtitle: str
    audience: Audience
    k: int
    plans: tuple[str, ...]
    narrative: list[str]
    caveats: list[str]
    tables: list[ReportTable]


def briefing_content(
    briefing: Briefing, context: ReportContext, *, audience: Audience, k: int
) -> BriefingContent:
    """The briefing's words and tables for `audience` in the current language."""
    if audience not in AUDIENCES:
        raise ValueError(
            t(
                "audience: {name} is not one of: {names}",
                name=repr(audience),
                names=", ".join(AUDIENCES),
            )
        )
    currency = context.city.currency
    caveats = []
    if context.synthetic:
        caveats.append(t(SYNTHETIC) + " " + t("this briefing is made from invented data."))
    caveats += [briefing_words.caveat(code, k) for code in briefing.caveats]
    now = datetime.now(UTC)
    return BriefingContent(
        title=t("{city}: council briefing", city=context.city.name),
        subtitle=t(
            "{count} plans compared for {audience}s, made {when} UTC with Haven",
            count=len(briefing.plans),
            audience=t(audience),
            when=report_date(f"{now:%Y-%m-%d}") + f" {now:%H:%M}",
        ),
        audience=audience,
        k=k,
        plans=briefing.plans,
        narrative=briefing_words.narrative(briefing.narrative, currency),
        caveats=caveats,
        tables=_tables(briefing, context),
    )


def _tables(briefing: Briefing, context: ReportContext) -> list[ReportTable]:
    currency = context.city.currency
    services = context.services.set_index("service_id")
    service_names = services["name"].astype(str)
    service_units = services["unit"].astype(str)
    funder_names = context.funders.set_index("funder_id")["name"].astype(str)
    district_names = context.districts.set_index("district_id")["name"].astype(str)
    money = f"({currency})"
    tables = []

    totals = briefing.totals
    tables.append(
        ReportTable(
            "Plans",
            t("What each plan does"),
            pd.DataFrame(
                {
                    "plan": totals["plan"],
                    "horizon (months)": totals["horizon_months"],
                    f"budget {money}": totals["budget"],
                    f"money spent {money}": totals["money_spent"],
                    "demand (unit-months)": totals["demand"],
                    "served (unit-months)": totals["served"],
                    "coverage (share of demand)": totals["coverage"],
                    f"money per unit served {money}": totals["money_per_unit_served"],
                    f"cost per additional unit served {money}": totals[
                        "cost_per_additional_unit_served"
                    ],
                    "lowest district coverage (share)": totals["lowest_district_coverage"],
                }
            ),
            note=t(
                "Units are each service's own (beds, slots, hours) summed over the horizon; "
                "a blank figure is hidden for this reader or has no demand."
            ),
        )
    )
    units = briefing.units_added
    tables.append(
        ReportTable(
            "What each plan buys",
            t("What each plan buys"),
            pd.DataFrame(
                {
                    "plan": units["plan"],
                    "service": units["service_id"].map(service_names).fillna(units["service_id"]),
                    "unit": units["service_id"].map(service_units).fillna(""),
                    "units added (units of the service)": units["units_added"],
                }
            ),
        )
    )
    funding = briefing.funding_by_funder
    tables.append(
        ReportTable(
            "Money per funder",
            t("Money per funder"),
            pd.DataFrame(
                {
                    "plan": funding["plan"],
                    "funder": funding["funder_id"].map(funder_names).fillna(funding["funder_id"]),
                    f"amount {money}": funding["amount"],
                }
            ),
        )
    )
    coverage = briefing.district_coverage
    long = coverage.melt(id_vars="district_id", value_vars=list(briefing.plans), var_name="plan")
    frame = pd.DataFrame(
        {
            "district": long["district_id"].map(district_names).fillna(long["district_id"]),
            "plan": long["plan"],
            "coverage (share of demand)": long["value"].astype(float),
        }
    )
    tables.append(ReportTable("Coverage per district", t("Coverage of demand per district"), frame))
    if len(briefing.groups):
        groups = briefing.groups
        tables.append(
            ReportTable(
                "Groups",
                t("Coverage per population group"),
                pd.DataFrame(
                    {
                        "plan": groups["plan"],
                        "group": groups["population_id"].astype(str).map(t),
                        "service": groups["service_id"]
                        .map(service_names)
                        .fillna(groups["service_id"]),
                        "demand (unit-months)": groups["demand"],
                        "served (unit-months)": groups["served"],
                        "coverage (share of demand)": groups["coverage"],
                    }
                ),
            )
        )
    if len(briefing.floors):
        floors = briefing.floors
        tables.append(
            ReportTable(
                "Price of floors",
                t("The price of each floor"),
                pd.DataFrame(
                    {
                        "plan": floors["plan"],
                        "floor": floors["floor"].astype(str).map(t),
                        "price (weighted unit-months)": floors["price_units"],
                        f"price {money}": floors["price_money"],
                    }
                ),
                note=t(
                    "What the floor costs: the weighted unmet demand of the same plan "
                    "without it, against the plan's, and that in money at the budget's "
                    "shadow price."
                ),
            )
        )
    if len(briefing.years):
        years = briefing.years
        tables.append(
            ReportTable(
                "Years and cliffs",
                t("Years and funding cliffs"),
                pd.DataFrame(
                    {
                        "plan": years["plan"],
                        "year": years["year"].astype(int),
                        "capacity in operation (units)": years["capacity_units"],
                        f"amount {money}": years["money"],
                        "coverage (share of demand)": years["coverage"],
                        "capacity losing its funding (units)": years["cliff_units"],
                    }
                ),
                note=t(
                    "A funding cliff: capacity a funder paid for ends with its grant unless "
                    "another funder pays for it."
                ),
            )
        )
    if len(briefing.flat):
        flat = briefing.flat
        tables.append(
            ReportTable(
                "Keeping coverage flat",
                t("What keeping coverage flat would cost"),
                pd.DataFrame(
                    {
                        "plan": flat["plan"],
                        "first year's coverage (share of demand)": flat["target"],
                        f"extra cost {money}": flat["extra_cost"],
                        f"new money beyond the grants {money}": flat["bridge_money"],
                    }
                ),
            )
        )
    if len(briefing.parameters):
        parameters = briefing.parameters
        frame = pd.DataFrame(
            {
                "parameter": [
                    t(PARAMETER_LABELS.get(str(p), str(p))) for p in parameters["parameter"]
                ],
                "for": parameters["key"].astype(str),
            }
        )
        for plan in briefing.plans:
            frame[plan] = [_value_text(v) for v in parameters[plan]]
        tables.append(
            ReportTable("Parameters that differ", t("What the plans set differently"), frame)
        )
    fresh = [
        (t("Capacity reported, oldest"), briefing.freshness.get("capacity_oldest")),
        (t("Capacity reported, newest"), briefing.freshness.get("capacity_newest")),
        (t("Demand history, first month"), briefing.freshness.get("demand_first")),
        (t("Demand history, last month"), briefing.freshness.get("demand_last")),
    ]
    tables.append(
        ReportTable(
            "Data freshness",
            t("How fresh the data is"),
            pd.DataFrame(
                {
                    "item": [label for label, _ in fresh],
                    "date": [report_date(value) or "-" for _, value in fresh],
                }
            ),
        )
    )
    return tables


PARAMETER_LABELS = {
    "budget": N_("Budget"),
    "funder_budgets": N_("Funder's budget"),
    "demand_quantile": N_("Demand planned for"),
    "horizon_months": N_("Horizon"),
    "equity_floor": N_("Equity floor"),
    "equity_mode": N_("Equity floor mode"),
    "weights": N_("Priority weight"),
    "radius_km": N_("Radius"),
    "allow_new_services": N_("New services"),
    "distance_weight": N_("Weight of distance"),
    "cost_weight": N_("Weight of money"),
    "solver": N_("Solver"),
    "time_limit_s": N_("Time limit"),
    "latent_demand": N_("Latent demand"),
    "robust": N_("Plan for bad months"),
}
"""The labels the Compare page gives the scenario keys (ui.compare_view)."""


def _value_text(value: object) -> str:
    if value is None:
        return t("none")
    if value == UNSET:
        return t("the city's own")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


# --- formats ----------------------------------------------------------------------------------


def briefing_document(
    briefing: Briefing,
    package: CityPackage,
    *,
    audience: Audience,
    k: int,
    fmt: Format,
    language: str,
) -> bytes:
    """The briefing's file for `audience` in `language`, from a briefing and the city as that
    audience may see them (service.briefing.briefing_for)."""
    with use_language(language):
        content = briefing_content(
            briefing, ReportContext.from_package(package), audience=audience, k=k
        )
        return render_briefing(content, fmt)


def render_briefing(content: BriefingContent, fmt: Format) -> bytes:
    """The briefing's file as bytes."""
    if fmt == "pdf":
        return _pdf(content)
    if fmt == "html":
        return _html(content).encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(content)
    raise ValueError(
        t("fmt: {name} is not one of: {names}", name=repr(fmt), names=", ".join(FORMATS))
    )


def _pdf(content: BriefingContent) -> bytes:
    from reports.pdf import _table_pages, _Writer

    writer = _Writer(content.title)
    writer.pdf.add_page()
    writer.heading(content.title, 16)
    writer.paragraph(content.subtitle, 8.5, "I")
    writer.heading(t("In short"), 12)
    for line in content.narrative:
        writer.paragraph(f"- {line}")
    writer.heading(t("Caveats"), 12)
    for line in content.caveats:
        writer.paragraph(f"- {line}", 8.5)
    for table in content.tables:
        _table_pages(writer, dataclasses.replace(table, frame=_shown_frame(table.frame)))
    return bytes(writer.pdf.output())


def _html(content: BriefingContent) -> str:
    from reports.html import _STYLE, _html_table, _list, esc

    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{get_language()}"><head><meta charset="utf-8">',
        f"<title>{esc(content.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(content.title)}</h1>",
        f'<p class="subtitle">{esc(content.subtitle)}</p>',
        f"<h2>{esc(t('In short'))}</h2>",
        _list(content.narrative),
    ]
    for table in content.tables:
        parts.append(f"<h2>{esc(table.title)}</h2>")
        if table.note:
            parts.append(f"<p>{esc(table.note)}</p>")
        parts.append(_html_table(_shown_frame(table.frame)))
    parts.append(f"<h2>{esc(t('Caveats'))}</h2>")
    parts.append(_list(content.caveats))
    parts.append("</body></html>")
    return "\n".join(parts)


def _xlsx(content: BriefingContent) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from planner.cells import neutralise

    book = Workbook()
    summary = book.active
    summary.title = sheet("Summary")
    rows: list[tuple[object, ...]] = [
        (content.title,),
        (content.subtitle,),
        (),
        *[(t("In short"), line) for line in content.narrative],
        (),
        *[(t("Caveat"), line) for line in content.caveats],
    ]
    for row in rows:
        summary.append([neutralise(value) for value in row])
    summary["A1"].font = Font(bold=True, size=14)
    summary.column_dimensions["A"].width = 20
    summary.column_dimensions["B"].width = 120
    for cell in summary["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for table in content.tables:
        _sheet(book.create_sheet(sheet(table.sheet)), table.frame)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(target: Any, frame: pd.DataFrame) -> None:
    """A table as a sheet: headers in the reader's language, numbers as numbers, shares
    formatted as percentages, text a spreadsheet would run as a formula quoted."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from planner.cells import neutralise
    from reports.xlsx import _xlsx_value

    target.append([neutralise(column_header(c)) for c in frame.columns])
    for cell in target[1]:
        cell.font = Font(bold=True)
    for values in frame.itertuples(index=False):
        target.append([neutralise(_xlsx_value(v)) for v in values])
    for index, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        target.column_dimensions[letter].width = min(60, max(12, len(str(column)) + 2))
        if "share" in str(column):
            for cell in target[letter][1:]:
                cell.number_format = "0.0%"


CURRENCY_HEADERS = (
    N_("budget ({currency})"),
    N_("money spent ({currency})"),
    N_("money per unit served ({currency})"),
    N_("cost per additional unit served ({currency})"),
    N_("amount ({currency})"),
    N_("price ({currency})"),
    N_("money ({currency})"),
    N_("extra cost ({currency})"),
    N_("new money beyond the grants ({currency})"),
)
HEADERS = (
    N_("horizon (months)"),
    N_("lowest district coverage (share)"),
    N_("group"),
    N_("price (weighted unit-months)"),
    N_("year"),
    N_("capacity in operation (units)"),
    N_("capacity losing its funding (units)"),
    N_("parameter"),
    N_("for"),
    N_("item"),
    N_("date"),
    N_("first year's coverage (share of demand)"),
)


def column_header(column: object) -> str:
    """A column's header in the current language (the currency code kept)."""
    name = str(column)
    found = re.search(r"\(([A-Z]{3})\)$", name)
    if found:
        template = name[: found.start()] + "({currency})"
        if template in CURRENCY_HEADERS:
            return t(template, currency=found.group(1))
    return header(name)


def _shown_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as text (shares as percentages) under headers in the reader's language."""
    return frame_text(frame).rename(columns=column_header)


def table_texts(content: BriefingContent) -> list[pd.DataFrame]:
    """The tables as every format writes their cells (what a reader can find a figure in)."""
    return [_shown_frame(table.frame) for table in content.tables]
