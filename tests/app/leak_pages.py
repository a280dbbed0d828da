"""Drive the app as one role in one language through every page it may open, and gather
everything the reader receives (tests/leak_scan.py reads it).

The app runs through app.py with `HAVEN_AUTH=local` (the public: `HAVEN_PUBLIC_ACCESS`, no
login), the way a browser session does: the Plan page's scenario is run, then every report
format is prepared, and the Data page offers that plan's downloads; the Budget sweep is run;
on the Capacity map and the Demand page every option of every selectbox is drawn once.
Download buttons' files are caught as Streamlit stores them (`MemoryMediaFileStorage`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from planner.i18n import t, use_language
from planner.settings import get_settings
from service.access import PUBLIC_VISITOR, Action, Actor, can
from tests.app.conftest import ROOT
from tests.leak_city import CITY
from tests.leak_scan import Received
from ui.auth import ACTOR_KEY, LAST_ACTIVITY_KEY
from ui.language import LANGUAGE_KEY
from ui.navigation import pages_for

TIMEOUT = 300


@contextmanager
def caught_media() -> Iterator[dict[str, tuple[bytes, str]]]:
    """Every file a page hands to Streamlit's media storage: file id -> (bytes, name)."""
    media: dict[str, tuple[bytes, str]] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def load_and_get_id(
        self: Any, path_or_data: Any, mimetype: str, kind: Any, filename: Any = None
    ) -> str:
        file_id: str = original(self, path_or_data, mimetype, kind, filename)
        data = self.get_file(file_id).content
        media[file_id] = (bytes(data), filename or "")
        return file_id

    original_deferred = MediaFileManager.add_deferred

    def add_deferred(self: Any, data: Any, mimetype: Any, *args: Any, **kwargs: Any) -> str:
        # A download written on click (the Plan page's reports): written here, so that
        # what it would hand out is scanned too.
        made = data()
        file_id = str(original_deferred(self, data, mimetype, *args, **kwargs))
        media[file_id] = (
            made.encode() if isinstance(made, str) else bytes(made),
            str(kwargs.get("file_name") or ""),
        )
        return file_id

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_get_id)
        patch.setattr(MediaFileManager, "add_deferred", add_deferred)
        yield media


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


class Session:
    """One browser session of one role in one language: each page run on its own, as
    tests/app does (AppTest does not pass a click on to a page under app.py's
    st.navigation), with the session's state carried from page to page."""

    def __init__(
        self, actor: Actor | None, language: str, media: dict[str, tuple[bytes, str]]
    ) -> None:
        self.actor = actor
        self.language = language
        self.media = media
        self.received = Received()
        self.problems: list[str] = []
        self.role = actor.role if actor is not None else "public"
        self.carried: dict[str, Any] = {"city": CITY}
        self.app = self.open("app.py")

    def open(self, path: str) -> AppTest:
        app = AppTest.from_file(str(ROOT / path), default_timeout=TIMEOUT)
        if self.actor is not None:
            app.session_state[ACTOR_KEY] = self.actor
            app.session_state[LAST_ACTIVITY_KEY] = datetime.now(UTC)
        app.session_state[LANGUAGE_KEY] = self.language
        for key, value in self.carried.items():
            app.session_state[key] = value
        self.app = app
        return app

    def words(self, text: str) -> str:
        with use_language(self.language):
            return t(text)

    def run(self, where: str) -> None:
        if self.actor is not None:
            self.app.session_state[LAST_ACTIVITY_KEY] = datetime.now(UTC)
        self.app.run()
        self.collect(where)
        for key in CARRIED:
            if key in self.app.session_state:
                self.carried[key] = self.app.session_state[key]

    def collect(self, where: str) -> None:
        where = f"{self.role}/{self.language}/{where}"
        for exception in self.app.exception:
            trace = "\n".join(getattr(exception, "stack_trace", []) or [])[-1500:]
            self.problems.append(f"{where}: exception {exception.value}\n{trace}")
        for node in _nodes(self.app._tree):
            proto = getattr(node, "proto", None)
            if proto is not None and hasattr(proto, "ListFields"):
                self.received.proto(where, proto, self.media)

    def page(self, path: str) -> None:
        self.open(path)
        self.run(path)

    def click(self, label: str, where: str) -> bool:
        """Click the button (or form submit button) with this label; False when none."""
        wanted = self.words(label)
        for button in self.app.button:
            if button.label == wanted:
                button.click()
                self.run(where)
                return True
        return False

    def every_option(self, where: str) -> None:
        """Draw every option of every selectbox of the main area once."""
        count = len(self.app.main.selectbox)
        for index in range(count):
            boxes = self.app.main.selectbox
            if index >= len(boxes):
                break
            options = len(boxes[index].options)
            for option in range(1, options):
                boxes = self.app.main.selectbox
                if index >= len(boxes) or option >= len(boxes[index].options):
                    break
                boxes[index].select_index(option)
                self.run(f"{where}[select {index}={option}]")
            boxes = self.app.main.selectbox
            if index < len(boxes) and len(boxes[index].options) > 1:
                boxes[index].select_index(0)
                self.run(f"{where}[select {index}=0]")


