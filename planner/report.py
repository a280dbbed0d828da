"""A plan as a report a funder can forward: PDF, self-contained HTML, or xlsx.

`build_report(plan_dir_or_plan, fmt=..., audience=...)` returns the file's bytes. A report
holds the question and the assumptions (data freshness, scenario, forecast quantile), the
headline figures against the baselines, charts and maps (rendered offline by vl-convert),
the funding per agency and funder, the binding limits, and the caveats. docs/reports.md
says what each audience sees and what is suppressed.

A plan folder (what `python -m planner plan --out` writes) holds plan.json and the tables;
the names, geometry, currency, freshness and whether the data are synthetic come from its
context.json (`write_report_context`), or from the package the plan was made from.

Figures are units of service, not people: demand, served and unmet are summed over the
horizon in unit-months (a bed-month is one bed for one month). For every audience but the
analyst, district cells are protected as counts of cases: a cell's units divided by the
service's units_per_case, rounded, is its case count, and `planner.disclosure` hides the
small ones (with complementary suppression over districts and the city total).

Every word a reader sees goes through `planner.i18n.t` in the current language (the CLI's
`--lang`, the app's switch): sentences and headings where they are written, column headers
and sheet names when a format lays them out (`_header`, `_sheet`), so the frames keep their
English column names for the code that reads them. Numbers and dates follow the language; the
PDF's core fonts get U+00A0 where French wants a narrow no-break space.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import disclosure
from planner.i18n import N_, fmt_date, fmt_month, fmt_number, fmt_percent, get_language, t
from planner.package import CityInfo, CityPackage, read_package
from planner.plan_words import baseline_name, status_words
from planner.problems import InvalidInput, Problem

if TYPE_CHECKING:
    from planner.optimiser import Plan

Audience = Literal["analyst", "funder", "partner", "public"]
Format = Literal["pdf", "html", "xlsx"]
AUDIENCES: tuple[Audience, ...] = ("analyst", "funder", "partner", "public")
FORMATS: tuple[Format, ...] = ("pdf", "html", "xlsx")
CONTEXT_FILE = "context.json"
PLAN_FILES = ("plan.json", "funding.csv", "capacity_added.csv", "coverage.csv")
ROWS_PER_PAGE = 34
"""Table rows per PDF page: each PDF table starts on a new page and takes
ceil(rows / ROWS_PER_PAGE) pages (cells are cut to one line)."""
PDF_FIXED_PAGES = 3
"""PDF pages besides the maps and tables: summary, charts, binding limits."""
UNIT_MONTHS = "unit-months"
CONFIDENTIAL_NAME = N_("Confidential location")
"""As `service.access.CONFIDENTIAL_NAME` (not imported: access pulls in the database)."""

AGENCY_KIND_WORDS = {
    "ngo": N_("ngo"),
    "city": N_("city"),
    "county": N_("county"),
    "health": N_("health"),
    "legal": N_("legal"),
    "shelter": N_("shelter"),
    "police": N_("police"),
    "faith": N_("faith"),
    "other": N_("other"),
}
"""The agency kinds of DATA_PACKAGE.md (codes in the data) as the report shows them."""
BINDING_KINDS = {
    "budget": N_("Total budget"),
    "funder": N_("Funders' budgets"),
    "expansion": N_("Most an agency can add"),
    "capacity": N_("Agencies full"),
    "floor": N_("Equity floor"),
}
SHEETS = (
    N_("Summary"),
    N_("Against baselines"),
    N_("By service"),
    N_("By funder"),
    N_("Funding"),
    N_("Capacity added"),
    N_("Binding limits"),
    N_("By district"),
)
"""Sheet names (31 characters at most in either language)."""
HEADERS = (
    N_("plan"),
    N_("service"),
    N_("unit"),
    N_("funder"),
    N_("agency"),
    N_("agency kind"),
    N_("district"),
    N_("limit"),
    N_("demand (unit-months)"),
    N_("served (unit-months)"),
    N_("unmet (unit-months)"),
    N_("coverage (share of demand)"),
    N_("weighted unmet (weighted unit-months)"),
    N_("money spent ({currency})"),
    N_("units added (capacity units)"),
    N_("units added (units of the service)"),
    N_("new money ({currency})"),
    N_("budget ({currency})"),
    N_("spent ({currency})"),
    N_("spent (share of budget)"),
    N_("amount ({currency})"),
)
"""Column headers, translated when a format writes them (`_header`)."""
BINDING_WORDS_PER_KIND = 5
SYNTHETIC = N_("SYNTHETIC DATA:")
EQUITY_MODES = (N_("soft"), N_("hard"))


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ReportContext:
    """What a report needs of the city besides the plan.

    `districts`: district_id, name, population, geometry (EPSG:4326). `services`:
    service_id, name, unit, units_per_case. `agencies`: agency_id, name, kind, district_id,
    confidential. `funders`: funder_id, name, budget. `freshness`: capacity_oldest and
    capacity_newest (as_of of the current capacity rows), demand_first and demand_last
    (periods), each text or None. `synthetic`: the city's name or notes say so.
    """

    city: CityInfo
    districts: gpd.GeoDataFrame
    services: pd.DataFrame
    agencies: pd.DataFrame
    funders: pd.DataFrame
    freshness: dict[str, str | None]
    synthetic: bool

    @classmethod
    def from_package(cls, package: CityPackage) -> ReportContext:
        current = package.current_capacity()
        as_of = current["as_of"].dropna().astype(str)
        periods = package.demand["period"].dropna().astype(str)
        freshness = {
            "capacity_oldest": as_of.min() if len(as_of) else None,
            "capacity_newest": as_of.max() if len(as_of) else None,
            "demand_first": periods.min() if len(periods) else None,
            "demand_last": periods.max() if len(periods) else None,
        }
        text = f"{package.city.name} {package.city.notes or ''}".lower()
        return cls(
            city=package.city,
            districts=package.districts[["district_id", "name", "population", "geometry"]],
            services=package.services[["service_id", "name", "unit", "units_per_case"]],
            agencies=package.agencies[["agency_id", "name", "kind", "district_id", "confidential"]],
            funders=package.funders[["funder_id", "name", "budget"]],
            freshness=freshness,
            synthetic="synthetic" in text,
        )

    def to_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return list(json.loads(frame.to_json(orient="records")))

        return {
            "city": self.city.to_dict(),
            "synthetic": self.synthetic,
            "freshness": self.freshness,
            "services": records(self.services),
            "agencies": records(self.agencies),
            "funders": records(self.funders),
            "districts": json.loads(self.districts.to_crs("EPSG:4326").to_json()),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = CONTEXT_FILE) -> ReportContext:
        try:
            city = CityInfo(**data["city"])
            features = data["districts"]["features"]
            districts = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
            if districts.empty:
                districts = gpd.GeoDataFrame(
                    {"district_id": [], "name": [], "population": []},
                    geometry=[],
                    crs="EPSG:4326",
                )
            districts["district_id"] = districts["district_id"].astype(str)
            services = pd.DataFrame(data["services"]).astype({"service_id": str})
            agencies = pd.DataFrame(data["agencies"]).astype({"agency_id": str})
            funders = pd.DataFrame(data["funders"]).astype({"funder_id": str})
            return cls(
                city=city,
                districts=districts[["district_id", "name", "population", "geometry"]],
                services=services.reindex(columns=["service_id", "name", "unit", "units_per_case"]),
                agencies=agencies.reindex(
                    columns=["agency_id", "name", "kind", "district_id", "confidential"]
                ),
                funders=funders.reindex(columns=["funder_id", "name", "budget"]),
                freshness=dict(data.get("freshness") or {}),
                synthetic=bool(data.get("synthetic", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            message = t(
                "is not a report context written by Haven ({kind}: {error})",
                kind=type(exc).__name__,
                error=exc,
            )
            raise InvalidInput([Problem(source, message=message)]) from None


def write_report_context(package: CityPackage, out_dir: str | Path) -> Path:
    """Write context.json (what a report needs of the city) into a plan folder."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / CONTEXT_FILE
    data = ReportContext.from_package(package).to_dict()
    path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True, eq=False)
