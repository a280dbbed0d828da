"""Property: no count hidden by `suppress_table` can be solved for from what the table shows.

The attacker here is written independently of planner.disclosure: every count of the table
(cells, row totals, column totals, grand total) is an unknown; shown counts are fixed; a
"<k" count lies in [1, k-1]; an "x" count is at least k (complements are positive counts
that were not small); and the table's sums hold. scipy's `linprog` then gives the smallest
and largest value of each hidden count. The relations of a two-way table form a network
matrix, so those ends are whole numbers: a range of width ≥ 1 holds at least two counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from planner.disclosure import COMPLEMENT, PRIMARY, SHOWN, TOTAL, WITHHELD, suppress_table

small_or_not = st.one_of(st.integers(0, 4), st.integers(0, 12), st.integers(0, 60))


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.integers(1, 6))
    columns = draw(st.integers(1, 6))
    cells = draw(st.lists(small_or_not, min_size=rows * columns, max_size=rows * columns))
    return pd.DataFrame(
        np.asarray(cells, dtype=np.int64).reshape(rows, columns),
        index=[f"r{i}" for i in range(rows)],
        columns=[f"c{j}" for j in range(columns)],
    )


def full_table(counts: pd.DataFrame, row_totals: bool, column_totals: bool) -> pd.DataFrame:
    """The exact table with the totals the suppressed one shows."""
    table = counts.copy()
    if row_totals:
        table[TOTAL] = counts.sum(axis=1)
    if column_totals:
        table.loc[TOTAL] = table.sum(axis=0)
    return table


def feasible_ranges(
    exact: pd.DataFrame, status: pd.DataFrame, k: int, row_totals: bool, column_totals: bool
) -> dict[tuple[str, str], tuple[float, float]]:
    names = [(r, c) for r in exact.index for c in exact.columns]
    position = {name: i for i, name in enumerate(names)}
    equations: list[np.ndarray] = []
    body_rows = [r for r in exact.index if r != TOTAL]
    body_columns = [c for c in exact.columns if c != TOTAL]
    if row_totals:
        for r in exact.index:  # each row, the totals row included, adds up to its total
            row = np.zeros(len(names))
            row[position[(r, TOTAL)]] = -1
            for c in body_columns:
                row[position[(r, c)]] = 1
            equations.append(row)
    if column_totals:
        for c in exact.columns:
            row = np.zeros(len(names))
            row[position[(TOTAL, c)]] = -1
            for r in body_rows:
                row[position[(r, c)]] = 1
            equations.append(row)
    bounds = []
    for r, c in names:
        kind = status.loc[r, c]
        if kind == SHOWN:
            bounds.append((float(exact.loc[r, c]), float(exact.loc[r, c])))
        elif kind == PRIMARY:
            bounds.append((1.0, float(k - 1)))
        else:
            assert kind == COMPLEMENT
            bounds.append((float(k), None))
    a_eq = np.vstack(equations) if equations else None
    b_eq = np.zeros(len(equations)) if equations else None
    ranges = {}
    for name in names:
        if status.loc[name] == SHOWN:
            continue
        truth = float(exact.loc[name])
        ends = [truth, truth]
        for end, sign in enumerate((1.0, -1.0)):
            objective = np.zeros(len(names))
            objective[position[name]] = sign
            result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if result.status == 3:
                ends[end] = np.inf
            else:
                assert result.status == 0, result.message  # the truth is always feasible
                ends[end] = sign * result.fun
            if abs(ends[end] - truth) >= 1 - 1e-6:
                break  # one end away from the truth is enough: the count is not pinned
        ranges[name] = (ends[0], ends[1])
    return ranges


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    counts=tables(),
    k=st.sampled_from([3, 5, 11]),
    row_totals=st.booleans(),
    column_totals=st.booleans(),
)
def test_no_hidden_count_can_be_solved_for(
    counts: pd.DataFrame, k: int, row_totals: bool, column_totals: bool
) -> None:
    table = suppress_table(counts, k, row_totals=row_totals, column_totals=column_totals)
    exact = full_table(counts, row_totals, column_totals)
    status = table.status
    assert list(status.index) == list(exact.index)
    assert list(status.columns) == list(exact.columns)
    if table.withheld:  # nothing at all is published
        assert status.eq(WITHHELD).all().all()
        assert table.shown.isna().all().all()
        return
    # Exactly the small positive counts are primary; complements are counts of k or more.
    small = (exact > 0) & (exact < k)
    assert (status.eq(PRIMARY) == small).all().all()
    assert (exact[status.eq(COMPLEMENT)].stack().dropna() >= k).all()
    # What is shown is the truth.
    shown = status.eq(SHOWN)
    assert (table.shown[shown].stack() == exact[shown].stack()).all()
    assert table.shown[~shown].isna().all().all()
    for name, (low, high) in feasible_ranges(exact, status, k, row_totals, column_totals).items():
        truth = exact.loc[name]
        assert low - 1e-6 <= truth <= high + 1e-6
        assert high - low >= 1 - 1e-6, f"{name} = {truth} is pinned to [{low}, {high}]"
