"""Benchmark of the app as a user meets it: `streamlit run app.py` on the demo city, driven
by Debian's Chromium through Playwright (the set-up of tests/app/test_browser.py).

Measured, each `--repeats` times, medians reported:
- each page's render from a click on its sidebar link to Streamlit idle (the script ran, no
  spinner, every chart drew its marks): the first visit in a browser session, and warm
  (the later visits; the issue's target is under 1 s);
- a plan run with HiGHS end to end: opening a Plan permalink with a new scenario (a budget
  not solved before, so nothing is cached) until the results and their maps are drawn (the
  issue's target is under 5 s), beside the solve time the page itself reports;
- each page's first render after a restart of the server, in a new browser, and how long the
  server took from its start to answering (`serve.py` warms the process before it answers);
- references from the same run, so that ratios mean something on a busy machine: a page
  switch in a two-page Streamlit app that only writes a title and a line, the same app's
  first visit in a new browser right after its server started (the floor of any first
  render after a restart), and the round trip of the server's health endpoint.

    python bench/bench_pages.py               # writes bench/results/pages.md
    python bench/bench_pages.py --repeats 3
    python bench/bench_pages.py --app app.py  # served without the warm start

Needs /usr/bin/chromium and the `playwright` package (never `playwright install`).
Not a test: it asserts nothing and prints a markdown table.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.app.browser_helpers import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    RUN_OBSERVER,
    VIEWPORT,
    browser_unavailable,
    expect_run,
    is_local,
    load_demo,
    nav_links,
    streamlit_server,
    wait_idle,
    wait_until_idle,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

RESULTS = ROOT / "bench" / "results" / "pages.md"
TIMEOUT_MS = 180_000
WARM_TARGET_S = 1.0
FIRST_TARGET_S = 3.0
PERMALINK_TARGET_S = 8.0
PLAN_TARGET_S = 5.0
BASE_BUDGET = 1_500_000
APP = "serve.py"

EMPTY_APP = """import streamlit as st

pages = [st.Page("first.py", title="First", default=True), st.Page("second.py", title="Second")]
page = st.navigation(pages, position="hidden")
with st.sidebar:
    for entry in pages:
        st.page_link(entry)
page.run()
"""
EMPTY_PAGE = """import streamlit as st