class PlanRecord:
    """A plan as written to a folder: plan.json's summary and the three tables."""

    summary: dict[str, Any]
    funding: pd.DataFrame
    capacity_added: pd.DataFrame
    coverage: pd.DataFrame

    @classmethod
    def from_plan(cls, plan: Plan) -> PlanRecord:
        summary = json.loads(json.dumps(plan.summary()))
        return cls(summary, plan.funding, plan.capacity_added, plan.coverage)

    @property
    def has_plan(self) -> bool:
        return self.summary.get("status") in ("optimal", "time_limit")


def load_plan_dir(plan_dir: str | Path) -> PlanRecord:
    """Read a folder written by `plan --out`; a missing or unreadable file is InvalidInput."""
    folder = Path(plan_dir)
    if not folder.is_dir():
        raise InvalidInput([Problem(str(folder), message=t("is not a folder written by `plan`"))])
    problems = [
        Problem(f"{folder / name}", message=t("is missing (write the plan with `plan --out`)"))
        for name in PLAN_FILES
        if not (folder / name).is_file()
    ]
    if problems:
        raise InvalidInput(problems)
    try:
        summary = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            [Problem("plan.json", message=t("cannot be read: {error}", error=exc))]
        ) from None
    if not isinstance(summary, dict) or "totals" not in summary or "scenario" not in summary:
        raise InvalidInput([Problem("plan.json", message=t("is not a plan written by `plan`"))])
    frames = []
    for name, ids in (
        ("funding.csv", ["funder_id", "agency_id", "service_id"]),
        ("capacity_added.csv", ["agency_id", "service_id"]),
        ("coverage.csv", ["district_id", "service_id"]),
    ):
        try:
            frames.append(pd.read_csv(folder / name, dtype={c: str for c in ids}))
        except (OSError, ValueError) as exc:
            raise InvalidInput(
                [Problem(name, message=t("cannot be read: {error}", error=exc))]
            ) from None
    return PlanRecord(summary, *frames)


def load_context(plan_dir: str | Path, package: str | Path | None = None) -> ReportContext:
    """The context of a plan folder: from `package` when given, else its context.json."""
    if package is not None:
        return ReportContext.from_package(read_package(package))
    path = Path(plan_dir) / CONTEXT_FILE
    if not path.is_file():
        message = t(
            "is missing: pass the package the plan was made from (--package PATH), "
            "or write the plan with a version of `plan` that writes it"
        )
        raise InvalidInput([Problem(str(path), message=message)])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            [Problem(CONTEXT_FILE, message=t("cannot be read: {error}", error=exc))]
        ) from None
    return ReportContext.from_dict(data)


# --- content --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ReportTable:
    """One table of the report: a sheet of the xlsx (`sheet`, at most 31 characters)."""

    sheet: str
    title: str
    frame: pd.DataFrame
    note: str = ""
    in_pdf: bool = True


@dataclass(frozen=True, eq=False)
class Chart:
    title: str
    png: bytes
    is_map: bool = False


@dataclass(frozen=True, eq=False)
class ReportContent:
    """Everything a report shows, before it is laid out in one format."""

    title: str
    subtitle: str
    audience: Audience
    k: int
    question: str
    assumptions: list[tuple[str, str]]
    headline: list[str]
    binding: list[str]
    caveats: list[str]
    tables: list[ReportTable]
    charts: list[Chart] = field(default_factory=list)

    @property
    def pdf_tables(self) -> list[ReportTable]:
        return [t for t in self.tables if t.in_pdf]

    @property
    def expected_pdf_pages(self) -> int:
        maps = sum(1 for c in self.charts if c.is_map)
        pages = sum(max(1, math.ceil(len(t.frame) / ROWS_PER_PAGE)) for t in self.pdf_tables)
        return PDF_FIXED_PAGES + maps + pages


