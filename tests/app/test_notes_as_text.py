"""Scenario notes on Compare are shown as text, not Markdown (issue 13): an image link to an
outside host, bold and a link arrive as the literal characters typed, in a text element,
never as Markdown the browser would fetch or render."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from models.db import get_engine, session_scope
from models.scenarios import save_scenario
from planner.scenario import Scenario
from tests.app.conftest import ROOT
from tests.app.scratch import copy_database, use_database

PAGE = str(ROOT / "pages/compare.py")
DEMO = "Chicago (demo)"
NOTES = {
    "image": "![x](http://example.com/a.png)",
    "bold": "**bold** and [a link](http://example.com/)",
}


@pytest.fixture
def noted_env(
    app_env: str,
    demo_database: str,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    url = copy_database(demo_database, tmp_path_factory.mktemp("notes"))
    with session_scope(get_engine(url)) as session:
        for name, note in NOTES.items():
            save_scenario(
                session,
                city_name=DEMO,
                name=name,
                note=note,
                parameters=Scenario(name=name).to_dict(),
                created_by="test",
            )
    use_database(url, monkeypatch)
    # The notes are drawn before the solve; no plan is needed to see them.
    from ui import compare_view

    monkeypatch.setattr(
        compare_view, "compare", lambda *_a, **_k: SimpleNamespace(problems=[], tables=None)
    )
    yield url


def test_notes_arrive_as_literal_text(noted_env: str) -> None:
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.run()
    assert not app.exception
    texts = [element.value for element in app.text]
    for name, note in NOTES.items():
        assert f"{name}: {note}" in texts
    markdown = [str(element.value) for element in app.markdown] + [
        str(element.value) for element in app.caption
    ]
    assert not [m for m in markdown if "example.com" in m or "**bold**" in m]
