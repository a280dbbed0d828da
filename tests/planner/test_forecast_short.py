"""Short series (8 to 20 points) must not lose to seasonal naive.

Real windows are cut from New York City's shelter census in ../shared/data/series (read in
place, never copied; the tests skip with a reason when it is absent), as months and as
quarters: every window of a given length, forecast from its end and scored on the periods
after it. On a window no longer than a season, seasonal naive is the last value (naive).
A synthetic short series checks the same without the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner import forecast as fc
from tests.planner.test_forecast_real import monthly_census


def quarterly_census() -> pd.DataFrame:
    months = monthly_census()
    quarter = pd.PeriodIndex(months["period"], freq="M").asfreq("Q").astype(str)
    means = months.assign(quarter=quarter).groupby("quarter", as_index=False)["y"].mean()
    return pd.DataFrame({"series_id": "nyc", "period": means["quarter"], "y": means["y"]})


def errors_on_windows(
    history: pd.DataFrame, freq: fc.Freq, length: int, horizon: int, stride: int
) -> tuple[float, float, int]:
    """Total absolute error of Haven's median and of seasonal naive on every window of
    `length` periods (`stride` apart), over the `horizon` periods after each."""
    y = history["y"].to_numpy(float)
    season = fc.SEASON_LENGTH[freq]
    haven = naive = 0.0
    windows = 0
    for start in range(0, len(y) - length - horizon + 1, stride):
        train = history.iloc[start : start + length]
        actual = y[start + length : start + length + horizon]
        out = fc.forecast(train, horizon, (0.1, 0.5, 0.9), freq)
        baseline = fc.seasonal_naive(train["y"].to_numpy(float), horizon, season).point()
        haven += float(np.abs(out["q0.5"].to_numpy() - actual).sum())
        naive += float(np.abs(baseline - actual).sum())
        windows += 1
    return haven, naive, windows


@pytest.mark.slow
@pytest.mark.parametrize("length", [8, 12, 16, 20])
def test_short_monthly_windows_do_not_lose_to_seasonal_naive(length: int) -> None:
    haven, naive, windows = errors_on_windows(monthly_census(), "M", length, 6, 4)
    assert windows >= 20
    assert haven <= naive, f"{length} months: Haven {haven:.0f} against seasonal naive {naive:.0f}"


@pytest.mark.slow
@pytest.mark.parametrize("length", [8, 12, 16, 20])
def test_short_quarterly_windows_do_not_lose_to_seasonal_naive(length: int) -> None:
    haven, naive, windows = errors_on_windows(quarterly_census(), "Q", length, 4, 1)
    assert windows >= 15
    assert haven <= naive, (
        f"{length} quarters: Haven {haven:.0f} against seasonal naive {naive:.0f}"
    )


@pytest.mark.parametrize("length", [8, 12, 20])
def test_short_trending_series_beats_the_last_value_and_last_year(length: int) -> None:
    # A noisy upward trend: seasonal naive (the last value, or a year ago) lags behind it.
    rng = np.random.default_rng(length)
    haven = naive = 0.0
    for _ in range(10):
        y = 100.0 + 3.0 * np.arange(length + 6) + rng.normal(0, 2, length + 6)
        periods = pd.period_range("2021-01", periods=length, freq="M").strftime("%Y-%m")
        train = pd.DataFrame({"series_id": "s", "period": periods, "y": y[:length]})
        out = fc.forecast(train, 6)
        haven += float(np.abs(out["q0.5"].to_numpy() - y[length:]).sum())
        naive += float(np.abs(fc.seasonal_naive(y[:length], 6, 12).point() - y[length:]).sum())
    assert haven < naive
