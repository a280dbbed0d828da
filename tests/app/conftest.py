"""A database with the demo city, shared by the app tests of one worker; one Chromium per
browser test module (a second Playwright in the same process cannot start while the first
one runs, so the browser fixture is defined here once; it ends with its module, because a
running Playwright keeps an asyncio event loop running in the worker's main thread, where a
later test's `asyncio.run` then fails)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from models.db import dispose_engines, get_engine, session_scope, upgrade_database
from models.repository import import_package
from planner.package import read_package
from planner.settings import DEMO_PACKAGE, get_settings
from tests.app.browser_helpers import CHROMIUM, CHROMIUM_ARGS, browser_unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def keep_main_module() -> Iterator[None]:
    """AppTest leaves the script it ran as `sys.modules["__main__"]`. A process pool started
    later in the same worker (the sweep's, in tests/test_cli.py) would then run that page
    again in each child, as multiprocessing re-imports the parent's main module there."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'haven.db'}"
    engine = get_engine(url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        import_package(session, read_package(DEMO_PACKAGE))
    yield url
    dispose_engines()


@pytest.fixture
def app_env(demo_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the app at the demo database for one test."""
    monkeypatch.setenv("DATABASE_URL", demo_database)
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    yield demo_database
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = browser_unavailable()
    if reason is not None:
        if os.environ.get("HAVEN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"HAVEN_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


SWEEP_STEP = 5
"""Page tests of the Budget sweep solve every fifth budget of the page's sweep."""


@pytest.fixture
def sweep_budgets(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, ...]]:
    """The Budget sweep page solves the city again at 21 budgets, from nothing to twice the
    funders' (ui.sweep_view.DEFAULT_FACTORS): on the demo city, 21 solves of a model of
    116,000 columns, minutes. A page test goes the same way (the page, its background
    thread, service.plans.run_sweep, planner.sweep on the demo city) at every fifth of
    those budgets (0, 0.5x, 1x, 1.5x, 2x). Returns the budgets the page asked for, one
    tuple per sweep, so that a test can check the page still asks for its whole sweep."""
    from service import plans

    asked: list[tuple[float, ...]] = []
    whole = plans.run_sweep

    def fewer(
        actor: Any,
        city_name: str,
        scenario: Any,
        factors: Sequence[float],
        progress: Callable[[float], None] | None = None,
    ) -> Any:
        asked.append(tuple(factors))
        return whole(actor, city_name, scenario, tuple(factors)[::SWEEP_STEP], progress)

    monkeypatch.setattr(plans, "run_sweep", fewer)
    return asked