st.title("{title}")
st.write("A page that draws a title and a line.")
"""


def new_page(browser: Browser, url: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=VIEWPORT, base_url=url)
    context.add_init_script(RUN_OBSERVER)
    context.route(lambda target: not is_local(target), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


def timed(page: Page, action: Callable[[], object]) -> float:
    """Seconds from the action to Streamlit idle; then waits for the page to hold still."""
    expect_run(page)
    start = time.perf_counter()
    action()
    wait_until_idle(page, TIMEOUT_MS)
    elapsed = time.perf_counter() - start
    wait_idle(page, TIMEOUT_MS)
    return elapsed


def shows_title(page: Page, title: str, link: Locator) -> float:
    """Seconds from a click on `link` until the empty app's page shows `title`. The empty
    pages run too quickly for `timed`'s run observer: Streamlit sets the script state to
    running and back within one paint, so no change is seen."""
    start = time.perf_counter()
    link.click()
    page.locator("h1", has_text=title).wait_for(state="visible", timeout=TIMEOUT_MS)
    wait_until_settled(page)
    return time.perf_counter() - start


def wait_until_settled(page: Page) -> None:
    page.wait_for_function(
        """() => {
          const app = document.querySelector('[data-testid="stApp"]');
          return app && app.getAttribute('data-test-script-state') === 'notRunning'
            && !document.querySelector('[data-stale="true"]');
        }""",
        timeout=TIMEOUT_MS,
        polling="raf",
    )


def page_switches(page: Page, rounds: int, *, reference: bool = False) -> dict[str, list[float]]:
    """Click through the sidebar `rounds` times, starting on the first page and clicking it
    last (a click on the page shown runs nothing); seconds per page, in visit order."""
    links = nav_links(page)
    times: dict[str, list[float]] = {title: [] for title, _ in links}
    for _ in range(rounds):
        for title, href in [*links[1:], links[0]]:
            link = page.locator(
                f'[data-testid="stSidebar"] [data-testid="stPageLink"] a[href="{href}"]'
            )
            if reference:
                times[title].append(shows_title(page, title, link))
            else:
                times[title].append(timed(page, link.click))
    return times


def plan_runs(browser: Browser, url: str, repeats: int) -> dict[str, list[float]]:
    """Seconds of `repeats` permalink plan runs, each with a budget not solved before: to
    the plan's status message, to everything drawn (end to end), and the solve time the page
    reports. The first two are saved as scenarios, so that Compare has something to show."""
    times: dict[str, list[float]] = {"status": [], "total": [], "solve": []}
    for run in range(repeats):
        context, page = new_page(browser, url)
        name = f"Bench {run + 1}"
        query = urlencode({"name": name, "budget": BASE_BUDGET + 250_000 * run})
        expect_run(page)
        start = time.perf_counter()
        page.goto(f"/plan?{query}")
        status = page.locator('[data-testid="stAlertContentSuccess"]').first
        status.wait_for(state="attached", timeout=TIMEOUT_MS)
        times["status"].append(time.perf_counter() - start)
        wait_until_idle(page, TIMEOUT_MS)
        times["total"].append(time.perf_counter() - start)
        wait_idle(page, TIMEOUT_MS)
        message = status.inner_text()
        found = re.search(r"in ([0-9.]+) s", message)
        if not message.startswith("Optimal plan found") or found is None:
            raise RuntimeError(f"the plan run {name} did not end with a plan: {message}")
        times["solve"].append(float(found.group(1)))
        if run < 2:
            page.get_by_label("Note").fill("benchmark")
            timed(page, page.get_by_role("button", name="Save scenario").click)
        context.close()
    return times


def form_runs(browser: Browser, url: str, repeats: int) -> list[float]:
    """Seconds of `repeats` plan runs from the Plan page's form in one open session (what an
    analyst does between runs), each with a budget not solved before: from the click on Run
    to the results drawn."""
    context, page = new_page(browser, url)
    page.goto("/plan")
    wait_idle(page, TIMEOUT_MS)
    times = []
    for run in range(repeats):
        page.get_by_label("Total new budget").fill(f"{BASE_BUDGET + 50_000 + 250_000 * run:.0f}")
        button = page.get_by_role("button", name="Run", exact=True)
        times.append(timed(page, button.click))
        found = page.locator('[data-testid="stAlertContentSuccess"]').first.inner_text()
        if not found.startswith("Optimal plan found"):
            raise RuntimeError(f"the form's plan run {run + 1} did not end with a plan: {found}")
    context.close()
    return times


def restart_firsts(
    browser: Browser, database_url: str, log_path: Path, hrefs: list[tuple[str, str]], app: str
) -> tuple[dict[str, float], list[float]]:
    """Seconds of each page's first render after a restart of the server, the page opened
    by its address in a new browser as soon as the server answers (the forecasts are stored
    on disk by then: the first server of `measure` stored them); and the seconds from each
    start of the server to its first answer."""
    times = {}
    ready = []
    for title, href in hrefs:
        started = time.perf_counter()
        with streamlit_server(database_url, log_path, app=app) as url:
            ready.append(time.perf_counter() - started)
            context, page = new_page(browser, url)
            path = "/" + href.split("/", 3)[-1] if href.startswith("http") else href
            times[title] = timed(page, functools.partial(page.goto, path))
            context.close()
    return times, ready


def empty_firsts(browser: Browser, database_url: str, folder: Path, rounds: int) -> list[float]:
    """Seconds from opening the empty app in a new browser, right after its server started,
    to its first page's title: the floor of a first render after a restart."""
    times = []
    for _ in range(rounds):
        with streamlit_server(database_url, folder / "empty.log", cwd=folder) as url:
            context, page = new_page(browser, url)
            start = time.perf_counter()
            page.goto("/")
            page.locator("h1", has_text="First").wait_for(state="visible", timeout=TIMEOUT_MS)
            wait_until_settled(page)
            times.append(time.perf_counter() - start)
            context.close()
    return times


PENDING = '[data-testid="stMain"] [data-testid="stProgress"]'
"""The progress bar a page shows while the background worker computes what it waits for."""