def build_content(
    record: PlanRecord,
    context: ReportContext,
    *,
    audience: Audience = "funder",
    k: int | None = None,
    charts: bool = True,
) -> ReportContent:
    """The report's content for an audience (what is suppressed: docs/reports.md)."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience: {audience!r} is not one of {', '.join(AUDIENCES)}")
    k_value = 1 if audience == "analyst" else disclosure.resolve_k(k)
    view = _View(record, context, audience, k_value)
    now = datetime.now(UTC)
    return ReportContent(
        title=t(
            "{city}: {scenario}",
            city=context.city.name,
            scenario=record.summary["scenario"]["name"],
        ),
        subtitle=t(
            "Funding plan report for {audience}s, made {when} UTC with Haven",
            audience=t(audience),
            when=_date(f"{now:%Y-%m-%d}") + f" {now:%H:%M}",
        ),
        audience=audience,
        k=k_value,
        question=view.question(),
        assumptions=view.assumptions(),
        headline=view.headline(),
        binding=view.binding(),
        caveats=view.caveats(),
        tables=view.tables(),
        charts=view.charts() if charts and record.has_plan else [],
    )


class _View:
    """The plan's figures as one audience may see them."""

    def __init__(
        self, record: PlanRecord, context: ReportContext, audience: Audience, k: int
    ) -> None:
        self.record = record
        self.context = context
        self.audience = audience
        self.k = k
        self.summary = record.summary
        self.scenario = record.summary["scenario"]
        self.totals = record.summary.get("totals") or {}
        self.currency = context.city.currency
        self.services = context.services.set_index("service_id")
        self.agency_names = self._agency_names()
        self.city_status: dict[str, dict[str, str]] = {}
        """Per service, the suppression status of its city totals (served, unmet, demand)."""
        self.district_cells = self._district_cells()

    # names and money

    def money(self, amount: float | None) -> str:
        if amount is None:
            return "-"
        return t("{currency} {amount}", currency=self.currency, amount=fmt_number(amount))

    def _agency_names(self) -> pd.Series:
        agencies = self.context.agencies.set_index("agency_id")
        names = agencies["name"].astype(str)
        if self.audience == "analyst":
            return names
        confidential = agencies["confidential"].fillna(False).astype(bool)
        districts = self.context.districts.set_index("district_id")["name"].astype(str)
        where = agencies["district_id"].map(districts)
        hidden = where.map(
            lambda district: t(
                "{name} in {district}", name=t(CONFIDENTIAL_NAME), district=district
            ),
            na_action="ignore",
        ).fillna(t(CONFIDENTIAL_NAME))
        return names.where(~confidential, hidden)

    def redact(self, text: str) -> str:
        """Confidential agencies' names taken out of a sentence (longest names first)."""
        if self.audience == "analyst":
            return text
        agencies = self.context.agencies
        hidden = agencies.loc[agencies["confidential"].fillna(False).astype(bool), "name"]
        for name in sorted(hidden.astype(str), key=len, reverse=True):
            text = text.replace(name, t(CONFIDENTIAL_NAME))
        return text

    def service_name(self, service_id: str) -> str:
        if service_id in self.services.index:
            return str(self.services.at[service_id, "name"])
        return service_id

    def service_unit(self, service_id: str) -> str:
        if service_id in self.services.index:
            return str(self.services.at[service_id, "unit"])
        return t("unit")

    # text

    def question(self) -> str:
        funders = len(self.context.funders)
        template = (
            N_(
                "How should {money} of new money from {funders} funder be shared among the "
                "agencies of {city} over the next {months} months, so that as little of the "
                "forecast need for services as possible goes unmet (weighted by each "
                "service's priority)?"
            )
            if funders == 1
            else N_(
                "How should {money} of new money from {funders} funders be shared among the "
                "agencies of {city} over the next {months} months, so that as little of the "
                "forecast need for services as possible goes unmet (weighted by each "
                "service's priority)?"
            )
        )
        return t(
            template,
            money=self.money(self.totals.get("budget")),
            funders=funders,
            city=self.context.city.name,
            months=self.scenario["horizon_months"],
        )

    def assumptions(self) -> list[tuple[str, str]]:
        fresh = self.context.freshness
        quantile = float(self.scenario["demand_quantile"])
        kind = (
            t("median")
            if quantile == 0.5
            else (t("cautious") if quantile > 0.5 else t("optimistic"))
        )
        floor = float(self.scenario.get("equity_floor") or 0.0)
        gap = self.summary.get("gap")
        rows = [
            (t("Scenario"), str(self.scenario["name"])),
            (
                t("Data freshness"),
                t(
                    "capacity as of {oldest} to {newest}; cases recorded {first} to {last}",
                    oldest=_date(fresh.get("capacity_oldest")) or t("unknown"),
                    newest=_date(fresh.get("capacity_newest")) or t("unknown"),
                    first=_date(fresh.get("demand_first")) or "?",
                    last=_date(fresh.get("demand_last")) or "?",
                ),
            ),
            (
                t("Forecast quantile"),
                t(
                    "P{percentile} ({kind}): demand is planned at the {quantile} quantile "
                    "of the forecast",
                    percentile=f"{quantile * 100:g}",
                    kind=kind,
                    quantile=fmt_percent(quantile, 0),
                ),
            ),
            (t("Horizon"), t("{months} months", months=self.scenario["horizon_months"])),
            (t("Budget"), self.money(self.totals.get("budget"))),
            (
                t("Equity floor"),
                t(
                    "{floor} of demand in every district ({mode})",
                    floor=fmt_percent(floor, 0),
                    mode=t(str(self.scenario["equity_mode"])),
                )
                if floor
                else t("none"),
            ),
            (
                t("New services"),
                t("agencies may start services they do not offer")
                if self.scenario.get("allow_new_services")
                else t("only services the agencies already offer"),
            ),
            (
                t("Solver"),
                t(
                    "{solver}: {status}",
                    solver=self.summary.get("solver_version", ""),
                    status=status_words(self.summary.get("status")),
                )
                + (
                    t(", gap {gap}", gap=fmt_percent(gap, 2))
                    if isinstance(gap, int | float)
                    else ""
                ),
            ),
            (t("Units"), t("demand, served and unmet are unit-months of service, not people")),
        ]
        return rows

    def headline(self) -> list[str]:
        if not self.record.has_plan:
            reason = str(self.summary.get("message") or status_words(self.summary.get("status")))
            prefix = t("no plan: {message}", message="")  # the solve's own, not said twice
            return [t("No plan: {reason}", reason=reason.removeprefix(prefix))]
        totals = self.totals
        lines = [
            t(
                "Served {served} of {demand} unit-months of forecast demand ({coverage}); "
                "{unmet} left unmet.",
                served=fmt_number(totals["served"]),
                demand=fmt_number(totals["demand"]),
                coverage=fmt_percent(totals["coverage"]),
                unmet=fmt_number(totals["unmet"]),
            ),
            t(
                "Spent {spent} of {budget}, adding {units} units of capacity.",
                spent=self.money(totals["money_spent"]),
                budget=self.money(totals["budget"]),
                units=fmt_number(totals["units_added"], 1),
            ),
        ]
        for key, other in (self.summary.get("baselines") or {}).items():
            if "served" not in other:
                continue
            name = baseline_name(key)
            lines.append(
                t(
                    "{name}: {served} served ({coverage}), {unmet} unmet, {spent} spent.",
                    name=name,
                    served=fmt_number(other["served"]),
                    coverage=fmt_percent(other["coverage"]),
                    unmet=fmt_number(other["unmet"]),
                    spent=self.money(other["money_spent"]),
                )
            )
        price = (self.summary.get("diagnostics") or {}).get("shadow_price") or {}
        if price.get("sentence"):
            lines.append(self.redact(str(price["sentence"]).rstrip(".")) + ".")
        return lines

    def binding(self) -> list[str]:
        diagnostics = self.summary.get("diagnostics") or {}
        lines = []
        for kind, label in BINDING_KINDS.items():
            entry = (diagnostics.get("binding") or {}).get(kind) or {}
            count = int(entry.get("count") or 0)
            if not count:
                continue
            words = [self.redact(str(w)) for w in entry.get("words") or []]
            shown = list(dict.fromkeys(words))[:BINDING_WORDS_PER_KIND]
            more = count - len([w for w in words if w in shown])
            lines.append(
                t(
                    "{kind} ({count}): {words}",
                    kind=t(label),
                    count=count,
                    words=t("; ").join(shown)
                    + (t("; and {more} more", more=more) if more > 0 else ""),
                )
            )
        for item in diagnostics.get("radius") or []:
            cell = (str(item.get("district_id")), str(item.get("service_id")))
            if self.audience == "analyst" or self.cell_shown(cell, "unmet"):
                lines.append(t("Distance: {words}", words=self._radius_words(item)))
        return lines

    def _radius_words(self, item: dict[str, Any]) -> str:
        """The optimiser's sentence; for other audiences than the analyst, without the
        distance to a confidential agency (distances from several districts locate it)."""
        words = str(item.get("words", ""))
        agencies = self.context.agencies.set_index("agency_id")["confidential"]
        nearest = str(item.get("nearest_agency_beyond"))
        if self.audience == "analyst" or not bool(agencies.get(nearest, False)):
            return self.redact(words)
        head = re.split(r"\s?; ", words)[0]  # French puts a space before ";"
        radius = item.get("radius_km")
        if not isinstance(radius, int | float):
            return self.redact(
                t("{head}; the nearest agency that offers it is beyond the radius", head=head)
            )
        return self.redact(
            t(
                "{head}; the nearest agency that offers it is beyond the {radius} km radius",
                head=head,
                radius=fmt_number(radius, 0 if radius == int(radius) else 1),
            )
        )

    def caveats(self) -> list[str]:
        lines = []
        if self.context.synthetic:
            notes = self.context.city.notes or ""
            lines.append(
                (
                    t(SYNTHETIC) + " " + t("this report is made from invented data.") + f" {notes}"
                ).strip()
            )
        status = self.summary.get("status")
        if status == "time_limit":
            lines.append(
                t("The solver stopped at its time limit: the plan may not be the best one.")
            )
        elif status not in ("optimal", "time_limit"):
            lines.append(
                t(
                    "No plan was found ({status}): {message}",
                    status=status_words(status),
                    message=self.summary.get("message", ""),
                )
            )
        lines.append(
            t(
                "Figures are unit-months of service (one unit of a service for one month, e.g. "
                "a bed-month), summed over the horizon; they are not counts of people."
            )
        )
        if self.audience != "analyst":
            lines.append(
                t(
                    "Small counts are suppressed for this {audience} report: a district "
                    "figure worth fewer than {k} cases shows as '{primary}', and one hidden so "
                    "that it cannot be worked out from the totals as '{complement}'; "
                    "confidential agencies are named '{confidential}'.",
                    audience=t(self.audience),
                    k=self.k,
                    primary=disclosure.primary_label(self.k),
                    complement=disclosure.COMPLEMENT_LABEL,
                    confidential=t(CONFIDENTIAL_NAME),
                )
            )
        lines += [str(n) for n in self.summary.get("notes") or []]
        return lines

    # district cells and their suppression

    def _district_cells(self) -> pd.DataFrame:
        """Per district and service: units and, for suppression, shown flags."""
        coverage = self.record.coverage.copy()
        for column in ("demand", "served", "unmet"):
            coverage[f"{column}_shown"] = True
        if coverage.empty or self.k <= 1:
            return coverage
        parts = []
        for service_id, rows in coverage.groupby("service_id", sort=False):
            per_case = float(self.services["units_per_case"].get(service_id, 1.0) or 1.0)
            demand_cases = (rows["demand"] / per_case).round().astype("int64").clip(lower=0)
            served_cases = (rows["served"] / per_case).round().astype("int64").clip(lower=0)
            served_cases = served_cases.clip(upper=demand_cases)
            counts = pd.DataFrame(
                {
                    "served": served_cases.to_numpy(),
                    "unmet": (demand_cases - served_cases).to_numpy(),
                },
                index=rows["district_id"].to_numpy(),
            )
            table = disclosure.suppress_table(counts, self.k, row_totals=True, column_totals=True)
            city = table.status.loc[disclosure.TOTAL]
            self.city_status[str(service_id)] = {
                "served": str(city["served"]),
                "unmet": str(city["unmet"]),
                "demand": str(city[disclosure.TOTAL]),
            }
            status = table.status.drop(index=disclosure.TOTAL)
            rows = rows.copy()
            rows["served_shown"] = (status["served"] == disclosure.SHOWN).to_numpy()
            rows["unmet_shown"] = (status["unmet"] == disclosure.SHOWN).to_numpy()
            rows["demand_shown"] = (status[disclosure.TOTAL] == disclosure.SHOWN).to_numpy()
            rows["status_served"] = status["served"].to_numpy()
            rows["status_unmet"] = status["unmet"].to_numpy()
            rows["status_demand"] = status[disclosure.TOTAL].to_numpy()
            parts.append(rows)
        return pd.concat(parts).sort_index().reset_index(drop=True)

    def cell_shown(self, cell: tuple[str, str], column: str) -> bool:
        cells = self.district_cells
        match = cells[(cells["district_id"] == cell[0]) & (cells["service_id"] == cell[1])]
        return bool(len(match)) and bool(match[f"{column}_shown"].all())

    def _label(self, row: pd.Series, column: str) -> object:
        if row[f"{column}_shown"]:
            return float(row[column])
        status = row.get(f"status_{column}")
        if status == disclosure.COMPLEMENT:
            return disclosure.COMPLEMENT_LABEL
        return disclosure.primary_label(self.k)

    def _city_label(self, service_id: str, column: str, value: float) -> object:
        """A service's city total, or its label when the district table had to hide it."""
        status = self.city_status.get(service_id, {}).get(column, disclosure.SHOWN)
        if status == disclosure.SHOWN:
            return value
        if status == disclosure.COMPLEMENT:
            return disclosure.COMPLEMENT_LABEL
        return disclosure.primary_label(self.k)

    # tables

    def tables(self) -> list[ReportTable]:
        tables = [self.baselines_table(), self.service_table(), self.funder_table()]
        if self.audience != "public":
            tables += [self.funding_table(), self.capacity_table()]
        tables.append(self.binding_table())
        if self.audience != "public":
            tables.append(self.district_table())
        return tables

    def baselines_table(self) -> ReportTable:
        rows = []
        plans = [(t("Optimised plan"), self.totals)] if self.record.has_plan else []
        plans += [
            (baseline_name(k), v)
            for k, v in (self.summary.get("baselines") or {}).items()
            if "served" in v
        ]
        for name, figures in plans:
            rows.append(
                {
                    "plan": name,
                    f"demand ({UNIT_MONTHS})": figures.get("demand"),
                    f"served ({UNIT_MONTHS})": figures.get("served"),
                    f"unmet ({UNIT_MONTHS})": figures.get("unmet"),
                    "coverage (share of demand)": figures.get("coverage"),
                    f"weighted unmet (weighted {UNIT_MONTHS})": figures.get("weighted_unmet"),
                    f"money spent ({self.currency})": figures.get("money_spent"),
                    "units added (capacity units)": figures.get("units_added"),
                }
            )
        return ReportTable(
            "Against baselines",
            t("Headline figures against the baselines"),
            pd.DataFrame(rows),
            note=t("Baselines spend the same budget by simple rules, for comparison."),
        )

    def service_table(self) -> ReportTable:
        cells = self.district_cells
        sums = cells.groupby("service_id")[["demand", "served", "unmet"]].sum()
        added = self.record.capacity_added.groupby("service_id")["units"].sum()
        money = self.record.funding.groupby("service_id")["amount"].sum()
        ids = list(dict.fromkeys([*self.services.index.astype(str), *sums.index.astype(str)]))
        rows = []
        for service_id in ids:
            demand = float(sums["demand"].get(service_id, 0.0))
            served = float(sums["served"].get(service_id, 0.0))
            rows.append(
                {
                    "service": self.service_name(service_id),
                    "unit": self.service_unit(service_id),
                    f"demand ({UNIT_MONTHS})": self._city_label(service_id, "demand", demand),
                    f"served ({UNIT_MONTHS})": self._city_label(service_id, "served", served),
                    f"unmet ({UNIT_MONTHS})": self._city_label(
                        service_id, "unmet", float(sums["unmet"].get(service_id, 0.0))
                    ),
                    "coverage (share of demand)": (served / demand if demand else None)
                    if self._city_label(service_id, "served", 0.0) == 0.0
                    and self._city_label(service_id, "demand", 0.0) == 0.0
                    else disclosure.COMPLEMENT_LABEL,
                    "units added (units of the service)": float(added.get(service_id, 0.0)),
                    f"new money ({self.currency})": float(money.get(service_id, 0.0)),
                }
            )
        return ReportTable(
            "By service", t("Need, service and new money by service"), pd.DataFrame(rows)
        )

    def funder_table(self) -> ReportTable:
        spent = self.record.funding.groupby("funder_id")["amount"].sum()
        funders = self.context.funders
        budgets = (self.scenario.get("funder_budgets") or {}) if self.scenario else {}
        rows = []
        for funder in funders.itertuples(index=False):
            budget = float(budgets.get(str(funder.funder_id), funder.budget) or 0.0)
            amount = float(spent.get(str(funder.funder_id), 0.0))
            rows.append(
                {
                    "funder": str(funder.name),
                    f"budget ({self.currency})": budget,
                    f"spent ({self.currency})": amount,
                    "spent (share of budget)": amount / budget if budget else None,
                }
            )
        return ReportTable("By funder", t("Money by funder"), pd.DataFrame(rows))

    def funding_table(self) -> ReportTable:
        funding = self.record.funding
        agencies = self.context.agencies.set_index("agency_id")
        funders = self.context.funders.set_index("funder_id")["name"]
        frame = pd.DataFrame(
            {
                "funder": funding["funder_id"].map(funders).fillna(funding["funder_id"]),
                "agency": funding["agency_id"].map(self.agency_names).fillna(funding["agency_id"]),
                "agency kind": funding["agency_id"]
                .map(agencies["kind"])
                .map(
                    lambda kind: t(AGENCY_KIND_WORDS.get(str(kind), str(kind))), na_action="ignore"
                ),
                "service": funding["service_id"].map(self.service_name),
                f"amount ({self.currency})": funding["amount"].astype(float),
            }
        )
        frame = frame.sort_values(
            ["funder", f"amount ({self.currency})", "agency", "service"],
            ascending=[True, False, True, True],
            kind="stable",
        )
        return ReportTable(
            "Funding", t("Funding per agency and funder"), frame.reset_index(drop=True)
        )

    def capacity_table(self) -> ReportTable:
        added = self.record.capacity_added
        frame = pd.DataFrame(
            {
                "agency": added["agency_id"].map(self.agency_names).fillna(added["agency_id"]),
                "service": added["service_id"].map(self.service_name),
                "unit": added["service_id"].map(self.service_unit),
                "units added (units of the service)": added["units"].astype(float),
            }
        )
        frame = frame.sort_values(
            ["service", "agency", "units added (units of the service)"]
        ).reset_index(drop=True)
        return ReportTable("Capacity added", t("Capacity added per agency"), frame)

    def binding_table(self) -> ReportTable:
        return ReportTable(
            "Binding limits",
            t("What limits the plan"),
            pd.DataFrame({"limit": self.binding()}, dtype=object),
            in_pdf=False,
        )

    def district_table(self) -> ReportTable:
        cells = self.district_cells
        names = self.context.districts.set_index("district_id")["name"]
        rows = []
        for _, row in cells.iterrows():
            coverage_shown = row["served_shown"] and row["demand_shown"]
            rows.append(
                {
                    "district": str(names.get(row["district_id"], row["district_id"])),
                    "service": self.service_name(str(row["service_id"])),
                    "unit": self.service_unit(str(row["service_id"])),
                    f"demand ({UNIT_MONTHS})": self._label(row, "demand"),
                    f"served ({UNIT_MONTHS})": self._label(row, "served"),
                    f"unmet ({UNIT_MONTHS})": self._label(row, "unmet"),
                    "coverage (share of demand)": (
                        (row["coverage"] if pd.notna(row["coverage"]) else None)
                        if coverage_shown
                        else "x"
                    ),
                }
            )
        note = (
            ""
            if self.k <= 1
            else t(
                "'{primary}': fewer than {k} cases' worth; "
                "'{complement}': hidden so that no hidden figure can be worked out.",
                primary=disclosure.primary_label(self.k),
                k=self.k,
                complement=disclosure.COMPLEMENT_LABEL,
            )
        )
        return ReportTable(
            "By district",
            t("Need and service by district and service"),
            pd.DataFrame(rows),
            note=note,
            in_pdf=False,
        )

    # charts

    def district_values(self) -> tuple[pd.Series, pd.Series]:
        """Coverage per district and new money per district (where the agencies are).

        For every audience but the analyst, coverage is cut down to 5-point bands and left
        out (NaN) for districts with fewer than k cases' worth of demand in all, so that the
        map adds nothing precise to the suppressed district table."""
        cells = self.district_cells
        grouped = cells.groupby("district_id")
        demand = grouped["demand"].sum()
        coverage = grouped["served"].sum() / demand.where(demand > 0)
        if self.k > 1:
            per_case = cells["service_id"].map(self.services["units_per_case"]).fillna(1.0)
            cases = (cells["demand"] / per_case.astype(float)).groupby(cells["district_id"]).sum()
            coverage = np.floor(coverage * 20 + 1e-9) / 20
            coverage = coverage.where(cases.reindex(coverage.index) >= self.k)
        agencies = self.context.agencies.set_index("agency_id")["district_id"]
        funding = self.record.funding
        money = funding.groupby(funding["agency_id"].map(agencies))["amount"].sum()
        ids = self.context.districts["district_id"].to_numpy()
        return coverage.reindex(ids), money.reindex(ids).fillna(0.0)

    def charts(self) -> list[Chart]:
        import altair as alt

        from planner import report_charts

        result = []
        chart: alt.TopLevelMixin
        comparison = self.baselines_table().frame.rename(
            columns={f"unmet ({UNIT_MONTHS})": "unmet"}
        )
        if len(comparison):
            chart = report_charts.comparison_bars(
                comparison,
                value="unmet",
                title=t("Unmet demand: the plan against the baselines"),
                value_title=t("unmet (unit-months)"),
                value_format=",.0f",
            )
            result.append(
                Chart(t("Unmet demand against the baselines"), report_charts.render_png(chart))
            )
        funding = self.funding_table().frame
        if len(funding):
            chart = report_charts.stacked_bars(
                funding,
                category="funder",
                value=f"amount ({self.currency})",
                color="service",
                title=t("New money by funder and service"),
                category_title=t("Funder"),
                value_title=self.currency,
                color_title=t("Service"),
            )
            result.append(
                Chart(t("New money by funder and service"), report_charts.render_png(chart))
            )
        if len(self.context.districts):
            coverage, money = self.district_values()
            note = t("Grey: no demand")
            if self.k > 1:
                note = t("In 5-point bands; grey: fewer than {k} cases' worth of demand", k=self.k)
            chart = report_charts.district_map(
                self.context.districts,
                coverage,
                title=t("Share of demand served by district"),
                value_title=t("coverage"),
                value_format=".0%",
                missing_note=note,
            )
            result.append(
                Chart(
                    t("Share of demand served by district"), report_charts.render_png(chart), True
                )
            )
            chart = report_charts.district_map(
                self.context.districts,
                money.where(money > 0),
                title=t("New money by district (where the agencies are)"),
                value_title=self.currency,
                missing_note=t("Grey: no new money"),
            )
            result.append(Chart(t("New money by district"), report_charts.render_png(chart), True))
        return result


