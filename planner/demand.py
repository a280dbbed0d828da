"""The demand the planner plans for: the one place where it is made.

With at least `MIN_FORECAST_MONTHS` months of history (two seasons), demand comes from the
forecast's joint sample paths (`case_paths`: planner.forecast.sample_paths, cases times
`units_per_case`), the same paths the Overview and the Demand page sum for the city:

- by default (`demand_quantile` empty: "mean") every district, service and month is its
  expected demand, the mean of its paths; the city's total is then the mean of the summed
  paths, the figure the Overview shows (`city_demand`);
- with a quantile q (P80, P90 for a cautious plan), each service's cells of a month are
  scaled together so that their sum, the city's demand for that service in that month, is
  the q-quantile of the summed paths. A sum of per-cell quantiles is never used: per-cell
  medians of small counts add up far below the mean, per-cell P90s far above the P90 of
  the sum.

With a shorter history a forecast would only guess at the season, so demand is the mean
monthly cases of the last 12 months (months without a row count as zero; fewer months if
the history is shorter), times `units_per_case`, repeated for every month of the horizon;
the quantile is then not used, and `demand_note` says so. Callers only see the frame.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.forecast import demand_history, sample_paths
from planner.i18n import t

if TYPE_CHECKING:
    from planner.package import CityPackage
    from planner.scenario import Scenario

HISTORY_MONTHS = 12
MIN_FORECAST_MONTHS = 24
DEMAND_COLUMNS = ["district_id", "service_id", "period", "demand"]
PATH_COLUMNS = ["sample", "district_id", "service_id", "period", "cases"]
PATH_SAMPLES = 200
"""Joint sample paths drawn for the plan, the Overview and the Demand page (the same ones)."""
PATH_SEED = 0


def history_months(package: CityPackage) -> int:
    """How many months the demand history spans, first to last (0 without history)."""
    if not len(package.demand):
        return 0
    distinct = package.demand["period"].astype(str).unique()  # a few dozen of 22,000 rows
    periods = pd.PeriodIndex(distinct, freq="M")
    return int((periods.max() - periods.min()).n) + 1


def demand_note(package: CityPackage, scenario: Scenario) -> str:
    """How `horizon_demand` made the demand for this package and scenario, in words (in the
    current language: the note is shown with the plan)."""
    months = history_months(package)
    if months >= MIN_FORECAST_MONTHS:
        if scenario.demand_quantile is None:
            return t(
                "demand is the expected demand of the forecast from {months} months of history",
                months=months,
            )
        return t(
            "demand is the forecast at P{quantile} of the city's demand per service and month, "
            "from {months} months of history",
            quantile=f"{scenario.demand_quantile * 100:g}",
            months=months,
        )
    return t(
        "demand is the mean of the last {recent} months: {months} months of history are too "
        "few to forecast (at least {needed} are needed), so the scenario's demand quantile is "
        "not used",
        recent=min(months, HISTORY_MONTHS),
        months=months,
        needed=MIN_FORECAST_MONTHS,
    )


def horizon_demand(
    package: CityPackage, scenario: Scenario, paths: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Demand in units per month, `district_id, service_id, period, demand`, every combination.

    Periods are the `scenario.horizon_months` months after the last month of history (after
    the current month when there is no history). `paths` (from `case_paths` over the same
    horizon) saves drawing them again. A scenario's `latent_demand` multiplies every cell by
    `scenario.demand_factor` here, the one place every plan's demand is made.
    """
    if history_months(package) >= MIN_FORECAST_MONTHS:
        if paths is None:
            paths = case_paths(package, scenario.horizon_months)
        demand = planned_demand(package, paths, scenario.horizon_months, scenario.demand_quantile)
    else:
        demand = recent_mean_demand(package, scenario)
    factor = scenario.demand_factor
    return demand if factor == 1.0 else demand.assign(demand=demand["demand"] * factor)


def horizon_group_demand(
    package: CityPackage, scenario: Scenario, paths: pd.DataFrame | None = None
) -> pd.DataFrame:
    """`horizon_demand` split into population and language cohorts (issue 15): district_id,
    service_id, period, population, language, demand, adding up exactly to each cell of
    `horizon_demand` (planner.groups.split_demand); one cohort ('any', '') without groups."""
    from planner.groups import split_demand

    return split_demand(package, horizon_demand(package, scenario, paths))


# --- from the joint sample paths -------------------------------------------------------------


def case_paths(
    package: CityPackage,
    horizon_months: int,
    n_samples: int = PATH_SAMPLES,
    seed: int = PATH_SEED,
) -> pd.DataFrame:
    """Joint sample paths of cases, `sample, district_id, service_id, period, cases`: one
    row per sample, district and service with history, and forecast month."""
    history = demand_history(package)
    if history.empty:
        return pd.DataFrame(columns=PATH_COLUMNS)
    ids = history[["series_id", "district_id", "service_id"]].drop_duplicates()
    paths = sample_paths(history, horizon_months, n_samples, seed)
    if paths.empty:
        return pd.DataFrame(columns=PATH_COLUMNS)
    paths = paths.merge(ids, on="series_id").rename(columns={"y": "cases"})
    return pd.DataFrame(paths[PATH_COLUMNS])


