"""The version-2 scenario keys (../shared/DATA_PACKAGE.md): group_floors,
population_weights, closed, locked, wait_target_days and wait_probability, checked alone
and against a city."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.package import read_package
from planner.problems import InvalidInput
from planner.scenario import Scenario
from tests.package_factory import tiny_package, write_v2_package

KEYS = {
    "name": "Version 2",
    "group_floors": {"men": 0.5},
    "population_weights": {"trans_nonbinary": 1.5},
    "closed": ["A1", "A2:legal_aid"],
    "locked": ["A3"],
    "wait_target_days": {"shelter_women": 14},
    "wait_probability": 0.9,
}


def test_the_keys_read_and_round_trip() -> None:
    scenario = Scenario.from_dict(KEYS)
    assert scenario.group_floors == {"men": 0.5}
    assert scenario.population_weights == {"trans_nonbinary": 1.5}
    assert scenario.closed == ["A1", "A2:legal_aid"]
    assert scenario.closed_or_locked("closed") == [("A1", None), ("A2", "legal_aid")]
    assert scenario.closed_or_locked("locked") == [("A3", None)]
    assert scenario.wait_target_days == {"shelter_women": 14.0}
    assert scenario.wait_probability == 0.9
    again = Scenario.from_dict(json.loads(json.dumps(scenario.to_dict())))
    assert again == scenario and hash(again) == hash(scenario)


def test_the_defaults_are_version_1() -> None:
    scenario = Scenario(name="x")
    assert scenario.group_floors == {} and scenario.population_weights == {}
    assert scenario.closed == [] and scenario.locked == []
    assert scenario.wait_target_days == {}
    assert scenario.wait_probability == 0.8


def test_ids_are_trimmed_and_a_single_text_is_one_id() -> None:
    scenario = Scenario.from_dict({"name": "x", "closed": " A1 : legal_aid ", "locked": []})
    assert scenario.closed == ["A1:legal_aid"]


@pytest.mark.parametrize(
    ("value", "column"),
    [
        ({"group_floors": {"men": 1.5}}, "group_floors"),
        ({"group_floors": {"men": -0.1}}, "group_floors"),
        ({"group_floors": {"men": "half"}}, "group_floors.men"),
        ({"population_weights": {"men": 0}}, "population_weights"),
        ({"closed": ["A1:legal_aid:x"]}, "closed"),
        ({"closed": ["A1:"]}, "closed"),
        ({"locked": [3]}, "locked.0"),
        ({"locked": {"A1": 1}}, "locked"),
        ({"wait_target_days": {"shelter_women": 0}}, "wait_target_days"),
        ({"wait_probability": 1}, "wait_probability"),
        ({"wait_probability": 0}, "wait_probability"),
        ({"wait_probability": "nan"}, "wait_probability"),
    ],
)
def test_a_value_out_of_range_is_an_error_that_names_it(value, column) -> None:
    with pytest.raises(InvalidInput) as raised:
        Scenario.from_dict({"name": "x", **value})
    assert column in [p.column for p in raised.value.problems]


def test_unknown_ids_are_errors_naming_the_key(tmp_path: Path) -> None:
    package = read_package(write_v2_package(tmp_path / "city"))
    Scenario.from_dict(KEYS).ensure_valid_for(package)
    bad = Scenario.from_dict(
        {
            "name": "x",
            "group_floors": {"elders": 0.5},
            "population_weights": {"any": 2},
            "closed": ["A9", "A1:nothing", "A1:legal_aid"],
            "locked": ["A7:legal_aid"],
            "wait_target_days": {"beds": 10},
        }
    )
    assert bad.validate_for(package) == [
        "group_floors: 'elders' is not a population group of this city",
        "population_weights: 'any' is not a population group of this city",
        "wait_target_days: 'beds' is not a service of this city",
        "closed: 'A9' is not an agency of this city",
        "closed: 'nothing' is not a service of this city",
        "closed: 'A1' does not offer 'legal_aid'",
        "locked: 'A7' is not an agency of this city",
    ]
    with pytest.raises(InvalidInput) as raised:
        bad.ensure_valid_for(package)
    assert [p.column for p in raised.value.problems].count("closed") == 3


def test_a_city_without_groups_knows_only_any() -> None:
    package = tiny_package()
    Scenario.from_dict({"name": "x", "group_floors": {"any": 0.4}}).ensure_valid_for(package)
    problems = Scenario.from_dict({"name": "x", "group_floors": {"men": 0.4}}).validate_for(package)
    assert problems == ["group_floors: 'men' is not a population group of this city"]
