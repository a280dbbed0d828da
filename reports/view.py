"""A plan as one audience may see it: the record, the city, the names and the hidden cells.

`make_view(record, context, audience, k)` gathers what every section of a report reads:
agencies named or masked for the audience (a confidential agency is "Confidential location
in <district>" for every audience but the analyst), the findings masked the same way, and
the district cells with their suppression (`reports.cells`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from planner.findings import Finding, findings_from_json, mask_findings
from planner.i18n import N_, fmt_money, t
from reports.cells import DistrictCells, protect_cells
from reports.context import ReportContext
from reports.plan_dir import PlanRecord
from reports.words import NameBook

Audience = Literal["analyst", "funder", "partner", "public"]
AUDIENCES: tuple[Audience, ...] = ("analyst", "funder", "partner", "public")
UNIT_MONTHS = "unit-months"
CONFIDENTIAL_NAME = N_("Confidential location")
"""As `service.access.CONFIDENTIAL_NAME` (reports/ may not import the service layer)."""


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
class ReportView:
    """The plan's figures and names as one audience may see them (`k` = 1: nothing hidden)."""

    record: PlanRecord
    context: ReportContext
    audience: Audience
    k: int
    cells: DistrictCells
    agency_names: pd.Series
    """Display name per agency_id, confidential ones masked for this audience."""
    book: NameBook
    findings: tuple[Finding, ...]

    @property
    def summary(self) -> dict[str, Any]:
        return self.record.summary

    @property
    def scenario(self) -> dict[str, Any]:
        return dict(self.record.summary.get("scenario") or {})

    @property
    def totals(self) -> dict[str, Any]:
        return dict(self.record.summary.get("totals") or {})

    @property
    def currency(self) -> str:
        return self.context.city.currency

    @property
    def services(self) -> pd.DataFrame:
        return self.context.services.set_index("service_id")

    @property
    def exact(self) -> bool:
        """The analyst's view: every name and every count."""
        return self.audience == "analyst"

    def money(self, amount: float | None) -> str:
        return "-" if amount is None else fmt_money(amount, self.currency)

    def service_name(self, service_id: str) -> str:
        services = self.services
        return str(services.at[service_id, "name"]) if service_id in services.index else service_id

    def service_unit(self, service_id: str) -> str:
        services = self.services
        if service_id in services.index:
            return str(services.at[service_id, "unit"])
        return t("unit")


def make_view(record: PlanRecord, context: ReportContext, audience: Audience, k: int) -> ReportView:
    """The view of `record` for `audience`, its district cells suppressed at `k` cases."""
    exact = audience == "analyst"
    confidential = context.agencies["confidential"].fillna(False).astype(bool)
    hidden: list[str] = (
        [] if exact else context.agencies.loc[confidential, "agency_id"].astype(str).tolist()
    )
    findings = findings_from_json(record.summary.get("findings"))
    per_case = context.services.set_index("service_id")["units_per_case"]
    return ReportView(
        record=record,
        context=context,
        audience=audience,
        k=k,
        cells=protect_cells(record.coverage, per_case, k),
        agency_names=_agency_names(context, exact),
        book=NameBook.from_package(context, confidential_places=exact),
        findings=mask_findings(findings, hidden),
    )


def _agency_names(context: ReportContext, exact: bool) -> pd.Series:
    agencies = context.agencies.set_index("agency_id")
    names = agencies["name"].astype(str)
    if exact:
        return names
    confidential = agencies["confidential"].fillna(False).astype(bool)
    districts = context.districts.set_index("district_id")["name"].astype(str)
    hidden = (
        agencies["district_id"]
        .map(districts)
        .map(
            lambda district: t(
                "{name} in {district}", name=t(CONFIDENTIAL_NAME), district=district
            ),
            na_action="ignore",
        )
        .fillna(t(CONFIDENTIAL_NAME))
    )
    return names.where(~confidential, hidden)