# --- entry point ----------------------------------------------------------------------------


def build_report(
    plan_dir_or_plan: str | Path | Plan | PlanRecord,
    *,
    fmt: Format,
    audience: Audience = "funder",
    package: CityPackage | str | Path | None = None,
    k: int | None = None,
) -> bytes:
    """The report's file as bytes.

    `plan_dir_or_plan`: a folder written by `plan --out` (its context.json, or `package`,
    gives the names and geometry), or a `Plan` from the optimiser with its `package`.
    `k` defaults to the HAVEN_SMALL_COUNT_K setting (analyst reports suppress nothing).
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt: {fmt!r} is not one of {', '.join(FORMATS)}")
    if isinstance(plan_dir_or_plan, str | Path):
        record = load_plan_dir(plan_dir_or_plan)
        if isinstance(package, CityPackage):
            context = ReportContext.from_package(package)
        else:
            context = load_context(plan_dir_or_plan, package)
    else:
        record = (
            plan_dir_or_plan
            if isinstance(plan_dir_or_plan, PlanRecord)
            else PlanRecord.from_plan(plan_dir_or_plan)
        )
        if package is None:
            raise ValueError("package: a report of a Plan needs the package it was made from")
        city = package if isinstance(package, CityPackage) else read_package(package)
        context = ReportContext.from_package(city)
    content = build_content(record, context, audience=audience, k=k, charts=fmt != "xlsx")
    if fmt == "pdf":
        return render_pdf(content)
    if fmt == "html":
        return render_html(content).encode("utf-8")
    return render_xlsx(content)


# --- formats --------------------------------------------------------------------------------


def _header(column: object) -> str:
    """A column header in the current language; the currency in it stays as it is."""
    name = str(column)
    found = re.search(r"\(([A-Z]{3})\)$", name)
    if found:
        template = name[: found.start()] + "({currency})"
        if template in HEADERS:
            return t(template, currency=found.group(1))
    return t(name)


def _sheet(name: str) -> str:
    """A sheet name in the current language, cut to Excel's 31 characters."""
    return t(name)[:31]


