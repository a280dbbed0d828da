"""A version-2 city (funded, hotline.csv, small_count_k) goes into the database and comes
back out by `import` and `export`, row for row; an export for the public has no hotline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from cli.main import main
from models.db import dispose_engines
from planner.package import read_package
from planner.settings import get_settings
from service import store
from tests.package_factory import CITY, add_column, edit_city, set_cell, write_tiny_package

HOTLINE = """\
period,channel,contacts,district_id,language,exploitation,referred
2026-01,phone,42,D1,,,30
2026-01,chat,2,,es,labour,
"""


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'haven.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    store.clear()
    yield url
    store.clear()
    get_settings.cache_clear()
    dispose_engines()


def test_a_version_2_city_round_trips_through_the_database(tmp_path: Path, database: str) -> None:
    path = write_tiny_package(tmp_path / "city")
    add_column(path, "capacity.csv", "funded")
    set_cell(path, "capacity.csv", 3, "funded", "30")
    (path / "hotline.csv").write_text(HOTLINE, encoding="utf-8")
    edit_city(path, small_count_k=4)
    assert main(["import", str(path)]) == 0
    out = tmp_path / "export"
    assert main(["export", CITY["name"], str(out)]) == 0
    original, exported = read_package(path), read_package(out)
    for frame in ("capacity", "hotline"):
        pd.testing.assert_frame_equal(getattr(original, frame), getattr(exported, frame))
    assert exported.city.small_count_k == 4
    public = tmp_path / "public"
    assert main(["export", CITY["name"], str(public), "--for", "public"]) == 0
    assert not (public / "hotline.csv").exists()
