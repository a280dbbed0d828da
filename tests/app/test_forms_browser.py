"""Forms that keep edits, in a real browser (issue 14): Debian's Chromium through Playwright
on `streamlit run app.py`, as an analyst would use them.

- The Plan form: four budgets typed and run one after the other; each is the one that runs,
  the field shows it with its thousands grouped, and the link carries it.
- The capacity form: 20, then 18: "Saved … 18 …, was 20" and the database holds 18.
- The permalink's Copy button puts the link (with its data version) on the clipboard.
- The report: one click per format, and the buttons stay after a download.

The app runs on a database of its own (these tests write). Without Chromium the tests skip
with the reason (HAVEN_REQUIRE_BROWSER=1 makes that a failure; see test_browser.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.app.browser_helpers import (
    EXCEPTION,
    RUN_OBSERVER,
    VIEWPORT,
    expect_run,
    is_local,
    load_demo,
    streamlit_server,
    wait_idle,
)
from tests.app.scratch import copy_stored

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

SOLVE_TIMEOUT_MS = 180_000
DEMO = "Chicago (demo)"


@pytest.fixture(scope="module")
def forms_app(
    browser: Browser,
    demo_database: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str]]:
    """(the app's URL, its database URL): the demo city in a database of its own, with what
    the app tests stored for the demo city so far (tests/app/scratch.py copy_stored)."""
    folder = tmp_path_factory.mktemp("forms_browser")
    database_url = f"sqlite:///{folder / 'haven.db'}"
    load_demo(database_url)
    copy_stored(demo_database, database_url)
    with streamlit_server(database_url, folder / "streamlit.log") as url:
        yield url, database_url


@pytest.fixture
def page(browser: Browser, forms_app: tuple[str, str]) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, base_url=forms_app[0])
    context.add_init_script(RUN_OBSERVER)
    context.route(lambda url: not is_local(url), lambda route: route.abort())
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=forms_app[0])
    opened = context.new_page()
    opened.set_default_timeout(SOLVE_TIMEOUT_MS)
    yield opened
    context.close()


def open_page(page: Page, path: str) -> None:
    page.goto(path)
    wait_idle(page, SOLVE_TIMEOUT_MS)
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()


def click_and_wait(page: Page, name: str) -> None:
    expect_run(page)
    page.get_by_role("button", name=name, exact=True).click()
    wait_idle(page, SOLVE_TIMEOUT_MS)
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()


def linked(page: Page, key: str) -> str | None:
    values = parse_qs(urlsplit(page.url).query).get(key)
    return values[-1] if values else None


def test_the_plan_form_runs_each_budget_typed(page: Page) -> None:
    open_page(page, "/plan")
    budget = page.get_by_label("Total new budget")
    for typed in (1_600_000, 1_700_000, 1_800_000, 1_650_000):
        budget.fill(str(typed))
        click_and_wait(page, "Run")
        assert float(linked(page, "budget") or 0) == typed, (
            f"{typed:,} was typed; the link ran {linked(page, 'budget')}"
        )
        assert budget.input_value() == f"{typed:,}", budget.input_value()
        assert page.get_by_text("Optimal plan found").count() >= 1
        money = page.locator('[data-testid="stMetric"]', has_text="Money spent")
        shown = money.locator('[data-testid="stMetricValue"]').inner_text()
        # Shown in millions to one decimal ($1.65M spent reads "$1.7M"): the money of the
        # budget typed, not of the run before.
        assert shown.startswith("$") and shown.endswith("M"), shown
        assert abs(float(shown[1:-1]) - typed / 1e6) <= 0.05 + 1e-9, shown
    floor = page.locator('[data-testid="stSlider"]', has_text="Equity floor")
    assert "0%" in floor.inner_text() and "0.00" not in floor.inner_text()


def test_copy_link_copies_the_link_with_its_data_version(page: Page) -> None:
    open_page(page, "/plan?name=Copied&budget=1500000")
    code = page.locator('[data-testid="stCode"]', has_text="budget=1500000")
    code.hover()
    code.get_by_role("button").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    query = parse_qs(urlsplit(copied).query)
    assert copied.startswith(page.url.split("?")[0]), copied
    assert query["name"] == ["Copied"] and query["budget"] == ["1500000"]
    assert query["v"] == [linked(page, "v")] and query["v"][0]


def test_the_report_downloads_in_one_click_per_format_and_stays(page: Page) -> None:
    open_page(page, "/plan?name=Report&budget=1500000")
    starts = {"PDF": b"%PDF", "HTML": b"<!", "Excel": b"PK"}
    for fmt, start in starts.items():
        button = page.get_by_role("button", name=f"Download the report ({fmt})")
        with page.expect_download(timeout=SOLVE_TIMEOUT_MS) as download:
            button.click()
        path = download.value.path()
        with open(path, "rb") as data:
            head = data.read(16)
        assert head.lstrip().upper().startswith(start.upper()), (fmt, head)
        page.wait_for_timeout(500)
        for other in starts:
            assert page.get_by_role("button", name=f"Download the report ({other})").is_visible()
    assert page.get_by_text("For an analyst:").count() == 1


def test_the_capacity_form_saves_what_was_typed(page: Page, forms_app: tuple[str, str]) -> None:
    from playwright.sync_api import expect

    from models.db import get_engine, session_scope
    from models.repository import capacity_history

    open_page(page, "/data")
    capacity = page.get_by_label(re.compile(r"^Capacity \("))
    previous = None
    for typed in (20, 18, 19):
        capacity.fill(str(typed))
        click_and_wait(page, "Save capacity")
        message = page.locator('[data-testid="stAlertContentSuccess"]')
        # A loaded machine may still show the last save's message: wait for this one.
        expect(message).to_contain_text(f" has {typed} ", timeout=60_000)
        saved = message.inner_text()
        assert saved.startswith("Saved:") and f" has {typed} " in saved, saved
        if previous is not None:
            assert saved.rstrip().endswith(f"was {previous}."), saved
        assert capacity.input_value() in (str(typed), f"{typed}.00"), capacity.input_value()
        previous = typed
    agency = saved.split("Saved: ")[1].split(" has ")[0]
    with session_scope(get_engine(forms_app[1])) as session:
        from models.repository import load_package

        package = load_package(session, DEMO)
        agency_id = str(
            package.agencies.loc[package.agencies["name"] == agency, "agency_id"].iloc[0]
        )
        current = package.current_capacity()
        rows = current[current["agency_id"] == agency_id]
        assert 19.0 in set(rows["capacity"]), rows
        for service_id in rows.loc[rows["capacity"] == 19.0, "service_id"]:
            history = capacity_history(
                session, city_name=DEMO, agency_id=agency_id, service_id=str(service_id)
            )
            assert [row.capacity for row in history[-3:]] == [20.0, 18.0, 19.0]
