"""`hsds-import` and `hsds-export`, through a parser built the way cli/main.py builds its own."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pytest

from cli import hsds as hsds_cli
from planner.package import read_package
from tests.package_factory import write_tiny_package

FIXTURES = Path(__file__).parent.parent / "planner" / "hsds_fixtures"


def run(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m planner")
    hsds_cli.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.handler(args))


def test_help_of_both_commands(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("hsds-import", "hsds-export"):
        with pytest.raises(SystemExit) as exited:
            run([command, "--help"])
        assert exited.value.code == 0
        assert "docs/hsds.md" in capsys.readouterr().out


def test_missing_required_option_is_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        run(["hsds-import", str(FIXTURES / "twin_cities_211"), "--out", str(tmp_path / "o")])
    assert exited.value.code == 2


def test_import_the_211_fixture_into_the_tiny_city(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = write_tiny_package(tmp_path / "city")
    out = tmp_path / "merged"

    code = run(
        [
            "hsds-import",
            str(FIXTURES / "twin_cities_211"),
            "--mapping",
            str(FIXTURES / "mapping.yaml"),
            "--city",
            str(city),
            "--out",
            str(out),
        ]
    )

    captured = capsys.readouterr()
    assert code == 0
    assert "5 agencies and 5 capacity rows" in captured.out
    assert "2 HSDS service(s) not mapped" in captured.out
    assert "unmapped: services.csv:6: service 'Food Pantry'" in captured.err
    assert len(read_package(out).agencies) == 5


def test_export_then_import_with_the_written_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = write_tiny_package(tmp_path / "city")
    mapping = tmp_path / "identity.yaml"

    assert (
        run(
            [
                "hsds-export",
                str(city),
                "--out",
                str(tmp_path / "hsds"),
                "--write-mapping",
                str(mapping),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "1 confidential agency(ies) written without name or coordinates" in printed
    code = run(
        [
            "hsds-import",
            str(tmp_path / "hsds"),
            "--mapping",
            str(mapping),
            "--city",
            str(city),
            "--out",
            str(tmp_path / "back"),
        ]
    )

    assert code == 0
    back, original = read_package(tmp_path / "back"), read_package(city)
    assert back.agencies.equals(original.agencies)


def test_export_is_made_for_an_audience(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    city = write_tiny_package(tmp_path / "city")
    shelter = "Safe Harbor House"  # the tiny city's confidential agency

    assert run(["hsds-export", str(city), "--out", str(tmp_path / "public")]) == 0
    public = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "public").glob("*"))
    assert shelter not in public and "Confidential location" in public

    refused = tmp_path / "refused"
    argv = ["hsds-export", str(city), "--out", str(refused), "--audience", "public"]
    assert run([*argv, "--include-confidential-locations"]) == 1
    assert "public" in capsys.readouterr().err
    assert not refused.exists() or not any(refused.iterdir())

    shown = tmp_path / "shown"
    argv = ["hsds-export", str(city), "--out", str(shown), "--include-confidential-locations"]
    assert run(argv) == 0
    assert shelter in (shown / "organizations.csv").read_text(encoding="utf-8")


def test_bad_input_exits_1_with_messages_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = write_tiny_package(tmp_path / "city")
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("services: []\n", encoding="utf-8")
    out = tmp_path / "out"

    code = run(
        [
            "hsds-import",
            str(FIXTURES / "twin_cities_211"),
            "--mapping",
            str(mapping),
            "--city",
            str(city),
            "--out",
            str(out),
        ]
    )

    err = capsys.readouterr().err
    assert code == 1
    assert "bad.yaml: services: must be a non-empty list" in err
    assert "nothing was written" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_invalid_city_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["hsds-export", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])

    assert code == 1
    assert "no such folder or .zip file" in capsys.readouterr().err


def test_import_refuses_a_folder_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")

    code = run(
        [
            "hsds-import",
            str(FIXTURES / "twin_cities_211"),
            "--mapping",
            str(FIXTURES / "mapping.yaml"),
            "--city",
            str(tmp_path),
            "--out",
            str(out),
        ]
    )

    assert code == 1
    assert "is not empty; pass --overwrite" in capsys.readouterr().err
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"