def _date(value: object) -> str:
    """An ISO date or month as it is in English ("2026-11-25", "2026-11"), spelt out in
    French ("25 novembre 2026", "novembre 2026")."""
    if not value:
        return ""
    text = str(value)
    if get_language() == "en":
        return text
    try:
        return fmt_month(text) if len(text) == 7 else fmt_date(text)
    except ValueError:
        return text


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return fmt_number(value, 0 if abs(value) >= 100 or value == int(value) else 2)
    return str(value)


def _frame_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as text: shares as percentages, numbers with thousands separators."""
    text = frame.astype(object).copy()
    for column in frame.columns:
        is_share = "share" in str(column)
        text[column] = [
            fmt_percent(v)
            if is_share and isinstance(v, int | float) and not pd.isna(v)
            else _cell_text(v)
            for v in frame[column]
        ]
    return text


_PDF_REPLACEMENTS = {
    "\u2014": "-",
    "\u2013": "-",
    "\u2026": "...",
    "\u2019": "'",
    "\u2018": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2265": ">=",
    "\u2264": "<=",
    "\u00d7": "x",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u20ac": "EUR",
    "\u202f": "\u00a0",
}


def _latin1(text: str) -> str:
    """The PDF's built-in fonts cover Latin-1 (French included, but for œ)."""
    for char, replacement in _PDF_REPLACEMENTS.items():
        text = text.replace(char, replacement)
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(content: ReportContent) -> bytes:
    """A4 portrait: summary, charts, maps (one a page), binding limits, then the tables."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(_latin1(content.title))
    pdf.set_creator("Haven")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(15, 15, 15)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str, size: float = 13) -> None:
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(width, size * 0.5, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)

    def paragraph(text: str, size: float = 9.5, style: str = "") -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, size * 0.47, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    # 1. summary
    pdf.add_page()
    heading(content.title, 16)
    paragraph(content.subtitle, 8.5, "I")
    for caveat in content.caveats[:1]:
        if caveat.startswith(t(SYNTHETIC)):
            pdf.set_text_color(170, 0, 0)
            paragraph(caveat, 9.5, "B")
            pdf.set_text_color(0, 0, 0)
    heading(t("The question"), 12)
    paragraph(content.question)
    heading(t("Headline figures"), 12)
    for line in content.headline:
        paragraph(f"- {line}")
    heading(t("Assumptions"), 12)
    for label, value in content.assumptions:
        pdf.set_font("Helvetica", "B", 8.5)
        pdf.cell(38, 4.2, _latin1(label))
        pdf.set_font("Helvetica", "", 8.5)
        pdf.multi_cell(width - 38, 4.2, _latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    heading(t("Caveats"), 12)
    for caveat in content.caveats:
        paragraph(f"- {caveat}", 8.5)

    # 2. charts, 3. maps
    plots = [c for c in content.charts if not c.is_map]
    pdf.add_page()
    heading(t("Charts"), 13)
    box_height = (pdf.h - pdf.get_y() - pdf.b_margin) / max(len(plots), 1) - 4
    for chart in plots:
        _pdf_image(pdf, chart.png, width, box_height)
        pdf.ln(4)
    for chart in (c for c in content.charts if c.is_map):
        pdf.add_page()
        heading(chart.title, 13)
        _pdf_image(pdf, chart.png, width, pdf.h - pdf.get_y() - pdf.b_margin - 2)

    # 4. binding limits
    pdf.add_page()
    heading(t("What limits the plan"), 13)
    for line in content.binding[:14] or [t("Nothing binds.")]:
        paragraph(f"- {line}", 8.5)

    # 5. tables, one page per ROWS_PER_PAGE rows
    for table in content.pdf_tables:
        text = _frame_text(table.frame)
        columns = [_header(c) for c in text.columns]
        widths = _pdf_widths(pdf, text, width)
        chunks = [
            text.iloc[i : i + ROWS_PER_PAGE] for i in range(0, max(len(text), 1), ROWS_PER_PAGE)
        ]
        for number, chunk in enumerate(chunks):
            pdf.add_page()
            suffix = (
                t(" (continued, {page}/{pages})", page=number + 1, pages=len(chunks))
                if number
                else ""
            )
            heading(table.title + suffix, 12)
            if table.note and not number:
                paragraph(table.note, 8)
            pdf.set_font("Helvetica", "B", 7)
            pdf.set_fill_color(225, 230, 235)
            top = pdf.get_y()
            for column, column_width in zip(columns, widths, strict=True):
                left = pdf.get_x()
                pdf.rect(left, top, column_width, HEADER_HEIGHT, style="DF")
                pdf.multi_cell(
                    column_width,
                    3.4,
                    _latin1(column),
                    align="L",
                    new_x=XPos.RIGHT,
                    new_y=YPos.TOP,
                )
                pdf.set_xy(left + column_width, top)
            pdf.set_xy(pdf.l_margin, top + HEADER_HEIGHT)
            pdf.set_font("Helvetica", "", 7.5)
            for row in chunk.itertuples(index=False):
                for value, column_width in zip(row, widths, strict=True):
                    align = "R" if _numeric_text(str(value)) else "L"
                    pdf.cell(
                        column_width, 6, _fit(pdf, str(value), column_width), border=1, align=align
                    )
                pdf.ln(6)
    return bytes(pdf.output())


HEADER_HEIGHT = 10.5


def _pdf_image(pdf: Any, png: bytes, width: float, height: float) -> None:
    """The image as large as fits `width` × `height` (mm), keeping its proportions."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        pixels_wide, pixels_high = image.size
    scale = min(width / pixels_wide, height / pixels_high)
    pdf.image(io.BytesIO(png), w=pixels_wide * scale, h=pixels_high * scale)


