"""Issue 12, part 3: nothing a reader receives gives away what its audience may not see.

For every role and both languages, every page (the menu's and those a link opens), every
download of those pages (the Plan page's report in each format, the Data page's files) and
every export (the package and HSDS exports of the service layer and of the command line, for
each audience) is scanned for a confidential agency's name, coordinates or distance from a
district, and for counts of cases below k shown as numbers (tests/leak_scan.py). The city
(tests/leak_city.py) is small and built so that each of these would show.

Admins and analysts may see all of it: for them the same scans must find the names and the
small counts (the scans work). A partner may not pick or read another city.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from planner.settings import get_settings
from service.access import AccessDenied, Actor
from tests.app.conftest import ROOT
from tests.app.leak_pages import Session, caught_media, render
from tests.leak_city import CITY, ONE_CELL_CITY, OTHER_CITY, one_small_cell_package, secret
from tests.leak_db import ACTORS, ROLES, SUPPRESSED_ROLES, build_database, copy_database
from tests.leak_scan import Received, leaks

LANGUAGES = ("en", "fr")
EXACT_ROLES = ("admin", "analyst")


@pytest.fixture(scope="session")
def leak_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("leak_template") / "leaks.db"
    build_database(path)
    return path


@pytest.fixture(scope="module")
def leak_url(leak_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return copy_database(leak_template, tmp_path_factory.mktemp("leaks"))


@pytest.fixture
def leak_env(leak_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The leak database for service and CLI calls in this test."""
    monkeypatch.setenv("DATABASE_URL", leak_url)
    monkeypatch.setenv("HAVEN_AUTH", "local")
    monkeypatch.delenv("HAVEN_SMALL_COUNT_K", raising=False)
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    yield leak_url
    get_settings.cache_clear()


# --- every page, per role and language -----------------------------------------------------


