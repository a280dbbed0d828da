"""service.plans.run_robust (issue 17): the plan for bad months through the one door, as each
audience may see it."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from models.db import dispose_engines
from planner.package import read_package
from planner.scenario import Scenario
from planner.settings import DEMO_PACKAGE, get_settings
from service import edits, plans, store
from service.access import AccessDenied, Actor

ADMIN = Actor("ada", "admin")
FUNDER = Actor("fay", "funder")
ANALYST = Actor("ann", "analyst")
PUBLIC = Actor("public", "public")
SCENARIO = Scenario(name="bad months", robust={"scenarios": 2, "risk": "cvar", "alpha": 0.8})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('robust') / 'haven.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("HAVEN_SMALL_COUNT_K", "5")
        patch.setattr("planner.scenario.EVALUATION_SAMPLES", 3)  # a short evaluation here
        get_settings.cache_clear()
        store.clear()
        package = read_package(DEMO_PACKAGE)
        edits.import_city(ADMIN, package)
        yield package.city.name
        store.clear()
        get_settings.cache_clear()
    dispose_engines()


def test_the_analyst_reads_the_whole_comparison(demo: str) -> None:
    steps: list[str] = []
    comparison = plans.run_robust(ANALYST, demo, SCENARIO, progress=lambda s, w: steps.append(w))
    assert steps[0] == "robust" and steps[-1] == "evaluate"
    assert list(comparison.table["plan"]) == ["plan", "robust"]
    assert comparison.table["expected_weighted_unmet"].notna().all()
    assert comparison.robust.n_scenarios == 2 and comparison.robust.risk == "cvar"
    assert comparison.evaluation_samples == 3
    assert len(comparison.robust.plan.coverage)
    # The plan row is the scenario's own plan, the one the Plan page shows.
    own = plans.run_plan(ANALYST, demo, SCENARIO)
    assert comparison.row("plan")["money_spent"] == pytest.approx(own.totals.money_spent)


def test_a_funder_reads_no_cell_of_the_robust_plan(demo: str) -> None:
    comparison = plans.run_robust(FUNDER, demo, SCENARIO)
    robust = comparison.robust.plan
    assert robust.coverage.empty and robust.assignments.empty and robust.findings == ()
    assert robust.totals.demand is None and robust.totals.weighted_unmet is None
    assert comparison.robust.scenario_losses.empty
    assert len(robust.capacity_added) and len(robust.funding)  # the first stage: money, units
    own = plans.run_plan(FUNDER, demo, SCENARIO).totals
    hidden = own.demand is None or own.served is None
    for column in plans.COUNT_COLUMNS:
        assert comparison.table[column].map(math.isnan).all() == hidden


def test_the_public_may_not_plan(demo: str) -> None:
    with pytest.raises(AccessDenied):
        plans.run_robust(PUBLIC, demo, SCENARIO)
