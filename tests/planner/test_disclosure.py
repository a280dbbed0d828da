"""Small-count suppression on hand-checked tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner import disclosure
from planner.disclosure import (
    COMPLEMENT,
    PRIMARY,
    SHOWN,
    TOTAL,
    WITHHELD,
    suppress_frame,
    suppress_table,
)
from planner.settings import get_settings

P, C, S = PRIMARY, COMPLEMENT, SHOWN


def frame(rows: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        index=pd.Index([f"D{i + 1}" for i in range(len(rows))], name="district_id"),
        columns=pd.Index([f"s{j + 1}" for j in range(len(rows[0]))], name="service_id"),
    )


def test_small_counts_and_their_complements() -> None:
    table = suppress_table(frame([[3, 20, 15], [12, 8, 30], [0, 40, 2]]), 5)
    # D1/s1 = 3 and D3/s3 = 2 are small. Each row, each column then needs a second hidden
    # cell: the smallest in it, closing one cycle D1s1 - D1s3 - D3s3 - D3s2 - D2s2 - D2s1.
    assert table.status.to_numpy().tolist() == [
        [P, S, C, S],
        [C, C, S, S],
        [S, C, P, S],
        [S, S, S, S],
    ]
    assert table.labels().to_numpy().tolist() == [
        ["<5", "20", "x", "38"],
        ["x", "x", "30", "50"],
        ["0", "x", "<5", "42"],
        ["15", "68", "47", "130"],
    ]
    assert list(table.shown.index) == ["D1", "D2", "D3", TOTAL]
    assert table.shown.index.name == "district_id"
    assert table.shown.loc[TOTAL, TOTAL] == 130
    assert pd.isna(table.shown.loc["D1", "s1"])
    assert table.hidden.to_numpy().sum() == 6
    assert not table.withheld


def test_zeros_are_shown_and_large_counts_untouched() -> None:
    table = suppress_table(frame([[0, 12], [30, 0]]), 5)
    assert (table.status == SHOWN).all().all()
    assert table.labels().loc["D1", "s1"] == "0"


def test_a_small_total_is_hidden_too() -> None:
    # Row D1 adds up to 4: its total is small, so are its cells.
    table = suppress_table(frame([[1, 3, 0], [20, 30, 40], [25, 35, 45]]), 5)
    assert table.status.loc["D1", TOTAL] == PRIMARY
    assert table.status.loc["D1", "s1"] == PRIMARY
    assert table.status.loc["D1", "s2"] == PRIMARY
    # The column of D1's total (the totals column) then needs a second hidden total.
    assert (table.status[TOTAL] != SHOWN).sum() >= 2


def test_a_table_of_only_small_counts_is_withheld() -> None:
    # 1 and 1, total "<3": both cells would be pinned to 1 by their bounds.
    table = suppress_table(frame([[0, 0], [1, 1]]), 3, column_totals=False)
    assert table.withheld
    assert (table.status == WITHHELD).all().all()
    assert (table.labels() == "x").all().all()
    assert table.shown.isna().all().all()


def test_the_check_finds_a_cell_the_heuristic_leaves_solvable() -> None:
    """Two separate cycles joined by one cell: every row and column has two hidden cells,
    yet the joining cell is the difference of known sums."""
    counts = np.full((4, 4), 50)
    layout = disclosure._Layout(counts, row_totals=True, column_totals=True)
    status = np.zeros(len(layout.values), dtype=np.int8)
    for r, c in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        status[layout.cell(r, c)] = 2
    assert layout._exact(status, 5) == [layout.cell(1, 2)]
    status[layout.cell(0, 3)] = 2  # a second link closes a cycle through (1, 2)
    assert layout._exact(status, 5) == []


def test_threshold_one_turns_suppression_off_and_two_is_refused() -> None:
    counts = frame([[1, 2], [3, 4]])
    assert (suppress_table(counts, 1).status == SHOWN).all().all()
    with pytest.raises(ValueError, match="k: 2 would show every count of 1"):
        suppress_table(counts, 2)
    with pytest.raises(ValueError, match="at least 1"):
        suppress_table(counts, 0)


def test_threshold_comes_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_SMALL_COUNT_K", "11")
    get_settings.cache_clear()
    try:
        table = suppress_table(frame([[10, 40], [40, 40]]))
    finally:
        get_settings.cache_clear()
    assert table.k == 11
    assert table.labels().loc["D1", "s1"] == "<11"


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="whole number >= 0"):
        suppress_table(frame([[1, -2]]), 5)
    with pytest.raises(ValueError, match="whole number"):
        suppress_table(pd.DataFrame({"a": [1.5]}), 5)
    with pytest.raises(ValueError, match="whole number"):
        suppress_table(pd.DataFrame({"a": [np.nan]}), 5)


def test_suppress_frame_without_total_hides_small_counts_only() -> None:
    long = pd.DataFrame(
        {
            "district_id": ["D1", "D2", "D3"],
            "period": ["2026-01"] * 3,
            "cases": [3, 10, 0],
            "referrals": [12, 1, 9],
        }
    )
    shown = suppress_frame(long, ["cases", "referrals"], 5)
    assert shown["cases"].tolist() == ["<5", "10", "0"]
    assert shown["referrals"].tolist() == ["12", "<5", "9"]
    assert shown["district_id"].tolist() == ["D1", "D2", "D3"]
    assert long["cases"].tolist() == [3, 10, 0]  # the input is not changed


def test_suppress_frame_with_total_protects_against_the_total() -> None:
    long = pd.DataFrame({"district_id": ["D1", "D2", "D3"], "cases": [3, 10, 12]})
    shown = suppress_frame(long, ["cases"], 5, total=True)
    assert shown["district_id"].tolist() == ["D1", "D2", "D3", TOTAL]
    # 25 - 10 - 12 would give D1 away: the next smallest, D2, is hidden too.
    assert shown["cases"].tolist() == ["<5", "x", "12", "25"]


def test_suppress_frame_names_a_missing_column() -> None:
    with pytest.raises(KeyError, match="count_columns"):
        suppress_frame(pd.DataFrame({"cases": [1]}), ["case"], 5)
