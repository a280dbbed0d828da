"""Funder reports: each format opens and says what the plan says; small counts stay hidden.

One plan of the demo city per module (a few seconds), reused by every test; the PDF and the
HTML (which render charts) are built once each.
"""

import argparse
import io
import json
import math
import re

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cli import report as report_cli
from planner.optimiser import solve
from planner.package import read_package, write_package
from planner.scenario import Scenario
from planner.settings import DEMO_PACKAGE
from reports import build_report
from reports.content import PDF_FIXED_PAGES, ROWS_PER_PAGE, build_content
from reports.context import ReportContext, load_context, write_report_context
from reports.html import render_html
from reports.pdf import render_pdf
from reports.plan_dir import load_plan_dir
from reports.view import CONFIDENTIAL_NAME
from tests.package_factory import tiny_package

PDF_SHEETS = ("Against baselines", "By service", "By funder", "Funding", "Capacity added")


@pytest.fixture(scope="module")
def demo():
    return read_package(DEMO_PACKAGE)


@pytest.fixture(scope="module")
def demo_plan(demo):
    return solve(demo, Scenario(name="Report test"))


@pytest.fixture(scope="module")
def plan_dir(demo, demo_plan, tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    demo_plan.write(out)
    write_report_context(demo, out)
    return out


@pytest.fixture(scope="module")
def funder_content(plan_dir):
    """Charts render once (a few seconds) for both the PDF and the HTML."""
    return build_content(load_plan_dir(plan_dir), load_context(plan_dir), audience="funder")


@pytest.fixture(scope="module")
def pdf_bytes(funder_content):
    return render_pdf(funder_content)


@pytest.fixture(scope="module")
def html_text(funder_content):
    return render_html(funder_content)


@pytest.fixture(scope="module")
def funder_xlsx(plan_dir):
    return build_report(plan_dir, fmt="xlsx", audience="funder")


@pytest.fixture(scope="module")
def analyst_xlsx(plan_dir):
    return build_report(plan_dir, fmt="xlsx", audience="analyst")


def sheets(data: bytes) -> dict[str, pd.DataFrame]:
    return pd.read_excel(io.BytesIO(data), sheet_name=None)


def confidential_names(package) -> list[str]:
    agencies = package.agencies
    return agencies.loc[agencies["confidential"].astype(bool), "name"].astype(str).tolist()


def test_pdf_opens_with_the_expected_pages_and_the_headline_figures(
    pdf_bytes, funder_content, funder_xlsx, demo_plan
):
    reader = PdfReader(io.BytesIO(pdf_bytes))
    tables = sheets(funder_xlsx)
    # The table by population group (version 2) is in the PDF when the city has groups.
    in_pdf = [*PDF_SHEETS, *(name for name in ("By group",) if name in tables)]
    table_pages = sum(max(1, math.ceil(len(tables[name]) / ROWS_PER_PAGE)) for name in in_pdf)
    maps = 2
    assert len(reader.pages) == PDF_FIXED_PAGES + maps + table_pages
    assert len(reader.pages) == funder_content.expected_pdf_pages
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    summary = demo_plan.summary()
    totals = summary["totals"]
    for figure in (totals["served"], totals["demand"], totals["unmet"], totals["money_spent"]):
        assert f"{figure:,.0f}" in flat
    assert f"${totals['money_spent']:,.0f}" in flat  # the city's currency, fmt_money's way
    assert f"{summary['baselines']['status_quo']['served']:,.0f}" in flat
    assert "SYNTHETIC DATA" in flat
    assert "the expected demand" in flat and "Data freshness" in flat
    assert "City general fund (demo)" in flat


def test_xlsx_reads_back_the_same_numbers(analyst_xlsx, demo_plan):
    book = sheets(analyst_xlsx)
    summary = demo_plan.summary()
    assert next(iter(book)) == "Summary"
    assert set(PDF_SHEETS) | {"Binding limits", "By district"} <= set(book)
    baselines = book["Against baselines"].set_index("plan")
    assert baselines.loc["Optimised plan", "served (unit-months)"] == pytest.approx(
        summary["totals"]["served"]
    )
    assert baselines.loc["Status quo (no new money)", "unmet (unit-months)"] == pytest.approx(
        summary["baselines"]["status_quo"]["unmet"]
    )
    funding = book["Funding"]
    assert len(funding) == len(demo_plan.funding)
    assert funding["amount (USD)"].sum() == pytest.approx(demo_plan.funding["amount"].sum())
    assert sorted(funding["amount (USD)"]) == pytest.approx(sorted(demo_plan.funding["amount"]))
    by_funder = book["By funder"].set_index("funder")
    assert by_funder["spent (USD)"].sum() == pytest.approx(summary["totals"]["money_spent"])
    by_service = book["By service"]
    assert by_service["served (unit-months)"].sum() == pytest.approx(summary["totals"]["served"])
    added = book["Capacity added"]["units added (units of the service)"].sum()
    assert added == pytest.approx(demo_plan.capacity_added["units"].sum())
    district = book["By district"]
    assert len(district) == len(demo_plan.coverage)
    assert district["unmet (unit-months)"].sum() == pytest.approx(summary["totals"]["unmet"])


def test_every_table_header_of_a_number_names_its_unit(analyst_xlsx):
    workbook = load_workbook(io.BytesIO(analyst_xlsx))
    units = ("(unit-months)", "(USD)", "(share", "(units of the service)", "(weighted", "units)")
    for name in (*PDF_SHEETS, "By district"):
        sheet = workbook[name]
        headers = [cell.value for cell in sheet[1]]
        numeric = [
            header
            for column, header in enumerate(headers, start=1)
            if isinstance(sheet.cell(row=2, column=column).value, int | float)
        ]
        assert numeric, name
        for header in numeric:
            assert any(unit in header for unit in units), (name, header)


def test_funder_report_hides_small_counts_and_confidential_names(funder_xlsx, demo, pdf_bytes):
    district = sheets(funder_xlsx)["By district"]
    per_case = demo.services.set_index("name")["units_per_case"].astype(float)
    k = 5
    demand = district["demand (unit-months)"]
    hidden = demand.astype(str).isin([f"<{k}", "x"])
    assert hidden.any()
    shown = district.loc[~hidden]
    cases = (shown["demand (unit-months)"].astype(float) / shown["service"].map(per_case)).round()
    assert ((cases == 0) | (cases >= k)).all()
    for column in ("served (unit-months)", "unmet (unit-months)"):
        values = district[column].astype(str)
        numbers = pd.to_numeric(values, errors="coerce")
        units = district["service"].map(per_case)
        small = (numbers / units).round().between(1, k - 1)
        assert not small.any(), column
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages
    ) + json.dumps({n: sheets(funder_xlsx)[n].to_json() for n in ("Funding", "Binding limits")})
    for name in confidential_names(demo):
        assert name not in text
    assert CONFIDENTIAL_NAME in text


