"""`python -m planner plan PATH --close A3:counselling`: the plan with the closure, and what
the closure does, beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from tests.package_factory import write_tiny_package


def test_plan_with_close_writes_the_what_if(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HAVEN_FORECAST_DIR", str(tmp_path / "forecasts"))
    city = write_tiny_package(tmp_path / "city")
    out = tmp_path / "plan"
    code = main(["plan", str(city), "--out", str(out), "--close", "A3:counselling"])
    assert code == 0
    summary = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert summary["scenario"]["closed"] == ["A3:counselling"]
    result = json.loads((out / "whatif.json").read_text(encoding="utf-8"))
    assert result["unmet_added"] > 0 and result["bridge_money"] is None
    printed = capsys.readouterr().out
    assert "If Riverside Health Center (trauma counselling) closed:" in printed
    assert "no amount of money bridges it" in printed
    assert "<h1>" in (out / "whatif.html").read_text(encoding="utf-8")


def test_close_names_an_unknown_agency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HAVEN_FORECAST_DIR", str(tmp_path / "forecasts"))
    city = write_tiny_package(tmp_path / "city")
    code = main(["plan", str(city), "--out", str(tmp_path / "plan"), "--close", "A99"])
    assert code == 1
    assert "closed" in capsys.readouterr().err
