"""The forecaster on a real series: New York City's daily shelter census, as months.

The file lives in ../shared/data/series (never copied into the project); the tests skip
when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner import forecast as fc

NYC = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "series"
    / "nyc_dhs_daily_report_2013-08_2023-07.csv"
)


def monthly_census() -> pd.DataFrame:
    """Monthly mean of the daily count of people in shelter (a stock: averaged, not
    summed; duplicated dates kept once, missing days simply absent from the mean)."""
    if not NYC.is_file():
        pytest.skip(f"real data absent: {NYC}")
    raw = pd.read_csv(NYC)
    raw["date"] = pd.to_datetime(raw["Date of Census"], format="%m/%d/%Y")
    raw = raw.drop_duplicates("date")
    monthly = raw.groupby(raw["date"].dt.to_period("M"))["Total Individuals in Shelter"].mean()
    return pd.DataFrame(
        {"series_id": "nyc", "period": monthly.index.strftime("%Y-%m"), "y": monthly.to_numpy()}
    )


def test_monthly_series_is_complete() -> None:
    history = monthly_census()
    assert len(history) == 120
    assert history["period"].iloc[0] == "2013-08"
    assert history["period"].iloc[-1] == "2023-07"


@pytest.mark.slow
def test_chosen_model_beats_seasonal_naive_and_80pct_intervals_are_honest() -> None:
    # Seven years held out, one month ahead at a time; the model is chosen and its
    # intervals calibrated on the 12 months before each origin only.
    history = monthly_census()
    result = fc.backtest(history, 1, 84, selection_folds=12)
    overall = result.overall.set_index("model")
    assert overall.loc["chosen", "n"] == 84
    assert overall.loc["chosen", "mase"] < overall.loc["seasonal_naive", "mase"]
    assert 0.70 <= overall.loc["chosen", "coverage"] <= 0.90


def test_year_ahead_forecast_beats_seasonal_naive() -> None:
    history = monthly_census()
    result = fc.backtest(history, 12, 5)
    overall = result.overall.set_index("model")
    assert overall.loc["chosen", "mase"] < overall.loc["seasonal_naive", "mase"]