def until_complete(page: Page, start: float) -> float:
    """Seconds from `start` until the page's progress bar (ui/recompute_view.py) is gone and
    the page, run again, is idle."""
    page.locator(PENDING).first.wait_for(state="detached", timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    return time.perf_counter() - start


def after_edit(browser: Browser, url: str) -> tuple[float, float, float, float]:
    """Seconds of the Overview's render after a capacity edit (a new data version): the
    edit made through the service layer from this process (the server notices it at once
    when the page asks, or by its watch), the page then reloaded; then the seconds until
    the figures recomputed in the background (today's assignment of capacity) replaced the
    page's "being computed" notes, from the same reload; then Compare's first render in a
    new browser and the seconds until its plans show (its saved plans solved again for the
    new data version, in the background after the status quo), which also leaves the
    server idle for the restarts."""
    from datetime import date

    from planner.settings import get_settings
    from service import edits, store
    from service.access import Actor

    # This process only writes: no background worker of its own (service.forecasts would
    # start one on its first read), which would compute beside the server being measured.
    os.environ["HAVEN_PRECOMPUTE"] = "0"

    context, page = new_page(browser, url)
    page.goto("/")
    wait_idle(page, TIMEOUT_MS)
    get_settings.cache_clear()
    from service import city as city_service

    name = city_service.cities_for(Actor("bench", "admin"))[0]
    package = store.exact_package(name)
    row = package.current_capacity().iloc[0]
    edits.update_capacity(
        Actor("bench", "admin"),
        city_name=name,
        agency_id=str(row["agency_id"]),
        service_id=str(row["service_id"]),
        capacity=float(row["capacity"]) + 1,
        as_of=date.today(),
    )
    start = time.perf_counter()
    elapsed = timed(page, page.reload)
    complete = until_complete(page, start)
    context.close()
    context, page = new_page(browser, url)
    start = time.perf_counter()
    compare = timed(page, functools.partial(page.goto, "/compare"))
    compare_complete = until_complete(page, start)
    context.close()
    return elapsed, complete, compare, compare_complete


def health_round_trip(url: str, repeats: int = 20) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
            response.read()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(repeats: int, app: str = APP) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    load_at_start = os.getloadavg()
    with (
        tempfile.TemporaryDirectory(prefix="haven-bench-") as scratch,
        sync_playwright() as playwright,
    ):
        folder = Path(scratch)
        database_url = f"sqlite:///{folder / 'haven.db'}"
        load_demo(database_url)
        empty = folder / "empty"
        empty.mkdir()
        (empty / "app.py").write_text(EMPTY_APP)
        for title in ("First", "Second"):
            (empty / f"{title.lower()}.py").write_text(EMPTY_PAGE.format(title=title))

        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with streamlit_server(database_url, folder / "empty.log", cwd=empty) as empty_url:
            context, page = new_page(browser, empty_url)
            page.goto("/")
            wait_idle(page, TIMEOUT_MS)
            reference = page_switches(page, repeats + 1, reference=True)
            context.close()
        empty_first = empty_firsts(browser, database_url, empty, repeats)
        with streamlit_server(database_url, folder / "haven.log", app=app) as url:
            health = health_round_trip(url)
            context, page = new_page(browser, url)
            first_load = timed(page, lambda: page.goto("/"))
            context.close()
            plan = plan_runs(browser, url, repeats)
            plan["form"] = form_runs(browser, url, repeats)
            context, page = new_page(browser, url)
            page.goto("/")
            wait_idle(page, TIMEOUT_MS)
            hrefs = nav_links(page)
            pages = page_switches(page, repeats + 1)
            context.close()
            os.environ["DATABASE_URL"] = database_url
            edited, recomputed, compare_edited, compare_complete = after_edit(browser, url)
        restarts, ready = restart_firsts(browser, database_url, folder / "restart.log", hrefs, app)
        browser.close()
    return {
        "reference": reference,
        "empty_first": empty_first,
        "ready": ready,
        "app": app,
        "load_at_start": load_at_start,
        "health_s": health,
        "first_load_s": first_load,
        "plan": plan,
        "pages": pages,
        "restarts": restarts,
        "after_edit_s": edited,
        "after_edit_complete_s": recomputed,
        "compare_after_edit_s": compare_edited,
        "compare_after_edit_complete_s": compare_complete,
    }


def report(results: dict[str, object], repeats: int) -> str:
    reference = results["reference"]
    pages = results["pages"]
    plan = results["plan"]
    assert isinstance(reference, dict) and isinstance(pages, dict) and isinstance(plan, dict)
    empty_warm = statistics.median(t for times in reference.values() for t in times[1:])
    health = float(results["health_s"])  # type: ignore[arg-type]
    empty_first = results["empty_first"]
    assert isinstance(empty_first, list)
    first_load = float(results["first_load_s"])  # type: ignore[arg-type]

    def verdict(seconds: float, target: float) -> str:
        return "yes" if seconds < target else "**no**"

    restarts = results["restarts"]
    assert isinstance(restarts, dict)
    edited = float(results["after_edit_s"])  # type: ignore[arg-type]
    lines = [
        "| what | first visit (s) | warm median (s) | warm slowest (s) | × empty page | "
        "target | met |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for title, seconds in restarts.items():
        lines.append(
            f"| page after a restart of the server, new browser: {title} | {seconds:.2f} | | | "
            f"{seconds / empty_warm:.1f} | < {FIRST_TARGET_S:.0f} s | "
            f"{verdict(seconds, FIRST_TARGET_S)} |"
        )
    ready = results["ready"]
    assert isinstance(ready, list)
    lines.append(
        f"| of which: the server's start to its first answer (before the page was opened) | "
        f"{statistics.median(ready):.2f} | | {max(ready):.2f} | | | |"
    )
    lines.append(
        f"| Overview after a capacity edit (new data version, page reloaded) | {edited:.2f} | "
        f"| | {edited / empty_warm:.1f} | < {FIRST_TARGET_S:.0f} s | "
        f"{verdict(edited, FIRST_TARGET_S)} |"
    )
    complete = float(results["after_edit_complete_s"])  # type: ignore[arg-type]
    compare_edited = float(results["compare_after_edit_s"])  # type: ignore[arg-type]
    compare_complete = float(results["compare_after_edit_complete_s"])  # type: ignore[arg-type]
    lines += [
        f"| of which: until the figures recomputed in the background (today's assignment) "
        f"replaced the page's notes, from the same reload | {complete:.2f} | | | "
        f"{complete / empty_warm:.1f} | | |",
        f"| Compare after the capacity edit, new browser (its saved plans solved again for "
        f"the new data) | {compare_edited:.2f} | | | {compare_edited / empty_warm:.1f} | "
        f"< {FIRST_TARGET_S:.0f} s | {verdict(compare_edited, FIRST_TARGET_S)} |",
        f"| of which: until its plans showed (solved again in the background, the page "
        f"following the worker's progress) | {compare_complete:.2f} | | | "
        f"{compare_complete / empty_warm:.1f} | | |",
    ]
    for title, times in pages.items():
        warm = statistics.median(times[1:])
        lines.append(
            f"| page: {title} | {times[0]:.2f} | {warm:.2f} | {max(times[1:]):.2f} | "
            f"{warm / empty_warm:.1f} | < {WARM_TARGET_S:.0f} s warm | "
            f"{verdict(warm, WARM_TARGET_S)} |"
        )
    total = statistics.median(plan["total"])
    lines += [
        f"| permalink in a new browser, plan run with HiGHS (to results drawn) | | {total:.2f} | "
        f"{max(plan['total']):.2f} | {total / empty_warm:.0f} | < {PERMALINK_TARGET_S:.0f} s | "
        f"{verdict(total, PERMALINK_TARGET_S)} |",
        f"| of which: to the plan's status message (load, connect, read, solve) | | "
        f"{statistics.median(plan['status']):.2f} | {max(plan['status']):.2f} | | | |",
        f"| of which: the solve, as the page reports it | | "
        f"{statistics.median(plan['solve']):.2f} | {max(plan['solve']):.2f} | | | |",
        f"| plan run with HiGHS from the form, in an open session (Run to results drawn) | | "
        f"{statistics.median(plan['form']):.2f} | {max(plan['form']):.2f} | "
        f"{statistics.median(plan['form']) / empty_warm:.0f} | < {PLAN_TARGET_S:.0f} s | "
        f"{verdict(statistics.median(plan['form']), PLAN_TARGET_S)} |",
        f"| new browser session on Overview (load, connect, run, draw) | {first_load:.2f} | | | "
        f"{first_load / empty_warm:.1f} | | |",
        f"| reference: page switch in an empty two-page Streamlit app | "
        f"{statistics.median(t[0] for t in reference.values()):.3f} | {empty_warm:.3f} | "
        f"{max(t for times in reference.values() for t in times[1:]):.3f} | 1.0 | | |",
        f"| reference: the empty app's first visit in a new browser, its server just started | "
        f"{statistics.median(empty_first):.2f} | | {max(empty_first):.2f} | "
        f"{statistics.median(empty_first) / empty_warm:.1f} | | |",
        f"| reference: /_stcore/health round trip | | {health:.4f} | | "
        f"{health / empty_warm:.2f} | | |",
    ]
    load = ", ".join(f"{x:.1f}" for x in results["load_at_start"])  # type: ignore[attr-defined]
    load_end = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    header = [
        "# The app's speed in a real browser (bench/bench_pages.py)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {load} at the start and {load_end} at the end "
        "(1, 5 and 15 minutes; the machine is shared), "
        f"Python {platform.python_version()}, Chromium at {CHROMIUM}; {repeats} warm "
        "visits per page and "
        f"{repeats} plan runs; the app served by `streamlit run {results['app']}`. "
        "Times run from the click (or the URL's load) to Streamlit idle: "
        "the script ran, no spinner or loading skeleton shows and every chart drew its marks. "
        "Each plan run "
        "solves a budget not solved before, so the cache never answers it; the demo city's "
        "default scenario (12 months, P50, no equity floor) otherwise.",
        "",
        "`python bench/bench_pages.py` reproduces it.",
        "",
    ]
    return "\n".join([*header, *lines, ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="warm visits and plan runs")
    parser.add_argument("--out", type=Path, default=RESULTS, help="markdown file to write")
    parser.add_argument("--app", default=APP, help="the script `streamlit run` serves")
    args = parser.parse_args(argv)
    reason = browser_unavailable()
    if reason is not None:
        print(f"cannot run the benchmark: {reason}", file=sys.stderr)
        return 2
    markdown = report(measure(args.repeats, args.app), args.repeats)
    print(markdown)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
