"""The city's referral flow (../shared/MODEL.md "Referral pathways"), for the Overview's
Sankey diagram: the services as nodes (cases a month, the last 12 months' mean), each
pathway a link carrying its share of the cases of the service it leaves.

Codes and numbers only: service/flow.py suppresses small counts for the reader, the ui
draws. The optimiser's own use of pathways is in planner.optimise.pathways.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Months of history the flow's cases a month are the mean of.
FLOW_MONTHS = 12


@dataclass(frozen=True, eq=False)
class CityFlow:
    """`nodes`: service_id, cases (a month), level (0 for a service no pathway leads to,
    else one more than the deepest service leading to it); `links`: from_service,
    to_service, share, lag_months, cases (a month: share x cases of from_service)."""

    nodes: pd.DataFrame
    links: pd.DataFrame

    @property
    def empty(self) -> bool:
        return len(self.links) == 0


def cases_per_month(demand: pd.DataFrame, months: int = FLOW_MONTHS) -> pd.Series:
    """Cases a month per service over the last `months` periods of the history."""
    if len(demand) == 0:
        return pd.Series(dtype=float)
    periods = sorted(demand["period"].astype(str).unique())[-months:]
    recent = demand[demand["period"].astype(str).isin(periods)]
    return recent.groupby(recent["service_id"].astype(str))["cases"].sum() / max(len(periods), 1)


def city_flow(pathways: pd.DataFrame, cases: pd.Series) -> CityFlow:
    """The flow of the pathways with `cases` a month per service (see `CityFlow`)."""
    links = pathways[["from_service", "to_service", "share", "lag_months"]].copy()
    links = links.astype({"from_service": str, "to_service": str, "share": float})
    links["lag_months"] = pd.to_numeric(links["lag_months"], errors="coerce").fillna(0).astype(int)
    links["cases"] = links["share"].to_numpy(float) * cases.reindex(links["from_service"]).fillna(
        0.0
    ).to_numpy(float)
    services = sorted(set(links["from_service"]) | set(links["to_service"]))
    level = dict.fromkeys(services, 0)
    for _ in range(len(services)):  # longest path from a source; pathways have no cycle
        for row in links.itertuples(index=False):
            level[row.to_service] = max(level[row.to_service], level[row.from_service] + 1)
    nodes = pd.DataFrame(
        {
            "service_id": services,
            "cases": cases.reindex(services).fillna(0.0).to_numpy(float),
            "level": [level[s] for s in services],
        }
    )
    return CityFlow(nodes, links.reset_index(drop=True))


def suppressed(flow: CityFlow, k: int) -> CityFlow:
    """Counts below `k` (cases a month, rounded) blank, as any count for this reader."""

    def blank(values: pd.Series) -> pd.Series:
        rounded = values.round()
        return values.where((rounded >= k) | (rounded == 0), np.nan)

    nodes = flow.nodes.assign(cases=blank(flow.nodes["cases"]))
    links = flow.links.assign(cases=blank(flow.links["cases"]))
    return CityFlow(nodes, links)
