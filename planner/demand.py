"""The demand the planner plans for: the one place where it is made.

With at least `MIN_FORECAST_MONTHS` months of history (two seasons), demand is the forecast
of every district and service at the scenario's `demand_quantile` (planner.forecast: the
model chosen by backtest, cases times `units_per_case`). With a shorter history a forecast
would only guess at the season, so demand is the mean monthly cases of the last 12 months
(months without a row count as zero; fewer months if the history is shorter), times
`units_per_case`, repeated for every month of the horizon; the quantile is then not used,
and `demand_note` says so. Callers only see the frame.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.forecast import forecast_demand_units
from planner.i18n import t

if TYPE_CHECKING:
    from planner.package import CityPackage
    from planner.scenario import Scenario

HISTORY_MONTHS = 12
MIN_FORECAST_MONTHS = 24
DEMAND_COLUMNS = ["district_id", "service_id", "period", "demand"]


def history_months(package: CityPackage) -> int:
    """How many months the demand history spans, first to last (0 without history)."""
    if not len(package.demand):
        return 0
    periods = pd.PeriodIndex(package.demand["period"].astype(str), freq="M")
    return int((periods.max() - periods.min()).n) + 1


def demand_note(package: CityPackage, scenario: Scenario) -> str:
    """How `horizon_demand` made the demand for this package and scenario, in words (in the
    current language: the note is shown with the plan)."""
    months = history_months(package)
    if months >= MIN_FORECAST_MONTHS:
        return t(
            "demand is the forecast at P{quantile} from {months} months of history",
            quantile=round(scenario.demand_quantile * 100),
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


def horizon_demand(package: CityPackage, scenario: Scenario) -> pd.DataFrame:
    """Demand in units per month, `district_id, service_id, period, demand`, every combination.

    Periods are the `scenario.horizon_months` months after the last month of history (after
    the current month when there is no history).
    """
    if history_months(package) >= MIN_FORECAST_MONTHS:
        forecast = forecast_demand_units(package, scenario.horizon_months, scenario.demand_quantile)
        return forecast[DEMAND_COLUMNS].astype(
            {"district_id": str, "service_id": str, "period": str, "demand": float}
        )
    return recent_mean_demand(package, scenario)


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
