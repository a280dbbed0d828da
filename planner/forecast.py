"""Demand forecasts with honest uncertainty, on long frames (the statsforecast contract).

`forecast(history, horizon)` takes `series_id, period, y` (optionally `pool` and
`exposure`) and returns, for every series and each of the `horizon` periods after the last
observed one, the model that was chosen, the predictive mean and one column per quantile
(`q0.1`, `q0.5`, `q0.9`). `backtest(history, horizon, folds)` scores every model by
rolling origin: MASE, bias and interval coverage, per series and overall, and the model
chosen by the same rule `forecast` uses, scored honestly (chosen with data before each
fold only). `sample_paths` draws joint sample paths for the robust planner.

Models (each gives a predictive distribution, not just a point):
- `seasonal_naive`: the value one season ago; a series shorter than a season plus one
  period falls back to the last value (naive). Normal errors, sd from in-sample seasonal
  differences, growing with the number of seasons ahead.
- `drift`: the last value plus the average change so far (a straight line through the
  first and last values); normal errors as in Hyndman & Athanasopoulos, FPP3 5.5.
- `ets`: additive errors, additive damped trend, additive season when the series has at
  least two full seasons; the smoothing parameters by least squares over a grid, for all
  series at once (`_ets_many`: one array recursion, no statsmodels); analytic prediction
  variance. Fitted only on series with at least `ETS_MIN_LENGTH` periods and a mean of
  `ETS_MIN_MEAN` or more: additive Gaussian smoothing is the wrong model for small
  zero-heavy counts.
- `combination`: the equal-weight mean of seasonal naive, drift and ETS (those fitted),
  normal with the mean of their sds: combinations beat selection in the M4 competition.
- `pooled_glm`: one Poisson GLM per pool (a service, across its districts; two series at
  least) with a log-link: series (district) effects, a common linear trend,
  period-of-year effects and `log(exposure)` (population) as offset. It borrows strength
  across many short, small series. The predictive distribution is negative binomial: NB2
  dispersion by moments from the Poisson fit (Cameron & Trivedi), plus the delta-method
  variance of the log mean, so a far horizon is wider than a near one.

The normal models' sd is floored at sqrt(mean) (Poisson noise: the series are counts);
quantiles are clipped at 0 (counts are never negative) and come from one distribution per
period, so they never cross. A series of zeros only is forecast as zeros (`model` =
`zeros`).

Choice, per lead (`select="pool"`, the default): every model is forecast from several
selection origins before the forecast origin (`selection_folds` of them: 1, 1 + k,
1 + 2k, ... periods back, each forecast only up to the origin); for each lead bucket
(`LEAD_BUCKETS`: 1, 2-3, 4-6, 7-12, 13-24, 25+) a model's score is the mean absolute
error of its median at those leads, summed over the series of a pool (seasonal naive
standing in where the model cannot be fitted); the pool's winner for the bucket serves
every series of the pool where it can be fitted. Where a bucket has fewer than
`SELECTION_MIN_ERRORS` errors behind it (a short series), the combination serves instead.
`select="series"` chooses per series. Ties go to the simpler model (`MODELS` order). The
chosen model's interval is then calibrated per lead bucket: widened by the factor that
makes its central 80% interval cover 80% of the selection folds' actuals (pooled per
pool), never narrowed.

Gaps: a period missing inside a series is unknown, not zero. The per-series models see it
linearly interpolated; the GLM leaves the row out; scores skip it. A series that starts
late (a district that appears in the middle) starts at its first row. Every series is
forecast from the same origin, the period after the last one in the whole history.

Coherence: the forecasts are made per district and service (bottom-up); a city or a
service total is their sum, for the mean and for every sample path. See
docs/forecasting.md.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, ParamSpec, TypeVar

import numpy as np
import pandas as pd

from planner.i18n import t

if TYPE_CHECKING:
    from planner.package import CityPackage

P = ParamSpec("P")
R = TypeVar("R")
Freq = Literal["M", "Q"]
Family = Literal["normal", "nbinom", "zero", "mixed"]
Select = Literal["series", "pool"]

MODELS: tuple[str, ...] = ("seasonal_naive", "drift", "ets", "combination", "pooled_glm")
# The combination is the equal-weight mean of these (those fitted for the series).
COMBINED: tuple[str, ...] = ("seasonal_naive", "drift", "ets")
SEASON_LENGTH: dict[str, int] = {"M": 12, "Q": 4}
ETS_MIN_LENGTH = 8
ETS_MIN_MEAN = 2.0
# The grid the ETS fit searches (see _ets_grid).
ETS_ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.75, 0.9, 0.99)
ETS_BETA_SHARES = (0.0, 0.02, 0.08, 0.25)
ETS_PHIS = (0.8, 0.9, 0.95, 0.98)
ETS_GAMMA_SHARES = (0.0, 0.05, 0.15, 0.35)
GLM_MIN_POOL_SERIES = 2
CALIBRATION_LEVEL = 0.8
CALIBRATION_MIN = 1.0
CALIBRATION_MAX = 10.0
CALIBRATION_MIN_POINTS = 6
# Choice per lead: leads 1, 2-3, 4-6, 7-12, 13-24 and 25+ are chosen for separately.
LEAD_BUCKETS = (1, 2, 4, 7, 13, 25)
SELECTION_FOLDS_FEW = 12
SELECTION_FOLDS_MANY = 6
SELECTION_FEW_SERIES = 20
SELECTION_MIN_TRAIN = 4
SELECTION_MIN_ERRORS = 10
# Sample paths: a z-score per period is a mix of a shock shared by every series of a pool
# for the whole horizon, a level shock of the series for the whole horizon, and monthly
# noise. Assumed, not estimated: see docs/forecasting.md.
PATH_POOL_SHARE = 0.2
PATH_LEVEL_SHARE = 0.3
TABLE_PPF_MAX = 20_000


def _ndtri(p: np.ndarray | float) -> np.ndarray:
    """The standard normal quantile (scipy.special, imported here: cheaper than stats)."""
    from scipy.special import ndtri

    return np.asarray(ndtri(p), dtype=float)


def _ndtr(x: np.ndarray) -> np.ndarray:
    """The standard normal CDF."""
    from scipy.special import ndtr

    return np.asarray(ndtr(x), dtype=float)


@dataclass(frozen=True)
class Predictive:
    """A predictive distribution per horizon step: normal (censored at 0), NB2, or 0; or
    `mixed`: per step, the distribution of one of `parts` (`pick[step]`), when the model
    chosen differs by lead."""

    family: Family
    mean: np.ndarray
    scale: np.ndarray  # sd for normal; NB2 alpha for nbinom; unused for zero and mixed
    parts: tuple[Predictive, ...] = ()
    pick: np.ndarray | None = None

    @staticmethod
    def stitch(parts: Sequence[Predictive], pick: np.ndarray) -> Predictive:
        """Step j from `parts[pick[j]]` (all parts of the same length)."""
        used = np.unique(pick)
        if used.size == 1:
            return parts[int(used[0])]
        mean = np.choose(pick, [p.mean for p in parts])
        return Predictive("mixed", mean, np.zeros_like(mean), tuple(parts), pick)

    def _select(self, arrays: Sequence[np.ndarray]) -> np.ndarray:
        assert self.pick is not None
        stacked = np.broadcast_arrays(*arrays)
        out = np.array(stacked[0], dtype=float)
        for i in range(1, len(stacked)):
            cols = self.pick == i
            out[..., cols] = stacked[i][..., cols]
        return out

    def quantile(self, q: float | np.ndarray) -> np.ndarray:
        q_arr = np.asarray(q, dtype=float)
        if self.family == "zero":
            return np.zeros(np.broadcast(q_arr, self.mean).shape)
        if self.family == "mixed":
            return self._select([p.quantile(q_arr) for p in self.parts])
        if self.family == "normal":
            return np.maximum(0.0, self.mean + _ndtri(q_arr) * self.scale)
        return _nbinom_ppf(q_arr, self.mean, self.scale)

    def quantiles_of(self, u: np.ndarray) -> np.ndarray:
        """Quantiles at many probabilities `u` (samples x horizon) at once: for counts by
        a table of the CDF and a search, much faster than a ppf per value."""
        if self.family == "mixed":
            return self._select([p.quantiles_of(u) for p in self.parts])
        if self.family != "nbinom":
            return self.quantile(u)
        from scipy.special import betainc

        mu = np.maximum(self.mean, 0.0)
        top = int(np.ceil(np.max(mu + 12.0 * self.sd()))) + 10 if mu.size else 0
        if top > TABLE_PPF_MAX:
            return self.quantile(u)
        ks = np.arange(top + 1)[:, None]
        alpha = np.maximum(self.scale, 1e-8)
        size = 1.0 / alpha
        # The NB2 CDF, as scipy.stats.nbinom.cdf computes it: I_p(size, k + 1).
        cdf = betainc(size, ks + 1.0, size / (size + np.maximum(mu, 1e-12)))
        out = np.empty(u.shape)
        for j in range(u.shape[1]):
            out[:, j] = np.searchsorted(cdf[:, j], u[:, j], side="left")
        return out

    def widen(self, factor: float | np.ndarray) -> Predictive:
        """The same centre with the sd times `factor` (for NB: the variance times factor²);
        `factor` is a number or one per step."""
        if self.family == "normal":
            return Predictive("normal", self.mean, self.scale * factor)
        if self.family == "nbinom":
            mu = np.maximum(self.mean, 1e-12)
            variance = np.square(factor) * (mu + self.scale * mu**2)
            return Predictive("nbinom", self.mean, np.maximum((variance - mu) / mu**2, 0.0))
        if self.family == "mixed":
            parts = tuple(p.widen(factor) for p in self.parts)
            return Predictive("mixed", self.mean, self.scale, parts, self.pick)
        return self

    def sd(self) -> np.ndarray:
        if self.family == "normal":
            return self.scale
        if self.family == "nbinom":
            mu = np.maximum(self.mean, 0.0)
            return np.sqrt(mu + self.scale * mu**2)
        if self.family == "mixed":
            return self._select([p.sd() for p in self.parts])
        return np.zeros_like(self.mean)

    def point(self) -> np.ndarray:
        """The median: what MASE and the selection score."""
        return self.quantile(0.5)

    def mean_nonnegative(self) -> np.ndarray:
        if self.family == "zero":
            return np.zeros_like(self.mean)
        return np.maximum(self.mean, 0.0)

    def head(self, steps: int) -> Predictive:
        """The first `steps` steps."""
        if self.family == "mixed":
            assert self.pick is not None
            parts = tuple(p.head(steps) for p in self.parts)
            return Predictive.stitch(parts, self.pick[:steps])
        return Predictive(self.family, self.mean[:steps], self.scale[:steps])


def _nbinom_ppf(q: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The NB2 (Poisson when alpha < 1e-8) quantile: the least k whose CDF reaches q, by
    bisection on the CDF of all values at once (scipy.special only: scipy.stats costs
    the plan command a second to import)."""
    from scipy.special import betainc, pdtr

    mu = np.maximum(np.asarray(mu, dtype=float), 0.0)
    alpha = np.asarray(alpha, dtype=float)
    q, mu, alpha = (np.array(a, dtype=float) for a in np.broadcast_arrays(q, mu, alpha))
    out = np.zeros(q.shape)
    active = (mu > 0) & (q > 0)
    if not active.any():
        return out
    qa, ma, aa = q[active], mu[active], alpha[active]
    poisson = aa < 1e-8
    size = 1.0 / np.maximum(aa, 1e-8)
    prob = size / (size + ma)

    def cdf(k: np.ndarray) -> np.ndarray:
        return np.where(poisson, pdtr(k, ma), betainc(size, k + 1.0, prob))

    hi = np.ceil(ma + 12.0 * np.sqrt(ma + np.where(poisson, 0.0, aa) * ma**2)) + 10.0
    for _ in range(64):  # make sure the CDF reaches q at hi
        short = cdf(hi) < qa
        if not short.any():
            break
        hi = np.where(short, 2.0 * hi, hi)
    lo = np.full(hi.shape, -1.0)  # the CDF below 0 is 0 < q
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2.0)
        reached = cdf(mid) >= qa
        hi = np.where(reached, mid, hi)
        lo = np.where(reached, lo, mid)
    out[active] = hi
    return out


