"""planner.quality: scores per agency and district from codes and values, most severe first."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from planner.quality import LOW_SCORE, assess
from reports.quality_words import reason_text
from tests.package_factory import tiny_package

TODAY = date(2026, 1, 20)


def codes(report, subject: str, subject_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.code for r in report.reasons_of(subject, subject_id)}  # type: ignore[arg-type]


def test_the_tiny_city_scores_and_its_reasons() -> None:
    report = assess(tiny_package(), TODAY)
    agencies = report.agencies.set_index("agency_id")
    assert set(agencies.index) == {"A1", "A2", "A3"}
    assert agencies.loc["A2", "score"] == 100.0  # dated, occupied known, fresh
    # A3's legal aid has neither a date nor an occupancy.
    assert codes(report, "agency", "A3") == {"undated", "occupied_unknown"}
    assert agencies.loc["A3", "completeness"] == 80.0  # two low reasons
    assert list(report.agencies["score"]) == sorted(report.agencies["score"])
    assert set(report.districts["district_id"]) == {"D1", "D2", "D3"}


def test_stale_occupied_above_and_funded_gap_are_found_and_ranked() -> None:
    package = tiny_package()
    capacity = package.capacity.copy()
    capacity["funded"] = [None, 40.0, 400.0, 60.0, None]  # A1: 40 funded, 24 in service
    capacity.loc[3, "occupied"] = 70.0  # A3 counselling: 70 occupied of 60
    report = assess(replace(package, capacity=capacity), date(2026, 6, 1))
    a1 = {r.code: r for r in report.reasons_of("agency", "A1")}
    assert a1["very_stale"].value == 151 and a1["very_stale"].limit == 30
    assert a1["funded_gap"].value == 40 and a1["funded_gap"].limit == 24
    assert "occupied_above_capacity" in codes(report, "agency", "A3")
    assert "funded_unknown" in codes(report, "agency", "A3")  # the city reports funded
    ranks = [r.rank for r in report.reasons]
    assert ranks == sorted(ranks)
    assert report.reasons[0].severity == "high"
    low = report.low_agencies()
    assert set(low["agency_id"]) >= {"A1"} and (low["score"] < LOW_SCORE).all()


def test_demand_outliers_gaps_and_lag_per_district() -> None:
    package = tiny_package()
    rows = []
    for i, period in enumerate(pd.period_range("2025-01", "2025-12", freq="M").astype(str)):
        rows.append(("D1", "legal_aid", period, 10 + (i % 2), "ngo"))
        rows.append(("D2", "legal_aid", period, 10, "ngo"))
    rows[-2] = ("D1", "legal_aid", "2025-12", 90, "ngo")  # a spike in D1's last month
    demand = pd.DataFrame(rows, columns=["district_id", "service_id", "period", "cases", "source"])
    demand = demand[~((demand["district_id"] == "D2") & (demand["period"] > "2025-09"))]
    report = assess(replace(package, demand=demand.reset_index(drop=True)), TODAY)
    d1 = {r.code: r for r in report.reasons_of("district", "D1")}
    assert d1["demand_outlier"].value == 90 and d1["demand_outlier"].period == "2025-12"
    d2 = {r.code: r for r in report.reasons_of("district", "D2")}
    assert d2["demand_behind"].count == 3 and d2["demand_behind"].severity == "high"
    assert d2["missing_months"].count == 3
    assert "no_demand" in codes(report, "district", "D3")
    text = reason_text(d1["demand_outlier"], district_names={"D1": "North Loop"})
    assert text.startswith("North Loop, legal_aid: 90 cases in 2025-12")


def test_hotline_referrals_without_demand() -> None:
    package = tiny_package()
    hotline = pd.DataFrame(
        {
            "period": ["2026-03"],
            "channel": ["phone"],
            "contacts": [9],
            "district_id": ["D3"],
            "language": [None],
            "exploitation": [None],
            "referred": [4],
        }
    )
    demand = package.demand[package.demand["district_id"] != "D3"].reset_index(drop=True)
    report = assess(replace(package, demand=demand, hotline=hotline), TODAY)
    assert "referrals_without_demand" in codes(report, "district", "D3")
