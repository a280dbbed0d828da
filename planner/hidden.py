"""The hidden population: multiple systems estimation (MSE) from list overlaps.

Identified victims are a fraction of all victims. With k lists (police, NGOs, health, a
hotline...) each person found is on a pattern of lists; the counts of the 2^k - 1
observable patterns say how much the lists overlap, and so how many are on none.

Model (Poisson log-linear, as in Bales, Hesketh & Silverman 2015 and SparseMSE):

    log E[n_x] = mu + sum_i a_i x_i + sum_{(i,j) in I} b_ij x_i x_j,   x in {0,1}^k \\ {0}

fitted to every observable pattern (those absent from the data count 0). The unseen cell
is x = 0, so its estimate is exp(mu) and the total is observed + exp(mu). With two lists
and no interaction this is exactly Lincoln–Petersen, n1 n2 / m.

Choice of the interactions I: forward stepwise from main effects only, adding at each
step the two-way interaction that lowers BIC most (BIC = -2 log L + p log N, N the
observed total), until none does. BIC rather than AIC because list data are sparse and
AIC tends to pick interactions that make the unseen cell explode. A model is admissible
only if the design has full rank, no more parameters than cells, each interaction's two
lists share at least one person (else the MLE of b_ij is -infinity and mu may not exist,
Chan, Silverman & Vincent 2021), and the fit converges to finite values.

Interval: profile likelihood for mu (fix mu, maximise over the rest, keep the values
where twice the drop in log-likelihood is below the chi-square(1) quantile), mapped to
the total. Conditional on the chosen model: the uncertainty of the choice itself is not
in it.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from planner.i18n import t
from planner.problems import InvalidInput, Problem

Criterion = Literal["bic", "aic"]
COUNT_COLUMN_NAMES = ("count", "counts", "n", "freq", "frequency")
MAX_LISTS = 12
_MAX_ABS_PARAM = 50.0


@dataclass(frozen=True)
class MSEResult:
    lists: tuple[str, ...]
    observed: int
    interactions: tuple[tuple[str, str], ...]
    unseen: float
    estimate: float
    lower: float
    upper: float
    level: float
    criterion: str
    steps: pd.DataFrame  # the stepwise path: model, parameters, criterion, estimate

    @property
    def model(self) -> str:
        return _model_name(self.interactions)

    @property
    def multiplier(self) -> float:
        """Estimated total / observed: a scenario's latent-demand multiplier."""
        return self.estimate / self.observed if self.observed else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "observed": self.observed,
            "model": self.model,
            "estimate": self.estimate,
            "lower": self.lower,
            "upper": self.upper,
        }


@dataclass(frozen=True)
class _Fit:
    params: np.ndarray
    llf: float
    n_params: int


def lincoln_petersen(on_first: int, on_second: int, on_both: int) -> float:
    """Lincoln–Petersen: n1 n2 / m (infinite when the lists share nobody)."""
    if on_both <= 0:
        return math.inf
    return on_first * on_second / on_both


def cell_table(counts: pd.DataFrame, lists: Sequence[str], count: str) -> pd.DataFrame:
    """Every observable pattern of `lists` with its count (0 when absent from `counts`)."""
    k = len(lists)
    patterns = np.array(list(itertools.product((0, 1), repeat=k))[1:], dtype=int)
    cells = pd.DataFrame(patterns, columns=list(lists))
    given = counts.groupby(list(lists), as_index=False)[count].sum()
    given[list(lists)] = given[list(lists)].astype(int)
    cells = cells.merge(given, on=list(lists), how="left")
    cells[count] = cells[count].fillna(0).astype(float)
    return cells.rename(columns={count: "count"})


def _design(cells: pd.DataFrame, lists: Sequence[str], pairs: Sequence[tuple[str, str]]):
    x = cells[list(lists)].to_numpy(dtype=float)
    cols = [np.ones(len(cells)), *x.T]
    cols += [cells[a].to_numpy(dtype=float) * cells[b].to_numpy(dtype=float) for a, b in pairs]
    return np.column_stack(cols)