def test_analyst_report_names_confidential_agencies(analyst_xlsx, demo):
    funding = sheets(analyst_xlsx)["Funding"]
    assert CONFIDENTIAL_NAME not in set(funding["agency"])
    assert set(funding["agency"]) & set(confidential_names(demo))


def test_html_is_self_contained(html_text, demo_plan):
    assert html_text.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://", html_text)
    assert not re.search(r"<(script|link|iframe)\b", html_text)
    images = re.findall(r'<img [^>]*src="([^"]+)"', html_text)
    assert len(images) == 4
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert "SYNTHETIC DATA" in html_text
    assert f"{demo_plan.summary()['totals']['served']:,.0f}" in html_text
    assert "Funding per agency and funder" in html_text


def test_public_report_has_no_agency_or_district_tables(plan_dir):
    book = sheets(build_report(plan_dir, fmt="xlsx", audience="public"))
    assert "Funding" not in book and "By district" not in book
    assert "By funder" in book


def test_report_of_a_plan_object_matches_the_plan_folder(demo, demo_plan, analyst_xlsx):
    direct = sheets(build_report(demo_plan, fmt="xlsx", audience="analyst", package=demo))
    from_folder = sheets(analyst_xlsx)
    for name in PDF_SHEETS:
        # plan.csv holds 6 significant digits, so rows of nearly equal amounts may swap
        left, right = (
            frame[name].sort_values(list(frame[name].columns)).reset_index(drop=True)
            for frame in (direct, from_folder)
        )
        pd.testing.assert_frame_equal(left, right, check_exact=False, check_dtype=False)


def test_real_data_is_not_flagged_synthetic(tmp_path):
    package = tiny_package()
    plan = solve(package, Scenario(name="Tiny"))
    plan.write(tmp_path)
    summary = sheets(build_report(tmp_path, fmt="xlsx", audience="analyst", package=package))
    text = summary["Summary"].to_string()
    assert "SYNTHETIC" not in text
    assert "Minneapolis" in text


def test_context_round_trips(demo):
    context = ReportContext.from_package(demo)
    again = ReportContext.from_dict(json.loads(json.dumps(context.to_dict())))
    assert again.city == context.city
    assert again.synthetic is True
    assert list(again.districts["name"]) == list(context.districts["name"])
    assert again.districts.total_bounds == pytest.approx(context.districts.total_bounds)
    assert again.freshness == context.freshness


def parse(argv):
    parser = argparse.ArgumentParser(prog="planner")
    report_cli.register(parser.add_subparsers())
    return parser.parse_args(argv)


