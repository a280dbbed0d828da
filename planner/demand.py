"""The demand the planner plans for: the one place where it is made.

For now: the mean monthly cases of the last 12 months of history (months without a row count
as zero cases; fewer months if the history is shorter), per district and service, times the
service's `units_per_case`, repeated for every month of the horizon. A later issue replaces
this with a forecast at the scenario's `demand_quantile`; callers only see the frame.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from planner.package import CityPackage
    from planner.scenario import Scenario

HISTORY_MONTHS = 12
DEMAND_COLUMNS = ["district_id", "service_id", "period", "demand"]


def horizon_demand(package: CityPackage, scenario: Scenario) -> pd.DataFrame:
    """Demand in units per month, `district_id, service_id, period, demand`, every combination.

    Periods are the `scenario.horizon_months` months after the last month of history (after
    the current month when there is no history).
    """
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