@dataclass(frozen=True)
class _Series:
    series_id: str
    start: int  # period ordinal of the first row
    y: np.ndarray  # float, NaN where a period is missing
    pool: str
    exposure: float

    def until(self, origin: int) -> np.ndarray:
        """The values before `origin` (trailing missing periods dropped)."""
        values = self.y[: max(0, origin - self.start)]
        observed = np.flatnonzero(~np.isnan(values))
        return values[: observed[-1] + 1] if observed.size else values[:0]


@dataclass(frozen=True)
class BacktestResult:
    """Scores of a rolling-origin backtest.

    `per_series`: series_id, model, n (held-out points), mase, bias (mean of forecast
    minus actual), coverage (share of held-out points inside the central interval).
    `overall`: the same per model, with mase = total absolute error / total scale (a
    pooled MASE that a series of zeros cannot make infinite) and bias_pct = total error /
    total actual. The model `chosen` is the per-series choice made with data before each
    fold. `choices`: series_id, origin, model. `wins`: how many series each model won in
    the last fold.
    """

    per_series: pd.DataFrame
    overall: pd.DataFrame
    choices: pd.DataFrame
    coverage_nominal: float
    origins: tuple[str, ...]
    wins: dict[str, int] = field(default_factory=dict)


def _one_blas_thread() -> AbstractContextManager[object]:
    """Small models on a shared machine: BLAS threads only fight each other.

    Measured on this 2-core machine under load: a statsmodels ETS fit took 84 ms with
    OpenBLAS's default threads and 19 ms with one. threadpoolctl comes with scikit-learn
    (through libpysal); without it this does nothing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - depends on the environment
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _with_one_blas_thread(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _one_blas_thread():
            return func(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------- input


def _to_ordinals(period: pd.Series, freq: Freq) -> np.ndarray:
    codes, uniques = pd.factorize(pd.Series(period), use_na_sentinel=False)  # each one once
    try:
        periods = pd.PeriodIndex(pd.Index(uniques).astype(str), freq=freq)
    except (ValueError, TypeError) as exc:
        message = t(
            "period: cannot read {value} as a {freq} period", value=repr(period.iloc[0]), freq=freq
        )
        raise ValueError(message) from exc
    return np.asarray(periods.asi8, dtype=np.int64)[codes]


def _period_labels(ordinals: Iterable[int], freq: Freq) -> list[str]:
    fmt = "%Y-%m" if freq == "M" else None
    labels = []
    for o in ordinals:
        p = pd.Period(ordinal=int(o), freq=freq)
        labels.append(p.strftime(fmt) if fmt else str(p))
    return labels


def _prepare(history: pd.DataFrame, freq: Freq) -> tuple[list[_Series], int]:
    """Series from a long frame, and the common origin (the period after the last)."""
    if freq not in SEASON_LENGTH:
        raise ValueError(
            t(
                "freq: {value} is not one of {allowed}",
                value=repr(freq),
                allowed=sorted(SEASON_LENGTH),
            )
        )
    missing = {"series_id", "period", "y"} - set(history.columns)
    if missing:
        raise ValueError(t("history: missing column(s) {columns}", columns=sorted(missing)))
    frame = history.dropna(subset=["y"])
    if frame.empty:
        raise ValueError(t("history: no rows with a value of y"))
    if (frame["y"] < 0).any():
        row = frame.index[frame["y"] < 0][0]
        raise ValueError(
            t("history: row {row}: y: {value} is below 0", row=row, value=frame.loc[row, "y"])
        )
    work = pd.DataFrame(
        {
            "series_id": frame["series_id"].astype(str).to_numpy(),
            "t": _to_ordinals(frame["period"], freq),
            "y": frame["y"].astype(float).to_numpy(),
            "pool": (
                frame["pool"].astype(str).to_numpy()
                if "pool" in frame
                else np.full(len(frame), "all", dtype=object)
            ),
            "exposure": (
                frame["exposure"].astype(float).to_numpy() if "exposure" in frame else 1.0
            ),
        }
    )
    work = work.groupby(["series_id", "t"], sort=True, as_index=False).agg(
        y=("y", "sum"), pool=("pool", "last"), exposure=("exposure", "last")
    )
    # Rows are sorted by series and period: cut the arrays where the series changes.
    sids = work["series_id"].to_numpy()
    ts = work["t"].to_numpy()
    ys = work["y"].to_numpy(float)
    pools = work["pool"].to_numpy()
    exposures = work["exposure"].to_numpy(float)
    cuts = np.flatnonzero(sids[1:] != sids[:-1]) + 1
    series = []
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(work)], strict=True):
        start = int(ts[lo])
        values = np.full(int(ts[hi - 1]) - start + 1, np.nan)
        values[ts[lo:hi] - start] = ys[lo:hi]
        exposure = float(exposures[hi - 1])
        series.append(
            _Series(str(sids[lo]), start, values, str(pools[hi - 1]), max(exposure, 1e-9))
        )
    return series, int(ts.max()) + 1


def _interpolate(y: np.ndarray) -> np.ndarray:
    missing = np.isnan(y)
    if not missing.any():
        return y
    idx = np.arange(y.size)
    return np.interp(idx, idx[~missing], y[~missing])


# --------------------------------------------------------------------------- models


def _poisson_floor(mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    return np.maximum(sd, np.sqrt(np.maximum(mean, 0.0)))


def seasonal_naive(y: np.ndarray, horizon: int, season: int) -> Predictive:
    """The value one season ago (the last value when the series is shorter)."""
    n = y.size
    lag = season if n > season else 1
    steps = np.arange(horizon)
    mean = y[n - lag + (steps % lag)]
    resid = y[lag:] - y[:-lag]
    sigma = float(np.sqrt(np.mean(resid**2))) if resid.size else 0.0
    sd = sigma * np.sqrt(steps // lag + 1)
    return Predictive("normal", mean.astype(float), _poisson_floor(mean, sd))


def drift(y: np.ndarray, horizon: int) -> Predictive:
    """The last value plus the mean change so far, per period ahead."""
    n = y.size
    h = np.arange(1, horizon + 1)
    if n < 2:
        mean = np.full(horizon, float(y[-1]))
        return Predictive("normal", mean, _poisson_floor(mean, np.zeros(horizon)))
    slope = (y[-1] - y[0]) / (n - 1)
    mean = y[-1] + slope * h
    resid = np.diff(y) - slope
    sigma = float(np.sqrt(np.sum(resid**2) / (n - 2))) if n > 2 else 0.0
    sd = sigma * np.sqrt(h * (1 + h / (n - 1)))
    return Predictive("normal", mean, _poisson_floor(mean, sd))


def ets(y: np.ndarray, horizon: int, season: int) -> Predictive | None:
    """ETS(A,Ad,A) (or A,Ad,N when shorter than two seasons); None if not fitted here."""
    return _ets_many([np.asarray(y, dtype=float)], horizon, season)[0]


def _ets_grid(seasonal: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (alpha, beta, phi, gamma) the fit tries: beta as a share of alpha and gamma of
    1 - alpha, so every point is an admissible (forecastable) model."""
    gammas = ETS_GAMMA_SHARES if seasonal else (0.0,)
    a, b, p, g = np.meshgrid(ETS_ALPHAS, ETS_BETA_SHARES, ETS_PHIS, gammas, indexing="ij")
    alpha = a.ravel()
    return alpha, b.ravel() * alpha, p.ravel(), g.ravel() * (1.0 - alpha)


