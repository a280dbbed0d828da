"""A plan as a report a funder can forward: PDF, self-contained HTML, or xlsx.

`build_report(plan_dir_or_plan, fmt=..., audience=...)` returns the file's bytes: what the
report holds for that audience (`reports.content`) laid out in one format (`reports.pdf`,
`reports.html`, `reports.xlsx`). docs/reports.md says what each audience sees.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from planner.package import CityPackage, read_package
from reports.content import build_content
from reports.context import ReportContext, load_context
from reports.plan_dir import PlanRecord, load_plan_dir
from reports.view import Audience

if TYPE_CHECKING:
    from planner.optimiser import Plan

Format = Literal["pdf", "html", "xlsx"]
FORMATS: tuple[Format, ...] = ("pdf", "html", "xlsx")


def build_report(
    plan_dir_or_plan: str | Path | Plan | PlanRecord,
    *,
    fmt: Format,
    audience: Audience = "funder",
    package: CityPackage | str | Path | None = None,
    k: int | None = None,
    robust: dict[str, Any] | None = None,
) -> bytes:
    """The report's file as bytes.

    `plan_dir_or_plan`: a folder written by `plan --out` (its context.json, or `package`,
    gives the names and geometry), or a `Plan` from the optimiser with its `package`.
    `k` defaults to the HAVEN_SMALL_COUNT_K setting (analyst reports suppress nothing).
    `robust`: the plan for bad months against the plan (RobustComparison.to_dict()), in the
    report when given (a plan folder's robust.json otherwise).
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt: {fmt!r} is not one of {', '.join(FORMATS)}")
    record, context = _inputs(plan_dir_or_plan, package)
    if robust is not None:
        record = replace(record, robust=robust)
    content = build_content(record, context, audience=audience, k=k, charts=fmt != "xlsx")
    if fmt == "pdf":
        from reports.pdf import render_pdf

        return render_pdf(content)
    if fmt == "html":
        from reports.html import render_html

        return render_html(content).encode("utf-8")
    from reports.xlsx import render_xlsx

    return render_xlsx(content)


def _inputs(
    plan_dir_or_plan: str | Path | Plan | PlanRecord, package: CityPackage | str | Path | None
) -> tuple[PlanRecord, ReportContext]:
    if isinstance(plan_dir_or_plan, str | Path):
        record = load_plan_dir(plan_dir_or_plan)
        if isinstance(package, CityPackage):
            return record, ReportContext.from_package(package)
        return record, load_context(plan_dir_or_plan, package)
    if isinstance(plan_dir_or_plan, PlanRecord):
        record = plan_dir_or_plan
    else:
        record = PlanRecord.from_plan(plan_dir_or_plan)
    if package is None:
        raise ValueError("package: a report of a Plan needs the package it was made from")
    city = package if isinstance(package, CityPackage) else read_package(package)
    return record, ReportContext.from_package(city)
