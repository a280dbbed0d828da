"""Version 2 of the package for live capacity (issue 19): capacity.funded, hotline.csv and
city.json's small_count_k are read, validated with file:line: column messages, written back
row for row; a version-1 package reads and plans exactly as before."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from planner.capacity_levels import capacity_levels, funded_gaps
from planner.hotline import by_period, recent
from planner.package import read_package, validate_package, write_package
from planner.problems import InvalidInput
from tests.package_factory import add_column, edit_city, set_cell, write_tiny_package

HOTLINE = """\
period,channel,contacts,district_id,language,exploitation,referred
2026-01,phone,42,D1,,,30
2026-01,chat,12,,es,labour,4
2026-03,phone,38,D1,,,25
"""


def v2_package(tmp_path: Path) -> Path:
    path = write_tiny_package(tmp_path / "city")
    add_column(path, "capacity.csv", "funded")
    set_cell(path, "capacity.csv", 3, "funded", "30")  # A1 shelter: 24 in service, 30 funded
    set_cell(path, "capacity.csv", 4, "funded", "400")  # A2 legal aid: as in service
    (path / "hotline.csv").write_text(HOTLINE, encoding="utf-8")
    edit_city(path, small_count_k=10)
    return path


def messages(path: Path) -> list[str]:
    return [str(p) for p in validate_package(path)]


def test_a_version_1_package_reads_as_before(tmp_path: Path) -> None:
    package = read_package(write_tiny_package(tmp_path / "city"))
    assert package.capacity["funded"].isna().all()
    assert package.hotline.empty
    assert list(package.hotline.columns) == [
        "period",
        "channel",
        "contacts",
        "district_id",
        "language",
        "exploitation",
        "referred",
    ]
    assert package.city.small_count_k is None
    assert "small_count_k" not in package.city.to_dict()
    assert package.warnings == ()
    out = write_package(package, tmp_path / "out")
    assert not (out / "hotline.csv").exists()  # a version-1 city exports as version 1


def test_version_2_reads_and_round_trips(tmp_path: Path) -> None:
    package = read_package(v2_package(tmp_path))
    assert package.warnings == ()
    assert package.city.small_count_k == 10
    current = package.current_capacity().set_index(["agency_id", "service_id"])
    assert current.loc[("A1", "shelter_women"), "funded"] == 30.0
    assert len(package.hotline) == 3
    assert package.hotline["referred"].tolist() == [30, 4, 25]
    back = read_package(write_package(package, tmp_path / "out"))
    assert back.city.small_count_k == 10
    pd.testing.assert_frame_equal(back.hotline, package.hotline)
    pd.testing.assert_frame_equal(back.capacity, package.capacity)


def test_funded_below_capacity_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = v2_package(tmp_path)
    set_cell(path, "capacity.csv", 3, "funded", "20")
    assert (
        "capacity.csv:3: funded: 20 is below the capacity in service 24 (funded >= capacity)"
        in messages(path)
    )
    with pytest.raises(InvalidInput):
        read_package(path)


def test_hotline_cells_are_checked_each_with_its_line(tmp_path: Path) -> None:
    path = v2_package(tmp_path)
    (path / "hotline.csv").write_text(
        HOTLINE
        + "2026-13,phone,3,,,,\n"
        + "2026-02,fax,3,,,,\n"
        + "2026-02,phone,-1,D9,english,slavery,\n"
        + "2026-02,sms,3,,,,5\n"
        + "2026-01,phone,1,D1,,,\n",
        encoding="utf-8",
    )
    found = messages(path)
    lines = {m.split(":")[1] for m in found if m.startswith("hotline.csv:")}
    assert {"5", "6", "7", "8", "9"} <= lines
    assert any(m.startswith("hotline.csv:7: contacts:") for m in found)
    assert any(m.startswith("hotline.csv:7: district_id: 'D9'") for m in found)
    assert any(m.startswith("hotline.csv:7: language:") for m in found)
    assert any(m.startswith("hotline.csv:8: referred: 5 is above the contacts 3") for m in found)
    assert any(m.startswith("hotline.csv:9:") and "duplicate" in m for m in found)


def test_small_count_k_is_checked(tmp_path: Path) -> None:
    path = v2_package(tmp_path)
    for value, fragment in ((2, "2 hides nothing"), (0, "at least 1"), ("five", "whole number")):
        edit_city(path, small_count_k=value)
        assert any(
            m.startswith("city.json: small_count_k:") and fragment in m for m in messages(path)
        )


def test_capacity_levels_and_the_funded_flag(tmp_path: Path) -> None:
    package = read_package(v2_package(tmp_path))
    levels = capacity_levels(package, date(2026, 2, 15), stale_after_days=30)
    a1 = levels[(levels["agency_id"] == "A1")].iloc[0]
    assert (a1["funded"], a1["capacity"], a1["occupied"], a1["free"]) == (30.0, 24.0, 22.0, 2.0)
    assert a1["as_of"] == date(2026, 1, 1) and a1["age_days"] == 45 and a1["stale"]
    undated = levels[(levels["agency_id"] == "A3") & (levels["service_id"] == "legal_aid")].iloc[0]
    assert undated["stale"] and pd.isna(undated["free"])
    gaps = funded_gaps(levels).set_index("agency_id")
    assert bool(gaps.loc["A1", "flagged"]) and not bool(gaps.loc["A2", "flagged"])
    assert "A3" not in gaps.index  # no funded figure: never flagged
    assert funded_gaps(
        capacity_levels(read_package(write_tiny_package(tmp_path / "v1")), date(2026, 2, 1))
    ).empty


def test_hotline_tables(tmp_path: Path) -> None:
    package = read_package(v2_package(tmp_path))
    contacts = by_period(package.hotline, "contacts", "channel")
    assert contacts.index.tolist() == ["2026-01", "2026-02", "2026-03"]  # the gap month is 0
    assert contacts.columns.tolist() == ["phone", "chat"]
    assert contacts.loc["2026-01", "phone"] == 42 and contacts.loc["2026-02", "phone"] == 0
    referred = by_period(package.hotline, "referred", "channel")
    assert referred["phone"].sum() == 55
    languages = recent(package.hotline, "language").set_index("language")
    assert languages.loc["unknown", "contacts"] == 80 and languages.loc["es", "referred"] == 4


def test_the_plan_uses_what_is_in_service_not_what_is_funded(tmp_path: Path) -> None:
    from planner.demand import horizon_demand
    from planner.optimise.inputs import prepare_inputs
    from planner.scenario import Scenario

    scenario = Scenario(name="same")
    v1 = read_package(write_tiny_package(tmp_path / "v1"))
    v2 = read_package(v2_package(tmp_path))
    demand = horizon_demand(v1, scenario)
    one = prepare_inputs(v1, scenario, demand).pairs
    two = prepare_inputs(v2, scenario, demand).pairs
    pd.testing.assert_frame_equal(one, two)
    assert one.set_index(["agency_id", "service_id"]).loc[("A1", "shelter_women"), "c0"] == 24


def test_hotline_as_a_leading_indicator() -> None:
    import numpy as np

    from planner.hotline import leading_indicator

    rng = np.random.default_rng(7)
    months = [str(p) for p in pd.period_range("2024-01", "2026-06", freq="M")]
    contacts = rng.integers(20, 200, size=len(months)).astype(float)
    cases = np.concatenate([[50.0], 0.5 * contacts[:-1]]) + rng.normal(0, 2, len(months))
    demand = pd.DataFrame({"period": months, "cases": cases.round()})
    leading = pd.DataFrame({"period": months, "contacts": contacts})
    found = leading_indicator(demand, leading)
    assert found is not None and found.helps and found.origins >= 20
    assert found.mae_with_hotline < 0.6 * found.mae_baseline
    noise = pd.DataFrame({"period": months, "contacts": rng.integers(20, 200, len(months))})
    unrelated = leading_indicator(demand, noise)
    assert unrelated is not None and unrelated.mae_with_hotline > found.mae_with_hotline
    assert leading_indicator(demand, leading.iloc[:4]) is None  # too short an overlap
