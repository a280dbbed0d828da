"""What each role sees in the app: the page list, and the pages refusing what it may not do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from models.db import get_engine, session_scope
from planner.package import read_package
from planner.settings import DEMO_PACKAGE, get_settings
from service.access import Actor, create_user_as
from tests.app.conftest import ROOT
from tests.app.scratch import copy_database, use_database
from tests.app.test_capacity_map_page import drawn_points
from ui.auth import ACTOR_KEY, LAST_ACTIVITY_KEY
from ui.navigation import pages_for

EXPECTED = {
    "admin": [
        "Overview",
        "Capacity map",
        "Demand",
        "Plan",
        "Compare",
        "Budget sweep",
        "If an agency closes",
        "Data",
        "Audit log",
    ],
    "analyst": [
        "Overview",
        "Capacity map",
        "Demand",
        "Plan",
        "Compare",
        "Budget sweep",
        "If an agency closes",
        "Data",
    ],
    "funder": [
        "Overview",
        "Capacity map",
        "Demand",
        "Plan",
        "Compare",
        "Budget sweep",
        "If an agency closes",
    ],
    "partner": ["Overview", "Capacity map", "Demand", "Data"],
    "public": ["Overview", "Capacity map"],
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_pages_per_role(role: str) -> None:
    actor = Actor(username=f"a_{role}", role=role, agency_id="A001" if role == "partner" else None)
    assert [page.title for page in pages_for(actor)] == EXPECTED[role]


def test_nobody_logged_in_sees_only_the_login() -> None:
    assert [page.title for page in pages_for(None)] == ["Log in"]


DEMO = "Chicago (demo)"
ADMIN = Actor(username="setup", role="admin")
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def accounts_db(demo_database: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the demo database with one account per role."""
    url = copy_database(demo_database, tmp_path_factory.mktemp("roles"))
    with session_scope(get_engine(url)) as session:
        for role in ("admin", "analyst", "funder", "partner"):
            create_user_as(
                ADMIN,
                session,
                username=f"a_{role}",
                password=PASSWORD,
                role=role,
                city=DEMO if role == "partner" else None,
                agency_id="A001" if role == "partner" else None,
            )
    return url


@pytest.fixture
def local_auth(accounts_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    use_database(accounts_db, monkeypatch)
    monkeypatch.setenv("HAVEN_AUTH", "local")
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    yield accounts_db
    get_settings.cache_clear()


def as_role(page: str, role: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / page), default_timeout=120)
    app.session_state[ACTOR_KEY] = Actor(
        username=f"a_{role}",
        role=role,
        agency_id="A001" if role == "partner" else None,
        city=DEMO if role == "partner" else None,
    )
    app.session_state[LAST_ACTIVITY_KEY] = datetime.now(UTC)
    return app.run()


def texts(app: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "error", "info", "warning", "caption")
        for e in app.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_without_login_a_page_shows_the_login_form(local_auth: str) -> None:
    app = AppTest.from_file(str(ROOT / "pages/data.py"), default_timeout=60).run()
    assert not app.exception
    assert [t.label for t in app.text_input] == ["Username", "Password"]
    assert not app.dataframe


def test_a_funder_cannot_reach_the_import(local_auth: str) -> None:
    app = as_role("pages/data.py", "funder")
    assert not app.exception
    assert not app.get("file_uploader")
    assert "Import" not in [b.label for b in app.button]


def test_a_funder_sees_no_exact_small_counts_on_the_overview(local_auth: str) -> None:
    app = as_role("pages/overview.py", "funder")
    assert not app.exception
    tables = [frame.value for frame in app.dataframe]
    # The districts with the most unmet need, found by its column (the page's sections by
    # population group and flow sit among the tables): named, without counts.
    unmet = next(table for table in tables if "most_unmet_service" in table.columns)
    assert list(unmet.columns) == ["name", "most_unmet_service"]


def test_a_funder_sees_no_confidential_name_or_place(local_auth: str) -> None:
    package = read_package(DEMO_PACKAGE)
    secret = package.agencies[package.agencies["confidential"]]
    app = as_role("pages/capacity_map.py", "funder")
    assert not app.exception
    listed = app.dataframe[-1].value
    assert not set(secret["name"]) & set(listed["name"])
    assert not set(secret["name"]) & set(drawn_points(app)["name"])


def test_the_demand_page_offers_a_funder_only_city_wide_series(local_auth: str) -> None:
    app = as_role("pages/demand.py", "funder")
    assert not app.exception
    assert app.selectbox[0].options == ["The whole city"]


def test_the_public_sees_city_totals_only(local_auth: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_PUBLIC_ACCESS", "true")
    get_settings.cache_clear()
    app = AppTest.from_file(str(ROOT / "pages/overview.py"), default_timeout=120).run()
    assert not app.exception
    assert [s.value for s in app.subheader] == ["City totals"]
    (totals,) = (d.value for d in app.dataframe)
    assert totals["name"].iloc[-1] == "Total" or "Total" in set(totals.iloc[:, 0].astype(str))
    app = AppTest.from_file(str(ROOT / "pages/plan.py"), default_timeout=120).run()
    assert not app.exception
    assert not app.button  # no Run button: the page refuses the public
    assert "does not allow you to run scenarios" in app.error[0].value


def test_only_an_admin_reads_the_audit_log(local_auth: str) -> None:
    app = as_role("pages/audit.py", "analyst")
    assert "Only administrators" in app.error[0].value
    app = as_role("pages/audit.py", "admin")
    assert not app.exception
    log = app.dataframe[0].value
    assert len(log) >= 4  # the four accounts created above


def test_every_page_runs_through_the_app() -> None:
    """Each page script calls ui.navigation.through_the_app before drawing anything (see
    there why), so a first link to it runs inside app.py."""
    import ast

    for path in sorted((ROOT / "pages").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        statements = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
        statements = [n for n in statements if not isinstance(n, ast.Expr) or n is not tree.body[0]]
        first = statements[0]
        assert (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Call)
            and getattr(first.value.func, "id", None) == "through_the_app"
        ), f"{path.name}: the first statement after the imports is not through_the_app()"