CARRIED = ("plan_scenario", "city")
"""Session state a page leaves for the next one (the Plan page's scenario feeds the Data
page's downloads)."""


def visit_every_page(session: Session) -> None:
    session.run("app.py")  # the menu, the sidebar, the first page through app.py
    # Every page: the menu lists those of the role, but a link opens any page file, and
    # a page must refuse (showing nothing) what the role may not see. The Plan page
    # first: its plan feeds the Data page's downloads.
    listed = [page.path for page in pages_for(session.actor or PUBLIC_VISITOR)]
    paths = sorted(
        {*listed, *(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))}
    )
    paths.remove("pages/plan.py")
    paths.insert(0, "pages/plan.py")
    runs = can(session.actor or PUBLIC_VISITOR, Action.RUN_SCENARIOS)
    for path in paths:
        session.page(path)
        app = session.app
        if path in ("pages/plan.py", "pages/sweep.py") and not runs:
            continue  # refused: the page shows why, and nothing else (scanned as it is)
        if path == "pages/plan.py":
            if not session.click("Run", path):
                session.problems.append(f"{session.role}/{session.language}: no Run button")
                continue
            # One download button per report format, each written on click: the media
            # spy (`caught_media`) writes and keeps them when the page offers them.
            reports = [d for d in app.get("download_button") if d.proto.deferred_file_id]
            if len(reports) < 3:
                session.problems.append(f"{session.role}/{session.language}: no report formats")
            for report in reports:
                data, name = session.media.get(report.proto.deferred_file_id, (b"", ""))
                session.received.file(f"{path}[report]", name, data)
        elif path == "pages/sweep.py":
            if not session.click("Run the budget sweep", path):
                session.problems.append(f"{session.role}/{session.language}: no sweep button")
        elif path in ("pages/capacity_map.py", "pages/demand.py"):
            session.every_option(path)


def render(actor: Actor | None, language: str, database_url: str) -> Session:
    """Every page this actor may open, in this language (actor None: the public)."""
    with pytest.MonkeyPatch.context() as patch, caught_media() as media:
        patch.setenv("DATABASE_URL", database_url)
        patch.setenv("HAVEN_AUTH", "local")
        patch.setenv("HAVEN_PUBLIC_ACCESS", "true" if actor is None else "false")
        patch.delenv("HAVEN_SMALL_COUNT_K", raising=False)
        patch.setenv("HAVEN_LANG", language)  # a page run on its own speaks HAVEN_LANG
        patch.chdir(ROOT)
        get_settings.cache_clear()
        try:
            session = Session(actor, language, media)
            visit_every_page(session)
        finally:
            get_settings.cache_clear()
    return session
