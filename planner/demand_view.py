"""What the Demand page shows: history, forecast fans for any district and service or
their totals, forecast demand per resident, and the backtest that chose the models.

Fans of a total (the city, or all services) come from the joint sample paths summed, so
they are coherent: a quantile of a sum is not the sum of the quantiles. The paths are the
plan's (planner.demand.case_paths): the expected demand of a fan (`mean`) and of a district
is the one the default plan plans for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.demand import PATH_SAMPLES, PATH_SEED, case_paths
from planner.forecast import BacktestResult, backtest, demand_history, forecast_package
from planner.package import CityPackage

FAN_QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True, eq=False)
class DemandOutlook:
    history: pd.DataFrame  # district_id, service_id, period, cases
    forecast: pd.DataFrame  # district_id, service_id, period, model, mean, q0.1, q0.5, q0.9
    paths: pd.DataFrame  # sample, district_id, service_id, period, cases
    horizon_months: int


def demand_outlook(
    package: CityPackage,
    horizon_months: int = 12,
    n_samples: int = PATH_SAMPLES,
    seed: int = PATH_SEED,
) -> DemandOutlook:
    history = demand_history(package)
    return DemandOutlook(
        history=history[["district_id", "service_id", "period", "y"]].rename(
            columns={"y": "cases"}
        ),
        forecast=forecast_package(package, horizon_months, FAN_QUANTILES),
        paths=case_paths(package, horizon_months, n_samples, seed),
        horizon_months=horizon_months,
    )


def fan(
    outlook: DemandOutlook, district_id: str | None = None, service_id: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """History (`period, cases`) and forecast (`period, mean, q0.1, q0.5, q0.9`) of one
    district and service, or of the totals when either is None. `mean` is the expected
    demand in cases (what the default plan plans for, in cases)."""

    def pick(frame: pd.DataFrame) -> pd.DataFrame:
        keep = np.ones(len(frame), dtype=bool)
        if district_id is not None:
            keep &= (frame["district_id"] == district_id).to_numpy()
        if service_id is not None:
            keep &= (frame["service_id"] == service_id).to_numpy()
        return frame[keep]

    history = pd.DataFrame(pick(outlook.history).groupby("period", as_index=False)["cases"].sum())
    totals = pick(outlook.paths).groupby(["sample", "period"])["cases"].sum()
    grouped = totals.groupby(level="period")
    columns = {"mean": grouped.mean(), **{f"q{q:g}": grouped.quantile(q) for q in FAN_QUANTILES}}
    forecast = pd.DataFrame(columns).reset_index()
    return history, forecast


def forecast_per_resident(
    package: CityPackage, outlook: DemandOutlook, service_id: str | None = None
) -> pd.DataFrame:
    """Per district (indexed by district_id): name, population, forecast cases per month
    (the expected demand of the sample paths, mean over the horizon) and per 10,000
    residents."""
    paths = outlook.paths
    if service_id is not None:
        paths = paths[paths["service_id"] == service_id]
    samples = max(int(paths["sample"].nunique()), 1) if len(paths) else 1
    per_month = paths.groupby("district_id")["cases"].sum() / samples
    per_month = per_month / max(outlook.horizon_months, 1)
    table = package.districts.set_index("district_id")[["name", "population"]].copy()
    table["cases_per_month"] = per_month.reindex(table.index).fillna(0.0)
    population = table["population"].astype(float).where(table["population"] > 0)
    table["cases_per_10k"] = table["cases_per_month"] / population * 1e4
    return table


def model_backtest(
    package: CityPackage, horizon_months: int = 12, folds: int = 2
) -> BacktestResult:
    """Rolling-origin backtest of every model on the city's own history."""
    return backtest(demand_history(package), horizon_months, folds)


def backtest_table(result: BacktestResult) -> pd.DataFrame:
    """The overall scores, best MASE first, with how many series each model won."""
    table = result.overall.copy()
    table["series_won"] = table["model"].map(result.wins).fillna(0).astype(int)
    return table.sort_values("mase").reset_index(drop=True)
