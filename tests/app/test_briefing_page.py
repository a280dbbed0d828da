"""Compare's council briefing (issue 20): the reader chooses an audience and a language and
downloads one document per format."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from models.db import get_engine, session_scope
from models.scenarios import save_scenario
from planner.scenario import Scenario
from tests.app.conftest import ROOT
from tests.app.scratch import copy_database, use_database

PAGE = str(ROOT / "pages/compare.py")
DEMO = "Chicago (demo)"


@pytest.fixture(scope="module")
def saved_copy(demo_database: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = copy_database(demo_database, tmp_path_factory.mktemp("briefing_saved"))
    with session_scope(get_engine(url)) as session:
        for scenario in (Scenario(name="Whole"), Scenario(name="Half", budget=1_875_000)):
            save_scenario(
                session,
                city_name=DEMO,
                name=scenario.name,
                note="",
                parameters=scenario.to_dict(),
                created_by="test",
            )
    return url


@pytest.fixture
def saved_env(app_env: str, saved_copy: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    use_database(saved_copy, monkeypatch)
    yield saved_copy


def test_compare_offers_a_briefing_for_narrower_audiences(saved_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=300)
    app.run()
    assert not app.exception
    assert any(header.value == "A council briefing" for header in app.subheader)
    audience = next(box for box in app.selectbox if box.label == "For")
    assert "partner" in audience.options and "public" not in audience.options
    language = next(box for box in app.selectbox if box.label == "Language")
    assert len(language.options) == 2
