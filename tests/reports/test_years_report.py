"""A plan's years in its report (issue 20): the years table and the cliffs, in both languages,
and none for a plan of one horizon."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from planner.i18n import use_language
from planner.optimiser import solve
from planner.package import read_package
from planner.scenario import Scenario
from reports import build_report
from reports.content import build_content
from reports.context import ReportContext
from reports.plan_dir import PlanRecord
from tests.package_factory import write_v2_package


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    return read_package(write_v2_package(tmp_path_factory.mktemp("years") / "v2"))


@pytest.fixture(scope="module")
def plan(package):
    return solve(package, Scenario(name="Three years", horizon_months=36))


def test_the_report_has_the_years_and_their_cliffs(package, plan) -> None:
    content = build_content(
        PlanRecord.from_plan(plan), ReportContext.from_package(package), audience="analyst"
    )
    sheets = {table.sheet: table for table in content.tables}
    years = sheets["Years and cliffs"].frame
    assert list(years["year"]) == [1, 2, 3]
    assert years["coverage (share of demand)"].notna().all()
    assert "first year" in sheets["Years and cliffs"].note
    if plan.years.cliffs.shape[0]:
        assert "Funding cliffs" in sheets


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_report_file_holds_the_years_sheet(package, plan, language) -> None:
    with use_language(language):
        data = build_report(plan, fmt="xlsx", audience="funder", package=package)
        name = {"en": "Years and cliffs", "fr": "Années et ruptures"}[language]
    book = load_workbook(io.BytesIO(data))
    assert name in book.sheetnames


def test_a_plan_of_one_horizon_has_no_years_table(package) -> None:
    plan = solve(package, Scenario(name="One year", horizon_months=12))
    content = build_content(
        PlanRecord.from_plan(plan), ReportContext.from_package(package), audience="analyst"
    )
    assert "Years and cliffs" not in {table.sheet for table in content.tables}