def _fit(y: np.ndarray, design: np.ndarray, offset: np.ndarray | None = None) -> _Fit | None:
    import statsmodels.api as sm

    if design.shape[1] > len(y) or np.linalg.matrix_rank(design) < design.shape[1]:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.GLM(y, design, family=sm.families.Poisson(), offset=offset).fit(
                tol=1e-13, maxiter=500
            )
    except (ValueError, np.linalg.LinAlgError):
        return None
    params = np.asarray(res.params)
    if not (np.all(np.isfinite(params)) and np.all(np.abs(params) < _MAX_ABS_PARAM)):
        return None
    return _Fit(params=params, llf=float(res.llf), n_params=design.shape[1])


def _criterion(fit: _Fit, n_observed: float, criterion: Criterion) -> float:
    penalty = math.log(n_observed) if criterion == "bic" else 2.0
    return -2.0 * fit.llf + penalty * fit.n_params


def estimate_hidden(
    counts: pd.DataFrame,
    lists: Sequence[str] | None = None,
    count: str | None = None,
    *,
    criterion: Criterion = "bic",
    interactions: Sequence[tuple[str, str]] | None = None,
    level: float = 0.95,
) -> MSEResult:
    """Estimate the total population from list-overlap counts.

    `counts` has one 0/1 column per list and a count column (found by name when `count`
    is None: count, n, freq, frequency). `lists` defaults to every other numeric column.
    `interactions` fixes the model (no stepwise choice); `()` is main effects only.
    """
    count = count or _find_count_column(counts.columns)
    if count is None:
        raise ValueError(t("no count column (one of {names})", names=", ".join(COUNT_COLUMN_NAMES)))
    if lists is None:
        lists = [
            c for c in counts.columns if c != count and pd.api.types.is_numeric_dtype(counts[c])
        ]
    lists = [str(c) for c in lists]
    if not 2 <= len(lists) <= MAX_LISTS:
        raise ValueError(
            t("need between 2 and {most} lists, got {count}", most=MAX_LISTS, count=len(lists))
        )
    cells = cell_table(counts, lists, count)
    y = cells["count"].to_numpy()
    observed = float(y.sum())
    if observed <= 0:
        raise ValueError(t("nobody is on any list"))

    overlap = {
        (a, b): float(cells.loc[(cells[a] == 1) & (cells[b] == 1), "count"].sum())
        for a, b in itertools.combinations(lists, 2)
    }
    steps = []

    def admissible(pairs: Sequence[tuple[str, str]]) -> _Fit | None:
        if any(overlap[p] <= 0 for p in pairs):
            return None
        return _fit(y, _design(cells, lists, pairs))

    if interactions is not None:
        chosen = [tuple(sorted(p, key=lists.index)) for p in interactions]
        chosen_pairs: list[tuple[str, str]] = [(a, b) for a, b in chosen]
        best = admissible(chosen_pairs)
        if best is None:
            raise ValueError(t("the given model cannot be fitted to these counts"))
    else:
        chosen_pairs = []
        best = admissible(chosen_pairs)
        if best is None:
            raise ValueError(t("the main-effects model cannot be fitted to these counts"))
        steps.append(_step(chosen_pairs, best, observed, criterion))
        while True:
            current = _criterion(best, observed, criterion)
            trials = []
            for pair in itertools.combinations(lists, 2):
                if pair in chosen_pairs:
                    continue
                fit = admissible([*chosen_pairs, pair])
                if fit is not None:
                    trials.append((_criterion(fit, observed, criterion), pair, fit))
            if not trials:
                break
            value, pair, fit = min(trials, key=lambda t: t[0])
            if value >= current:
                break
            chosen_pairs.append(pair)
            best = fit
            steps.append(_step(chosen_pairs, best, observed, criterion))
    design = _design(cells, lists, chosen_pairs)
    lower_mu, upper_mu = _profile_interval(y, design, best, level)
    unseen = math.exp(best.params[0])
    return MSEResult(
        lists=tuple(lists),
        observed=round(observed),
        interactions=tuple(chosen_pairs),
        unseen=unseen,
        estimate=observed + unseen,
        lower=observed + math.exp(lower_mu),
        upper=observed + (math.exp(upper_mu) if math.isfinite(upper_mu) else math.inf),
        level=level,
        criterion=criterion,
        steps=pd.DataFrame(steps, columns=["model", "parameters", criterion, "estimate"]),
    )


def _model_name(pairs: Sequence[tuple[str, str]]) -> str:
    """ "main effects + A:B", in the current language ("effets principaux + A:B")."""
    return " + ".join([t("main effects"), *(f"{a}:{b}" for a, b in pairs)])


