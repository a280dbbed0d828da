"""`python -m planner`: validate, import, export, demo; exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from models.db import dispose_engines, get_engine, session_scope
from models.repository import list_cities, load_package
from planner.package import read_package
from planner.settings import DEMO_PACKAGE, get_settings
from tests.package_factory import CITY, set_cell, write_tiny_package

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'haven.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    dispose_engines()


def table_counts(url: str) -> dict[str, int]:
    import sqlalchemy as sa

    engine = get_engine(url)
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return {
            name: connection.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
            for name in names
            if name != "alembic_version"
        }


def test_validate_a_good_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_tiny_package(tmp_path / "city")
    assert main(["validate", str(path)]) == 0
    assert CITY["name"] in capsys.readouterr().out


def test_validate_lists_every_problem_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_tiny_package(tmp_path / "city")
    set_cell(path, "capacity.csv", 3, "capacity", "-3")
    set_cell(path, "funders.csv", 2, "budget", "lots")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "capacity.csv:3: capacity: -3 is below 0" in err
    assert "funders.csv:2: budget:" in err
    assert "Traceback" not in err


def test_import_then_export_round_trip(
    tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_tiny_package(tmp_path / "city")
    assert main(["import", str(path)]) == 0
    out = tmp_path / "export"
    assert main(["export", CITY["name"], str(out)]) == 0
    original, exported = read_package(path), read_package(out)
    for frame in ("services", "agencies", "capacity", "demand", "funders", "eligibility"):
        pd.testing.assert_frame_equal(getattr(original, frame), getattr(exported, frame))
    assert original.city == exported.city


def test_export_for_a_narrower_audience_masks_and_suppresses(
    tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_tiny_package(tmp_path / "city")
    assert main(["import", str(path)]) == 0
    original = read_package(path)
    secret = set(original.agencies.loc[original.agencies["confidential"], "name"])
    assert secret
    public = tmp_path / "public"
    assert main(["export", CITY["name"], str(public), "--for", "public"]) == 0
    agencies = pd.read_csv(public / "agencies.csv")
    assert not secret & set(agencies["name"])
    assert pd.read_csv(public / "demand.csv").empty
    funder = tmp_path / "funder"
    assert main(["export", CITY["name"], str(funder), "--for", "funder"]) == 0
    cases = pd.read_csv(funder / "demand.csv")["cases"].dropna()
    assert not ((cases > 0) & (cases < get_settings().small_count_k)).any()


def test_import_twice_needs_replace(
    tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_tiny_package(tmp_path / "city")
    assert main(["import", str(path)]) == 0
    before = table_counts(database)
    assert main(["import", str(path)]) == 1
    assert "--replace" in capsys.readouterr().err
    assert table_counts(database) == before
    assert main(["import", "--replace", str(path)]) == 0
    after = table_counts(database)
    assert after.pop("audit_event") == before.pop("audit_event") + 1  # the replace is audited
    # issue 19: the replaced capacity rows are kept in the archive, with their as_of
    assert after.pop("capacity_archive") == before.pop("capacity_archive") + before["capacity"]
    assert after == before


def test_a_bad_package_changes_nothing(
    tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_tiny_package(tmp_path / "good")
    assert main(["import", str(good)]) == 0
    before = table_counts(database)
    bad = write_tiny_package(tmp_path / "bad")
    set_cell(bad, "agencies.csv", 2, "district_id", "D99")
    assert main(["import", "--replace", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "agencies.csv:2: district_id: 'D99' is not a district in districts.geojson" in err
    assert "nothing was changed" in err
    assert table_counts(database) == before


def test_export_of_an_unknown_city_names_the_known_ones(
    tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(write_tiny_package(tmp_path / "city"))]) == 0
    assert main(["export", "Atlantis", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "Atlantis" in err and CITY["name"] in err


def test_demo_loads_once(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--if-empty"]) == 0
    assert main(["demo", "--if-empty"]) == 0
    assert "already holds a city" in capsys.readouterr().out
    with session_scope(get_engine(database)) as session:
        assert list_cities(session) == [read_package(DEMO_PACKAGE).city.name]
        assert len(load_package(session, list_cities(session)[0]).districts) == 77


@pytest.mark.parametrize(
    "argv",
    [["import"], ["validate", "a", "b"], ["export", "only-city"], ["nonsense"], ["plan"]],
)
def test_wrong_usage_exits_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_help_on_every_command() -> None:
    for command in ("validate", "import", "export", "demo", "plan", "forecast", "hidden"):
        result = subprocess.run(
            [sys.executable, "-m", "planner", command, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "usage: python -m planner " + command in result.stdout


def _no_plan_step(*_args: object, **_kwargs: object) -> object:
    from planner.optimise.highs import HighsResult

    return HighsResult(
        "not_solved", "time limit reached before a feasible solution", None, None, None
    )


def _no_plan_run(*_args: object, **_kwargs: object) -> object:
    from planner.optimise.solvers import SolverRun

    return SolverRun(
        status="not_solved",
        solver="highs",
        version="HiGHS test",
        objective=None,
        bound=None,
        gap=None,
        handover_s=0.0,
        solve_s=0.0,
        readback_s=0.0,
        message="time limit reached before a feasible solution",
    )


@pytest.mark.parametrize(
    ("language", "prefix", "status"),
    [("en", "no plan:", "not solved"), ("fr", "aucun plan :", "non résolu")],
)
def test_plan_without_a_solution_says_no_plan_once(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    language: str,
    prefix: str,
    status: str,
) -> None:
    import importlib

    # planner.optimise exports the function `solve`, which hides the module of that name
    solve_module = importlib.import_module("planner.optimise.solve")
    monkeypatch.setattr(solve_module, "run_solver", _no_plan_run)
    # HiGHS's search: every step stops at its limit without a plan (no baseline either)
    search_module = importlib.import_module("planner.optimise.search")
    monkeypatch.setattr(search_module, "_timed", _no_plan_step)
    path = write_tiny_package(tmp_path / "city")
    argv = ["--lang", language, "plan", str(path), "--out", str(tmp_path / "plan")]
    assert main(argv) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert lines == [f"{prefix} time limit reached before a feasible solution"]
    assert captured.out.splitlines()[0].endswith(
        f": {status}" if language == "en" else f" : {status}"
    )


def test_plan_and_sweep_speak_french(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_tiny_package(tmp_path / "city")
    assert main(["--lang", "fr", "plan", str(path), "--out", str(tmp_path / "plan")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Scénario par défaut : optimal\n")
    assert "Statu quo (aucun nouveau fonds) : " in out  # a baseline's line, in French
    assert "status_quo" not in out
    argv = ["--lang", "fr", "sweep", str(path), "--budget", "0.5,1", "--out", str(tmp_path / "s")]
    assert main(argv) == 0
    assert " points en " in capsys.readouterr().out
    assert main(["--lang", "fr", "sweep", str(path), "--budget", "oops"]) == 1
    assert capsys.readouterr().err.strip() == (
        "ligne de commande: --budget: 'oops' : utilisez début:fin:nombre ou a,b,c"
    )


def test_help_titles_in_french() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "planner", "--lang", "fr", "sweep", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "arguments positionnels\u00a0:" in result.stdout
    assert "résoudre chaque point à partir de zéro" in result.stdout


def test_import_and_export_refusals_in_french(
    tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(write_tiny_package(tmp_path / "city"))
    assert main(["--lang", "fr", "import", path]) == 0
    assert capsys.readouterr().out.startswith(f"importée : {CITY['name']} : 3 secteurs")
    assert main(["--lang", "fr", "import", path]) == 1
    assert capsys.readouterr().err.startswith(
        f"erreur : la ville '{CITY['name']}' est déjà dans la base de données ; "
    )
    assert main(["--lang", "fr", "export", "Atlantis", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.strip() == (
        "erreur : aucune ville nommée 'Atlantis' dans la base de données ; "
        f"villes connues : '{CITY['name']}'"
    )


def test_an_unknown_language_names_the_accepted_ones(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--lang", "xx", "demo"])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "--lang" in error and "'xx'" in error
    assert "'en', 'fr'" in error


def test_users_refusals_in_french(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    argv = ["--lang", "fr", "users", "add", "bob", "--role", "funder", "--password-stdin"]
    assert main(argv) == 1
    assert capsys.readouterr().err.strip() == (
        "erreur : mot de passe : utilisez au moins 12 caractères"
    )
    assert main(["--lang", "fr", "users", "disable", "ghost"]) == 1
    assert capsys.readouterr().err.strip() == "erreur : aucun compte nommé 'ghost'"


def test_validate_counts_the_errors_it_does_not_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file with more errors than are listed: the total says how many there are in all."""
    from planner.package import validate_package
    from planner.problems import error_count, errors
    from tests.fuzz.cases import noisy_csv

    path = noisy_csv(tmp_path)
    problems = validate_package(path)
    assert error_count(problems) > len(errors(problems))  # some are only counted
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: {error_count(problems)} error(s); nothing imported." in err