def _ets_initial(y: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Initial level, trend and season (rows: series) by the classical heuristic: with two
    seasons, the yearly means give the level and trend and the detrended values averaged
    by period the season; without, a line through the first values."""
    n_series, n = y.shape
    if m > 1:
        first = y[:, :m].mean(axis=1)
        second = y[:, m : 2 * m].mean(axis=1)
        trend = (second - first) / m
        level = first - trend * (m + 1) / 2  # the level just before the first value
        steps = np.arange(1, 2 * m + 1)
        detrended = y[:, : 2 * m] - (level[:, None] + trend[:, None] * steps)
        season = 0.5 * (detrended[:, :m] + detrended[:, m:])
        return level, trend, season - season.mean(axis=1, keepdims=True)
    k = min(n, 10)
    slope, intercept = np.polyfit(np.arange(k, dtype=float), y[:, :k].T, 1)
    return intercept - slope, slope, np.zeros((n_series, 1))


def _ets_many(ys: Sequence[np.ndarray], horizon: int, season: int) -> list[Predictive | None]:
    """ETS with additive errors and an additive damped trend, plus an additive season when
    a series has two full seasons, for many series at once: every point of a grid of
    smoothing parameters is run on every series as one array recursion, and each series
    keeps the point with the least one-step squared error (least squares: the maximum
    likelihood of the additive model). Analytic prediction variance (Hyndman et al. 2008,
    class 1). None for a series too short or too small (ETS_MIN_LENGTH, ETS_MIN_MEAN)."""
    out: list[Predictive | None] = [None] * len(ys)
    groups: dict[int, list[int]] = {}
    for i, y in enumerate(ys):
        n = y.size
        if n < ETS_MIN_LENGTH or float(np.mean(y)) < ETS_MIN_MEAN:
            continue
        if float(np.ptp(y)) == 0.0:
            mean = np.full(horizon, float(y[0]))
            out[i] = Predictive("normal", mean, _poisson_floor(mean, np.zeros(horizon)))
            continue
        groups.setdefault(n, []).append(i)
    for members in groups.values():
        y = np.vstack([ys[i] for i in members])
        for i, pred in zip(members, _ets_fit(y, horizon, season), strict=True):
            out[i] = pred
    return out


def _ets_fit(y: np.ndarray, horizon: int, season: int) -> list[Predictive | None]:
    n_series, n = y.shape
    m = season if season > 1 and n >= 2 * season else 1
    alpha, beta, phi, gamma = _ets_grid(m > 1)
    level0, trend0, season0 = _ets_initial(y, m)
    n_grid = alpha.size
    level = np.repeat(level0[:, None], n_grid, axis=1)
    trend = np.repeat(trend0[:, None], n_grid, axis=1)
    seasons = np.repeat(season0[:, None, :], n_grid, axis=1)
    sse = np.zeros((n_series, n_grid))
    for k in range(n):
        j = k % m
        expected = level + phi * trend + seasons[:, :, j]
        error = y[:, k : k + 1] - expected
        sse += error * error
        level = expected - seasons[:, :, j] + alpha * error
        trend = phi * trend + beta * error
        seasons[:, :, j] += gamma * error
    best = np.argmin(sse, axis=1)
    rows = np.arange(n_series)
    a, b, p, g = alpha[best], beta[best], phi[best], gamma[best]
    lv, tr, se = level[rows, best], trend[rows, best], seasons[rows, best]
    n_params = 4 + (m if m > 1 else 0)
    sigma2 = sse[rows, best] / max(n - n_params, n / 2)
    h = np.arange(1, horizon + 1)
    damp = np.cumsum(p[:, None] ** h[None, :], axis=1)  # phi + ... + phi^h
    mean = lv[:, None] + damp * tr[:, None] + se[:, (n + h - 1) % m]
    # c_j = alpha + beta (phi + ... + phi^j) + gamma [j a multiple of m], j = 1..h-1
    c = a[:, None] + b[:, None] * damp[:, :-1] + g[:, None] * ((h[:-1] % m) == 0)
    var = sigma2[:, None] * np.concatenate(
        [np.ones((n_series, 1)), 1.0 + np.cumsum(c * c, axis=1)], axis=1
    )
    preds: list[Predictive | None] = []
    for i in range(n_series):
        if not (np.all(np.isfinite(mean[i])) and np.all(np.isfinite(var[i]))):
            preds.append(None)
            continue
        preds.append(Predictive("normal", mean[i], _poisson_floor(mean[i], np.sqrt(var[i]))))
    return preds


def pooled_glm(
    pool: Sequence[tuple[_Series, np.ndarray]], origin: int, horizon: int, season: int
) -> dict[str, Predictive]:
    """One Poisson GLM for a pool of series (their training values given); NB2 predictive.

    log E[y_it] = district_i + trend * t + season_(t mod m) + log(exposure_i).
    """
    rows = [(s, v) for s, v in pool if v.size and np.nansum(v) > 0]
    if not rows:
        return {}
    ids, t_parts, y_parts, series_idx, offsets = [], [], [], [], []
    for i, (s, values) in enumerate(rows):
        t = s.start + np.arange(values.size)
        keep = ~np.isnan(values)
        ids.append(s.series_id)
        t_parts.append(t[keep])
        y_parts.append(values[keep])
        series_idx.append(np.full(int(keep.sum()), i))
        offsets.append(np.full(int(keep.sum()), math.log(s.exposure)))
    t_all = np.concatenate(t_parts)
    y_all = np.concatenate(y_parts)
    idx_all = np.concatenate(series_idx)
    offset_all = np.concatenate(offsets)
    # Period-of-year effects need every period of the year seen; a trend beside them needs
    # more than one season (in exactly one year, the trend is a mix of the month effects).
    n_periods = np.unique(t_all).size
    use_season = season > 1 and np.unique(t_all % season).size == season
    use_trend = n_periods >= (season + 6 if use_season else 6)

    def design(t: np.ndarray, idx: np.ndarray) -> np.ndarray:
        cols: list[np.ndarray] = [np.eye(len(rows))[idx]]
        if use_trend:
            cols.append(((t - origin) / season)[:, None])
        if use_season:
            cols.append(np.eye(season)[t % season][:, 1:])
        return np.hstack(cols)

    x_all = design(t_all, idx_all)
    fitted = poisson_irls(y_all, x_all, offset_all)
    if fitted is None:
        return {}
    params, cov, mu_fit = fitted
    alpha = max(0.0, float(np.sum((y_all - mu_fit) ** 2 - y_all) / np.sum(mu_fit**2)))
    # Every series at once: x = [its indicator, the common columns w_h], so
    # x'b = b_i + w_h'c and x'Vx = V_ii + 2 V_ic w_h + w_h'V_cc w_h.
    t_future = origin + np.arange(horizon)
    k = len(rows)
    common = design(t_future, np.zeros(horizon, dtype=int))[:, k:]
    exposure = np.log([s.exposure for s, _values in rows])
    eta = params[:k, None] + (common @ params[k:])[None, :] + exposure[:, None]
    var_eta = (
        np.diag(cov)[:k, None]
        + 2.0 * cov[:k, k:] @ common.T
        + np.einsum("hj,jl,hl->h", common, cov[k:, k:], common)[None, :]
    )
    mean = np.exp(np.minimum(eta, 30.0))
    out = {}
    for i, (s, _values) in enumerate(rows):
        if np.all(np.isfinite(var_eta[i])):
            out[s.series_id] = Predictive("nbinom", mean[i], alpha + np.maximum(var_eta[i], 0.0))
    return out


def poisson_irls(
    y: np.ndarray, x: np.ndarray, offset: np.ndarray, max_iter: int = 50
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Poisson GLM (log link) by IRLS on the normal equations: params, their covariance
    scaled by the Pearson dispersion (quasi-Poisson), fitted means; None if it fails.

    The same estimates as statsmodels' GLM, several times faster on a busy machine for
    these narrow designs (a dense least-squares solve per iteration is the slow part
    there). A tiny ridge keeps a district with very few cases solvable.
    """
    from scipy import sparse

    n, p = x.shape
    xs = sparse.csr_matrix(x)  # one-hot blocks: sparse products avoid BLAS threads
    ridge = 1e-9 * np.eye(p)
    mu = y + 0.5
    eta = np.log(mu)
    params = np.zeros(p)
    deviance = np.inf
    try:
        for _ in range(max_iter):
            z = eta - offset + (y - mu) / mu
            weighted = sparse.csr_matrix(xs.multiply(mu[:, None]))
            information = (xs.T @ weighted).toarray() + ridge
            params = np.linalg.solve(information, weighted.T @ z)
            eta = np.clip(xs @ params + offset, -30.0, 30.0)
            mu = np.exp(eta)
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
            new_deviance = 2.0 * float(np.sum(terms))
            if abs(new_deviance - deviance) <= 1e-8 * (abs(new_deviance) + 0.1):
                break
            deviance = new_deviance
        weighted = sparse.csr_matrix(xs.multiply(mu[:, None]))
        information = (xs.T @ weighted).toarray() + ridge
        dispersion = float(np.sum((y - mu) ** 2 / mu)) / max(n - p, 1)
        cov = np.linalg.inv(information) * max(dispersion, 1e-12)
    except np.linalg.LinAlgError:
        return None
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(cov))):
        return None
    return params, cov, mu