@pytest.fixture(
    scope="module",
    params=[(role, language) for role in ROLES for language in LANGUAGES],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def rendered(request: pytest.FixtureRequest, leak_url: str) -> Session:
    role, language = request.param
    actor = None if role == "public" else ACTORS[role]
    return render(actor, language, leak_url)


@pytest.mark.slow
def test_every_page_runs(rendered: Session) -> None:
    assert not rendered.problems, "\n".join(rendered.problems)


@pytest.mark.slow
def test_no_confidential_name_place_or_distance_on_any_page(rendered: Session) -> None:
    confidential = rendered.role in EXACT_ROLES
    found = leaks(rendered.received, confidential=confidential, exact=True)
    assert not found, f"{len(found)} leak(s):\n" + "\n".join(found[:40])
    if confidential:  # the scan sees what it looks for
        assert leaks(rendered.received, confidential=False, exact=True)


@pytest.mark.slow
def test_no_count_below_k_on_any_page(rendered: Session) -> None:
    exact = rendered.role in EXACT_ROLES
    found = leaks(rendered.received, confidential=True, exact=exact)
    assert not found, f"{len(found)} leak(s):\n" + "\n".join(found[:40])
    if exact:  # the analyst's coverage shows the sparse district's small count
        assert leaks(rendered.received, confidential=True, exact=False)


@pytest.mark.slow
def test_every_download_was_opened(rendered: Session) -> None:
    """The scans above read the files the pages offer: the report in each format and the
    Data page's tables for roles that run plans (so a download that moved is noticed)."""
    names = {name.rsplit("/", 1)[-1].rsplit(".", 1)[-1] for name in rendered.received.files}
    if rendered.role in ("admin", "analyst", "funder"):
        assert {"pdf", "html", "xlsx", "csv"} <= names, sorted(rendered.received.files)
    if rendered.role in EXACT_ROLES:
        assert "zip" in names, sorted(rendered.received.files)


# --- exports --------------------------------------------------------------------------------


def scan_folder(where: str, folder: Path) -> Received:
    received = Received()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            received.file(where, path.relative_to(folder).as_posix(), path.read_bytes())
    assert received.files, f"{where}: nothing written"
    return received


def assert_clean(received: Received, *, exact: bool = False) -> None:
    found = leaks(received, confidential=False, exact=exact)
    assert not found, f"{len(found)} leak(s):\n" + "\n".join(found[:40])


@pytest.mark.parametrize("audience", SUPPRESSED_ROLES)
def test_the_package_export_for_an_audience(leak_env: str, audience: str) -> None:
    from service import exports

    received = Received()
    received.file("package_zip", "city.zip", exports.package_zip(ACTORS["analyst"], CITY, audience))
    assert_clean(received)


@pytest.mark.parametrize("role", SUPPRESSED_ROLES)
def test_a_role_exports_only_what_it_may_see(leak_env: str, role: str) -> None:
    from service import exports

    try:
        data = exports.package_zip(ACTORS[role], CITY)
    except AccessDenied:
        return
    received = Received()
    received.file("package_zip", "city.zip", data)
    assert_clean(received)


@pytest.mark.parametrize("audience", [None, *SUPPRESSED_ROLES])
def test_the_hsds_export_for_an_audience(
    leak_env: str, audience: str | None, tmp_path: Path
) -> None:
    """The default is for directories whose readers may not know where shelters are."""
    from service import exports

    out = exports.hsds_export(ACTORS["analyst"], CITY, tmp_path / "hsds", audience)
    assert_clean(scan_folder(f"hsds_export[{audience}]", Path(out)))


def cli(*argv: str) -> tuple[int, str]:
    from cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit:  # argparse
            code = int(exit.code or 0)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("audience", SUPPRESSED_ROLES)
def test_the_cli_export_for_an_audience(leak_env: str, audience: str, tmp_path: Path) -> None:
    code, said = cli("export", CITY, str(tmp_path / "out"), "--for", audience)
    assert code == 0, said
    assert_clean(scan_folder(f"cli export --for {audience}", tmp_path / "out"))


def test_the_cli_hsds_export_by_default(leak_env: str, tmp_path: Path) -> None:
    code, said = cli("export", CITY, str(tmp_path / "exact"))
    assert code == 0, said
    code, said = cli("hsds-export", str(tmp_path / "exact"), "--out", str(tmp_path / "hsds"))
    assert code == 0, said
    received = scan_folder("cli hsds-export", tmp_path / "hsds")
    received.text("cli hsds-export: printed", said)
    assert_clean(received)


@pytest.mark.parametrize("audience", SUPPRESSED_ROLES)
def test_the_cli_hsds_export_for_an_audience(leak_env: str, audience: str, tmp_path: Path) -> None:
    code, said = cli("export", CITY, str(tmp_path / "exact"))
    assert code == 0, said
    code, said = cli(
        "hsds-export",
        str(tmp_path / "exact"),
        "--out",
        str(tmp_path / "hsds"),
        "--audience",
        audience,
    )
    assert code == 0, f"hsds-export has no audience option (--audience): {said}"
    assert_clean(scan_folder(f"cli hsds-export --audience {audience}", tmp_path / "hsds"))


@pytest.fixture(scope="module")
def exact_plan_dir(leak_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An analyst's exact export of the city and a plan of it (`plan --out`)."""
    folder = tmp_path_factory.mktemp("cli_plan")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", leak_url)
        patch.chdir(ROOT)
        get_settings.cache_clear()
        try:
            code, said = cli("export", CITY, str(folder / "exact"))
            assert code == 0, said
            code, said = cli("plan", str(folder / "exact"), "--out", str(folder / "plan"))
            assert code == 0, said
        finally:
            get_settings.cache_clear()
    return folder


@pytest.mark.parametrize("fmt", ["pdf", "html", "xlsx"])
@pytest.mark.parametrize("audience", SUPPRESSED_ROLES)
def test_the_cli_report_for_an_audience(
    leak_env: str, exact_plan_dir: Path, audience: str, fmt: str, tmp_path: Path
) -> None:
    """`report --audience`: a plan made on the exact data, written for a reader who may not
    see it all."""
    out = tmp_path / f"report.{fmt}"
    code, said = cli(
        "report",
        str(exact_plan_dir / "plan"),
        "--package",
        str(exact_plan_dir / "exact"),
        "--audience",
        audience,
        "--format",
        fmt,
        "--out",
        str(out),
    )
    assert code == 0, said
    received = Received()
    received.file(f"cli report --audience {audience}", out.name, out.read_bytes())
    received.text("cli report: printed", said)
    assert_clean(received)


# --- a partner and another city -------------------------------------------------------------

PARTNER = ACTORS["partner"]


@pytest.mark.slow
@pytest.mark.parametrize("page", ["overview", "capacity_map", "demand", "data", "plan", "compare"])
def test_a_partner_cannot_open_another_city(leak_url: str, page: str) -> None:
    """Another city is neither offered nor read, whatever the session or the link asks."""
    with pytest.MonkeyPatch.context() as patch, caught_media() as media:
        patch.setenv("DATABASE_URL", leak_url)
        patch.setenv("HAVEN_AUTH", "local")
        patch.chdir(ROOT)
        get_settings.cache_clear()
        try:
            session = Session(PARTNER, "en", media)
            session.carried["city"] = OTHER_CITY
            app = session.open(f"pages/{page}.py")
            app.query_params["city"] = OTHER_CITY
            session.run(page)
            for box in app.selectbox:
                assert OTHER_CITY not in box.options, f"{page} offers {OTHER_CITY}: {box.label}"
        finally:
            get_settings.cache_clear()
    assert not session.problems, session.problems
    said = [(w, t) for w, t in session.received.texts if OTHER_CITY in t]
    assert not said, said[:5]


def _service_reads() -> dict[str, Callable[[Actor, str], Any]]:
    """Every service function that reads a city, called as a client would for one city."""
    from service import city as city_service
    from service import exports, plans

    return {
        "data_version": city_service.data_version,
        "published_history": city_service.published_history,
        "visible_package": city_service.visible_package,
        "city_totals": city_service.city_totals,
        "overview": city_service.overview,
        "capacity_map": city_service.capacity_map,
        "service_forecast": city_service.service_forecast,
        "demand_fan": city_service.demand_fan,
        "forecast_per_resident": city_service.forecast_per_resident,
        "backtest": city_service.backtest,
        "status_quo_plan": plans.status_quo_plan,
        "saved_scenarios": plans.saved_scenarios,
        "city_package_for": exports.city_package_for,
        "capacity_history": lambda a, c: exports.capacity_history(a, c, "A2", "legal_aid"),
    }


def test_the_service_refuses_another_city_to_a_partner(leak_env: str) -> None:
    from service import city as city_service

    assert city_service.cities_for(PARTNER) == [CITY]
    read_anyway = []
    for name, read in _service_reads().items():
        try:
            read(PARTNER, OTHER_CITY)
        except AccessDenied:
            continue
        read_anyway.append(name)
    assert not read_anyway, f"a partner of {CITY} reads {OTHER_CITY} through {read_anyway}"
    with pytest.raises(AccessDenied):
        city_service.require_city(PARTNER, OTHER_CITY)


def test_the_secret_is_recognisable() -> None:
    """The fixture: names, coordinates and distances to look for are distinct enough."""
    known = secret()
    assert len(known.names) == 2 and any("North Loop" in n for n in known.names)
    assert known.distance_texts and known.coordinate_texts


# --- two pages against each other -----------------------------------------------------------


def _history_frame(received: Received) -> pd.DataFrame | None:
    """The Demand page's observed history (period, cases) among what a run received."""
    for _, frame in received.frames:
        if {"period", "cases"} <= set(frame.columns) and "p50" not in frame.columns:
            observed = frame
            if "kind" in frame.columns:
                observed = frame[frame["kind"].astype(str) == "observed"]
            return observed[["period", "cases"]].assign(
                period=lambda f: f["period"].astype(str).str[:7]
            )
    return None


@pytest.mark.slow
@pytest.mark.parametrize("city", [ONE_CELL_CITY, CITY])
def test_the_overview_and_the_demand_page_do_not_give_a_hidden_count_back(
    leak_url: str, city: str
) -> None:
    """The issue's case: one small count in the city. The Overview's demand per service (a
    mean over the last 12 months, in units) and the Demand page's history of that service
    must agree wherever both are shown; a difference is the hidden count, given back. (The
    leak city, with several small counts, too.)"""
    package = one_small_cell_package()  # the same services as the leak city's
    units = package.services.set_index("service_id")["units_per_case"].astype(float).fillna(1.0)
    names = package.services.set_index("service_id")["name"]
    with pytest.MonkeyPatch.context() as patch, caught_media() as media:
        patch.setenv("DATABASE_URL", leak_url)
        patch.setenv("HAVEN_AUTH", "local")
        patch.setenv("HAVEN_LANG", "en")
        patch.chdir(ROOT)
        get_settings.cache_clear()
        try:
            session = Session(ACTORS["funder"], "en", media)
            session.carried["city"] = city
            session.page("pages/overview.py")
            summaries = [
                f
                for _, f in session.received.frames
                if {"service_id", "demand_units"} <= set(f.columns)
            ]
            histories: dict[str, pd.DataFrame | None] = {}
            session.page("pages/demand.py")
            box = next(b for b in session.app.main.selectbox if len(b.options) == len(units) + 1)
            for index, service_id in enumerate(units.index, start=1):
                session.received = Received()
                box = next(
                    b for b in session.app.main.selectbox if len(b.options) == len(units) + 1
                )
                box.select_index(index)
                session.run(f"demand[{service_id}]")
                histories[str(service_id)] = _history_frame(session.received)
        finally:
            get_settings.cache_clear()
    assert not session.problems, session.problems
    assert summaries, "the Overview shows no demand per service"
    given_back, compared = [], 0
    for service_id, history in histories.items():
        assert history is not None, f"no history of {names[service_id]} on the Demand page"
        recent = history.sort_values("period").tail(12)["cases"].astype(float)
        row = summaries[0][summaries[0]["service_id"] == service_id]
        overview = float(row["demand_units"].iloc[0]) if len(row) else float("nan")
        if recent.isna().any() or np.isnan(overview):
            continue
        compared += 1
        difference = recent.sum() - overview * 12 / units[service_id]
        if abs(difference) > 1e-6:
            given_back.append(f"{service_id}: {difference:g} hidden case(s) given back")
    assert not given_back, given_back
    assert compared, "no service's figures are shown on both pages: nothing was compared"
