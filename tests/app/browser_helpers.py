"""Driving the real app in Debian's Chromium: shared by tests/app/test_browser.py and
bench/bench_pages.py.

The app runs as `streamlit run app.py` in a subprocess on a free port, against an SQLite
database of its own; Playwright drives the system's Chromium (never `playwright install`).
A page is *idle* when Streamlit's script has run since the last action, the script state
is back to `notRunning`, no spinner shows, no element is still loading (a skeleton) and every
Vega chart has drawn its marks.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, ViewportSize

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
NOT_NETWORK_SCHEMES = frozenset({"data", "blob", "about", "chrome", "chrome-extension"})
# Tall enough that a whole page fits: Streamlit scrolls inside its own container, so
# `full_page=True` would only capture the viewport.
VIEWPORT: ViewportSize = {"width": 1400, "height": 2400}
CHART = '[data-testid="stVegaLiteChart"]'
EXCEPTION = '[data-testid="stException"]'
# The app draws its own menu of page links; a plain st.navigation app (the benchmark's
# reference) has Streamlit's sidebar menu.
NAV_LINK = '[data-testid="stSidebar"] [data-testid="stPageLink"] a, [data-testid="stSidebarNav"] a'

# Records, from the first byte of every document, that the script ran: Streamlit sets
# `data-test-script-state` on the app's root to `running` while the script runs, and a fast
# run could start and finish between two polls. A fresh page passes through `notRunning`
# before its first run (once connected), so that state alone proves nothing. A run so quick
# that React commits `running` and `notRunning` together leaves no attribute change at all;
# it still changes what the main area shows (another page, a message), so a change of the
# main area's content counts as a run too.
RUN_OBSERVER = """
window.__havenSawRun = false;
new MutationObserver((records) => {
  for (const record of records) {
    if (record.type === 'attributes') {
      const state = record.target.getAttribute('data-test-script-state');
      if (state !== 'notRunning' && state !== 'initial') window.__havenSawRun = true;
    } else {
      const node = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      if (node && node.closest('[data-testid="stMain"]')) window.__havenSawRun = true;
    }
  }
}).observe(document, {subtree: true, attributes: true, childList: true, characterData: true,
                      attributeFilter: ['data-test-script-state']});
"""

IDLE = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning') {
    if (state !== 'initial') window.__havenSawRun = true;
    return false;
  }
  if (!window.__havenSawRun) return false;
  if (!document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]')) {
    return false;
  }
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (document.querySelector('[data-testid="stSpinner"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  // A lazily loaded element (charts, tables) stands as a skeleton until its code arrives.
  if (document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')) return false;
  for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
    if (chart.querySelector('canvas')) continue;
    const svg = chart.querySelector('svg');
    if (!svg || !svg.querySelector('.role-mark > *')) return false;
  }
  return true;
}
"""

# The height the page needs: Streamlit's main block scrolls inside an inner container,
# which is scrolled back to the top first.
PAGE_HEIGHT = """
() => {
  const block = document.querySelector('[data-testid="stMainBlockContainer"]');
  if (!block) return 0;
  let scroller = block.parentElement;
  while (scroller && !['auto', 'scroll'].includes(getComputedStyle(scroller).overflowY)) {
    scroller = scroller.parentElement;
  }
  if (scroller) scroller.scrollTop = 0;
  return Math.ceil(block.getBoundingClientRect().bottom + 40);
}
"""


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} is missing: install Debian's package (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package `playwright` is not installed (see requirements-dev.txt)"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_environment(database_url: str) -> dict[str, str]:
    """The environment of the app under test: its own database, no login, HiGHS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAVEN_")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "HAVEN_AUTH": "none",
            "HAVEN_SOLVER": "highs",
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        }
    )
    return env


def load_demo(database_url: str) -> None:
    """Load the demo city into the database with the CLI, as a user would."""
    done = subprocess.run(
        [sys.executable, "-m", "planner", "demo"],
        cwd=ROOT,
        env=app_environment(database_url),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"`python -m planner demo` failed:\n{done.stdout}\n{done.stderr}")


@contextmanager
def streamlit_server(
    database_url: str, log_path: Path, app: str = "app.py", cwd: Path = ROOT
) -> Iterator[str]:
    """Run `streamlit run APP` on a free port until the block ends; yields its base URL.

    The server gets its own process group, so it is stopped with everything it started.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        app,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "localhost",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=app_environment(database_url),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://localhost:{port}"
    try:
        wait_for_health(url, process, log_path)
        yield url
    finally:
        stop(process)


