"""`python -m planner plan` loads what a plan needs and nothing else (issue 18: module
imports were 28 % of the demo city's plan command)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from cli.main import COMMAND_MODULES, EXPORT_AUDIENCES, build_parser
from planner.settings import PROJECT_ROOT
from service.audience import AUDIENCE_NAMES
from tests.package_factory import write_tiny_package

#: Modules a plan on a package folder never needs: the database's, the app's, the report
#: writers', and the forecaster's statistics (a short history plans on its recent mean).
NOT_FOR_A_PLAN = (
    "models",
    "sqlmodel",
    "alembic",
    "streamlit",
    "reports.build",
    "reports.pdf",
    "fpdf",
    "openpyxl",
    "altair",
    "statsmodels",
    "sqlalchemy",
)

PROBE = """
import json, sys
from cli.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_plan_command_imports_no_database_app_or_report_modules(tmp_path: Path) -> None:
    city = write_tiny_package(tmp_path / "city")
    env = {**os.environ, "HAVEN_FORECAST_DIR": str(tmp_path / "forecasts")}
    argv = ["plan", str(city), "--out", str(tmp_path / "plan")]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    loaded = [
        name
        for name in result["modules"]
        if any(name == heavy or name.startswith(heavy + ".") for heavy in NOT_FOR_A_PLAN)
    ]
    assert not loaded, loaded


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def test_each_command_is_built_from_its_own_module() -> None:
    every = _commands(build_parser())
    assert set(COMMAND_MODULES) <= every
    for command in COMMAND_MODULES:
        assert command in _commands(build_parser(command))


def test_export_audiences_are_the_service_layers() -> None:
    assert EXPORT_AUDIENCES == AUDIENCE_NAMES


def test_the_forecast_folder_reads_sqlite_urls_as_sqlalchemy_does() -> None:
    from sqlalchemy.engine import make_url

    from service.forecasts import _sqlite_file

    for url in (
        "sqlite:///var/haven.db",
        "sqlite:////srv/haven/haven.db",
        "sqlite:///:memory:",
        "sqlite+pysqlite:///a/b.db?mode=ro",
        "postgresql+psycopg://haven@db/haven",
    ):
        parsed = make_url(url)
        expected = parsed.database if parsed.get_backend_name() == "sqlite" else None
        assert _sqlite_file(url) == expected, url
    assert not _sqlite_file("sqlite://")  # in memory: no folder, as make_url's None