def _unit_paths(package: CityPackage, paths: pd.DataFrame) -> pd.DataFrame:
    """`paths` with `demand` in units (cases times units_per_case, never negative)."""
    upc = package.services.set_index(package.services["service_id"].astype(str))[
        "units_per_case"
    ].astype(float)
    units = paths["service_id"].astype(str).map(upc).fillna(1.0).to_numpy(float)
    demand = np.clip(paths["cases"].to_numpy(float) * units, 0.0, None)
    return paths.assign(
        district_id=paths["district_id"].astype(str),
        service_id=paths["service_id"].astype(str),
        period=paths["period"].astype(str),
        demand=demand,
    )


def city_demand(
    package: CityPackage, paths: pd.DataFrame, quantile: float | None = None
) -> pd.DataFrame:
    """The city's demand in units per service and month, `service_id, period, demand`: the
    paths summed over districts, then their mean (`quantile` None: the expected demand) or
    their `quantile` over samples. A quantile of the sum, never a sum of quantiles."""
    columns = ["service_id", "period", "demand"]
    if paths.empty:
        return pd.DataFrame(columns=columns)
    units = _unit_paths(package, paths)
    per_sample = units.groupby(["service_id", "period", "sample"])["demand"].sum()
    by_month = per_sample.groupby(level=["service_id", "period"])
    figure = by_month.mean() if quantile is None else by_month.quantile(quantile)
    return figure.rename("demand").reset_index()[columns]


def planned_demand(
    package: CityPackage,
    paths: pd.DataFrame,
    horizon_months: int,
    quantile: float | None = None,
) -> pd.DataFrame:
    """The plan's demand from joint sample paths: every district, service and month's mean
    over the paths, scaled per service and month (with a `quantile`) so that the city's
    total is `city_demand(package, paths, quantile)`. A full grid, 0 where no history."""
    units = _unit_paths(package, paths) if not paths.empty else None
    if units is None:
        cells = pd.Series(dtype=float)
    else:
        cells = units.groupby(["district_id", "service_id", "period"])["demand"].mean()
    if quantile is not None and len(cells):
        target = city_demand(package, paths, quantile).set_index(["service_id", "period"])
        total = cells.groupby(level=["service_id", "period"]).sum()
        factor = (target["demand"] / total.where(total > 0)).fillna(0.0)
        keys = pd.MultiIndex.from_arrays(
            [cells.index.get_level_values("service_id"), cells.index.get_level_values("period")]
        )
        cells = cells * factor.reindex(keys).fillna(0.0).to_numpy()
    return _on_grid(package, cells, horizon_months)


def _on_grid(package: CityPackage, cells: pd.Series, horizon_months: int) -> pd.DataFrame:
    """`cells` (indexed by district, service, period) on every district, service and month
    after the last month of history; 0 where a cell has no value."""
    last = pd.Period(str(package.demand["period"].astype(str).max()), freq="M")
    months = [(last + k).strftime("%Y-%m") for k in range(1, horizon_months + 1)]
    grid = pd.MultiIndex.from_product(
        [
            package.districts["district_id"].astype(str).tolist(),
            package.services["service_id"].astype(str).tolist(),
            months,
        ],
        names=["district_id", "service_id", "period"],
    )
    demand = cells.reindex(grid).fillna(0.0) if len(cells) else pd.Series(0.0, index=grid)
    frame = demand.rename("demand").reset_index()
    return frame[DEMAND_COLUMNS].astype(
        {"district_id": str, "service_id": str, "period": str, "demand": float}
    )


# --- short history ---------------------------------------------------------------------------


def recent_mean_demand(package: CityPackage, scenario: Scenario) -> pd.DataFrame:
    """The mean monthly demand of the last 12 months, for every month of the horizon."""
    districts = package.districts["district_id"].astype(str).tolist()
    services = package.services["service_id"].astype(str).tolist()
    history = package.demand
    if len(history):
        periods = pd.PeriodIndex(history["period"].astype(str), freq="M")
        last = periods.max()
        first = max(periods.min(), last - (HISTORY_MONTHS - 1))
        months = (last - first).n + 1
        recent = history.loc[np.asarray(periods >= first)]
        totals = (
            recent.assign(
                district_id=recent["district_id"].astype(str),
                service_id=recent["service_id"].astype(str),
            )
            .groupby(["district_id", "service_id"])["cases"]
            .sum()
        )
        mean_cases = totals.astype(float) / months
    else:
        today = date.today()
        last = pd.Period(year=today.year, month=today.month, freq="M")
        mean_cases = pd.Series(dtype=float)
    upc = package.services.set_index(package.services["service_id"].astype(str))[
        "units_per_case"
    ].astype(float)
    grid = pd.MultiIndex.from_product([districts, services], names=["district_id", "service_id"])
    monthly = mean_cases.reindex(grid, fill_value=0.0).to_numpy(dtype=float)
    monthly = monthly * upc.reindex(grid.get_level_values("service_id")).fillna(1.0).to_numpy()
    horizon = [str(last + i) for i in range(1, scenario.horizon_months + 1)]
    n_cells = len(grid)
    frame = pd.DataFrame(
        {
            "district_id": np.repeat(grid.get_level_values("district_id").to_numpy(), len(horizon)),
            "service_id": np.repeat(grid.get_level_values("service_id").to_numpy(), len(horizon)),
            "period": np.tile(np.array(horizon, dtype=object), n_cells),
            "demand": np.repeat(monthly, len(horizon)),
        }
    )
    return frame[DEMAND_COLUMNS].astype(
        {"district_id": str, "service_id": str, "period": str, "demand": float}
    )
