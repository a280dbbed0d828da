"""Multiple systems estimation: known answers, model choice, intervals, input errors, real lists."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner import hidden
from planner.problems import InvalidInput

MSE = Path(__file__).resolve().parents[3] / "shared" / "data" / "mse"


def two_lists(n10: int, n01: int, n11: int) -> pd.DataFrame:
    return pd.DataFrame({"police": [1, 0, 1], "ngo": [0, 1, 1], "count": [n10, n01, n11]})


@pytest.mark.parametrize(("n10", "n01", "n11"), [(30, 50, 20), (7, 3, 1), (400, 1250, 95)])
def test_two_lists_without_interaction_is_lincoln_petersen_exactly(
    n10: int, n01: int, n11: int
) -> None:
    result = hidden.estimate_hidden(two_lists(n10, n01, n11))
    expected = hidden.lincoln_petersen(n10 + n11, n01 + n11, n11)
    assert result.estimate == pytest.approx(expected, rel=1e-10)
    assert result.unseen == pytest.approx(n10 * n01 / n11, rel=1e-10)
    assert result.interactions == ()
    assert result.observed == n10 + n01 + n11
    assert result.lower < result.estimate < result.upper


def test_lincoln_petersen_by_hand() -> None:
    assert hidden.lincoln_petersen(50, 70, 20) == 175.0
    assert hidden.lincoln_petersen(50, 70, 0) == float("inf")


def expected_cells(total: float, p: list[float], pair: tuple[int, int] | None, odds: float):
    """Expected counts of a population of `total` on independent lists with capture
    probabilities p, optionally with one pair of lists positively dependent."""
    k = len(p)
    weights = {}
    for pattern in itertools.product((0, 1), repeat=k):
        w = np.prod([pi if x else 1 - pi for pi, x in zip(p, pattern, strict=True)])
        if pair is not None and pattern[pair[0]] and pattern[pair[1]]:
            w *= odds
        weights[pattern] = w
    scale = total / sum(weights.values())
    return {pattern: w * scale for pattern, w in weights.items()}


def cells_frame(cells: dict[tuple[int, ...], float], names: list[str]) -> pd.DataFrame:
    rows = [(*pattern, n) for pattern, n in cells.items() if any(pattern)]
    return pd.DataFrame(rows, columns=[*names, "n"])


def test_independent_lists_recover_the_total_exactly_from_expected_counts() -> None:
    cells = expected_cells(1000, [0.3, 0.2, 0.4], None, 1.0)
    result = hidden.estimate_hidden(cells_frame(cells, ["A", "B", "C"]), interactions=())
    assert result.estimate == pytest.approx(1000, rel=1e-8)


def test_stepwise_bic_finds_a_strong_dependence_and_corrects_the_estimate() -> None:
    rng = np.random.default_rng(4)
    cells = expected_cells(5000, [0.2, 0.15, 0.25, 0.1], (0, 1), 6.0)
    observed = {pattern: rng.poisson(n) for pattern, n in cells.items()}
    frame = cells_frame(observed, ["A", "B", "C", "D"])
    truth = sum(observed.values())
    chosen = hidden.estimate_hidden(frame)
    naive = hidden.estimate_hidden(frame, interactions=())
    assert ("A", "B") in chosen.interactions
    assert abs(chosen.estimate - truth) < abs(naive.estimate - truth)
    assert chosen.lower < truth < chosen.upper
    assert chosen.steps["bic"].is_monotonic_decreasing
    assert chosen.model.startswith("main effects + ")


def test_an_interaction_between_lists_that_share_nobody_is_never_chosen() -> None:
    frame = pd.DataFrame(
        {
            "A": [1, 0, 0, 1, 0, 1],
            "B": [0, 1, 0, 1, 1, 0],
            "C": [0, 0, 1, 0, 1, 1],
            "n": [40, 60, 30, 10, 9, 0],
        }
    )  # A and C never overlap
    result = hidden.estimate_hidden(frame)
    assert ("A", "C") not in result.interactions
    with pytest.raises(ValueError, match="cannot be fitted"):
        hidden.estimate_hidden(frame, interactions=[("A", "C")])


def test_aic_is_available_and_multiplier_is_total_over_observed() -> None:
    cells = expected_cells(800, [0.3, 0.3, 0.3], None, 1.0)
    result = hidden.estimate_hidden(cells_frame(cells, ["A", "B", "C"]), criterion="aic")
    assert result.criterion == "aic"
    assert result.multiplier == pytest.approx(result.estimate / result.observed)
    assert set(result.to_dict()) == {"observed", "model", "estimate", "lower", "upper"}


def test_wider_level_gives_a_wider_interval() -> None:
    frame = two_lists(30, 50, 20)
    narrow = hidden.estimate_hidden(frame, level=0.8)
    wide = hidden.estimate_hidden(frame, level=0.99)
    assert wide.lower < narrow.lower < narrow.estimate < narrow.upper < wide.upper


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lists.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_list_counts_ignores_text_and_finds_the_count(tmp_path: Path) -> None:
    path = write(tmp_path, "A,B,freq,SOURCE\n1,0,30,x\n0,1,50,x\n1,1,20,x\n")
    frame, lists, count = hidden.read_list_counts(path)
    assert lists == ["A", "B"]
    assert count == "freq"
    assert len(frame) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A,B\n1,0\n", "lists.csv:1: no count column"),
        ("A,B,n\n1,0,3\n2,1,4\n", "lists.csv:3: A: 2 is not 0 or 1"),
        ("A,B,n\n1,0,3\n0,1,-4\n", "lists.csv:3: n: -4 is not a whole number >= 0"),
        ("A,B,n\n1,0,3\n0,1,2.5\n", "lists.csv:3: n: 2.5 is not a whole number >= 0"),
        ("A,B,n\n1,0,3\n0,0,4\n", "lists.csv:3: n: people on no list cannot be counted"),
        ("A,n\n1,3\n", "lists.csv:1: need at least 2 list columns"),
    ],
)
def test_read_list_counts_reports_file_line_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        hidden.read_list_counts(write(tmp_path, text))
    assert message in str(caught.value)


REAL = {
    "mse_Ned.csv": 8234,
    "mse_NewOrl.csv": 186,
    "mse_Western.csv": 345,
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_lists(name: str) -> None:
    path = MSE / name
    if not path.is_file():
        pytest.skip(f"real data absent: {path}")
    frame, lists, count = hidden.read_list_counts(path)
    result = hidden.estimate_hidden(frame, lists, count)
    assert result.observed == REAL[name]
    assert result.observed < result.lower < result.estimate < result.upper < float("inf")
    independence = hidden.estimate_hidden(frame, lists, count, interactions=())
    assert independence.estimate > result.observed
    # Every step of the stepwise path lowered BIC.
    assert result.steps["bic"].is_monotonic_decreasing


def test_new_orleans_matches_the_published_estimate() -> None:
    """Chan, Silverman & Vincent (2021) report 1,110.488 for Greater New Orleans (186
    people, 8 lists): main effects + D:E, which their Poisson p-value stepwise
    (threshold 0.02) keeps on these data, and so does BIC."""
    path = MSE / "mse_NewOrl.csv"
    if not path.is_file():
        pytest.skip(f"real data absent: {path}")
    frame, lists, count = hidden.read_list_counts(path)
    chosen = hidden.estimate_hidden(frame, lists, count)
    fixed = hidden.estimate_hidden(frame, lists, count, interactions=[("D", "E")])
    assert chosen.observed == 186
    assert chosen.interactions == (("D", "E"),)
    for result in (chosen, fixed):
        assert round(result.estimate, 3) == 1110.488