def _predict_all(
    series: Sequence[_Series],
    origin: int,
    horizon: int,
    freq: Freq,
    models: Sequence[str],
    ets_only: set[str] | None = None,
    min_train: int = 1,
) -> dict[str, dict[str, Predictive]]:
    """Every model's predictive for every series with at least `min_train` periods before
    `origin` (ETS only for the series in `ets_only` when given). ETS is fitted for all
    series at once (`_ets_many`)."""
    season = SEASON_LENGTH[freq]
    by_model: dict[str, dict[str, Predictive]] = {m: {} for m in (*models, "zeros")}
    pools: dict[str, list[tuple[_Series, np.ndarray]]] = {}
    ets_requests: list[tuple[str, np.ndarray, int, int]] = []
    for s in series:
        values = s.until(origin)
        if values.size == 0 or values.size < min_train:
            continue
        if np.nansum(values) == 0:
            zeros = np.zeros(horizon)
            by_model["zeros"][s.series_id] = Predictive("zero", zeros, zeros)
            continue
        pools.setdefault(s.pool, []).append((s, values))
        # A series that stopped early is forecast further out, then cut to the horizon.
        lead = origin - (s.start + values.size)
        steps = horizon + lead
        filled = _interpolate(values)
        candidates: dict[str, Predictive | None] = {}
        if "seasonal_naive" in models:
            candidates["seasonal_naive"] = seasonal_naive(filled, steps, season)
        if "drift" in models:
            candidates["drift"] = drift(filled, steps)
        if "ets" in models and (ets_only is None or s.series_id in ets_only):
            ets_requests.append((s.series_id, filled, steps, lead))
        for name, pred in candidates.items():
            if pred is not None:
                by_model[name][s.series_id] = Predictive(
                    pred.family, pred.mean[lead:], pred.scale[lead:]
                )
    if ets_requests:
        longest = max(steps for _sid, _y, steps, _lead in ets_requests)
        fitted = _ets_many([y for _sid, y, _steps, _lead in ets_requests], longest, season)
        for (sid, _y, steps, lead), ets_pred in zip(ets_requests, fitted, strict=True):
            if ets_pred is not None:
                by_model["ets"][sid] = Predictive(
                    "normal", ets_pred.mean[lead:steps], ets_pred.scale[lead:steps]
                )
    if "combination" in models:
        _combine(by_model)
    if "pooled_glm" in models:
        for members in pools.values():
            if len(members) >= GLM_MIN_POOL_SERIES:
                by_model["pooled_glm"].update(pooled_glm(members, origin, horizon, season))
    return by_model


