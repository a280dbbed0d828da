"""`forecast` and `hidden` subcommands, through a parser built the way cli/main.py does."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli import forecast as forecast_cli
from tests.package_factory import write_tiny_package


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m planner")
    forecast_cli.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.handler(args))


def test_both_subcommands_have_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("forecast", "hidden"):
        with pytest.raises(SystemExit) as exit_info:
            run([command, "--help"])
        assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--horizon" in out and "--quantiles" in out and "--json" in out


def test_forecast_a_package_to_a_file(tmp_path: Path) -> None:
    package = write_tiny_package(tmp_path / "city")
    out = tmp_path / "forecast.csv"
    code = run(
        [
            "forecast",
            str(package),
            "--horizon",
            "4",
            "--quantiles",
            "0.1,0.5,0.9",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    result = pd.read_csv(out)
    assert list(result.columns) == [
        "district_id",
        "service_id",
        "period",
        "model",
        "mean",
        "q0.1",
        "q0.5",
        "q0.9",
    ]
    assert len(result) == 3 * 3 * 4
    assert (result["q0.1"] <= result["q0.9"]).all()


def test_forecast_a_long_csv_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    periods = pd.period_range("2022-01", periods=30, freq="M").strftime("%Y-%m")
    frame = pd.DataFrame({"series_id": "s", "period": periods, "y": np.arange(30) + 5})
    path = tmp_path / "series.csv"
    frame.to_csv(path, index=False)
    assert run(["forecast", str(path), "--horizon", "3", "--quantiles", "0.5"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "series_id,period,model,mean,q0.5"
    assert len(printed) == 4


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["forecast", "{tmp}/missing", "--horizon", "3"], "missing: no such file or folder"),
        (["forecast", "{tmp}/series.csv", "--quantiles", "0.5,1.5"], "--quantiles: '0.5,1.5'"),
        (["forecast", "{tmp}/series.csv", "--horizon", "0"], "--horizon: 0 is not between"),
        (["forecast", "{tmp}/bad.csv"], "bad.csv:3: y: -1 is not >= 0"),
        (["forecast", "{tmp}/bad.csv"], "bad.csv:4: period: '2024/03' is not YYYY-MM"),
        (["hidden", "{tmp}/lists.csv"], "lists.csv:3: n: -2 is not a whole number >= 0"),
        (["hidden", "{tmp}/missing.csv"], "missing.csv: file not found"),
    ],
)
def test_invalid_input_exits_1_with_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "series.csv").write_text("series_id,period,y\ns,2024-01,1\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text(
        "series_id,period,y\ns,2024-01,1\ns,2024-02,-1\ns,2024/03,2\n", encoding="utf-8"
    )
    (tmp_path / "lists.csv").write_text("A,B,n\n1,0,3\n0,1,-2\n", encoding="utf-8")
    code = run([part.replace("{tmp}", str(tmp_path)) for part in argv])
    err = capsys.readouterr().err
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_hidden_json_has_the_five_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lists.csv"
    path.write_text("police,ngo,count\n1,0,30\n0,1,50\n1,1,20\n", encoding="utf-8")
    assert run(["hidden", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"observed", "model", "estimate", "lower", "upper"}
    assert data["observed"] == 100
    assert data["model"] == "main effects"
    assert data["estimate"] == pytest.approx(175.0)
    assert data["lower"] < 175 < data["upper"]


def test_hidden_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lists.csv"
    path.write_text("police,ngo,count\n1,0,30\n0,1,50\n1,1,20\n", encoding="utf-8")
    assert run(["hidden", str(path)]) == 0
    out = capsys.readouterr().out
    assert "observed:  100" in out
    assert "estimate:  175" in out
    assert "95% CI" in out
