"""The report's data freshness carries the stale mark of capacity (issue 19)."""

from __future__ import annotations

from types import SimpleNamespace

from reports.context import ReportContext
from reports.sections import _freshness
from tests.package_factory import tiny_package


def test_the_report_says_how_many_capacity_figures_are_stale() -> None:
    context = ReportContext.from_package(tiny_package())
    fresh = context.freshness
    assert fresh["capacity_count"] == "4" and fresh["stale_after_days"] == "30"
    assert int(fresh["capacity_stale"] or 0) >= 1  # A3's legal aid has no date
    text = _freshness(SimpleNamespace(context=context))  # type: ignore[arg-type]
    assert "STALE:" in text and "capacity figures older than 30 days or undated" in text


def test_a_context_from_before_says_what_it_said() -> None:
    context = SimpleNamespace(
        freshness={
            "capacity_oldest": "2026-01-01",
            "capacity_newest": "2026-01-01",
            "demand_first": "2026-01",
            "demand_last": "2026-03",
        }
    )
    assert "STALE" not in _freshness(SimpleNamespace(context=context))  # type: ignore[arg-type]
