"""Formula injection (issue 13): every file Haven writes for people to open quotes the text a
spreadsheet would run as a formula (planner.cells, OWASP's rule), and Haven's own readers
take the quote off again.

One hostile package: agency, funder, service and city names that start with `=`, `+`, `-`,
`@`, and ids that do too (so the id-only tables, the plan's, the forecast's and the sweep's,
carry them). Each writer's output is read back the way a spreadsheet would (openpyxl for
xlsx, csv for CSV, json for HSDS's descriptor): no cell starts with a formula character
unquoted, and no xlsx cell is a formula.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cli.main import main
from planner.cells import is_dangerous
from planner.package import CityPackage, read_package, write_package
from tests.package_factory import edit_city, edit_feature, write_tiny_package

HOSTILE_NAMES = {
    ("agencies.csv", "Safe Harbor House"): '=HYPERLINK("http://evil.example/x","click")',
    ("agencies.csv", "Riverside Health Center"): "-2+3+cmd|' /C calc'!A0",
    ("funders.csv", "City general fund"): "+SUM(1+1)",
    ("services.csv", "Trauma counselling"): "@SUM(A1:A9)",
    ("services.csv", "Legal aid"): "=1+1",
}
HOSTILE_IDS = {"legal_aid": "+legal_aid", "A2": "=A2", "city_fund": "@city_fund"}
DISTRICT_NAME = "-North Loop+1"
CITY_NAME = '=HYPERLINK("http://evil.example","Minneapolis")'


def hostile_package(folder: Path) -> Path:
    path = write_tiny_package(folder)
    for file in (
        "services.csv",
        "agencies.csv",
        "capacity.csv",
        "demand.csv",
        "funders.csv",
        "eligibility.csv",
    ):
        text = (path / file).read_text(encoding="utf-8")
        for (named_file, old), new in HOSTILE_NAMES.items():
            if named_file == file:
                text = text.replace(old, csv_cell(new))
        for old, new in HOSTILE_IDS.items():
            text = text.replace(f"{old},", f"{new},").replace(f",{old}\n", f",{new}\n")
        (path / file).write_text(text, encoding="utf-8")
    edit_city(path, name=CITY_NAME)
    edit_feature(path, 1, {"name": DISTRICT_NAME})
    return path


def csv_cell(text: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([text])
    return buffer.getvalue()


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> CityPackage:
    return read_package(hostile_package(tmp_path_factory.mktemp("hostile") / "city"))


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan")
    city = hostile_package(folder / "city")
    assert main(["plan", str(city), "--out", str(folder / "plan")]) == 0
    return folder / "plan"


def test_the_package_reads_with_its_hostile_names(package: CityPackage) -> None:
    """The names are legal data: Haven keeps them as given, and only quotes them in files."""
    assert set(HOSTILE_NAMES.values()) <= {
        *package.agencies["name"],
        *package.funders["name"],
        *package.services["name"],
    }
    assert "=A2" in set(package.agencies["agency_id"])
    assert package.city.name == CITY_NAME


# --- What a spreadsheet sees -------------------------------------------------------------


def assert_csv_safe(text: str, where: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    live = [cell for row in rows for cell in row if is_dangerous(cell)]
    assert not live, f"{where}: live formulas {live[:5]}"
    return rows


def assert_csv_files_safe(folder: Path) -> dict[str, list[list[str]]]:
    found = {}
    for path in sorted(folder.glob("*.csv")):
        found[path.name] = assert_csv_safe(path.read_text(encoding="utf-8"), str(path))
    assert found, folder
    return found


def assert_xlsx_safe(data: bytes, where: str) -> list[Any]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{where}: {sheet.title}!{cell.coordinate} formula"
                if isinstance(cell.value, str):
                    assert not is_dangerous(cell.value), f"{where}: {cell.value!r}"
                values.append(cell.value)
    return values


def json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


# --- Every writer ------------------------------------------------------------------------


def test_the_package_export_quotes_and_reads_back_the_same(
    package: CityPackage, tmp_path: Path
) -> None:
    out = write_package(package, tmp_path / "export")
    files = assert_csv_files_safe(out)
    assert any(
        "'" + HOSTILE_NAMES[("funders.csv", "City general fund")] in row
        for row in files["funders.csv"]
    )
    again = read_package(out)
    pd.testing.assert_frame_equal(again.agencies, package.agencies)
    pd.testing.assert_frame_equal(again.funders, package.funders)
    assert again.city.name == CITY_NAME


def test_hsds_tables_quote_and_read_back_whole(package: CityPackage, tmp_path: Path) -> None:
    from planner.hsds import hsds_to_package, identity_mapping, read_hsds
    from planner.hsds.write import write_hsds

    out = write_hsds(package, tmp_path / "hsds", include_confidential_locations=True)
    assert_csv_files_safe(out)
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert not [s for s in json_strings(descriptor) if is_dangerous(s)]
    hsds = read_hsds(out, identity_mapping(package))
    assert not hsds.has_errors, [str(p) for p in hsds.problems]
    merged = hsds_to_package(hsds, package)
    assert set(merged.agencies["name"]) == set(package.agencies["name"])
    assert set(merged.agencies["agency_id"]) == set(package.agencies["agency_id"])


def test_the_plan_folder_quotes_and_its_reader_restores(plan_dir: Path) -> None:
    from reports.plan_dir import load_plan_dir

    files = assert_csv_files_safe(plan_dir)
    assert any("'@city_fund" in row for row in files["funding.csv"])
    assert any("'+legal_aid" in row for row in files["capacity_added.csv"])
    record = load_plan_dir(plan_dir)
    assert set(record.funding["funder_id"]) == {"@city_fund"}
    assert "+legal_aid" in set(record.capacity_added["service_id"])
    assert "'+legal_aid" not in set(record.coverage["service_id"])


@pytest.mark.parametrize("audience", ["funder", "analyst"])
def test_the_xlsx_report_holds_no_live_formula(plan_dir: Path, audience: str) -> None:
    from reports import build_report

    data = build_report(plan_dir, fmt="xlsx", audience=audience)  # type: ignore[arg-type]
    values = assert_xlsx_safe(data, f"report for {audience}")
    text = {v for v in values if isinstance(v, str)}
    # quoted once (the plan folder's quote was taken off before the report quoted again)
    assert not any(v.startswith("''") for v in text)
    assert any(v.startswith("'=") or v.startswith("'@") or v.startswith("'+") for v in text)


def test_the_plan_tables_downloads_quote(plan_dir: Path) -> None:
    from planner.exchange import csv_bytes, xlsx_bytes
    from reports.plan_dir import load_plan_dir

    record = load_plan_dir(plan_dir)
    tables = {"funding": record.funding, "capacity_added": record.capacity_added}
    for name, table in tables.items():
        assert_csv_safe(csv_bytes(table).decode("utf-8"), name)
    assert_xlsx_safe(xlsx_bytes(tables), "plan tables")


def test_the_forecast_csv_quotes(tmp_path: Path) -> None:
    city = hostile_package(tmp_path / "city")
    out = tmp_path / "forecast.csv"
    assert main(["forecast", str(city), "--horizon", "2", "--out", str(out)]) == 0
    rows = assert_csv_safe(out.read_text(encoding="utf-8"), "forecast")
    assert any("'+legal_aid" in row for row in rows)


def test_the_sweep_csvs_quote(tmp_path: Path) -> None:
    city = hostile_package(tmp_path / "city")
    out = tmp_path / "sweep"
    assert main(["sweep", str(city), "--budget", "1", "--out", str(out)]) == 0
    files = assert_csv_files_safe(out)
    assert any("'" + DISTRICT_NAME in row for row in files["districts.csv"])


def test_the_audit_csv_quotes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli import users as users_cli

    events = pd.DataFrame(
        {
            "at": pd.to_datetime(["2026-01-01T10:00:00Z"]),
            "actor": ["=cmd|' /C calc'!A0"],
            "action": ["import"],
            "target": ["@SUM(1+1)"],
            "city": [CITY_NAME],
        }
    )
    monkeypatch.setattr(users_cli.exports, "audit_log", lambda *_a, **_k: events)
    out = tmp_path / "audit.csv"
    assert main(["users", "audit", "--csv", str(out)]) == 0
    rows = assert_csv_safe(out.read_text(encoding="utf-8"), "audit")
    assert rows[1][1] == "'=cmd|' /C calc'!A0"
