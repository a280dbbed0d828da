"""Forecasts from a city data package: the series rules, units for the planner, paths."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from planner import forecast as fc
from planner.package import CityPackage
from planner.settings import DEMO_PACKAGE
from tests.package_factory import tiny_package

SERVICES = ("shelter_women", "legal_aid", "counselling")
UNITS_PER_CASE = {"shelter_women": 3.0, "legal_aid": 10.0, "counselling": 1.0}


def demand_rows() -> pd.DataFrame:
    """24 months for D1 and D2, D3 from month 13; D2 silent in 2024-06; D1 never reports
    counselling in 2024-03; hotline and police rows for the same cell are summed."""
    rng = np.random.default_rng(2)
    months = pd.period_range("2023-01", periods=24, freq="M").strftime("%Y-%m")
    rows = []
    for d, district in enumerate(("D1", "D2", "D3")):
        for m, period in enumerate(months):
            if district == "D3" and m < 12:
                continue
            if district == "D2" and period == "2024-06":
                continue
            for s, service in enumerate(SERVICES):
                if district == "D1" and service == "counselling" and period == "2024-03":
                    continue
                lam = (3 + 2 * s + d) * (1 + 0.3 * np.sin(2 * np.pi * m / 12))
                rows.append((district, service, period, int(rng.poisson(lam)), "hotline"))
            rows.append((district, "legal_aid", period, 1, "police"))
    return pd.DataFrame(rows, columns=["district_id", "service_id", "period", "cases", "source"])


@pytest.fixture(scope="module")
def package() -> CityPackage:
    return replace(tiny_package(), demand=demand_rows())


def test_demand_history_zero_fills_reported_months_and_leaves_silent_months_missing(
    package: CityPackage,
) -> None:
    history = fc.demand_history(package)
    cell = history.set_index(["district_id", "service_id", "period"])["y"]
    assert cell[("D1", "counselling", "2024-03")] == 0  # D1 reported other services
    assert ("D2", "legal_aid", "2024-06") not in cell.index  # D2 reported nothing: a gap
    assert ("D3", "legal_aid", "2023-12") not in cell.index  # before D3 existed
    demand = package.demand
    both = demand[
        (demand["district_id"] == "D1")
        & (demand["service_id"] == "legal_aid")
        & (demand["period"] == "2023-05")
    ]["cases"].sum()
    assert cell[("D1", "legal_aid", "2023-05")] == both  # sources summed
    assert set(history["pool"]) == set(SERVICES)
    populations = package.districts.set_index("district_id")["population"]
    assert (history["exposure"] == history["district_id"].map(populations)).all()


def test_forecast_demand_units_is_cases_times_units_per_case_on_a_full_grid(
    package: CityPackage,
) -> None:
    units = fc.forecast_demand_units(package, 6, 0.9)
    assert list(units.columns) == ["district_id", "service_id", "period", "demand"]
    assert len(units) == 3 * 3 * 6
    assert sorted(units["period"].unique()) == [f"2025-0{m}" for m in range(1, 7)]
    assert (units["demand"] >= 0).all()
    cases = fc.forecast_package(package, 6, (0.9,))
    merged = units.merge(cases, on=["district_id", "service_id", "period"])
    expected = merged["q0.9"] * merged["service_id"].map(UNITS_PER_CASE)
    np.testing.assert_allclose(merged["demand"], expected)
    median = fc.forecast_demand_units(package, 6, 0.5)
    assert (units["demand"].to_numpy() >= median["demand"].to_numpy()).all()


def test_city_total_is_the_sum_of_districts(package: CityPackage) -> None:
    cases = fc.forecast_package(package, 3, (0.5,))
    by_service = cases.groupby(["service_id", "period"])["mean"].sum()
    history = fc.demand_history(package)
    district_sum = 0.0
    for _sid, rows in cases.groupby(["district_id", "service_id"]):
        district_sum += rows["mean"].sum()
    assert by_service.sum() == pytest.approx(district_sum)
    paths = fc.sample_demand_paths(package, 3, 20, seed=1)
    city = paths.groupby(["sample", "period"])["demand"].sum()
    by_district = paths.groupby(["sample", "period", "district_id"])["demand"].sum()
    np.testing.assert_allclose(city.to_numpy(), by_district.groupby(level=[0, 1]).sum())
    assert history["series_id"].nunique() == 9


def test_city_totals_sum_districts_per_sample(package: CityPackage) -> None:
    paths = fc.sample_demand_paths(package, 3, 300, seed=3)
    totals = fc.city_totals(paths, (0.1, 0.9))
    assert list(totals.columns) == ["service_id", "period", "mean", "q0.1", "q0.9"]
    assert len(totals) == 3 * 3
    mean_of_sums = totals["mean"].sum()
    assert mean_of_sums == pytest.approx(paths["demand"].sum() / 300)
    # Not every district has a bad month at once: the city's P90 is below the sum of
    # the districts' P90s.
    district_p90 = paths.groupby(["district_id", "service_id", "period"])["demand"].quantile(0.9)
    assert totals["q0.9"].sum() <= district_p90.sum()


def test_sample_demand_paths_shape_seed_and_spread(package: CityPackage) -> None:
    paths = fc.sample_demand_paths(package, 4, 200, seed=7)
    assert list(paths.columns) == ["sample", "district_id", "service_id", "period", "demand"]
    assert len(paths) == 200 * 3 * 3 * 4
    assert (paths["demand"] >= 0).all()
    pd.testing.assert_frame_equal(paths, fc.sample_demand_paths(package, 4, 200, seed=7))
    assert not paths.equals(fc.sample_demand_paths(package, 4, 200, seed=8))
    # The paths' quantiles agree with the quantile forecast (in units).
    units = fc.forecast_demand_units(package, 4, 0.9).set_index(
        ["district_id", "service_id", "period"]
    )["demand"]
    sampled = paths.groupby(["district_id", "service_id", "period"])["demand"].quantile(0.9)
    ratio = sampled.sum() / units.sum()
    assert 0.8 < ratio < 1.2


def test_no_demand_gives_empty_frames() -> None:
    empty = replace(tiny_package(), demand=demand_rows().iloc[0:0])
    assert fc.forecast_demand_units(empty, 6, 0.5).empty
    assert fc.sample_demand_paths(empty, 6, 5, seed=0).empty


def test_units_per_case_scales_demand(package: CityPackage) -> None:
    services = package.services.copy()
    services["units_per_case"] = 2.0
    doubled = fc.forecast_demand_units(replace(package, services=services), 3, 0.5)
    base = fc.forecast_package(package, 3, (0.5,))
    merged = doubled.merge(base, on=["district_id", "service_id", "period"])
    np.testing.assert_allclose(merged["demand"], 2.0 * merged["q0.5"])


@pytest.mark.slow
def test_demo_city_chosen_model_beats_seasonal_naive() -> None:
    if not (DEMO_PACKAGE / "demand.csv").is_file():
        pytest.skip(f"demo city absent: {DEMO_PACKAGE}")
    from planner.package import read_package

    package = read_package(DEMO_PACKAGE)
    history = fc.demand_history(package)
    result = fc.backtest(history, 12, 1)  # the planner's horizon, the last year held out
    overall = result.overall.set_index("model")
    assert overall.loc["chosen", "mase"] < overall.loc["seasonal_naive", "mase"]
    units = fc.forecast_demand_units(package, 12, 0.5)
    n_districts = package.districts["district_id"].nunique()
    assert len(units) == n_districts * len(package.services) * 12
    assert (units["demand"] >= 0).all()
