import json

import pytest
from pydantic import ValidationError

from planner.problems import InvalidInput
from planner.scenario import Scenario
from tests.planner.optimiser_city import hand_city


def test_defaults_follow_the_data_package():
    scenario = Scenario(name="Default")
    assert scenario.budget is None
    assert scenario.horizon_months == 12
    assert scenario.demand_quantile is None  # the expected demand
    assert scenario.equity_mode == "soft"
    assert scenario.solver == "highs"
    assert scenario.allow_new_services is False


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("budget", -1, "greater than or equal to 0"),
        ("equity_floor", 1.2, "less than or equal to 1"),
        ("equity_mode", "strict", "'soft' or 'hard'"),
        ("horizon_months", 0, "greater than or equal to 1"),
        ("weights", {"legal": 0}, "must be a finite number > 0"),
        ("funder_budgets", {"city": -5}, "must be a finite number >= 0"),
        ("time_limit_s", 0, "greater than 0"),
    ],
)
def test_out_of_range_values_are_clear_errors(field, value, words):
    with pytest.raises(ValidationError, match=words):
        Scenario(name="x", **{field: value})
    with pytest.raises(InvalidInput) as caught:
        Scenario.from_dict({"name": "x", field: value})
    assert f"scenario: {field}" in str(caught.value)


def test_unknown_key_and_missing_name_are_named():
    with pytest.raises(InvalidInput, match="budjet: is not a scenario key"):
        Scenario.from_dict({"name": "x", "budjet": 5})
    with pytest.raises(InvalidInput, match="name: is required"):
        Scenario.from_dict({"budget": 5})


def test_frozen_and_hashable_with_dict_fields():
    a = Scenario(name="x", weights={"legal": 2.0}, radius_km={"shelter": None})
    b = Scenario(name="x", weights={"legal": 2.0}, radius_km={"shelter": None})
    assert a == b and hash(a) == hash(b)
    assert hash(a) != hash(Scenario(name="x", weights={"legal": 3.0}))
    assert {a: 1}[b] == 1
    with pytest.raises(ValidationError):
        a.budget = 3  # type: ignore[misc]


def test_round_trip_through_json_and_yaml_files(tmp_path):
    scenario = Scenario(
        name="More beds for men, 2027",
        budget=2500000,
        funder_budgets={"city": 1000000},
        equity_floor=0.6,
        weights={"shelter": 12},
        radius_km={"legal": 15},
    )
    json_path = tmp_path / "scenario.json"
    json_path.write_text(json.dumps(scenario.to_dict()), encoding="utf-8")
    assert Scenario.from_file(json_path) == scenario
    yaml_path = tmp_path / "scenario.yaml"
    yaml_path.write_text(
        "name: More beds for men, 2027\nbudget: 2500000\nfunder_budgets: {city: 1000000}\n"
        "equity_floor: 0.6\nweights: {shelter: 12}\nradius_km: {legal: 15}\n",
        encoding="utf-8",
    )
    assert Scenario.from_file(yaml_path) == scenario


def test_bad_files_are_clear_messages(tmp_path):
    with pytest.raises(InvalidInput, match=r"missing\.json: file not found"):
        Scenario.from_file(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{name: ", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"broken\.json: is not valid JSON"):
        Scenario.from_file(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="must be a mapping"):
        Scenario.from_file(listed)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nequity_floor: 2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"bad\.yaml: equity_floor: "):
        Scenario.from_file(bad)


def test_validate_for_names_unknown_services_and_funders():
    package = hand_city()
    good = Scenario(name="x", weights={"legal": 2}, funder_budgets={"city": 5})
    assert good.validate_for(package) == []
    bad = Scenario(
        name="x", weights={"dentist": 2}, radius_km={"ghost": 3}, funder_budgets={"mayor": 5}
    )
    problems = bad.validate_for(package)
    assert problems == [
        "weights: 'dentist' is not a service of this city",
        "radius_km: 'ghost' is not a service of this city",
        "funder_budgets: 'mayor' is not a funder of this city",
    ]
    with pytest.raises(InvalidInput, match="scenario: weights: 'dentist' is not a service"):
        bad.ensure_valid_for(package)


def test_a_key_with_a_control_character_is_named_on_one_line() -> None:
    """Found by tests/fuzz: a weights key "\\n" broke the message over two lines."""
    with pytest.raises(InvalidInput) as raised:
        Scenario.from_dict({"name": "x", "weights": {"\n": None}})
    assert all("\n" not in str(problem) for problem in raised.value.problems)
    assert any("weights.\\n" in str(problem) for problem in raised.value.problems)
