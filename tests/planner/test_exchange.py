"""Uploads checked, cities zipped, result tables as CSV and Excel (planner/exchange.py)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from planner.exchange import (
    PROBLEM_COLUMNS,
    check_upload,
    csv_bytes,
    package_zip,
    plan_tables,
    problems_frame,
    xlsx_bytes,
)
from planner.optimiser import solve
from planner.package import read_package
from planner.scenario import Scenario
from tests.package_factory import (
    add_column,
    set_cell,
    tiny_package,
    write_tiny_package,
    zip_package,
)


def zipped(folder: Path, top_folder: str | None = None) -> bytes:
    return zip_package(folder, folder.parent / "upload.zip", top_folder).read_bytes()


def test_a_valid_upload_gives_the_package(tmp_path: Path) -> None:
    checked = check_upload(zipped(write_tiny_package(tmp_path / "city"), "city"), "city.zip")
    assert checked.package is not None
    assert checked.package.city.name == "Minneapolis (tiny test package)"
    assert checked.errors == 0


def test_every_problem_of_a_bad_upload_is_listed(tmp_path: Path) -> None:
    folder = write_tiny_package(tmp_path / "city")
    set_cell(folder, "capacity.csv", 3, "capacity", "-3")
    set_cell(folder, "funders.csv", 2, "budget", "lots")
    add_column(folder, "funders.csv", "colour")  # an unknown column: a warning
    checked = check_upload(zipped(folder), "../../evil name.zip")
    assert checked.package is None
    assert checked.errors == 2 and checked.warnings >= 1
    table = problems_frame(checked.problems)
    assert list(table.columns) == PROBLEM_COLUMNS
    errors = table[table["severity"] == "error"].set_index("file")
    assert errors.loc["capacity.csv", "line"] == 3
    assert errors.loc["capacity.csv", "column"] == "capacity"
    assert "below 0" in errors.loc["capacity.csv", "message"]
    assert errors.loc["funders.csv", "column"] == "budget"


def test_a_file_that_is_not_a_zip_is_one_problem() -> None:
    checked = check_upload(b"not a zip at all", "notes.txt")
    assert checked.package is None
    assert [p.file for p in checked.problems] == ["notes.txt"]
    assert "neither a package folder nor a .zip" in checked.problems[0].message


def test_warnings_only_still_give_the_package(tmp_path: Path) -> None:
    folder = write_tiny_package(tmp_path / "city")
    add_column(folder, "funders.csv", "colour")
    checked = check_upload(zipped(folder), "city.zip")
    assert checked.package is not None
    assert checked.errors == 0 and checked.warnings >= 1
    assert set(problems_frame(checked.problems)["severity"]) == {"warning"}


def test_an_exported_zip_reads_back(tmp_path: Path) -> None:
    package = tiny_package()
    data = package_zip(package)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "city.json" in archive.namelist()
    (tmp_path / "export.zip").write_bytes(data)
    again = read_package(tmp_path / "export.zip")
    assert again.city == package.city
    pd.testing.assert_frame_equal(again.capacity, package.capacity)
    pd.testing.assert_frame_equal(again.agencies, package.agencies)


@pytest.fixture(scope="module")
def tiny_plan():
    package = tiny_package()
    return solve(package, Scenario(name="t", time_limit_s=20)), package


def test_plan_tables_carry_names_and_units(tiny_plan) -> None:
    plan, package = tiny_plan
    tables = plan_tables(plan, package)
    assert list(tables) == ["funding", "capacity_added", "coverage"]
    funding = tables["funding"]
    assert "Amount (USD)" in funding.columns
    assert funding["Amount (USD)"].sum() == pytest.approx(plan.totals.money_spent)
    assert funding["Funder"].notna().all() and funding["Agency"].notna().all()
    added = tables["capacity_added"]
    assert len(added) == len(plan.capacity_added)
    assert "Units added (in the service's unit)" in added.columns
    coverage = tables["coverage"]
    assert len(coverage) == len(plan.coverage)
    assert "Demand (over 12 months, in the service's unit)" in coverage.columns
    assert coverage["District"].notna().all()


def test_csv_and_excel_hold_the_tables(tiny_plan) -> None:
    plan, package = tiny_plan
    tables = plan_tables(plan, package)
    back = pd.read_csv(io.BytesIO(csv_bytes(tables["coverage"])))
    assert list(back.columns) == list(tables["coverage"].columns)
    assert len(back) == len(tables["coverage"])
    sheets = pd.read_excel(io.BytesIO(xlsx_bytes(tables)), sheet_name=None, engine="openpyxl")
    assert list(sheets) == ["funding", "capacity_added", "coverage"]
    for name, table in tables.items():
        assert list(sheets[name].columns) == list(table.columns)
        assert len(sheets[name]) == len(table)


def test_a_version_2_city_exports_and_reads_back_row_for_row(tmp_path: Path) -> None:
    from tests.package_factory import write_v2_package

    package = read_package(write_v2_package(tmp_path / "city"))
    data = package_zip(package)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {"populations.csv", "pathways.csv", "demand.csv"} <= set(archive.namelist())
    checked = check_upload(data, "export.zip")
    assert checked.package is not None and checked.errors == 0
    again = checked.package
    assert again.city == package.city
    for name in (
        "services",
        "agencies",
        "capacity",
        "demand",
        "demand_groups",
        "funders",
        "eligibility",
        "populations",
        "pathways",
    ):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(package, name), obj=name)
