"""What a report holds, before it is laid out in one format.

`build_content(record, context, audience=..., k=...)` gathers the question and the
assumptions (data freshness, scenario, forecast quantile), the headline figures against the
baselines, what limits the plan, the caveats, the tables and the charts, as one audience may
see them (docs/reports.md says what is suppressed for whom). The sections live in
`reports.sections` (words), `reports.tables` and `reports.figures`; `reports.view` decides
the names and hidden cells they all read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from planner import disclosure
from planner.i18n import t
from reports import briefing_years, flow, groups, sections
from reports.context import ReportContext
from reports.plan_dir import PlanRecord
from reports.tables import report_tables
from reports.view import AUDIENCES, Audience, Chart, ReportTable, ReportView, make_view

ROWS_PER_PAGE = 34
"""Table rows per PDF page: each PDF table starts on a new page and takes
ceil(rows / ROWS_PER_PAGE) pages (cells are cut to one line)."""
PDF_FIXED_PAGES = 3
"""PDF pages besides the maps and tables: summary, charts, binding limits."""


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
        return [table for table in self.tables if table.in_pdf]

    @property
    def expected_pdf_pages(self) -> int:
        maps = sum(1 for chart in self.charts if chart.is_map)
        pages = sum(max(1, math.ceil(len(tb.frame) / ROWS_PER_PAGE)) for tb in self.pdf_tables)
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
    view = make_view(record, context, audience, k_value)
    binding = sections.binding(view)
    return ReportContent(
        title=t(
            "{city}: {scenario}",
            city=context.city.name,
            scenario=record.summary["scenario"]["name"],
        ),
        subtitle=_subtitle(audience),
        audience=audience,
        k=k_value,
        question=sections.question(view),
        assumptions=sections.assumptions(view),
        headline=sections.headline(view),
        binding=binding,
        caveats=sections.caveats(view),
        tables=report_tables(view, binding)
        + flow.report_tables(view)  # FLOW: waits
        + groups.report_tables(view)  # GROUPS: coverage by group, price of fairness
        + briefing_years.report_tables(view),  # YEARS: years and funding cliffs
        charts=_charts(view) if charts and record.has_plan else [],
    )


def _subtitle(audience: Audience) -> str:
    now = datetime.now(UTC)
    return t(
        "Funding plan report for {audience}s, made {when} UTC with Haven",
        audience=t(audience),
        when=sections.report_date(f"{now:%Y-%m-%d}") + f" {now:%H:%M}",
    )


def _charts(view: ReportView) -> list[Chart]:
    from reports.figures import report_charts  # Altair and vl-convert: not for xlsx

    return report_charts(view)