def _combine(by_model: dict[str, dict[str, Predictive]], only: set[str] | None = None) -> None:
    """Add `combination`: per series, the equal-weight mean of the COMBINED models it has
    (two at least), with the mean of their sds (normal). Combinations of simple models
    beat choosing one in the M4 competition, most of all on short, noisy series."""
    combined = by_model.setdefault("combination", {})
    sids = set().union(*(by_model.get(m, {}) for m in COMBINED))
    for sid in sids if only is None else sids & only:
        parts = [by_model[m][sid] for m in COMBINED if sid in by_model.get(m, {})]
        if len(parts) < 2:
            combined.pop(sid, None)
            continue
        mean = np.mean([p.mean for p in parts], axis=0)
        sd = np.mean([p.sd() for p in parts], axis=0)
        combined[sid] = Predictive("normal", mean, _poisson_floor(mean, sd))


# --------------------------------------------------------------------------- scoring

Selection = Sequence[tuple[int, Mapping[str, Mapping[str, Predictive]]]]
Choice = dict[str, tuple[str, ...]]


def _bucket(lead: int | np.ndarray) -> np.ndarray:
    """The lead bucket (LEAD_BUCKETS) of a lead of 1 or more."""
    return np.searchsorted(LEAD_BUCKETS, lead, side="right") - 1


def _scale(values: np.ndarray, season: int) -> float:
    """In-sample MAE of the seasonal naive (lag 1 when shorter than a season): MASE's unit."""
    y = _interpolate(values)
    lag = season if y.size > season else 1
    diffs = np.abs(y[lag:] - y[:-lag])
    return float(np.mean(diffs)) if diffs.size else float("nan")


def _actuals(s: _Series, origin: int, horizon: int) -> np.ndarray:
    out = np.full(horizon, np.nan)
    lo, hi = origin - s.start, origin - s.start + horizon
    if hi <= 0:
        return out
    seg = s.y[max(lo, 0) : max(min(hi, s.y.size), 0)]
    out[max(0, -lo) : max(0, -lo) + seg.size] = seg
    return out


def _points(by_series: Mapping[str, Predictive]) -> dict[str, np.ndarray]:
    """The median of every predictive; one quantile call for all the count models."""
    out = {sid: p.point() for sid, p in by_series.items() if p.family != "nbinom"}
    counts = [(sid, p) for sid, p in by_series.items() if p.family == "nbinom"]
    if counts:
        mean = np.concatenate([p.mean for _sid, p in counts])
        alpha = np.concatenate([p.scale for _sid, p in counts])
        medians = _nbinom_ppf(np.full(mean.shape, 0.5), mean, alpha)
        cuts = np.cumsum([p.mean.size for _sid, p in counts])[:-1]
        out.update(zip((sid for sid, _p in counts), np.split(medians, cuts), strict=True))
    return out


def _lead_errors(
    series: Sequence[_Series], selection: Selection
) -> dict[tuple[str, str, int], tuple[float, int]]:
    """Mean absolute error of the median per (model, series, lead bucket) over the
    selection folds, where actuals exist, and the number of errors behind it."""
    by_id = {s.series_id: s for s in series}
    sums: dict[tuple[str, str, int], list[float]] = {}
    for origin, preds in selection:
        actuals: dict[str, np.ndarray] = {}
        for model, by_series in preds.items():
            if model == "zeros" or not by_series:
                continue
            points = _points(by_series)
            sids = list(points)
            point = np.vstack([points[sid] for sid in sids])
            n = point.shape[1]
            actual = np.vstack(
                [actuals.setdefault(sid, _actuals(by_id[sid], origin, n)) for sid in sids]
            )
            error = np.abs(point - actual)
            buckets = _bucket(np.arange(1, n + 1))
            for b in np.unique(buckets):
                block = error[:, buckets == b]
                counts = np.sum(~np.isnan(block), axis=1)
                totals = np.nansum(block, axis=1)
                for sid, total, count in zip(sids, totals, counts, strict=True):
                    if count:
                        acc = sums.setdefault((model, sid, int(b)), [0.0, 0.0])
                        acc[0] += float(total)
                        acc[1] += float(count)
    return {key: (total / count, int(count)) for key, (total, count) in sums.items()}


def _fill_buckets(winners: Mapping[int, str], n_buckets: int, default: str) -> list[str]:
    """A model per bucket: a bucket without a winner takes the nearest shorter lead's,
    else the nearest longer one's, else `default`."""
    out = []
    for b in range(n_buckets):
        lower = [winners[k] for k in range(b, -1, -1) if k in winners]
        upper = [winners[k] for k in range(b, n_buckets) if k in winners]
        out.append(lower[0] if lower else upper[0] if upper else default)
    return out


def _choose(
    series: Sequence[_Series],
    selection: Selection,
    horizon: int,
    models: Sequence[str],
    available: Mapping[str, Mapping[str, Predictive]],
    select: Select = "pool",
) -> Choice:
    """Per series, a model per forecast step: for each lead bucket, the model with the least
    selection error at those leads that is available now.

    With `select="pool"` a model is scored on the summed error of every series of the
    pool (using seasonal naive for a series where the model cannot be fitted), and the
    pool's winner is used for each of its series where it can be fitted.
    """
    score = _lead_errors(series, selection)
    n_buckets = int(_bucket(horizon)) + 1
    members: dict[str, list[str]] = {}
    for s in series:
        members.setdefault(s.pool, []).append(s.series_id)
    groups = members if select == "pool" else {s.series_id: [s.series_id] for s in series}
    winners: dict[str, dict[int, str]] = {}
    for key, sids in groups.items():
        for b in range(n_buckets):
            scored = []
            evidence = 0
            for rank, m in enumerate(models):
                total, seen, own = 0.0, 0, False
                for sid in sids:
                    err = score.get((m, sid, b))
                    own = own or err is not None
                    if err is None:
                        err = score.get(("seasonal_naive", sid, b))
                    if err is not None:
                        total += err[0]
                        seen += 1
                        evidence = max(evidence, err[1] * len(sids))
                if own and seen:
                    scored.append((total, rank, m))
            if not scored:
                continue
            winner = min(scored)[2]
            if evidence < SELECTION_MIN_ERRORS and "combination" in models:
                winner = "combination"  # too few errors to tell the models apart
            winners.setdefault(key, {})[b] = winner
    steps_bucket = _bucket(np.arange(1, horizon + 1))
    choice: Choice = {}
    for s in series:
        sid = s.series_id
        if sid in available.get("zeros", {}):
            choice[sid] = ("zeros",) * horizon
            continue
        default = "pooled_glm" if len(members[s.pool]) >= GLM_MIN_POOL_SERIES else "seasonal_naive"
        key = s.pool if select == "pool" else sid
        per_bucket = _fill_buckets(winners.get(key, {}), n_buckets, default)
        usable = []
        for preferred in per_bucket:
            for m in [preferred, "seasonal_naive", *models]:
                if sid in available.get(m, {}):
                    usable.append(m)
                    break
            else:
                usable.append("")
        if "" in usable:
            continue
        choice[sid] = tuple(usable[b] for b in steps_bucket)
    return choice


