"""The funder report in French: headings, sentences, numbers and sheet names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cli.main import main
from planner.i18n import NARROW_NBSP, NBSP, use_language
from planner.optimiser import solve
from planner.scenario import Scenario
from reports import build_report
from reports.context import write_report_context
from tests.package_factory import tiny_package


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    package = tiny_package()
    out = tmp_path_factory.mktemp("plan_fr")
    solve(package, Scenario(name="Petit")).write(out)
    write_report_context(package, out)
    return out


def test_xlsx_in_french_keeps_the_numbers(plan_dir: Path) -> None:
    english = load_workbook(io.BytesIO(build_report(plan_dir, fmt="xlsx", audience="analyst")))
    with use_language("fr"):
        data = build_report(plan_dir, fmt="xlsx", audience="analyst")
    french = load_workbook(io.BytesIO(data))
    assert french.sheetnames[:3] == ["Résumé", "Face aux références", "Par service"]
    summary = "\n".join(str(c.value) for row in french["Résumé"].iter_rows() for c in row)
    assert "Comment répartir" in summary
    assert "Demande planifiée" in summary
    headers = [c.value for c in french["Face aux références"][1]]
    assert "servi (unités-mois)" in headers
    english_rows = list(english["Against baselines"].iter_rows(min_row=2, values_only=True))
    french_rows = list(french["Face aux références"].iter_rows(min_row=2, values_only=True))
    assert [row[1:] for row in french_rows] == [row[1:] for row in english_rows]
    assert french_rows[0][0] == "Plan optimisé"


def test_html_and_pdf_in_french(plan_dir: Path) -> None:
    with use_language("fr"):
        html = build_report(plan_dir, fmt="html", audience="funder").decode("utf-8")
        pdf = build_report(plan_dir, fmt="pdf", audience="funder")
    assert '<html lang="fr">' in html
    assert "<h2>La question</h2>" in html and "Mises en garde" in html
    assert NARROW_NBSP in html or "unités-mois" in html
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "La question" in text and "Chiffres clés" in text
    assert NARROW_NBSP not in text  # Latin-1 core fonts: U+00A0 stands in for it
    assert ("%" in text and f"{NBSP}%" in text) or " %" in text


def test_report_command_takes_lang(plan_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = plan_dir / "rapport.xlsx"
    assert main(["report", str(plan_dir), "--out", str(out), "--lang", "fr"]) == 0
    assert "rapport xlsx pour le public « bailleur de fonds » écrit" in capsys.readouterr().out
    assert load_workbook(out).sheetnames[0] == "Résumé"
