"""Generated hostile input (issue 13), by hypothesis: random bytes as CSV cells and headers,
random zip entry names, random scenario files. Whatever comes in, the reader answers with
problems (one line each, no traceback) or a package, never an exception, never a file
written outside its temporary folder; and a refused import leaves the database as it was."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import main
from models.db import dispose_engines, get_engine
from planner.package import read_package, validate_package
from planner.package_files import entry_name_message
from planner.problems import InvalidInput
from planner.scenario import Scenario
from planner.settings import get_settings
from tests.package_factory import write_tiny_package

FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

CSV_FILES = ("services.csv", "agencies.csv", "capacity.csv", "demand.csv", "funders.csv")


@contextmanager
def tiny_package() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="haven-fuzz-") as tmp:
        yield write_tiny_package(Path(tmp) / "city")


def replace_cell(data: bytes, line: int, column: int, cell: bytes) -> bytes:
    """The CSV bytes with one cell (0-based line and column, header included) replaced."""
    lines = data.split(b"\n")
    line = line % (len(lines) - 1)  # the last element is after the final newline
    cells = lines[line].split(b",")
    cells[column % len(cells)] = cell
    lines[line] = b",".join(cells)
    return b"\n".join(lines)


def outcome_is_clean(path: Path) -> list[str]:
    """Validate and read; both must agree and every message must be one clean line."""
    problems = validate_package(path)
    lines = [str(p) for p in problems]
    for line in lines:
        assert "\n" not in line and "\r" not in line, line
        assert "Traceback" not in line
        assert len(line) < 2000
    if any(p.is_error for p in problems):
        with pytest.raises(InvalidInput):
            read_package(path)
    else:
        read_package(path)
    return lines


@FUZZ
@given(
    file=st.sampled_from(CSV_FILES),
    line=st.integers(min_value=1, max_value=30),
    column=st.integers(min_value=0, max_value=10),
    cell=st.binary(max_size=40),
)
def test_random_bytes_as_a_csv_cell(file: str, line: int, column: int, cell: bytes) -> None:
    with tiny_package() as path:
        (path / file).write_bytes(replace_cell((path / file).read_bytes(), line, column, cell))
        outcome_is_clean(path)


@FUZZ
@given(file=st.sampled_from(CSV_FILES), column=st.integers(0, 10), name=st.text(max_size=40))
def test_random_text_as_a_column_name(file: str, column: int, name: str) -> None:
    quoted = '"' + name.replace('"', '""') + '"'
    with tiny_package() as path:
        data = (path / file).read_bytes()
        (path / file).write_bytes(replace_cell(data, 0, column, quoted.encode("utf-8")))
        outcome_is_clean(path)


@FUZZ
@given(file=st.sampled_from((*CSV_FILES, "city.json", "districts.geojson")), data=st.binary())
def test_random_bytes_as_a_whole_file(file: str, data: bytes) -> None:
    with tiny_package() as path:
        (path / file).write_bytes(data)
        lines = outcome_is_clean(path)
        assert any(line.startswith(file) for line in lines)


ENTRY_NAMES = st.one_of(
    st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=60),
    st.lists(
        st.sampled_from(["..", ".", "", "a", "city.json", "services.csv", "C:", "\\..", "~", "/"]),
        min_size=1,
        max_size=6,
    ).map("/".join),
)


@FUZZ
@given(name=ENTRY_NAMES, data=st.binary(max_size=64))
def test_random_zip_entry_names(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="haven-fuzz-") as tmp:
        sandbox = Path(tmp) / "sandbox"
        sandbox.mkdir()
        folder = write_tiny_package(Path(tmp) / "city")
        path = sandbox / "package.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for file in sorted(folder.iterdir()):
                archive.write(file, file.name)
            info = zipfile.ZipInfo(name)
            if info.filename in {f.name for f in folder.iterdir()}:
                return  # a duplicate of a package file: refused, tested in the corpus
            archive.writestr(info, data)
        before = sorted(os.listdir(tmp)), sorted(os.listdir(sandbox))
        lines = outcome_is_clean(path)
        assert (sorted(os.listdir(tmp)), sorted(os.listdir(sandbox))) == before
        refusal = entry_name_message(info.filename)
        if not info.filename.strip("/"):
            refusal = "holds an entry without a name (not extracted)"
        if refusal is not None:
            assert any(refusal in line for line in lines)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
SCENARIO_KEYS = st.sampled_from(
    ["name", "budget", "weights", "radius_km", "horizon_months", "equity_floor", "robust", "x"]
)


@FUZZ
@given(data=st.dictionaries(SCENARIO_KEYS, JSON_VALUES, max_size=6), nesting=st.integers(0, 3000))
def test_random_scenario_files(data: dict[str, object], nesting: int) -> None:
    text = json.dumps(data, allow_nan=True)
    if nesting:
        text = (
            text[:-1] + (', "deep": ' if data else '"deep": ') + "[" * nesting + "]" * nesting + "}"
        )
    with tempfile.TemporaryDirectory(prefix="haven-fuzz-") as tmp:
        path = Path(tmp) / "scenario.json"
        path.write_text(text, encoding="utf-8")
        try:
            Scenario.from_file(path)
        except InvalidInput as exc:
            assert all("\n" not in str(p) for p in exc.problems)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'db' / 'haven.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    assert main(["import", str(write_tiny_package(tmp_path / "good"))]) == 0
    yield url
    get_settings.cache_clear()
    dispose_engines()


def row_counts(url: str) -> dict[str, int]:
    with get_engine(url).connect() as connection:
        names = sa.inspect(connection).get_table_names()
        return {
            name: connection.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
            for name in names
        }


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    file=st.sampled_from(CSV_FILES),
    line=st.integers(min_value=1, max_value=30),
    column=st.integers(min_value=0, max_value=10),
    cell=st.binary(min_size=1, max_size=20),
)
def test_a_refused_import_leaves_the_database_as_it_was(
    database: str,
    capsys: pytest.CaptureFixture[str],
    file: str,
    line: int,
    column: int,
    cell: bytes,
) -> None:
    with tiny_package() as path:
        (path / file).write_bytes(replace_cell((path / file).read_bytes(), line, column, cell))
        before = row_counts(database)
        capsys.readouterr()
        code = main(["import", str(path), "--replace"])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err + captured.out
        assert code in (0, 1)
        if code == 1:
            assert row_counts(database) == before
