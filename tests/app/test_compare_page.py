"""The Compare page: saved scenarios re-solved and shown side by side, with the chart and maps.

The scenarios are saved in a private copy of the demo database (module-wide, so their
plans are solved once and cached for every test here).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from models.db import get_engine, session_scope
from models.scenarios import save_scenario
from planner.package import read_package
from planner.scenario import Scenario
from planner.settings import DEMO_PACKAGE, get_settings
from tests.app.conftest import ROOT
from tests.app.scratch import copy_database, use_database

PAGE = str(ROOT / "pages/compare.py")
DEMO = "Chicago (demo)"
FULL = Scenario(name="A: every funder's budget")
HALF = Scenario(name="B: half the money, floor 50%", budget=1_875_000, equity_floor=0.5)
STALE = Scenario(name="C: a funder since removed", funder_budgets={"gone_fund": 1000.0})


@pytest.fixture(scope="module")
def empty_copy(demo_database: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    return copy_database(demo_database, tmp_path_factory.mktemp("compare_empty"))


@pytest.fixture(scope="module")
def saved_copy(demo_database: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = copy_database(demo_database, tmp_path_factory.mktemp("compare_saved"))
    with session_scope(get_engine(url)) as session:
        for scenario in (FULL, HALF, STALE):
            save_scenario(
                session,
                city_name=DEMO,
                name=scenario.name,
                note=f"note on {scenario.name}",
                parameters=scenario.to_dict(),
                created_by="test",
            )
    return url


@pytest.fixture
def saved_env(app_env: str, saved_copy: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    use_database(saved_copy, monkeypatch)
    yield saved_copy


def page() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=180)
    app.run()
    assert not app.exception
    return app


def side_by_side(app: AppTest):
    """The side-by-side table (the one with a `Measure` column), by measure."""
    tables = [frame.value for frame in app.dataframe if "Measure" in frame.value.columns]
    assert len(tables) == 1
    return tables[0].set_index("Measure")


def parameters(app: AppTest):
    """The table of what the scenarios set differently."""
    tables = [frame.value for frame in app.dataframe if "Parameter" in frame.value.columns]
    assert len(tables) == 1
    return tables[0]


def chart_specs(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


def test_fewer_than_two_saved_scenarios_says_how_to_save_one(
    app_env: str, empty_copy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(empty_copy, monkeypatch)
    app = page()
    message = app.info[0].value
    assert "two saved scenarios" in message and "has 0" in message
    assert "Plan page" in message and "Save scenario" in message
    assert not app.dataframe


def test_two_saved_scenarios_side_by_side_with_chart_and_maps(saved_env: str) -> None:
    app = page()
    assert app.multiselect[0].value == [FULL.name, HALF.name]
    table = side_by_side(app)
    assert list(table.columns) == [FULL.name, HALF.name]
    assert table.loc["New money spent (USD)", FULL.name].startswith("$3.")
    assert table.loc["Budget (USD)", HALF.name] == "$1.9M"
    for measure in (
        "Served (units)",
        "Coverage (share of demand served)",
        "Lowest district coverage",
        "Spread between districts (max − min)",
        "Cost per additional unit served vs today (USD)",
    ):
        assert measure in table.index
    assert table.loc["Coverage (share of demand served)", FULL.name].endswith("%")
    # Units added one service at a time, each in its own unit: never beds + slots + hours.
    added = [measure for measure in table.index if measure.startswith("Units added")]
    assert added and all(measure.startswith("Units added: ") for measure in added)
    services = read_package(DEMO_PACKAGE).services
    named = {f"Units added: {row.name} ({row.unit})" for row in services.itertuples()}
    assert set(added) <= named
    differ = parameters(app).set_index("Parameter")
    assert list(differ.index) == ["Budget", "Equity floor"]
    assert differ.loc["Budget", FULL.name] == "the funders' total"
    assert differ.loc["Budget", HALF.name] == "$1.9M"
    assert differ.loc["Equity floor", HALF.name] == "50%"
    assert not app.warning  # both plan for the expected demand

    specs = chart_specs(app)
    assert len(specs) == 4  # funding difference, difference map, a coverage map per plan
    funding, difference, *coverage = specs
    assert "Funding per agency" in json.dumps(funding["title"])
    assert difference["datasets"]["districts"][0]["type"] == "Feature"
    assert len(difference["datasets"]["districts"]) == 77
    assert "blueorange" in json.dumps(difference)
    changes = [f["properties"]["difference"] for f in difference["datasets"]["districts"]]
    assert any(c is not None and c != 0 for c in changes)
    assert all("viridis" in json.dumps(spec) for spec in coverage)


def test_a_scenario_that_no_longer_fits_is_explained(saved_env: str) -> None:
    app = page()
    app.multiselect[0].set_value([FULL.name, STALE.name]).run()
    assert not app.exception
    assert "no longer fits" in app.warning[0].value and "gone_fund" in app.warning[0].value
    assert app.error[0].value.startswith("Fewer than two of the chosen scenarios")


def test_choosing_one_scenario_asks_for_another(saved_env: str) -> None:
    app = page()
    app.multiselect[0].set_value([HALF.name]).run()
    assert not app.exception
    assert app.info[0].value == "Choose at least two scenarios."


def test_three_scenarios_compare_against_the_first(saved_env: str) -> None:
    cheap = Scenario(name="D: no new money", budget=0.0)
    with session_scope(get_engine(saved_env)) as session:
        save_scenario(
            session,
            city_name=DEMO,
            name=cheap.name,
            note=None,
            parameters=cheap.to_dict(),
            created_by="test",
        )
    app = page()
    app.multiselect[0].set_value([HALF.name, FULL.name, cheap.name]).run()
    assert not app.exception
    table = side_by_side(app)
    assert list(table.columns) == [HALF.name, FULL.name, cheap.name]
    assert table.loc["New money spent (USD)", cheap.name] == "$0"
    chart = app.get("vega_lite_chart")[0].proto
    rows = convert_arrow_bytes_to_pandas_df(chart.datasets[0].data.data)
    assert set(rows["plan"]) <= {FULL.name, cheap.name}  # differences from the first
    assert set(rows["plan"]) >= {cheap.name}


def test_a_public_visitor_is_told_who_may_compare(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAVEN_AUTH", "local")
    monkeypatch.setenv("HAVEN_PUBLIC_ACCESS", "true")
    get_settings.cache_clear()
    app = page()
    assert app.info[0].value.startswith("Comparing plans is for funders, analysts and admins")
    assert not app.multiselect and not app.dataframe


def test_plans_for_different_demand_are_said_to_be_measured_differently(saved_env: str) -> None:
    cautious = Scenario(name="E: cautious P80", demand_quantile=0.8)
    with session_scope(get_engine(saved_env)) as session:
        save_scenario(
            session,
            city_name=DEMO,
            name=cautious.name,
            note=None,
            parameters=cautious.to_dict(),
            created_by="test",
        )
    app = page()
    app.multiselect[0].set_value([FULL.name, cautious.name]).run()
    assert not app.exception
    warning = app.warning[0].value
    assert f"“{FULL.name}” plans for expected demand" in warning
    assert f"“{cautious.name}” plans for P80 of the city's demand per service" in warning
    assert "measured against different demand" in warning
    differ = parameters(app).set_index("Parameter")
    assert differ.loc["Demand planned for", FULL.name] == "expected demand"
    assert differ.loc["Demand planned for", cautious.name].startswith("P80")
    totals = side_by_side(app)
    demand = "Demand over the horizon (units)"
    assert totals.loc[demand, FULL.name] != totals.loc[demand, cautious.name]