def wait_for_health(
    url: str, process: subprocess.Popen[bytes], log_path: Path, timeout_s: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text()
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit did not answer in {timeout_s:.0f} s:\n{log_path.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group: first politely, then for good."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def is_local(url: str) -> bool:
    """True for a URL that stays on this machine (or is no network request at all)."""
    parts = urlsplit(url)
    if parts.scheme in NOT_NETWORK_SCHEMES:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


def expect_run(page: Page) -> None:
    """Call before an action that reruns the script, so `wait_idle` waits for that run."""
    page.evaluate("window.__havenSawRun = false")


NOT_IDLE_BECAUSE = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
  return {
    url: location.href,
    script: app && app.getAttribute('data-test-script-state'),
    connection: app && app.getAttribute('data-test-connection-state'),
    ran_since_action: window.__havenSawRun,
    spinners: document.querySelectorAll('[data-testid="stSpinner"]').length,
    stale: document.querySelectorAll('[data-stale="true"]').length,
    skeletons: document.querySelectorAll('[data-testid="stMain"] [data-testid="stSkeleton"]')
      .length,
    charts_without_marks: charts.filter(c => !c.querySelector('canvas')
      && !(c.querySelector('svg') && c.querySelector('svg .role-mark > *'))).length,
  };
}
"""


def wait_until_idle(page: Page, timeout_ms: float) -> None:
    """Wait for `IDLE`; on a timeout, say which of its conditions did not hold."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(IDLE, timeout=timeout_ms, polling="raf")
    except PlaywrightTimeout as exc:
        state = page.evaluate(NOT_IDLE_BECAUSE)
        message = f"the page did not settle in {timeout_ms / 1000:.0f} s: {state}"
        raise TimeoutError(message) from exc


def wait_idle(page: Page, timeout_ms: float = 60_000) -> None:
    """Wait until the script has run since `expect_run` (or the page load) and the page has
    finished drawing, then until the number of elements holds still for a moment."""
    wait_until_idle(page, timeout_ms)
    count = page.locator('[data-testid="stElementContainer"]').count()
    while True:
        page.wait_for_timeout(150)
        wait_until_idle(page, timeout_ms)
        now = page.locator('[data-testid="stElementContainer"]').count()
        if now == count:
            return
        count = now


def nav_links(page: Page) -> list[tuple[str, str]]:
    """(title, href) of every page in the sidebar navigation, in order."""
    links = page.locator(NAV_LINK)
    found = []
    for index in range(links.count()):
        link = links.nth(index)
        # The text is the icon's ligature name, then the title.
        title = link.inner_text().strip().splitlines()[-1]
        found.append((title.strip(), link.get_attribute("href") or ""))
    return found


def slug(title: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in title.lower()).strip("_")


def painted_share(png: bytes) -> tuple[float, int]:
    """Share of a screenshot's pixels that differ from its background (its most common
    colour), and how many distinct colours (in steps of 16) those pixels use."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(BytesIO(png)).convert("RGB"), dtype=np.int16).reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    background = colours[counts.argmax()]
    painted = np.abs(pixels - background).max(axis=1) > 24
    distinct = np.unique(pixels[painted] // 16, axis=0)
    return float(painted.mean()), len(distinct)


def chart_paint(chart: Locator) -> tuple[float, int]:
    chart.scroll_into_view_if_needed()
    return painted_share(chart.screenshot(animations="disabled"))
