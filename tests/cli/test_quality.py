"""`python -m planner quality PATH`: scores and reasons of a package, text or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from tests.package_factory import set_cell, write_tiny_package


def test_quality_lists_scores_and_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_tiny_package(tmp_path / "city")
    assert main(["quality", str(path), "--today", "2026-06-01"]) == 0
    out = capsys.readouterr().out
    assert "Safe Harbor House (A1)" in out
    assert "capacity last updated 151 days ago" in out
    assert out.index("[high") < out.index("[low")


def test_quality_json_and_fail_below(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_tiny_package(tmp_path / "city")
    assert (
        main(["quality", str(path), "--today", "2026-06-01", "--json", "--fail-below", "90"]) == 3
    )
    data = json.loads(capsys.readouterr().out)
    assert {row["agency_id"] for row in data["agencies"]} == {"A1", "A2", "A3"}
    assert data["reasons"][0]["severity"] == "high" and data["reasons"][0]["text"]


def test_quality_in_french(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_tiny_package(tmp_path / "city")
    assert main(["--lang", "fr", "quality", str(path), "--today", "2026-06-01"]) == 0
    assert "Qualité des données" in capsys.readouterr().out


def test_an_invalid_package_is_listed_not_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_tiny_package(tmp_path / "city")
    set_cell(path, "capacity.csv", 3, "capacity", "-3")
    assert main(["quality", str(path)]) == 1
    assert "capacity.csv:3: capacity: -3 is below 0" in capsys.readouterr().err