def test_cli_writes_xlsx_and_refuses_a_folder_without_context(plan_dir, demo, tmp_path, capsys):
    out = tmp_path / "report.xlsx"
    args = parse(["report", str(plan_dir), "--out", str(out), "--audience", "partner"])
    assert args.handler(args) == 0
    assert "By district" in sheets(out.read_bytes())

    bare = tmp_path / "bare"
    for name in ("plan.json", "funding.csv", "capacity_added.csv", "coverage.csv"):
        (bare / name).parent.mkdir(exist_ok=True)
        (bare / name).write_bytes((plan_dir / name).read_bytes())
    args = parse(["report", str(bare), "--format", "xlsx"])
    assert args.handler(args) == 1
    assert "context.json" in capsys.readouterr().err

    package_dir = write_package(demo, tmp_path / "city")
    args = parse(["report", str(bare), "--format", "xlsx", "--package", str(package_dir)])
    assert args.handler(args) == 0
    assert (bare / "report.xlsx").is_file()


def test_cli_names_a_missing_plan_file(tmp_path, capsys):
    (tmp_path / "plan.json").write_text("{}", encoding="utf-8")
    args = parse(["report", str(tmp_path), "--format", "pdf"])
    assert args.handler(args) == 1
    err = capsys.readouterr().err
    assert "funding.csv" in err and "coverage.csv" in err


def small_counts_record(package, tmp_path):
    """The tiny city's plan with its shelter cells replaced: D1 has 2 cases (6 bed-months,
    units_per_case 3), all served; D2 and D3 have 20 and 30 cases, partly unmet."""
    plan = solve(package, Scenario(name="Tiny"))
    coverage = plan.coverage.copy()
    shelter = coverage["service_id"] == "shelter_women"
    values = {"D1": (6.0, 6.0), "D2": (60.0, 45.0), "D3": (90.0, 60.0)}
    for district, (demand, served) in values.items():
        row = shelter & (coverage["district_id"] == district)
        coverage.loc[row, ["demand", "served", "unmet", "coverage"]] = (
            demand,
            served,
            demand - served,
            served / demand,
        )
    plan.write(tmp_path)
    coverage.to_csv(tmp_path / "coverage.csv", index=False)
    return load_plan_dir(tmp_path)


def test_small_district_counts_are_hidden_with_a_complement(tmp_path):
    package = tiny_package()
    record = small_counts_record(package, tmp_path)
    context = ReportContext.from_package(package)
    funder = build_content(record, context, audience="funder", k=5, charts=False)
    table = next(t for t in funder.tables if t.sheet == "By district").frame
    shelter = table[table["service"] == "Shelter beds for women"].set_index("district")
    assert shelter.loc["North Loop", "demand (unit-months)"] == "<5"
    assert shelter.loc["North Loop", "served (unit-months)"] == "<5"
    assert shelter.loc["North Loop", "coverage (share of demand)"] == "x"
    # one other district's served is hidden too, else the city total would give D1's away
    others = shelter.drop(index="North Loop")["served (unit-months)"]
    assert (others == "x").sum() >= 1
    counselling = table[table["service"] == "Trauma counselling"]
    assert counselling["demand (unit-months)"].map(lambda v: isinstance(v, float)).all()

    analyst = build_content(record, context, audience="analyst", charts=False)
    exact = next(t for t in analyst.tables if t.sheet == "By district").frame
    exact = exact[exact["service"] == "Shelter beds for women"].set_index("district")
    assert exact.loc["North Loop", "demand (unit-months)"] == pytest.approx(6.0)
    assert not any("suppressed" in line for line in analyst.caveats)
    assert any("suppressed" in line for line in funder.caveats)


def test_a_plan_without_a_solution_still_reports_why(tmp_path):
    package = tiny_package()
    scenario = Scenario(name="Impossible", equity_floor=1.0, equity_mode="hard", budget=0)
    plan = solve(package, scenario)
    assert plan.status == "infeasible"
    data = build_report(plan, fmt="pdf", audience="funder", package=package)
    pages = PdfReader(io.BytesIO(data)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    assert "No plan: infeasible" in text
    assert "No plan was found (infeasible)" in text


def test_money_is_in_the_city_currency(tmp_path):
    """A euro city's report writes euros, as fmt_money does; the PDF's fonts get the code."""
    from dataclasses import replace

    from planner.i18n import fmt_money

    package = tiny_package()
    package = replace(package, city=replace(package.city, currency="EUR"))
    plan = solve(package, Scenario(name="Euro"))
    record = load_plan_dir(plan.write(tmp_path)[0].parent)
    content = build_content(
        record, ReportContext.from_package(package), audience="funder", charts=False
    )
    budget = fmt_money(record.summary["totals"]["budget"], "EUR")
    assert budget.startswith("€")
    assert any(budget in line for line in content.headline)
    assert "$" not in " ".join([content.question, *content.headline])
    book = sheets(build_report(record, fmt="xlsx", audience="funder", package=package))
    assert "spent (EUR)" in book["By funder"].columns
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(content))).pages
    )
    assert f"{budget[1:]} EUR" in " ".join(text.split())
    assert "€" not in text
