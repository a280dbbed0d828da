"""District cells of a report for an audience without exact counts: what is shown is what
the small-count check counted (fractional demand: expected demand from sample paths)."""

from __future__ import annotations

import pandas as pd

from planner import disclosure
from reports.cells import protect_cells

K = 5


def _coverage(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["district_id", "service_id", "demand", "served"])
    frame["unmet"] = frame["demand"] - frame["served"]
    frame["coverage"] = frame["served"] / frame["demand"]
    return frame


def _shown_numbers(cells, column: str) -> pd.Series:
    frame = cells.frame
    return pd.Series([cells.label(row, column) for _, row in frame.iterrows()], dtype=object)


def test_fractional_demand_shows_the_checked_counts():
    # d1: demand 5.6, served 4.5: rounded unmet (1.1 -> 1 case) is small and must be hidden;
    # demand minus rounded served (6 - 4 = 2) and the raw 1.1 are never shown as a number.
    coverage = _coverage(
        [
            ("d1", "s", 5.6, 4.5),
            ("d2", "s", 30.2, 20.4),
            ("d3", "s", 41.7, 12.3),
            ("d4", "s", 25.0, 25.0),
        ]
    )
    cells = protect_cells(coverage, pd.Series({"s": 1.0}), K)
    for column in ("demand", "served", "unmet"):
        for value in _shown_numbers(cells, column):
            if isinstance(value, float):
                cases = value / 1.0
                assert cases == round(cases), (column, value)
                assert cases == 0 or cases >= K, (column, value)
    d1 = cells.frame.set_index("district_id").loc["d1"]
    assert not d1["unmet_shown"] and not d1["demand_shown"]
    # every shown figure is the protected count itself, not the raw units
    d2 = cells.frame.set_index("district_id").loc["d2"]
    for column in ("served", "unmet", "demand"):
        if d2[f"{column}_shown"]:
            assert d2[column] == round(d2[column])
    if d2["served_shown"] and d2["unmet_shown"]:
        assert d2["demand"] == d2["served"] + d2["unmet"]


def test_same_rule_as_the_service_layer_with_units_per_case():
    coverage = _coverage(
        [
            ("d1", "a", 11.2, 9.0),
            ("d2", "a", 40.0, 22.0),
            ("d1", "b", 3.0, 3.0),
            ("d2", "b", 7.0, 2.5),
        ]
    )
    per_case = pd.Series({"a": 2.0, "b": 0.5})
    cells = protect_cells(coverage, per_case, K)
    table = disclosure.suppress_coverage(coverage, per_case, K)
    for column in ("demand", "served", "unmet"):
        shown = cells.frame[column].where(cells.frame[f"{column}_shown"])
        pd.testing.assert_series_equal(
            shown.reset_index(drop=True),
            table.coverage[column].reset_index(drop=True),
            check_names=False,
        )
        shown_rows = cells.frame[cells.frame[f"{column}_shown"]]
        cases = shown_rows[column] / shown_rows["service_id"].map(per_case)
        assert (cases == cases.round()).all()
        assert ((cases == 0) | (cases >= K)).all()
    # the city totals are the sums of the protected counts (hidden ones included)
    sums = cells.frame.groupby("service_id")["served"].sum()
    for service_id in ("a", "b"):
        if cells.city_status[service_id]["served"] == disclosure.SHOWN:
            expected = table.city[f"{service_id}\tserved_cases"] * per_case[service_id]
            assert sums[service_id] == expected
