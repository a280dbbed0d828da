"""Capacity figures are checked in the service layer, before anything is written."""

from __future__ import annotations

from service.edits import check_capacity, whole_units


def codes(**figures: float | None) -> list[tuple[str, str]]:
    problems = check_capacity(unit="bed", whole=True, **figures)  # type: ignore[arg-type]
    return [(p.field, p.code) for p in problems]


def test_whole_units_unless_the_unit_measures_time() -> None:
    assert whole_units("bed") and whole_units("slot") and whole_units("call")
    assert not whole_units("hour") and not whole_units("hours") and not whole_units("day")
    assert whole_units("hour", True), "a service the city marks integer is counted whole"


def test_each_figure_is_checked_by_field() -> None:
    assert codes(capacity=20.0, occupied=18.0, max_expansion=2.0) == []
    assert codes(capacity=13.5) == [("capacity", "not_whole")]
    assert codes(capacity=10.0, occupied=25.0) == [("occupied", "above_capacity")]
    assert codes(capacity=-3.0, occupied=1.0) == [("capacity", "negative")]
    assert codes(capacity=5.0, max_expansion=-1.0) == [("max_expansion", "negative")]
    assert codes(capacity=float("nan")) == [("capacity", "not_a_number")]
    hours = check_capacity(unit="hour", whole=False, capacity=12.5, occupied=3.25)
    assert hours == []
