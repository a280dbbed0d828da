"""The forecaster on small series with known answers, its edge cases and its invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import forecast as fc
from planner.forecast import Predictive

MONTHS = pd.period_range("2022-01", periods=48, freq="M")


def long_frame(
    values: dict[str, np.ndarray], start: str = "2022-01", **extra: object
) -> pd.DataFrame:
    rows = []
    for sid, ys in values.items():
        periods = pd.period_range(start, periods=len(ys), freq="M").strftime("%Y-%m")
        rows.append(pd.DataFrame({"series_id": sid, "period": periods, "y": ys, **extra}))
    return pd.concat(rows, ignore_index=True)


def seasonal_pattern(n: int) -> np.ndarray:
    return 20.0 + 8.0 * np.sin(2 * np.pi * np.arange(n) / 12)


# --------------------------------------------------------------------------- models


@pytest.mark.parametrize("model", ["seasonal_naive", "drift", "ets"])
def test_constant_series_is_forecast_as_the_constant(model: str) -> None:
    y = np.full(36, 7.0)
    pred = {
        "seasonal_naive": fc.seasonal_naive(y, 12, 12),
        "drift": fc.drift(y, 12),
        "ets": fc.ets(y, 12, 12),
    }[model]
    assert pred is not None
    np.testing.assert_allclose(pred.mean, 7.0)
    np.testing.assert_allclose(pred.point(), 7.0)


def test_pooled_glm_on_constant_series_recovers_the_rate() -> None:
    history = long_frame({"a": np.full(36, 10.0), "b": np.full(36, 30.0)})
    out = fc.forecast(history, 6, models=("pooled_glm",), all_models=True)
    glm = out[out["model"] == "pooled_glm"].set_index("series_id")
    np.testing.assert_allclose(glm.loc["a", "mean"], 10.0, rtol=1e-6)
    np.testing.assert_allclose(glm.loc["b", "mean"], 30.0, rtol=1e-6)


def test_seasonal_naive_repeats_a_pure_seasonal_series_exactly() -> None:
    y = seasonal_pattern(36)
    pred = fc.seasonal_naive(y, 12, 12)
    np.testing.assert_allclose(pred.mean, seasonal_pattern(48)[36:])


def test_ets_and_glm_follow_a_pure_seasonal_series() -> None:
    y = seasonal_pattern(48)
    truth = seasonal_pattern(60)[48:]
    pred = fc.ets(y, 12, 12)
    assert pred is not None
    np.testing.assert_allclose(pred.mean, truth, atol=0.5)
    history = long_frame({"a": y, "b": 2 * y})
    out = fc.forecast(history, 12, models=("pooled_glm",), all_models=True)
    glm = out[(out["model"] == "pooled_glm") & (out["series_id"] == "a")]
    np.testing.assert_allclose(glm["mean"], truth, rtol=0.05)


def test_drift_extends_a_linear_trend_exactly_and_ets_nearly() -> None:
    y = 10.0 + 2.0 * np.arange(36)
    truth = 10.0 + 2.0 * np.arange(36, 42)
    np.testing.assert_allclose(fc.drift(y, 6).mean, truth)
    pred = fc.ets(y, 6, 12)
    assert pred is not None
    np.testing.assert_allclose(pred.mean, truth, rtol=0.05)


def test_intervals_widen_with_the_horizon() -> None:
    rng = np.random.default_rng(3)
    y = 50 + np.cumsum(rng.normal(0, 3, 40))
    for pred in (fc.seasonal_naive(y, 24, 12), fc.drift(y, 24), fc.ets(y, 24, 12)):
        assert pred is not None
        width = pred.quantile(0.9) - pred.quantile(0.1)
        assert width[-1] > width[0]


def test_negative_binomial_quantiles_match_scipy_and_widen_does_not_move_the_centre() -> None:
    from scipy import stats

    pred = Predictive("nbinom", np.array([2.0, 20.0]), np.array([0.5, 0.1]))
    size = 1 / pred.scale
    expected = stats.nbinom.ppf(0.9, size, size / (size + pred.mean))
    np.testing.assert_array_equal(pred.quantile(0.9), expected)
    wider = pred.widen(2.0)
    np.testing.assert_allclose(wider.sd(), 2.0 * pred.sd())
    np.testing.assert_array_equal(wider.mean, pred.mean)


def test_table_quantiles_for_sampling_equal_the_ppf() -> None:
    rng = np.random.default_rng(8)
    pred = Predictive("nbinom", np.r_[0.0, rng.gamma(1, 5, 11)], np.r_[1e-9, rng.gamma(1, 0.5, 11)])
    u = rng.uniform(size=(500, 12))
    np.testing.assert_array_equal(pred.quantiles_of(u), pred.quantile(u))


def test_poisson_irls_matches_statsmodels() -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    n = 300
    x = np.column_stack([np.eye(5)[rng.integers(0, 5, n)], rng.normal(size=n)])
    offset = rng.normal(0, 0.2, n)
    y = rng.poisson(np.exp(x @ np.array([0.5, 1.0, 1.5, 0.2, 2.0, 0.3]) + offset)).astype(float)
    fitted = fc.poisson_irls(y, x, offset)
    assert fitted is not None
    params, cov, _mu = fitted
    ref = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit(scale="X2")
    np.testing.assert_allclose(params, ref.params, rtol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), ref.bse, rtol=1e-5)


# --------------------------------------------------------------------------- contract


def test_forecast_contract_columns_periods_and_one_model_per_series_and_lead() -> None:
    rng = np.random.default_rng(1)
    history = long_frame({f"s{i}": rng.poisson(5, 30).astype(float) for i in range(3)})
    out = fc.forecast(history, 4, quantiles=(0.9, 0.1, 0.5))
    assert list(out.columns) == ["series_id", "period", "model", "mean", "q0.1", "q0.5", "q0.9"]
    assert len(out) == 3 * 4
    assert sorted(out["period"].unique()) == ["2024-07", "2024-08", "2024-09", "2024-10"]
    # The model is chosen per lead bucket (fc.LEAD_BUCKETS): one per series and bucket.
    bucket = fc._bucket(out.groupby("series_id").cumcount().to_numpy() + 1)
    assert (
        out.assign(bucket=bucket).groupby(["series_id", "bucket"])["model"].nunique() == 1
    ).all()
    assert set(out["model"]) <= {*fc.MODELS, "zeros"}


def test_quarterly_frequency() -> None:
    periods = pd.period_range("2018Q1", periods=20, freq="Q").astype(str)
    y = np.tile([10.0, 20.0, 30.0, 20.0], 5)
    history = pd.DataFrame({"series_id": "q", "period": periods, "y": y})
    out = fc.forecast(history, 4, freq="Q", models=("seasonal_naive",))
    assert list(out["period"]) == ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]
    np.testing.assert_allclose(out["q0.5"], [10, 20, 30, 20])


def test_bad_input_is_a_clear_error() -> None:
    history = long_frame({"a": np.array([1.0, -2.0, 3.0])})
    with pytest.raises(ValueError, match=r"y: -2\.0 is below 0"):
        fc.forecast(history, 3)
    with pytest.raises(ValueError, match="horizon"):
        fc.forecast(long_frame({"a": np.ones(5)}), 0)
    with pytest.raises(ValueError, match="missing column"):
        fc.forecast(pd.DataFrame({"series_id": ["a"], "y": [1.0]}), 3)
    with pytest.raises(ValueError, match="freq"):
        fc.forecast(long_frame({"a": np.ones(5)}), 3, freq="W")  # type: ignore[arg-type]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.integers(0, 40), min_size=3, max_size=30),
    quantiles=st.lists(st.floats(0.02, 0.98), min_size=1, max_size=4, unique=True),
)
def test_quantiles_never_cross_and_are_never_negative(
    values: list[int], quantiles: list[float]
) -> None:
    history = long_frame({"a": np.array(values, float), "b": np.array(values[::-1], float)})
    out = fc.forecast(history, 5, quantiles=quantiles)
    columns = [fc.quantile_column(q) for q in sorted(quantiles)]
    grid = out[columns].to_numpy()
    assert (grid >= 0).all()
    assert (np.diff(grid, axis=1) >= -1e-9).all()
    assert (out["mean"] >= 0).all()


# --------------------------------------------------------------------------- edge cases


def test_all_zero_series_is_forecast_as_zeros() -> None:
    history = long_frame({"zero": np.zeros(24), "busy": np.full(24, 5.0)})
    out = fc.forecast(history, 6).set_index("series_id")
    zero = out.loc["zero"]
    assert set(zero["model"]) == {"zeros"}
    assert (zero[["mean", "q0.1", "q0.5", "q0.9"]].to_numpy() == 0).all()


def test_series_shorter_than_a_season_falls_back_to_the_last_value() -> None:
    y = np.array([4.0, 6.0, 5.0, 9.0])
    pred = fc.seasonal_naive(y, 6, 12)
    np.testing.assert_allclose(pred.mean, 9.0)
    out = fc.forecast(long_frame({"short": y}), 6)
    assert len(out) == 6
    assert (out["q0.9"] >= out["q0.1"]).all()


def test_gaps_are_missing_not_zero() -> None:
    y = seasonal_pattern(36)
    history = long_frame({"gappy": y})
    history = history.drop(index=[20, 21, 22]).reset_index(drop=True)  # three months lost
    out = fc.forecast(history, 12, models=("seasonal_naive",))
    np.testing.assert_allclose(out["q0.5"], seasonal_pattern(48)[36:])


def test_a_district_that_appears_in_the_middle_is_forecast_from_its_first_month() -> None:
    early = long_frame({"old": np.full(36, 10.0)}, pool="p", exposure=1000.0)
    late = long_frame({"new": np.full(12, 4.0)}, start="2024-01", pool="p", exposure=1000.0)
    out = fc.forecast(pd.concat([early, late]), 6).set_index("series_id")
    assert list(out.loc["new", "period"]) == [f"2025-0{m}" for m in range(1, 7)]
    np.testing.assert_allclose(out.loc["new", "mean"], 4.0, rtol=0.25)


def test_level_shift_is_followed() -> None:
    rng = np.random.default_rng(5)
    y = np.concatenate([rng.normal(20, 1, 24), rng.normal(60, 1, 12)])
    pred = fc.ets(y, 6, 12)
    assert pred is not None
    assert np.all(np.abs(pred.mean - 60) < np.abs(pred.mean - 20))  # the new level, not the old
    np.testing.assert_allclose(fc.seasonal_naive(y, 6, 12).mean, y[24:30])
    history = long_frame({"shift": y})
    out = fc.forecast(history, 6)
    median = out["q0.5"].to_numpy()
    assert np.all(np.abs(median - 60) < np.abs(median - 20))


# --------------------------------------------------------------------------- backtest


def synthetic_city(n_districts: int = 12, months: int = 36, seed: int = 0) -> pd.DataFrame:
    """Small zero-heavy district counts with a shared season and trend, by service."""
    rng = np.random.default_rng(seed)
    population = rng.integers(5_000, 80_000, n_districts)
    t = np.arange(months)
    rows = []
    for service, rate in (("shelter", 4e-5), ("legal", 1e-4)):
        season = 1 + 0.4 * np.sin(2 * np.pi * t / 12)
        for d in range(n_districts):
            lam = population[d] * rate * np.exp(rng.normal(0, 0.3)) * season * np.exp(0.01 * t)
            y = rng.negative_binomial(10, 10 / (10 + lam))
            periods = pd.period_range("2023-01", periods=months, freq="M").strftime("%Y-%m")
            rows.append(
                pd.DataFrame(
                    {
                        "series_id": f"D{d}:{service}",
                        "period": periods,
                        "y": y,
                        "pool": service,
                        "exposure": population[d],
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def test_backtest_scores_every_model_and_the_honest_choice() -> None:
    history = synthetic_city()
    result = fc.backtest(history, 6, 2, step=6)
    overall = result.overall.set_index("model")
    assert set(overall.index) == {*fc.MODELS, "chosen"}
    assert result.origins == ("2025-01", "2025-07")
    assert result.coverage_nominal == pytest.approx(0.8)
    assert overall["coverage"].between(0, 1).all()
    # The pooled count model is what these series need; the choice finds it.
    assert overall.loc["chosen", "mase"] < overall.loc["seasonal_naive", "mase"]
    assert overall.loc["pooled_glm", "mase"] < overall.loc["seasonal_naive", "mase"]
    per_series = result.per_series
    assert set(per_series["series_id"]) == set(history["series_id"])
    assert sum(result.wins.values()) == history["series_id"].nunique()


def test_backtest_choice_uses_only_data_before_each_origin() -> None:
    # The same history with a wild last fold: choices at the first origin cannot change.
    history = synthetic_city()
    changed = history.copy()
    last = changed["period"] >= "2025-07"
    changed.loc[last, "y"] = changed.loc[last, "y"] * 10
    first = fc.backtest(history, 6, 2, step=6).choices
    second = fc.backtest(changed, 6, 2, step=6).choices
    at_first = first["origin"] == "2025-01"
    pd.testing.assert_frame_equal(
        first[at_first].reset_index(drop=True), second[at_first].reset_index(drop=True)
    )


def test_sample_paths_are_reproducible_and_centred_on_the_forecast() -> None:
    history = synthetic_city(n_districts=4)
    paths = fc.sample_paths(history, 3, 400, seed=11)
    again = fc.sample_paths(history, 3, 400, seed=11)
    pd.testing.assert_frame_equal(paths, again)
    assert len(paths) == 400 * 3 * history["series_id"].nunique()
    assert (paths["y"] >= 0).all()
    out = fc.forecast(history, 3).set_index(["series_id", "period"])
    sampled = paths.groupby(["series_id", "period"])["y"].median()
    ratio = sampled.sum() / out["q0.5"].sum()
    assert 0.85 < ratio < 1.15