def _step(
    pairs: Sequence[tuple[str, str]], fit: _Fit, observed: float, criterion: Criterion
) -> tuple[str, int, float, float]:
    return (
        _model_name(pairs),
        fit.n_params,
        _criterion(fit, observed, criterion),
        observed + math.exp(fit.params[0]),
    )


def _profile_interval(
    y: np.ndarray, design: np.ndarray, best: _Fit, level: float
) -> tuple[float, float]:
    """Profile-likelihood interval of the intercept (log of the unseen cell)."""
    threshold = float(stats.chi2.ppf(level, 1)) / 2.0
    rest = design[:, 1:]
    mu_hat = float(best.params[0])

    def drop(mu: float) -> float:
        fit = _fit(y, rest, offset=np.full(len(y), mu))
        if fit is None:  # the rest cannot follow: treat as far outside
            return threshold + 1.0 if mu != mu_hat else -threshold
        return (best.llf - fit.llf) - threshold

    bounds = []
    for direction in (-1.0, 1.0):
        width = 0.5
        end = mu_hat + direction * width
        while drop(end) < 0 and width < 40:
            width *= 2
            end = mu_hat + direction * width
        if drop(end) < 0:
            bounds.append(direction * math.inf)
            continue
        bounds.append(optimize.brentq(drop, min(mu_hat, end), max(mu_hat, end), xtol=1e-10))
    return bounds[0], bounds[1]


def _find_count_column(columns: Iterable[object]) -> str | None:
    by_name = {str(c).strip().lower(): str(c) for c in columns}
    for name in COUNT_COLUMN_NAMES:
        if name in by_name:
            return by_name[name]
    return None


def read_list_counts(
    path: Path | str, count: str | None = None
) -> tuple[pd.DataFrame, list[str], str]:
    """Read a CSV of list patterns: one 0/1 column per list and a count column.

    Columns of text are ignored (a SOURCE note, for example). Raises InvalidInput naming
    the file, line and column of every problem.
    """
    path = Path(path)
    name = path.name
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput([Problem(name, message=t("file not found"))]) from None
    except UnicodeDecodeError:
        raise InvalidInput([Problem(name, message=t("not UTF-8 text"))]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        message = t("not a readable CSV ({error})", error=exc)
        raise InvalidInput([Problem(name, message=message)]) from None
    problems: list[Problem] = []
    count = count or _find_count_column(frame.columns)
    if count is None or count not in frame.columns:
        wanted = count or t("one of {names}", names=", ".join(COUNT_COLUMN_NAMES))
        message = t("no count column ({wanted})", wanted=wanted)
        raise InvalidInput([Problem(name, line=1, message=message)])
    lists = []
    for column in frame.columns:
        if column == count:
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.isna().all() and frame[column].notna().any():
            continue  # a text column: a note, not a list
        for row in np.flatnonzero(~values.isin([0, 1])):
            problems.append(
                Problem(
                    name,
                    line=int(row) + 2,
                    column=str(column),
                    message=t("{value} is not 0 or 1", value=frame[column].iloc[row]),
                )
            )
        lists.append(str(column))
    counts = pd.to_numeric(frame[count], errors="coerce")
    for row in np.flatnonzero(counts.isna() | (counts < 0) | (counts % 1 != 0)):
        problems.append(
            Problem(
                name,
                line=int(row) + 2,
                column=count,
                message=t("{value} is not a whole number >= 0", value=frame[count].iloc[row]),
            )
        )
    if len(lists) < 2:
        problems.append(
            Problem(
                name,
                line=1,
                message=t("need at least 2 list columns, found {count}", count=len(lists)),
            )
        )
    if not problems:
        frame[count] = counts
        on_none = frame[lists].astype(float).sum(axis=1) == 0
        for row in np.flatnonzero(on_none & (counts > 0)):
            problems.append(
                Problem(
                    name,
                    line=int(row) + 2,
                    column=count,
                    message=t("people on no list cannot be counted: that cell is the estimate"),
                )
            )
        if not problems and counts[~on_none].sum() <= 0:
            problems.append(Problem(name, column=count, message=t("nobody is on any list")))
    if problems:
        raise InvalidInput(problems)
    frame = frame.loc[frame[lists].astype(float).sum(axis=1) > 0, [*lists, count]]
    return frame, lists, count