def _numeric_text(text: str) -> bool:
    stripped = text.replace(",", "").replace("%", "").replace(".", "").replace("-", "")
    return stripped.isdigit()


def _pdf_widths(pdf: Any, text: pd.DataFrame, width: float) -> list[float]:
    """Column widths in proportion to their longest text (header words count less)."""
    pdf.set_font("Helvetica", "", 7.5)
    wants = []
    for column in text.columns:
        longest = max([pdf.get_string_width(_latin1(str(v))) for v in text[column]] or [0.0])
        words = _latin1(str(column)).split()
        header = max(
            [pdf.get_string_width(w) for w in words] + [pdf.get_string_width(" ".join(words)) / 3]
        )
        wants.append(max(longest, header, 12.0) + 3)
    total = sum(wants)
    return [width * w / total for w in wants]


def _fit(pdf: Any, text: str, width: float) -> str:
    text = _latin1(text)
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text + "..."


_HTML_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2em auto;
max-width:60em;padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;
border-bottom:1px solid #ccc}
.subtitle{color:#555;font-style:italic}.synthetic{color:#a00;font-weight:bold;
border:2px solid #a00;padding:.5em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left}
td.n{text-align:right}th{background:#e1e6eb}img{max-width:100%;height:auto}
dl{display:grid;grid-template-columns:12em 1fr;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}
"""


def render_html(content: ReportContent) -> str:
    """One self-contained page: inline style, charts as data URIs, no link to anything."""
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{get_language()}"><head><meta charset="utf-8">',
        f"<title>{esc(content.title)}</title><style>{_HTML_STYLE}</style></head><body>",
        f"<h1>{esc(content.title)}</h1>",
        f'<p class="subtitle">{esc(content.subtitle)}</p>',
    ]
    for caveat in content.caveats:
        if caveat.startswith(t(SYNTHETIC)):
            parts.append(f'<p class="synthetic">{esc(caveat)}</p>')
    parts.append(f"<h2>{esc(t('The question'))}</h2><p>{esc(content.question)}</p>")
    parts.append(f"<h2>{esc(t('Headline figures'))}</h2><ul>")
    parts += [f"<li>{esc(line)}</li>" for line in content.headline]
    parts.append(f"</ul><h2>{esc(t('Assumptions'))}</h2><dl>")
    parts += [f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in content.assumptions]
    parts.append("</dl>")
    if content.charts:
        parts.append(f"<h2>{esc(t('Charts and maps'))}</h2>")
        for chart in content.charts:
            data = base64.b64encode(chart.png).decode("ascii")
            parts.append(
                f'<figure><img alt="{esc(chart.title)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{esc(chart.title)}</figcaption></figure>"
            )
    parts.append(f"<h2>{esc(t('What limits the plan'))}</h2><ul>")
    parts += [f"<li>{esc(line)}</li>" for line in content.binding or [t("Nothing binds.")]]
    parts.append("</ul>")
    for table in content.tables:
        if table.sheet == "Binding limits":
            continue
        parts.append(f"<h2>{esc(table.title)}</h2>")
        if table.note:
            parts.append(f"<p>{esc(table.note)}</p>")
        parts.append(_html_table(table.frame))
    parts.append(f"<h2>{esc(t('Caveats'))}</h2><ul>")
    parts += [f"<li>{esc(line)}</li>" for line in content.caveats]
    parts.append("</ul></body></html>")
    return "\n".join(parts)


def _html_table(frame: pd.DataFrame) -> str:
    text = _frame_text(frame)
    head = "".join(f"<th>{html.escape(_header(c))}</th>" for c in text.columns)
    rows = []
    for row in text.itertuples(index=False):
        cells = "".join(
            f'<td class="n">{html.escape(v)}</td>'
            if _numeric_text(v)
            else f"<td>{html.escape(v)}</td>"
            for v in map(str, row)
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_xlsx(content: ReportContent) -> bytes:
    """A Summary sheet, then one sheet per table (units in the headers), numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    summary = book.active
    summary.title = _sheet("Summary")
    rows: list[Sequence[object]] = [
        (content.title,),
        (content.subtitle,),
        (),
        (t("Question"), content.question),
        *[(label, value) for label, value in content.assumptions],
        (),
        *[(t("Headline"), line) for line in content.headline],
        (),
        *[(t("Caveat"), line) for line in content.caveats],
        *[
            (t("Note: {sheet}", sheet=_sheet(table.sheet)), table.note)
            for table in content.tables
            if table.note
        ],
    ]
    for row in rows:
        summary.append(list(row))
    summary["A1"].font = Font(bold=True, size=14)
    summary.column_dimensions["A"].width = 20
    summary.column_dimensions["B"].width = 120
    for cell in summary["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for table in content.tables:
        sheet = book.create_sheet(_sheet(table.sheet))
        columns = [_header(c) for c in table.frame.columns]
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in table.frame.itertuples(index=False):
            sheet.append([_xlsx_value(v) for v in values])
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = min(60, max(12, len(column) + 2))
            if "share" in str(table.frame.columns[index - 1]):
                for cell in sheet[letter][1:]:
                    cell.number_format = "0.0%"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    return value
