"""HiGHS behind one door (planner/optimise/highs.py): the kept model, changed by name.

On the hand city (tests/planner/test_optimiser.py's docstring), the LP relaxation spends the
30,000 on the 10 legal slots (12,000, 120 weighted units), A2's bed (11,000, 36) and 7/12 of a
bed at A1 (7,000, 21): weighted unmet 336 - 177 = 159. One more thousand buys 1/12 of a bed at
A1, 3 weighted units: the funder's budget row has dual -3 (money is counted in thousands).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from planner.demand import horizon_demand
from planner.optimise.highs import KeptModel
from planner.optimise.inputs import prepare_inputs
from planner.optimise.model import HavenModel, build_model
from planner.optimise.solvers import run_solver
from planner.scenario import Scenario
from tests.planner.optimiser_city import hand_city

ROOT = Path(__file__).resolve().parents[2]
DOOR = Path("planner/optimise/highs.py")
LAYERS = ("planner", "models", "service", "cli", "reports", "ui", "pages")


def hand_model() -> HavenModel:
    package = hand_city()
    scenario = Scenario(name="hand")
    return build_model(prepare_inputs(package, scenario, horizon_demand(package, scenario)))


def weighted_unmet(model: HavenModel, u: np.ndarray) -> float:
    cells = model.cells
    weight = model.inputs.services["weight"].reindex(cells["service_id"]).to_numpy(float)
    return float(u @ (weight * cells["months"].to_numpy(float)))


@pytest.fixture
def solved() -> HavenModel:
    model = hand_model()
    run = run_solver(model, "highs", time_limit_s=10.0, mip_gap=0.0, relax=True)
    assert run.status == "optimal"
    return model


def test_only_the_door_touches_highspy() -> None:
    files = [ROOT / "app.py"] + [p for layer in LAYERS for p in (ROOT / layer).rglob("*.py")]
    reaching = []
    for path in files:
        relative = path.relative_to(ROOT)
        if relative == DOOR or "migrations" in relative.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            imported = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = [node.module]
            attribute = node.attr if isinstance(node, ast.Attribute) else ""
            if attribute == "solverModel" or any(n.split(".")[0] == "highspy" for n in imported):
                reaching.append(f"{relative}:{node.lineno}")
    assert reaching == []


def test_no_kept_model_before_a_highs_run() -> None:
    model = hand_model()
    assert KeptModel.of(model) is None
    assert KeptModel.of(None) is None
    with pytest.raises(ValueError, match="no HiGHS model"):
        KeptModel(model)
    run_solver(model, "cbc", time_limit_s=10.0, mip_gap=0.0, relax=True)
    assert KeptModel.of(model) is None


def test_values_and_duals_of_the_relaxation(solved: HavenModel) -> None:
    kept = KeptModel.of(solved)
    assert kept is not None
    assert weighted_unmet(solved, kept.values(solved.u)) == pytest.approx(159.0)
    assert len(kept.values()) == len(solved.problem.variables())
    dual = kept.row_duals(["funder_budget[city]"])
    assert dual == pytest.approx([-3.0], abs=1e-3)


def test_rows_changed_by_name_and_restored(solved: HavenModel) -> None:
    kept = KeptModel(solved)
    rows = kept.rows(["budget", "funder_budget[city]"])
    assert len(rows) == 2
    kept.set_row_bounds(rows, [-np.inf, -np.inf], [0.0, 0.0])
    result = kept.solve()
    assert result.status == "optimal" and result.optimal
    assert weighted_unmet(solved, kept.values(solved.u)) == pytest.approx(336.0)  # status quo
    kept.set_row_bounds(rows, [-np.inf, -np.inf], [30.0, 30.0])
    kept.set_time_limit(10.0)
    assert kept.solve().optimal
    assert weighted_unmet(solved, kept.values(solved.u)) == pytest.approx(159.0)


def test_columns_fixed_and_an_infeasible_status(solved: HavenModel) -> None:
    kept = KeptModel(solved)
    kept.fix_columns([(var, 0.0) for var in solved.u])  # all demand met: impossible
    result = kept.solve()
    assert result.status == "infeasible"
    assert not result.optimal
    assert result.objective is None
    assert result.message == "Infeasible"
    assert kept.read_back() >= 0.0