def _calibration(
    series: Sequence[_Series],
    selection: Selection,
    horizon: int,
    choice: Mapping[str, tuple[str, ...]],
    select: Select = "pool",
) -> dict[str, np.ndarray]:
    """Per series and step, the factor that makes the chosen model's central
    CALIBRATION_LEVEL interval cover that share of the selection folds' actuals at leads of
    the same bucket (pooled over the pool's series with `select="pool"`), within
    [CALIBRATION_MIN, CALIBRATION_MAX]; a bucket with fewer than CALIBRATION_MIN_POINTS
    errors is calibrated on the leads up to it, else on all leads, else not at all (1).
    Models' own intervals assume the model is right; this widens them by what the
    rolling-origin errors show."""
    z_crit = float(_ndtri(0.5 + CALIBRATION_LEVEL / 2))
    by_id = {s.series_id: s for s in series}
    scores: dict[tuple[str, str, int], list[np.ndarray]] = {}

    def group(sid: str) -> str:
        return by_id[sid].pool if select == "pool" else sid

    step_models = {sid: np.asarray(steps) for sid, steps in choice.items()}
    used = sorted({m for steps in choice.values() for m in steps} - {"zeros"})
    for origin, preds in selection:
        for model in used:
            by_series = preds.get(model, {})
            sids = [
                sid
                for sid, steps in choice.items()
                if model in steps and sid in by_series and by_series[sid].family != "zero"
            ]
            if not sids:
                continue
            mean = np.vstack([by_series[sid].mean for sid in sids])
            n = mean.shape[1]
            sd = np.vstack([by_series[sid].sd() for sid in sids])
            actual = np.vstack([_actuals(by_id[sid], origin, n) for sid in sids])
            chosen_here = np.vstack([step_models[sid][:n] == model for sid in sids])
            seen = ~np.isnan(actual) & (sd > 0) & chosen_here
            z = np.abs(actual - mean) / np.where(sd > 0, sd, 1.0)
            groups = np.array([group(sid) for sid in sids])
            buckets = _bucket(np.arange(1, n + 1))
            for g in np.unique(groups[seen.any(axis=1)]):
                rows = groups == g
                for b in np.unique(buckets):
                    keep = seen[rows][:, buckets == b]
                    if keep.any():
                        values = z[rows][:, buckets == b][keep]
                        scores.setdefault((str(g), model, int(b)), []).append(values)

    def factor_of(z: np.ndarray) -> float:
        raw = float(np.quantile(z, CALIBRATION_LEVEL)) / z_crit
        return min(max(raw, CALIBRATION_MIN), CALIBRATION_MAX)

    # A bucket with too few errors of its own is calibrated on those of every lead up to
    # it (the z-scores are already divided by each lead's own sd), else on every lead.
    factors: dict[tuple[str, str, int], float] = {}
    pairs = {(g, model) for g, model, _b in scores}
    n_buckets = int(_bucket(horizon)) + 1
    for g, model in pairs:
        for b in range(n_buckets):
            for ks in ([b], range(b + 1), range(n_buckets)):
                parts = [z for k in ks for z in scores.get((g, model, k), [])]
                if parts and sum(z.size for z in parts) >= CALIBRATION_MIN_POINTS:
                    factors[(g, model, b)] = factor_of(np.concatenate(parts))
                    break
    out = {}
    steps_bucket = _bucket(np.arange(1, horizon + 1))
    for sid, steps in choice.items():
        factor = np.ones(horizon)
        for j, (model, b) in enumerate(zip(steps, steps_bucket, strict=True)):
            factor[j] = factors.get((group(sid), model, int(b)), 1.0)
        out[sid] = factor
    return out


def _assemble(
    preds: Mapping[str, Mapping[str, Predictive]], sid: str, steps: tuple[str, ...]
) -> Predictive:
    names = list(dict.fromkeys(steps))
    parts = [preds[m][sid] for m in names]
    pick = np.array([names.index(m) for m in steps])
    return Predictive.stitch(parts, pick)


def _chosen(
    series: Sequence[_Series],
    preds: Mapping[str, Mapping[str, Predictive]],
    selection: Selection,
    horizon: int,
    models: Sequence[str],
    select: Select,
) -> tuple[Choice, dict[str, Predictive]]:
    """The chosen model per series and step, and the calibrated predictive."""
    choice = _choose(series, selection, horizon, models, preds, select)
    factors = _calibration(series, selection, horizon, choice, select)
    return choice, {
        sid: _assemble(preds, sid, steps).widen(factors[sid]) for sid, steps in choice.items()
    }


def _selection(
    series: Sequence[_Series],
    origin: int,
    horizon: int,
    freq: Freq,
    models: Sequence[str],
    folds: int | None,
    cache: dict[tuple[int, int], dict[str, dict[str, Predictive]]] | None = None,
) -> list[tuple[int, Mapping[str, Mapping[str, Predictive]]]]:
    """Every model's forecasts from the selection origins before `origin`, each only as far
    as `origin` (no actual at or after it is ever used)."""
    out: list[tuple[int, Mapping[str, Mapping[str, Predictive]]]] = []
    first = min((s.start for s in series), default=origin)
    for o, steps in _selection_origins(origin, horizon, _auto_folds(folds, series), first):
        key = (o, steps)
        if cache is not None and key in cache:
            out.append((o, cache[key]))
            continue
        preds = _predict_all(series, o, steps, freq, models, min_train=SELECTION_MIN_TRAIN)
        if cache is not None:
            cache[key] = preds
        out.append((o, preds))
    return out


def _final(
    series: Sequence[_Series],
    origin: int,
    horizon: int,
    freq: Freq,
    models: Sequence[str],
    selection_folds: int | None,
    select: Select,
) -> tuple[Choice, dict[str, Predictive]]:
    """Choose on the selection folds, then fit ETS at the origin only where it was chosen."""
    selection = _selection(series, origin, horizon, freq, models, selection_folds)
    if not selection:
        preds = _predict_all(series, origin, horizon, freq, models)
        return _chosen(series, preds, [], horizon, models, select)
    # A series can have ETS at the origin only if it had it (or nothing) at selection.
    scored_ets = set().union(*(set(p.get("ets", {})) for _, p in selection))
    preds = _predict_all(series, origin, horizon, freq, models, ets_only=set())
    placeholder = Predictive("zero", np.zeros(horizon), np.zeros(horizon))
    preds["ets"] = dict.fromkeys(scored_ets, placeholder)
    choice = _choose(series, selection, horizon, models, preds, select)
    wants_ets = {sid for sid, steps in choice.items() if {"ets", "combination"} & set(steps)}
    preds["ets"] = _predict_all(series, origin, horizon, freq, ("ets",), ets_only=wants_ets)["ets"]
    if "combination" in models:
        _combine(preds, wants_ets)
    for sid in wants_ets - set(preds["ets"]):  # ETS could not be fitted at the origin after all
        choice[sid] = tuple("seasonal_naive" if m == "ets" else m for m in choice[sid])
    factors = _calibration(series, selection, horizon, choice, select)
    return choice, {
        sid: _assemble(preds, sid, steps).widen(factors[sid]) for sid, steps in choice.items()
    }


def _auto_folds(folds: int | None, series: Sequence[_Series]) -> int:
    """The number of selection origins: given, or SELECTION_FOLDS_FEW for a few series
    (one series needs many origins to say anything), SELECTION_FOLDS_MANY for a city (a
    pool of 77 districts gives 77 errors per origin)."""
    if folds is not None:
        return folds
    return SELECTION_FOLDS_FEW if len(series) <= SELECTION_FEW_SERIES else SELECTION_FOLDS_MANY


