"""What a report needs of the city besides the plan: names, outlines, currency, freshness.

A plan folder carries it as context.json (`write_report_context`, called by `plan --out`);
a report of a folder without one is made from the package the plan was made from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from planner.i18n import t
from planner.package import CityInfo, CityPackage, read_package
from planner.problems import InvalidInput, Problem

CONTEXT_FILE = "context.json"
DISTRICT_COLUMNS = ["district_id", "name", "population", "geometry"]
SERVICE_COLUMNS = ["service_id", "name", "unit", "units_per_case"]
AGENCY_COLUMNS = ["agency_id", "name", "kind", "district_id", "confidential"]
FUNDER_COLUMNS = ["funder_id", "name", "budget"]


@dataclass(frozen=True, eq=False)
class ReportContext:
    """What a report needs of the city besides the plan.

    `districts`: district_id, name, population, geometry (EPSG:4326). `services`:
    service_id, name, unit, units_per_case. `agencies`: agency_id, name, kind, district_id,
    confidential. `funders`: funder_id, name, budget. `freshness`: capacity_oldest and
    capacity_newest (as_of of the current capacity rows), demand_first and demand_last
    (periods), each text or None. `synthetic`: the city's name or notes say so.
    """

    city: CityInfo
    districts: gpd.GeoDataFrame
    services: pd.DataFrame
    agencies: pd.DataFrame
    funders: pd.DataFrame
    freshness: dict[str, str | None]
    synthetic: bool

    @classmethod
    def from_package(cls, package: CityPackage) -> ReportContext:
        text = f"{package.city.name} {package.city.notes or ''}".lower()
        return cls(
            city=package.city,
            districts=package.districts[DISTRICT_COLUMNS],
            services=package.services[SERVICE_COLUMNS],
            agencies=package.agencies[AGENCY_COLUMNS],
            funders=package.funders[FUNDER_COLUMNS],
            freshness=_freshness(package),
            synthetic="synthetic" in text,
        )

    def to_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return list(json.loads(frame.to_json(orient="records")))

        return {
            "city": self.city.to_dict(),
            "synthetic": self.synthetic,
            "freshness": self.freshness,
            "services": records(self.services),
            "agencies": records(self.agencies),
            "funders": records(self.funders),
            "districts": json.loads(self.districts.to_crs("EPSG:4326").to_json()),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = CONTEXT_FILE) -> ReportContext:
        try:
            return cls(
                city=CityInfo(**data["city"]),
                districts=_districts(data["districts"]["features"]),
                services=_table(data["services"], "service_id", SERVICE_COLUMNS),
                agencies=_table(data["agencies"], "agency_id", AGENCY_COLUMNS),
                funders=_table(data["funders"], "funder_id", FUNDER_COLUMNS),
                freshness=dict(data.get("freshness") or {}),
                synthetic=bool(data.get("synthetic", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            message = t(
                "is not a report context written by Haven ({kind}: {error})",
                kind=type(exc).__name__,
                error=exc,
            )
            raise InvalidInput([Problem(source, message=message)]) from None


def _freshness(package: CityPackage) -> dict[str, str | None]:
    from datetime import date

    from planner.capacity_levels import STALE_AFTER_DAYS, capacity_levels

    as_of = package.current_capacity()["as_of"].dropna().astype(str)
    periods = package.demand["period"].dropna().astype(str)
    today = date.today()
    levels = capacity_levels(package, today, STALE_AFTER_DAYS)  # issue 19: the stale mark
    return {
        "capacity_oldest": as_of.min() if len(as_of) else None,
        "capacity_newest": as_of.max() if len(as_of) else None,
        "demand_first": periods.min() if len(periods) else None,
        "demand_last": periods.max() if len(periods) else None,
        "capacity_stale": str(int(levels["stale"].sum())),
        "capacity_count": str(len(levels)),
        "stale_after_days": str(STALE_AFTER_DAYS),
        "freshness_on": today.isoformat(),
    }


def _districts(features: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    districts = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    if districts.empty:
        districts = gpd.GeoDataFrame(
            {"district_id": [], "name": [], "population": []}, geometry=[], crs="EPSG:4326"
        )
    districts["district_id"] = districts["district_id"].astype(str)
    return districts[DISTRICT_COLUMNS]


def _table(records: list[dict[str, Any]], key: str, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(records).astype({key: str}).reindex(columns=columns)


def write_report_context(package: CityPackage, out_dir: str | Path) -> Path:
    """Write context.json (what a report needs of the city) into a plan folder."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / CONTEXT_FILE
    data = ReportContext.from_package(package).to_dict()
    path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_context(plan_dir: str | Path, package: str | Path | None = None) -> ReportContext:
    """The context of a plan folder: from `package` when given, else its context.json."""
    if package is not None:
        return ReportContext.from_package(read_package(package))
    path = Path(plan_dir) / CONTEXT_FILE
    if not path.is_file():
        message = t(
            "is missing: pass the package the plan was made from (--package PATH), "
            "or write the plan with a version of `plan` that writes it"
        )
        raise InvalidInput([Problem(str(path), message=message)])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            [Problem(CONTEXT_FILE, message=t("cannot be read: {error}", error=exc))]
        ) from None
    return ReportContext.from_dict(data)
