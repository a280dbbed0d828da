"""The one door, as a browser receives it: pages of issue 12's leaks, rendered for a role.

- a partner's sidebar offers its own city only, whatever the session asks;
- the Compare page names no confidential agency to a funder;
- the Plan page's "What limits the plan" names no confidential agency to a funder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from models.db import get_engine, session_scope
from models.repository import import_package
from models.scenarios import save_scenario
from planner.package import read_package
from planner.scenario import Scenario
from planner.settings import DEMO_PACKAGE, get_settings
from service.access import Actor, create_user_as
from tests.app.conftest import ROOT
from tests.app.scratch import copy_database, use_database
from tests.service.access_city import city_package
from ui.auth import ACTOR_KEY, LAST_ACTIVITY_KEY

DEMO = "Chicago (demo)"
OTHER = "Elsewhere"
SCENARIOS = (Scenario(name="A: all the money"), Scenario(name="B: less", budget=1_000_000))


@pytest.fixture(scope="module")
def two_cities(demo_database: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = copy_database(demo_database, tmp_path_factory.mktemp("one_door"))
    with session_scope(get_engine(url)) as session:
        import_package(session, city_package(OTHER))
        setup = Actor("setup", "admin")
        for username, role in (("a_funder", "funder"), ("a_partner", "partner")):
            partner = role == "partner"
            create_user_as(
                setup,
                session,
                username=username,
                password="correct horse battery staple",
                role=role,
                city=OTHER if partner else None,
                agency_id="A2" if partner else None,
            )
        for scenario in SCENARIOS:
            save_scenario(
                session,
                city_name=DEMO,
                name=scenario.name,
                note=None,
                parameters=scenario.to_dict(),
                created_by="test",
            )
    return url


@pytest.fixture
def local_auth(two_cities: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    use_database(two_cities, monkeypatch)
    monkeypatch.setenv("HAVEN_AUTH", "local")
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    yield two_cities
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def secret_names() -> list[str]:
    agencies = read_package(DEMO_PACKAGE).agencies
    return list(agencies.loc[agencies["confidential"].astype(bool), "name"].astype(str))


def as_actor(page: str, actor: Actor, city: str | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / page), default_timeout=300)
    app.session_state[ACTOR_KEY] = actor
    app.session_state[LAST_ACTIVITY_KEY] = datetime.now(UTC)
    if city is not None:
        app.session_state["city"] = city
    return app.run()


def everything_shown(app: AppTest) -> str:
    """Text, tables and charts as the browser receives them."""
    parts: list[str] = []
    for kind in ("markdown", "error", "info", "warning", "caption", "metric", "success"):
        parts += [str(getattr(e, "value", "")) for e in app.get(kind)]
    parts += [frame.value.to_csv() for frame in app.dataframe]
    parts += [chart.proto.spec for chart in app.get("vega_lite_chart")]
    parts += [str(chart.proto) for chart in app.get("arrow_vega_lite_chart")]
    return "\n".join(parts)


def test_a_partner_picks_only_its_own_city(local_auth: str) -> None:
    partner = Actor("a_partner", "partner", agency_id="A2", city=OTHER)
    app = as_actor("pages/overview.py", partner, city=DEMO)  # asks for the other city
    assert not app.exception
    assert app.sidebar.selectbox[0].options == [OTHER]
    assert DEMO not in everything_shown(app)


def test_the_compare_page_names_no_confidential_agency(
    local_auth: str, secret_names: list[str]
) -> None:
    app = as_actor("pages/compare.py", Actor("a_funder", "funder"), city=DEMO)
    assert not app.exception
    shown = everything_shown(app)
    assert "Confidential location" in shown
    assert [name for name in secret_names if name in shown] == []


def test_the_plan_page_names_no_confidential_agency(
    local_auth: str, secret_names: list[str]
) -> None:
    app = AppTest.from_file(str(ROOT / "pages/plan.py"), default_timeout=300)
    app.session_state[ACTOR_KEY] = Actor("a_funder", "funder")
    app.session_state[LAST_ACTIVITY_KEY] = datetime.now(UTC)
    app.session_state["city"] = DEMO
    app.session_state["plan_scenario"] = SCENARIOS[0]
    app.run()
    assert not app.exception, app.exception
    shown = everything_shown(app)
    assert [name for name in secret_names if name in shown] == []
    specs = [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]
    assert specs  # the maps were drawn
