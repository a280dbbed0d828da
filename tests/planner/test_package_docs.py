"""docs/data-package.md stays true to the schema: every example has the schema's columns."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from planner.schema import CITY_FIELDS, CSV_FILES, column_names
from planner.tables import parse_csv

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-package.md"


def example(section: str, language: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}", 1)[1].split("\n## ", 1)[0]
    match = re.search(rf"```{language}\n(.*?)```", body, re.DOTALL)
    assert match, f"no {language} example under {section}"
    return match.group(1)


def test_every_csv_example_has_the_schema_columns_and_no_cell_errors() -> None:
    for file, columns in CSV_FILES.items():
        text = example(file, "csv")
        header = next(iter(io.StringIO(text))).strip().split(",")
        assert header == column_names(columns), file
        table = parse_csv(text, file, columns)
        assert table.problems == [], file


def test_the_city_example_has_every_key() -> None:
    data = json.loads(example("city.json", "json"))
    assert list(data) == [c.name for c in CITY_FIELDS]
