"""The Data page: uploads checked and imported, capacity updates, export, result downloads.

Tests that write use a private copy of the demo database, so the other app tests keep
seeing the demo city as it was.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from models.accounts import list_events
from models.db import get_engine, session_scope
from models.repository import capacity_history, list_cities, record_capacity
from planner.package import read_package
from planner.scenario import Scenario
from planner.settings import DEMO_PACKAGE, get_settings
from tests.app.conftest import ROOT
from tests.app.scratch import copy_database, row_counts, use_database
from tests.package_factory import CITY, set_cell, write_tiny_package, zip_package

PAGE = str(ROOT / "pages/data.py")
DEMO = "Chicago (demo)"
TINY = CITY["name"]


@pytest.fixture
def scratch_env(app_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = copy_database(app_env, tmp_path)
    use_database(url, monkeypatch)
    yield url


def page() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.run()
    assert not app.exception
    return app


def upload(app: AppTest, name: str, data: bytes) -> AppTest:
    app.file_uploader[0].set_value((name, data, "application/zip")).run()
    assert not app.exception
    return app


def tiny_zip(tmp_path: Path, **cells: str) -> bytes:
    """The tiny package zipped; `cells` as `file__line__column=value` edits."""
    folder = write_tiny_package(tmp_path / "tiny")
    for where, value in cells.items():
        file, line, column = where.split("__")
        set_cell(folder, f"{file}.csv", int(line), column, value)
    return zip_package(folder, tmp_path / "tiny.zip").read_bytes()


def problems_table(app: AppTest) -> pd.DataFrame:
    return next(d.value for d in app.dataframe if "message" in d.value.columns)


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def test_the_page_renders(app_env: str) -> None:
    app = page()
    assert [s.value for s in app.subheader] == [
        "Import a data package",
        "Update an agency's capacity",
        "Capacity now: funded, in service, free",
        "Data quality",
        "Hotline contacts",
        "Export the city",
        "Download the plan's tables",
    ]
    assert app.file_uploader[0].label.startswith("Data package")
    assert "Plan page" in app.info[0].value
    assert app.download_button[0].label == f"Download {DEMO} as a data package (.zip)"


def test_a_public_visitor_sees_what_the_sections_are_for_and_can_change_nothing(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAVEN_AUTH", "local")
    monkeypatch.setenv("HAVEN_PUBLIC_ACCESS", "true")
    get_settings.cache_clear()
    app = page()
    assert not app.file_uploader and not app.download_button and not app.button
    infos = " ".join(i.value for i in app.info)
    assert "Importing data packages is for analysts and admins" in infos
    assert "Updating capacity is for" in infos
    assert "Exporting the whole package" in infos


def test_an_invalid_upload_shows_every_message_and_changes_nothing(
    scratch_env: str, tmp_path: Path
) -> None:
    before = row_counts(scratch_env)
    bad = tiny_zip(tmp_path, capacity__3__capacity="-3", funders__2__budget="lots")
    app = upload(page(), "tiny.zip", bad)
    table = problems_table(app)
    assert list(table.columns) == ["severity", "file", "line", "feature", "column", "message"]
    errors = table[table["severity"] == "error"]
    assert len(errors) == 2
    capacity = errors[errors["file"] == "capacity.csv"].iloc[0]
    assert (capacity["line"], capacity["column"]) == (3, "capacity")
    assert "below 0" in capacity["message"]
    assert "2 error(s)" in app.error[0].value
    assert not [b for b in app.button if b.label == "Import"]
    assert row_counts(scratch_env) == before


def test_a_file_that_is_not_a_zip_is_a_message(scratch_env: str) -> None:
    before = row_counts(scratch_env)
    app = upload(page(), "notes.zip", b"these are notes, not a zip")
    assert "neither a package folder nor a .zip" in problems_table(app)["message"].iloc[0]
    assert app.error
    assert row_counts(scratch_env) == before


def test_a_valid_upload_imports_and_a_replace_needs_the_checkbox(
    scratch_env: str, tmp_path: Path
) -> None:
    before = row_counts(scratch_env)
    app = upload(page(), "tiny.zip", tiny_zip(tmp_path))
    assert app.success[0].value.startswith(f"{TINY}: 3 districts, 3 agencies")
    assert not app.checkbox  # a new city: nothing to replace
    button(app, "Import").click().run()
    assert not app.exception
    assert app.success[-1].value.startswith(f"Imported {TINY}")
    with session_scope(get_engine(scratch_env)) as session:
        assert list_events(session, city=TINY)[0].action == "import"
    with session_scope(get_engine(scratch_env)) as session:
        assert list_cities(session) == [DEMO, TINY]
    after = row_counts(scratch_env)
    assert after["agency"] == before["agency"] + 3

    # The same city again, with a renamed agency: the page sees the new data at once.
    app.sidebar.selectbox[0].select(TINY).run()
    agency = next(s for s in app.selectbox if s.label == "Agency")
    assert "Safe Harbor House (A1)" in agency.options
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    folder = write_tiny_package(renamed / "tiny")
    set_cell(folder, "agencies.csv", 2, "name", "Harbor Light House")
    upload(app, "tiny.zip", zip_package(folder, renamed / "tiny.zip").read_bytes())
    assert button(app, "Import").disabled
    app.checkbox[0].check().run()
    button(app, "Import").click().run()
    assert not app.exception
    assert app.success[-1].value.startswith(f"Replaced the data of {TINY}")
    agency = next(s for s in app.selectbox if s.label == "Agency")
    assert "Harbor Light House (A1)" in agency.options
    assert row_counts(scratch_env)["agency"] == after["agency"]


def test_a_capacity_update_adds_a_history_row(scratch_env: str) -> None:
    app = page()
    agency = next(s for s in app.selectbox if s.label == "Agency")
    service = next(s for s in app.selectbox if s.label == "Service")
    agency_id = agency.value
    service_id = service.value

    def history() -> list:
        with session_scope(get_engine(scratch_env)) as session:
            return capacity_history(
                session, city_name=DEMO, agency_id=agency_id, service_id=service_id
            )

    rows = len(history())
    app.number_input[0].set_value(-4.0)
    button(app, "Save capacity").click().run()
    assert not app.exception
    assert "Must be 0 or more, not -4." in app.error[0].value
    assert len(history()) == rows

    app.number_input[0].set_value(31.0)
    app.number_input[1].set_value(29.0)
    button(app, "Save capacity").click().run()
    assert not app.exception
    assert app.success[0].value.startswith("Saved:")
    saved = history()
    assert len(saved) == rows + 1
    assert (saved[-1].capacity, saved[-1].occupied, saved[-1].recorded_by) == (31.0, 29.0, "local")
    shown = next(d.value for d in app.dataframe if "recorded_by" in d.value.columns)
    assert len(shown) == rows + 1
    assert shown["capacity"].iloc[0] == 31.0  # newest first
    with session_scope(get_engine(scratch_env)) as session:
        event = list_events(session, city=DEMO, limit=1)[0]
    assert (event.actor, event.action) == ("local", "capacity_edit")
    assert event.target == f"{agency_id}/{service_id}"


def test_a_capacity_update_on_stale_figures_is_refused(scratch_env: str) -> None:
    app = page()
    agency_id = next(s for s in app.selectbox if s.label == "Agency").value
    service_id = next(s for s in app.selectbox if s.label == "Service").value
    with session_scope(get_engine(scratch_env)) as session:  # someone else saves meanwhile
        record_capacity(
            session,
            city_name=DEMO,
            agency_id=agency_id,
            service_id=service_id,
            capacity=50.0,
            as_of=date(2026, 11, 1),
            recorded_by="someone else",
        )
    before = row_counts(scratch_env)
    app.number_input[0].set_value(12.0)
    button(app, "Save capacity").click().run()
    assert not app.exception
    assert any("changed since this form was shown" in e.value for e in app.error)
    assert row_counts(scratch_env) == before
    button(app, "Save capacity").click().run()  # now on the current figures
    assert app.success[0].value.startswith("Saved:")
    assert row_counts(scratch_env)["capacity"] == before["capacity"] + 1


def choose_beds(app: AppTest) -> tuple[str, str]:
    """Pick an agency that offers a service counted in beds; (agency_id, service_id)."""
    package = read_package(DEMO_PACKAGE)
    beds = set(package.services.loc[package.services["unit"] == "bed", "service_id"])
    current = package.current_capacity()
    row = current[current["service_id"].isin(beds)].iloc[0]
    agency_id, service_id = str(row["agency_id"]), str(row["service_id"])
    next(s for s in app.selectbox if s.label == "Agency").set_value(agency_id).run()
    next(s for s in app.selectbox if s.label == "Service").set_value(service_id).run()
    assert not app.exception
    return agency_id, service_id


def field(app: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(n for n in app.number_input if n.label.startswith(label))


def test_the_capacity_form_saves_what_was_typed(scratch_env: str) -> None:
    """Issue 14: a partner saves 20 beds, corrects to 18 and saves: the page said "Saved …
    20 beds" and the database held 20 (the field was made again with the saved figure as
    its default, which dropped the correction)."""
    app = page()
    agency_id, service_id = choose_beds(app)

    def latest() -> float:
        with session_scope(get_engine(scratch_env)) as session:
            rows = capacity_history(
                session, city_name=DEMO, agency_id=agency_id, service_id=service_id
            )
        return rows[-1].capacity

    field(app, "Occupied").set_value(None)
    for typed, was in ((20.0, None), (18.0, 20.0), (19.0, 18.0)):
        field(app, "Capacity").set_value(typed)
        button(app, "Save capacity").click().run()
        assert not app.exception
        assert latest() == typed
        message = app.success[0].value
        assert message.startswith("Saved:") and f"has {typed:.0f} beds" in message, message
        if was is not None:
            assert message.endswith(f"was {was:.0f}."), message
        assert field(app, "Capacity").value == typed


def test_capacity_figures_are_checked_beside_their_field(scratch_env: str) -> None:
    app = page()
    choose_beds(app)
    before = row_counts(scratch_env)
    field(app, "Capacity").set_value(13.5)
    button(app, "Save capacity").click().run()
    assert not app.exception
    assert any(e.value == "Whole beds only, not 13.5." for e in app.error)
    assert row_counts(scratch_env) == before
    assert field(app, "Capacity").value == 13.5, "the typed figure stays to be corrected"

    field(app, "Capacity").set_value(10.0)
    field(app, "Occupied").set_value(25.0)
    button(app, "Save capacity").click().run()
    assert any(
        e.value == "More than the capacity, 10: occupied cannot exceed it." for e in app.error
    )
    assert row_counts(scratch_env) == before

    field(app, "May add at most").set_value(-1.0)
    field(app, "Occupied").set_value(4.0)
    button(app, "Save capacity").click().run()
    assert any(e.value == "Must be 0 or more, not -1." for e in app.error)
    assert row_counts(scratch_env) == before


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What the page offers for download, by file name (the media storage spied on)."""
    offered: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        if filename and isinstance(path_or_data, bytes):
            offered[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    original_deferred = MediaFileManager.add_deferred

    def deferred(self, data, mimetype, *args, **kwargs):  # type: ignore[no-untyped-def]
        # A download packed on click (the city's .zip): packed here, as a click would.
        name = kwargs.get("file_name") or (args[1] if len(args) > 1 else None)
        if name:
            offered[str(name)] = bytes(data())
        return original_deferred(self, data, mimetype, *args, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    monkeypatch.setattr(MediaFileManager, "add_deferred", deferred)
    return offered


def test_export_gives_a_package_that_reads_back(
    app_env: str, tmp_path: Path, downloads: dict[str, bytes]
) -> None:
    page()
    data = downloads["Chicago_demo.zip"]
    (tmp_path / "export.zip").write_bytes(data)
    package = read_package(tmp_path / "export.zip")
    assert package.city.name == DEMO
    assert len(package.districts) == 77


def test_the_last_plan_tables_download_as_csv_and_excel(
    app_env: str, downloads: dict[str, bytes]
) -> None:
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.session_state["plan_scenario"] = Scenario(name="New plan")
    app.run()
    assert not app.exception
    names = ["funding.csv", "capacity_added.csv", "coverage.csv", "plan_tables.xlsx"]
    assert [b.label.split(" ")[0] for b in app.download_button[1:]] == names
    funding = pd.read_csv(io.BytesIO(downloads["funding.csv"]))
    assert "Amount (USD)" in funding.columns and len(funding) > 0
    workbook = pd.read_excel(io.BytesIO(downloads["plan_tables.xlsx"]), sheet_name=None)
    assert list(workbook) == ["funding", "capacity_added", "coverage"]
    assert len(workbook["funding"]) == len(funding)
    with zipfile.ZipFile(io.BytesIO(downloads["plan_tables.xlsx"])) as archive:
        assert archive.testzip() is None
