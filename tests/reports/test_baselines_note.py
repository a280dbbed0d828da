"""The report's note under the baselines table says what each baseline could not place
(issue 14: it said "Baselines spend the same budget" when two spent half of it)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from planner.findings import BaselineResult, Baselines, Totals
from reports.tables import baselines_note
from reports.words import NameBook


def view(*results: BaselineResult) -> Any:
    return SimpleNamespace(
        summary={"baselines": Baselines(tuple(results)).to_dict()}, book=NameBook()
    )


def test_a_baseline_that_leaves_money_says_how_much_and_why() -> None:
    note = baselines_note(
        view(
            BaselineResult("status_quo", "optimal", Totals(budget=0.0, money_spent=0.0)),
            BaselineResult("population", "optimal", Totals(budget=3e6, money_spent=1.5e6)),
            BaselineResult("demand", "optimal", Totals(budget=3e6, money_spent=3e6)),
        )
    )
    assert "spend the same budget" not in note
    assert "Split by population leaves $1,500,000 of $3,000,000 unspent" in note
    assert "Split by forecast demand leaves" not in note


def test_baselines_that_spend_it_all_need_no_excuse() -> None:
    note = baselines_note(
        view(BaselineResult("demand", "optimal", Totals(budget=3e6, money_spent=3e6)))
    )
    assert "unspent" not in note