def _selection_origins(origin: int, horizon: int, folds: int, first: int) -> list[tuple[int, int]]:
    """`folds` origins before `origin`, with the steps each is forecast: 1, 1 + k, 1 + 2k,
    ... periods back (k so that half of them reach a full horizon back), each forecast up to
    `origin`, so the first lead is scored at every origin and the last at half of them.
    Origins with fewer than SELECTION_MIN_TRAIN periods of history are left out."""
    step = max(1, math.ceil(horizon / max(folds // 2, 1)))
    out = []
    for j in range(folds):
        back = 1 + j * step
        if origin - back - first >= SELECTION_MIN_TRAIN:
            out.append((origin - back, min(horizon, back)))
    return out


# --------------------------------------------------------------------------- public API


def quantile_column(q: float) -> str:
    return f"q{q:g}"


def _check_args(horizon: int, quantiles: Sequence[float]) -> None:
    if horizon < 1:
        raise ValueError(t("horizon: {value} is below 1", value=horizon))
    for q in quantiles:
        if not 0 < q < 1:
            raise ValueError(t("quantiles: {value} is not strictly between 0 and 1", value=q))


@_with_one_blas_thread
def forecast(
    history: pd.DataFrame,
    horizon: int,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    freq: Freq = "M",
    *,
    models: Sequence[str] = MODELS,
    selection_folds: int | None = None,
    select: Select = "pool",
    all_models: bool = False,
) -> pd.DataFrame:
    """Forecast every series `horizon` periods past the last period of `history`.

    Returns `series_id, period, model, mean` and one column per quantile (`q0.1`, ...),
    one row per series and period, from the model chosen for that series and lead (every
    model when `all_models`). Periods are 'YYYY-MM' (or 'YYYYQn' for quarters).
    `selection_folds`: the number of selection origins (None: SELECTION_FOLDS_FEW for up
    to SELECTION_FEW_SERIES series, else SELECTION_FOLDS_MANY).
    """
    _check_args(horizon, quantiles)
    series, origin = _prepare(history, freq)
    if all_models:
        preds = _predict_all(series, origin, horizon, freq, models)
        choice_sets = {m: {sid: (m,) * horizon for sid in by} for m, by in preds.items()}
        frames = [
            _frame(preds[m], choice, origin, horizon, quantiles, freq)
            for m, choice in choice_sets.items()
            if choice
        ]
        if not frames:
            return _frame({}, {}, origin, horizon, quantiles, freq)
        return pd.concat(frames, ignore_index=True)
    choice, chosen = _final(series, origin, horizon, freq, models, selection_folds, select)
    return _frame(chosen, choice, origin, horizon, quantiles, freq)


def _frame(
    preds: Mapping[str, Predictive],
    choice: Mapping[str, tuple[str, ...]],
    origin: int,
    horizon: int,
    quantiles: Sequence[float],
    freq: Freq,
) -> pd.DataFrame:
    labels = _period_labels(range(origin, origin + horizon), freq)
    qs = np.sort(np.asarray(quantiles, dtype=float))
    parts = []
    for sid, steps in sorted(choice.items()):
        pred = preds[sid]
        part = pd.DataFrame(
            {
                "series_id": sid,
                "period": labels,
                "model": list(steps),
                "mean": pred.mean_nonnegative(),
            }
        )
        values = pred.quantile(qs[:, None])  # (quantiles, horizon), monotone in q
        for q, row in zip(qs, values, strict=True):
            part[quantile_column(float(q))] = row
        parts.append(part)
    columns = ["series_id", "period", "model", "mean", *(quantile_column(q) for q in qs)]
    if not parts:
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
        return empty.astype({"series_id": str, "period": str, "model": str})
    return pd.concat(parts, ignore_index=True)[columns]


@_with_one_blas_thread
def backtest(
    history: pd.DataFrame,
    horizon: int,
    folds: int,
    freq: Freq = "M",
    *,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    step: int | None = None,
    models: Sequence[str] = MODELS,
    selection_folds: int | None = None,
    select: Select = "pool",
) -> BacktestResult:
    """Rolling-origin backtest: `folds` origins `step` periods apart (default: horizon),
    the last one `horizon` periods before the end. Scores every model and `chosen`."""
    _check_args(horizon, quantiles)
    if folds < 1:
        raise ValueError(t("folds: {value} is below 1", value=folds))
    step = step or horizon
    series, end = _prepare(history, freq)
    season = SEASON_LENGTH[freq]
    lo_q, hi_q = min(quantiles), max(quantiles)
    outer = [end - horizon - step * k for k in reversed(range(folds))]
    cache: dict[tuple[int, int], dict[str, dict[str, Predictive]]] = {}

    records = []
    choices = []
    for origin in outer:
        if (origin, horizon) not in cache:
            cache[(origin, horizon)] = _predict_all(series, origin, horizon, freq, models)
        preds = cache[(origin, horizon)]
        selection = _selection(series, origin, horizon, freq, models, selection_folds, cache)
        chosen, calibrated = _chosen(series, preds, selection, horizon, models, select)
        choices += [
            {"series_id": sid, "origin": origin, "model": _main_model(steps)}
            for sid, steps in chosen.items()
        ]
        scored: dict[str, Mapping[str, Predictive]] = dict(preds)
        scored["chosen"] = calibrated
        for s in series:
            actual = _actuals(s, origin, horizon)
            seen = ~np.isnan(actual)
            train = s.until(origin)
            if not seen.any() or train.size == 0:
                continue
            scale = _scale(train, season)
            for model, by_series in scored.items():
                pred = by_series.get(s.series_id)
                if model == "zeros" or pred is None:
                    continue
                lo = pred.quantile(lo_q)[seen]
                hi = pred.quantile(hi_q)[seen]
                a = actual[seen]
                err = pred.point()[seen] - a
                records.append(
                    {
                        "series_id": s.series_id,
                        "model": model,
                        "n": int(seen.sum()),
                        "abs_error": float(np.abs(err).sum()),
                        "error": float(err.sum()),
                        "actual": float(a.sum()),
                        "scale": scale * int(seen.sum()),
                        "covered": int(((a >= lo) & (a <= hi)).sum()),
                    }
                )
    raw = pd.DataFrame.from_records(
        records,
        columns=["series_id", "model", "n", "abs_error", "error", "actual", "scale", "covered"],
    )
    per_series = raw.groupby(["series_id", "model"], as_index=False)[
        ["n", "abs_error", "error", "actual", "scale", "covered"]
    ].sum()
    overall = raw.groupby("model", as_index=False)[
        ["n", "abs_error", "error", "actual", "scale", "covered"]
    ].sum()
    for frame in (per_series, overall):
        frame["mase"] = frame["abs_error"] / frame["scale"].where(frame["scale"] > 0)
        frame["bias"] = frame["error"] / frame["n"]
        frame["coverage"] = frame["covered"] / frame["n"]
    overall["bias_pct"] = 100 * overall["error"] / overall["actual"].where(overall["actual"] > 0)
    order = {m: i for i, m in enumerate((*models, "chosen"))}
    overall = overall.sort_values("model", key=lambda c: c.map(order)).reset_index(drop=True)
    choice_frame = pd.DataFrame.from_records(choices, columns=["series_id", "origin", "model"])
    choice_frame["origin"] = _period_labels(choice_frame["origin"], freq)
    last = choice_frame[choice_frame["origin"] == _period_labels([outer[-1]], freq)[0]]
    return BacktestResult(
        per_series=per_series[["series_id", "model", "n", "mase", "bias", "coverage"]],
        overall=overall[["model", "n", "mase", "bias", "bias_pct", "coverage"]],
        choices=choice_frame,
        coverage_nominal=hi_q - lo_q,
        origins=tuple(_period_labels(outer, freq)),
        wins={str(k): int(v) for k, v in last["model"].value_counts().items()},
    )


@_with_one_blas_thread
def sample_paths(
    history: pd.DataFrame,
    horizon: int,
    n_samples: int,
    seed: int,
    freq: Freq = "M",
    *,
    models: Sequence[str] = MODELS,
    selection_folds: int | None = None,
    select: Select = "pool",
) -> pd.DataFrame:
    """Joint sample paths `sample, series_id, period, y` from each series' chosen model.

    Every value is a quantile of that period's predictive distribution at a correlated
    uniform: a shock shared by a pool for the whole horizon, a level shock of the series
    and monthly noise (shares PATH_POOL_SHARE, PATH_LEVEL_SHARE and the rest), so a path
    that is high in March tends to be high in April, and a city total is not made
    artificially certain by independent districts.

    The two shocks that last the whole horizon are stratified (one draw in each of
    `n_samples` equally likely slices of the normal, in random order): their sample mean is
    then the distribution's, so the mean of the paths, the expected demand the plan and the
    Overview use (planner.demand), carries almost no Monte Carlo error from them.
    """
    if n_samples < 1:
        raise ValueError(t("n_samples: {value} is below 1", value=n_samples))
    _check_args(horizon, (0.5,))
    series, origin = _prepare(history, freq)
    _choice, chosen = _final(series, origin, horizon, freq, models, selection_folds, select)
    rng = np.random.default_rng(seed)
    pools = sorted({s.pool for s in series})
    pool_shock = {p: _stratified_normal(rng, n_samples) for p in pools}
    labels = _period_labels(range(origin, origin + horizon), freq)
    idio = math.sqrt(1.0 - PATH_POOL_SHARE - PATH_LEVEL_SHARE)
    ids, blocks = [], []
    for s in series:
        pred = chosen.get(s.series_id)
        if pred is None:
            continue
        z = (
            math.sqrt(PATH_POOL_SHARE) * pool_shock[s.pool][:, None]
            + math.sqrt(PATH_LEVEL_SHARE) * _stratified_normal(rng, n_samples)[:, None]
            + idio * rng.standard_normal((n_samples, horizon))
        )
        ids.append(s.series_id)
        blocks.append(pred.quantiles_of(_ndtr(z)))
    if not blocks:
        return pd.DataFrame(columns=["sample", "series_id", "period", "y"])
    per_series = n_samples * horizon
    # Strings by taking from the few distinct ones (building 10^6 of them is the slow part).
    return pd.DataFrame(
        {
            "sample": np.tile(np.repeat(np.arange(n_samples), horizon), len(ids)),
            "series_id": pd.array(ids, dtype="str").take(
                np.repeat(np.arange(len(ids)), per_series)
            ),
            "period": pd.array(labels, dtype="str").take(
                np.tile(np.arange(horizon), n_samples * len(ids))
            ),
            "y": np.concatenate([b.ravel() for b in blocks]),
        }
    )


def _main_model(steps: tuple[str, ...]) -> str:
    """The model used for the most steps (the first one on a tie)."""
    names = list(dict.fromkeys(steps))
    return max(names, key=lambda m: (steps.count(m), -names.index(m)))


def _stratified_normal(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` standard normal draws, one in each of `n` equally likely slices, shuffled."""
    u = (rng.permutation(n) + rng.uniform(size=n)) / n
    return _ndtri(u)


# --------------------------------------------------------------------------- city packages


def demand_history(package: CityPackage) -> pd.DataFrame:
    """The package's demand as a long frame: one series per district and service.

    Cases are summed over sources. In a month in which a district reported anything, a
    service it has no row for had 0 cases; a month in which it reported nothing at all,
    between its first and last months, is missing (a gap, not a zero); before its first
    month the series does not exist yet. Returns `series_id, district_id, service_id,
    period, y, pool (the service), exposure (the district's population)`.
    """
    demand = package.demand
    columns = ["series_id", "district_id", "service_id", "period", "y", "pool", "exposure"]
    if demand.empty:
        return pd.DataFrame(columns=columns)
    totals = demand.groupby(["district_id", "service_id", "period"], as_index=False)["cases"].sum()
    reported = demand[["district_id", "period"]].drop_duplicates()
    services = package.services[["service_id"]].drop_duplicates()
    grid = reported.merge(services, how="cross")
    frame = grid.merge(totals, on=["district_id", "service_id", "period"], how="left")
    frame["y"] = frame["cases"].fillna(0).astype(float)
    population = package.districts.set_index("district_id")["population"].astype(float)
    frame["exposure"] = frame["district_id"].map(population).fillna(1.0).clip(lower=1.0)
    frame["series_id"] = _series_ids(frame["district_id"], frame["service_id"])
    frame["pool"] = frame["service_id"].astype(str)
    return frame[columns].sort_values(["series_id", "period"]).reset_index(drop=True)


def _series_ids(district_id: pd.Series, service_id: pd.Series) -> pd.Series:
    return district_id.astype(str) + "\x1f" + service_id.astype(str)


def _split_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """`series_id` back to `district_id, service_id` (split once per distinct id)."""
    codes, uniques = pd.factorize(frame["series_id"])
    pairs = [str(u).split("\x1f", 1) for u in uniques]
    out = frame.drop(columns="series_id")
    out.insert(0, "service_id", np.array([p[1] for p in pairs], dtype=object)[codes])
    out.insert(0, "district_id", np.array([p[0] for p in pairs], dtype=object)[codes])
    return out


def forecast_package(
    package: CityPackage,
    horizon_months: int,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
) -> pd.DataFrame:
    """Cases forecast per district and service: `district_id, service_id, period, model,
    mean, q...`, for the months after the last observed one (the CLI's output)."""
    history = demand_history(package)
    if history.empty:
        return pd.DataFrame(
            columns=["district_id", "service_id", "period", "model", "mean"]
            + [quantile_column(q) for q in sorted(quantiles)]
        )
    return _split_ids(forecast(history, horizon_months, quantiles, "M"))


def forecast_demand_units(
    package: CityPackage, horizon_months: int, quantile: float
) -> pd.DataFrame:
    """Demand for the planner: `district_id, service_id, period, demand`.

    demand = forecast cases at `quantile` times the service's units_per_case (Little's
    law: a 3-month shelter stay is 3 bed-months per case), never negative. Every district
    and service of the package has a row per month (0 where nothing was ever reported).
    The city total is the sum of these rows (bottom-up reconciliation).
    """
    column = quantile_column(quantile)
    cases = forecast_package(package, horizon_months, (quantile,))
    return _to_units(package, cases.rename(columns={column: "cases"}), horizon_months)


def _to_units(package: CityPackage, cases: pd.DataFrame, horizon_months: int) -> pd.DataFrame:
    columns = ["district_id", "service_id", "period", "demand"]
    if package.demand.empty:
        return pd.DataFrame(columns=columns)
    last = pd.Period(str(package.demand["period"].max()), freq="M")
    months = [(last + k).strftime("%Y-%m") for k in range(1, horizon_months + 1)]
    grid = (
        package.districts[["district_id"]]
        .astype({"district_id": str})
        .merge(package.services[["service_id"]].astype({"service_id": str}), how="cross")
        .merge(pd.DataFrame({"period": months}), how="cross")
    )
    keys = ["district_id", "service_id", "period"]
    out = grid.merge(cases[[*keys, "cases"]], on=keys, how="left")
    upc = package.services.set_index("service_id")["units_per_case"].astype(float)
    out["demand"] = (out["cases"].fillna(0.0) * out["service_id"].map(upc).fillna(1.0)).clip(
        lower=0.0
    )
    return out[columns].sort_values(keys).reset_index(drop=True)


def sample_demand_paths(
    package: CityPackage, horizon_months: int, n_samples: int, seed: int
) -> pd.DataFrame:
    """Sample paths of demand in units: `sample, district_id, service_id, period, demand`.

    Each sample is one joint future of every district and service (see `sample_paths`);
    summing a sample over districts gives that sample's city total.
    """
    columns = ["sample", "district_id", "service_id", "period", "demand"]
    history = demand_history(package)
    if history.empty:
        return pd.DataFrame(columns=columns)
    paths = _split_ids(sample_paths(history, horizon_months, n_samples, seed, "M"))
    upc = package.services.set_index("service_id")["units_per_case"].astype(float)
    paths["demand"] = (paths["y"] * paths["service_id"].map(upc).fillna(1.0)).clip(lower=0.0)
    known = {
        (str(d), str(s))
        for d, s in paths[["district_id", "service_id"]].drop_duplicates().to_numpy()
    }
    missing = [
        (str(d), str(s))
        for d in package.districts["district_id"]
        for s in package.services["service_id"]
        if (str(d), str(s)) not in known
    ]
    if missing:
        periods = sorted(paths["period"].unique())
        fill = pd.DataFrame(missing, columns=["district_id", "service_id"]).merge(
            pd.DataFrame({"period": periods}), how="cross"
        )
        fill = fill.merge(pd.DataFrame({"sample": np.arange(n_samples)}), how="cross")
        fill["demand"] = 0.0
        paths = pd.concat([paths, fill], ignore_index=True)
    return (
        paths[columns]
        .sort_values(["sample", "district_id", "service_id", "period"])
        .reset_index(drop=True)
    )


def city_totals(paths: pd.DataFrame, quantiles: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
    """The city's demand per service and period from `sample_demand_paths`: each sample
    summed over districts (bottom-up, so coherent by construction), then its mean and
    quantiles over samples: `service_id, period, mean, q...` in units."""
    per_sample = paths.groupby(["sample", "service_id", "period"], as_index=False)["demand"].sum()
    grouped = per_sample.groupby(["service_id", "period"])["demand"]
    out = grouped.mean().rename("mean").to_frame()
    for q in sorted(quantiles):
        out[quantile_column(q)] = grouped.quantile(q)
    return out.reset_index()
