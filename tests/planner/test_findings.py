"""A solve returns codes and values (planner.findings), the same in every language; findings
mask confidential agencies for a reader and round-trip through plan.json."""

from __future__ import annotations

import json
from typing import Any

import pytest

from planner import i18n
from planner.findings import (
    MASKED_AGENCY,
    Baselines,
    Diagnostics,
    Finding,
    Totals,
    findings_from_json,
    findings_to_json,
    is_masked,
    mask_findings,
)
from planner.i18n import use_language
from planner.optimise.plan import summary_findings, summary_parts
from planner.optimiser import SolveOptions, solve
from planner.scenario import Scenario
from tests.planner.optimiser_city import hand_city

FAST = SolveOptions(mip_gap=1e-9)
SCENARIOS = {
    "floor": Scenario(name="floor", equity_floor=0.3),
    "far": Scenario(name="far", equity_floor=0.5, equity_mode="hard", radius_km={"shelter": 5.0}),
    "short": Scenario(name="short", equity_floor=0.5, equity_mode="hard", budget=20000),
}


def _without_times(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k != "times_s"}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_plan_is_the_same_in_french_and_english(name: str, monkeypatch) -> None:
    scenario = SCENARIOS[name]
    with use_language("en"):
        english = solve(hand_city(), scenario, options=FAST)

    def no_translation(language: str) -> dict[str, str]:
        raise AssertionError(f"the solve translated a message ({language})")

    monkeypatch.setattr(i18n, "translations", no_translation)  # t() under "fr" would call it
    with use_language("fr"):
        french = solve(hand_city(), scenario, options=FAST)
    assert _without_times(french.summary()) == _without_times(english.summary())
    assert french.findings == english.findings and english.findings


def test_plan_json_holds_codes_and_values_not_sentences(tmp_path) -> None:
    plan = solve(hand_city(), SCENARIOS["floor"], options=FAST)
    plan.write(tmp_path)
    summary = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert "message" not in summary and "notes" not in summary
    kinds = {f["kind"] for f in summary["findings"]}
    assert {"budget_value", "agency_full", "out_of_reach"} <= kinds
    # The city's one funder holds the whole budget: the relaxation's dual lands on either row.
    assert kinds & {"budget_spent", "funder_exhausted"}
    text = json.dumps(summary)
    for prose in ("removes about", "is full for", " km away", "sentence", "words"):
        assert prose not in text


def test_findings_round_trip_through_plan_json(tmp_path) -> None:
    for scenario in SCENARIOS.values():
        plan = solve(hand_city(), scenario, options=FAST)
        plan.write(tmp_path)
        summary = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
        assert summary_findings(summary) == plan.findings
        totals, diagnostics, baselines = summary_parts(summary)
        assert totals == plan.totals
        assert baselines == plan.baselines
        assert diagnostics == plan.diagnostics


def test_a_plan_saved_before_findings_reads_as_none() -> None:
    old = {"status": "optimal", "message": "optimal", "totals": {"served": 1.0, "demand": 2.0}}
    assert summary_findings(old) == ()
    totals, diagnostics, baselines = summary_parts(old)
    assert totals.served == 1.0 and diagnostics == Diagnostics() and len(baselines) == 0


def test_typed_totals_and_baselines() -> None:
    plan = solve(hand_city(), Scenario(name="hand"), options=FAST)
    assert isinstance(plan.totals, Totals) and isinstance(plan.baselines, Baselines)
    assert plan.baselines.names() == ("status_quo", "population", "demand")
    status_quo = plan.baselines.status_quo
    assert status_quo is not None and status_quo.weighted_unmet == pytest.approx(336.0)
    assert plan.totals.served_beyond_status_quo == pytest.approx(
        plan.totals.served - status_quo.served  # type: ignore[operator]
    )
    assert Baselines.from_dict(plan.baselines.to_dict()) == plan.baselines


def test_mask_findings_hides_a_confidential_agency_and_its_distance() -> None:
    findings = (
        Finding(
            "out_of_reach",
            agency_ids=("A2",),
            district_ids=("D1",),
            service_id="shelter",
            units=24.0,
            distance_km=20.02,
            radius_km=12.0,
        ),
        Finding("agency_full", agency_ids=("A1", "A2", "A3"), service_id="shelter"),
        Finding("expansion_limit", agency_ids=("A1",), service_id="legal", units=5.0),
        Finding("budget_spent", amount=30000.0),
    )
    masked = mask_findings(findings, {"A2", "A3"})
    text = json.dumps(findings_to_json(masked))
    assert '"A2"' not in text and '"A3"' not in text and "20.02" not in text
    reach, full, expansion, budget = masked
    assert is_masked(reach.agency_ids[0]) and reach.distance_km is None
    assert reach.radius_km == 12.0 and reach.units == 24.0  # the rest stays
    assert full.agency_ids[0] == "A1" and all(is_masked(a) for a in full.agency_ids[1:])
    assert len(set(full.agency_ids)) == 3  # still counted once each
    assert full.agency_ids[1] == reach.agency_ids[0]  # one agency, one marker
    assert expansion == findings[2] and budget == findings[3]
    assert mask_findings(findings, ()) == findings
    assert all(a.startswith(MASKED_AGENCY) for a in full.agency_ids[1:])


def test_finding_json_drops_empty_fields_and_reads_back() -> None:
    finding = Finding("agency_full", agency_ids=("A1",), service_id="s", months=("2026-01",))
    data = finding.to_dict()
    assert data == {
        "kind": "agency_full",
        "agency_ids": ["A1"],
        "service_id": "s",
        "months": ["2026-01"],
    }
    assert findings_from_json([data, {"no": "kind"}]) == (finding,)


def test_suppress_cell_figures_drops_the_counts_of_hidden_cells() -> None:
    from planner.findings import suppress_cell_figures
    from reports.words import NameBook, sentence

    reach = Finding(
        "out_of_reach",
        agency_ids=("A2",),
        district_ids=("D1",),
        service_id="shelter",
        units=3.0,
        radius_km=12.0,
    )
    below = Finding("below_floor", district_ids=("D2",), service_id="shelter", share=0.2, floor=0.5)
    shown = Finding("below_floor", district_ids=("D3",), service_id="shelter", share=0.4, floor=0.5)
    kept = suppress_cell_figures([reach, below, shown], {("D1", "shelter"), ("D2", "shelter")})
    assert kept[0].units is None and kept[1].share is None and kept[2] == shown
    book = NameBook(districts={"D1": "North", "D2": "Middle"})
    assert "3" not in sentence(kept[0], book) and "North" in sentence(kept[0], book)
    assert "20" not in sentence(kept[1], book) and "below the 50% floor" in sentence(kept[1], book)
