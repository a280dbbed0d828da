"""Hostile scenario files (issue 13): deeply nested, endless, huge. Each is a clean
`InvalidInput` naming the file, never a RecursionError or a read that does not end."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.problems import InvalidInput
from planner.scenario import Scenario

DEPTH = 100_000


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "deep.json",
            '{"name": "x", "weights": ' + "[" * DEPTH + "]" * DEPTH + "}",
            "deep.json: is nested too deeply to be a scenario (JSON)",
        ),
        (
            "deep.yaml",
            "name: x\nweights: " + "[" * DEPTH + "]" * DEPTH + "\n",
            "deep.yaml: is nested too deeply to be a scenario (YAML)",
        ),
        (
            "huge.json",
            '{"name": "' + "x" * 2_000_000 + '"}',
            "huge.json: is larger than 1000 kB; a scenario is a few keys",
        ),
    ],
)
def test_hostile_scenario_files_are_clean_messages(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        Scenario.from_file(path)
    assert str(caught.value) == message


def test_an_endless_file_is_not_read_to_its_end() -> None:
    with pytest.raises(InvalidInput, match="is larger than 1000 kB"):
        Scenario.from_file("/dev/zero")
