"""The Overview's forecast figures: city totals per service from joint sample paths, and the
gap trend that continues the observed months."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.overview import gap_trend, service_outlook, service_summary
from tests.planner.optimiser_city import hand_city, monthly_history


def paths_where_districts_offset_each_other() -> pd.DataFrame:
    """Five samples of two months: North has `s` shelter cases in sample s, South `4 - s`,
    so the city always has 4, while each district alone ranges from 0 to 4."""
    rows = []
    for sample in range(5):
        for period in ("2026-01", "2026-02"):
            rows.append((sample, "D1", "shelter", period, float(sample)))
            rows.append((sample, "D3", "shelter", period, float(4 - sample)))
    return pd.DataFrame(rows, columns=["sample", "district_id", "service_id", "period", "cases"])


def test_a_service_quantile_is_the_quantile_of_the_city_total() -> None:
    package = hand_city()
    frame = service_outlook(package, paths_where_districts_offset_each_other())
    units = float(package.services.set_index("service_id").at["shelter", "units_per_case"])
    capacity = package.current_capacity().groupby("service_id")["capacity"].sum()["shelter"]
    assert list(frame["period"]) == ["2026-01", "2026-02"]
    # Summing the districts' own P10s would give 0.4 + 0.4 cases; the city always has 4.
    assert frame["q0.1"].tolist() == pytest.approx([4 * units] * 2)
    assert frame["q0.9"].tolist() == pytest.approx([4 * units] * 2)
    assert frame["capacity_units"].tolist() == pytest.approx([capacity] * 2)
    assert frame["gap_units"].tolist() == pytest.approx([4 * units - capacity] * 2)
    assert set(frame["service"]) == {"Shelter"}


def test_the_summary_gains_the_forecast_and_its_gap() -> None:
    package = hand_city()
    frame = service_outlook(package, paths_where_districts_offset_each_other())
    summary = service_summary(package, frame).set_index("service_id")
    units = float(package.services.set_index("service_id").at["shelter", "units_per_case"])
    assert summary.at["shelter", "forecast_units"] == pytest.approx(4 * units)
    assert summary.at["shelter", "forecast_gap"] == pytest.approx(
        4 * units - summary.at["shelter", "capacity"]
    )
    assert "forecast_units" not in service_summary(package).columns


def test_the_forecast_line_starts_where_the_observed_one_ends() -> None:
    history = monthly_history({("D1", "shelter"): 3}, months=12)
    package = hand_city(demand=history)
    forecast = service_outlook(package, paths_where_districts_offset_each_other())
    trend = gap_trend(package, forecast)
    shelter = trend[trend["service_id"] == "shelter"]
    observed = shelter[shelter["observed"]]
    ahead = shelter[~shelter["observed"]]
    last = observed["period"].max()
    assert last == "2025-12"
    assert list(ahead["period"]) == [last, "2026-01", "2026-02"]
    assert ahead["gap_units"].iloc[0] == pytest.approx(
        observed.loc[observed["period"] == last, "gap_units"].iloc[0]
    )


def test_without_a_forecast_the_trend_is_the_observed_gap() -> None:
    package = hand_city()
    empty = pd.DataFrame(columns=["sample", "district_id", "service_id", "period", "cases"])
    forecast = service_outlook(package, empty)
    assert forecast.empty
    trend = gap_trend(package, forecast)
    assert len(trend) > 0 and trend["observed"].all()


def test_capacity_by_agency_carries_its_as_of_date_and_stale_mark(tmp_path) -> None:
    """Issue 19: every capacity figure carries its as-of date and a stale mark, the capacity
    map's agency table too (the oldest of an agency's current figures)."""
    from datetime import date

    from planner.overview import capacity_by_agency
    from planner.package import read_package
    from tests.package_factory import write_tiny_package

    package = read_package(write_tiny_package(tmp_path / "city"))
    current = package.current_capacity()
    dates = pd.to_datetime(current["as_of"], errors="coerce")
    newest = dates.max().date()
    fresh = capacity_by_agency(package, today=newest)
    assert {"as_of", "stale"} <= set(fresh.columns)
    for agency_id, rows in current.assign(when=dates).groupby("agency_id"):
        row = fresh[fresh["id"] == agency_id].iloc[0]
        if rows["when"].isna().any():
            assert row["as_of"] is None and row["stale"]
        else:
            assert row["as_of"] == rows["when"].min().date()
    later = capacity_by_agency(package, today=date(newest.year + 1, newest.month, 1))
    assert later["stale"].all()  # a year on, every figure is stale
