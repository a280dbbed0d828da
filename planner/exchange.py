"""Packages and result tables as files to hand over: an uploaded .zip checked, a city zipped,
a plan's tables with readable headers as CSV or one Excel workbook.

Everything works on bytes in memory (what a browser uploads and downloads); temporary files
live only inside these functions.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.cells import neutralise_frame
from planner.optimiser import Plan
from planner.package import CityPackage, read_package, validate_package, write_package
from planner.problems import InvalidInput, Problem

PROBLEM_COLUMNS = ["severity", "file", "line", "feature", "column", "message"]


@dataclass(frozen=True, eq=False)
class CheckedUpload:
    """An uploaded package: its problems (errors and warnings) and, when none is an error,
    the package ready to import."""

    package: CityPackage | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors


def check_upload(data: bytes, file_name: str) -> CheckedUpload:
    """Validate an uploaded .zip of a package folder; never raises for bad content."""
    name = Path(file_name).name or "upload.zip"
    with tempfile.TemporaryDirectory(prefix="haven-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            package = read_package(path)
        except InvalidInput as exc:
            return CheckedUpload(None, tuple(exc.problems))
        # Warnings come back as text only; read them again as problems for the table.
        problems = validate_package(path) if package.warnings else []
    return CheckedUpload(package, tuple(problems))


def problems_frame(problems: tuple[Problem, ...] | list[Problem]) -> pd.DataFrame:
    """One row per problem: severity, file, line (1 is a CSV's header), feature (of a
    geometry file), column and message; empty cells where a problem has no such place."""
    rows = [
        {
            "severity": p.severity,
            "file": p.file,
            "line": p.line,
            "feature": p.feature,
            "column": p.column,
            "message": p.message,
        }
        for p in problems
    ]
    frame = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
    return frame.astype({"line": "Int64", "feature": "Int64"})


def package_zip(package: CityPackage) -> bytes:
    """The package as a .zip of its folder (named after nothing: files at the zip's root),
    written by `write_package`, so `read_package` reads it back."""
    with tempfile.TemporaryDirectory(prefix="haven-export-") as tmp:
        folder = write_package(package, Path(tmp) / "package")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, arcname=path.name)
    return buffer.getvalue()


def plan_tables(plan: Plan, package: CityPackage) -> dict[str, pd.DataFrame]:
    """The plan's funding, capacity_added and coverage tables with names beside the ids and
    the units in the headers (money in the city's currency)."""
    currency = package.city.currency
    horizon = plan.scenario.horizon_months
    agencies = package.agencies.set_index("agency_id")["name"].rename("agency")
    services = package.services.set_index("service_id")[["name", "unit"]]
    services = services.rename(columns={"name": "service"})
    funders = package.funders.set_index("funder_id")["name"].rename("funder")
    districts = package.districts.set_index("district_id")["name"].rename("district")

    funding = plan.funding.join(funders, on="funder_id").join(agencies, on="agency_id")
    funding = funding.join(services, on="service_id")
    funding = pd.DataFrame(
        {
            "Funder": funding["funder"],
            "Funder id": funding["funder_id"],
            "Agency": funding["agency"],
            "Agency id": funding["agency_id"],
            "Service": funding["service"],
            "Service id": funding["service_id"],
            f"Amount ({currency})": funding["amount"].astype(float),
        }
    )

    added = plan.capacity_added.join(agencies, on="agency_id").join(services, on="service_id")
    opened = added["opened"] if "opened" in added else pd.Series(False, index=added.index)
    cost = added["cost"] if "cost" in added else pd.Series(float("nan"), index=added.index)
    capacity_added = pd.DataFrame(
        {
            "Agency": added["agency"],
            "Agency id": added["agency_id"],
            "Service": added["service"],
            "Service id": added["service_id"],
            "Unit": added["unit"],
            "Units added (in the service's unit)": added["units"].astype(float),
            "New service opened": opened.astype(bool),
            f"Cost ({currency})": cost.astype(float),
        }
    )

    cover = plan.coverage.join(districts, on="district_id").join(services, on="service_id")
    over = f"over {horizon} months, in the service's unit"
    coverage = pd.DataFrame(
        {
            "District": cover["district"],
            "District id": cover["district_id"],
            "Service": cover["service"],
            "Service id": cover["service_id"],
            "Unit": cover["unit"],
            f"Demand ({over})": cover["demand"].astype(float),
            f"Served ({over})": cover["served"].astype(float),
            f"Unmet ({over})": cover["unmet"].astype(float),
            "Coverage (share of demand served, 0-1)": cover["coverage"].astype(float),
        }
    )
    return {"funding": funding, "capacity_added": capacity_added, "coverage": coverage}


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a header row and no index; formula-like text quoted (planner.cells)."""
    return neutralise_frame(table).to_csv(index=False).encode("utf-8")


def xlsx_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """One Excel workbook with a sheet per table (sheet names cut to Excel's 31 characters);
    formula-like text quoted (planner.cells), so no cell is a live formula."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in tables.items():
            neutralise_frame(table).to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()
