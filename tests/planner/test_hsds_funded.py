"""HSDS export of capacity in three levels (issue 19): maximum is what is in service,
available the vacancy (in service less occupied), and the funded units an attribute of the
service_capacity row; a city without funded figures exports exactly as before."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from planner.hsds import write_hsds
from tests.package_factory import tiny_package
from tests.planner.test_hsds import csv_rows, schema_errors, schemas  # noqa: F401

UPDATED = datetime(2026, 2, 1, tzinfo=UTC)


def test_funded_units_are_an_attribute_of_the_capacity(tmp_path: Path, schemas) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    package = tiny_package()
    capacity = package.capacity.copy()
    capacity.loc[1, "funded"] = 30.0  # A1's current shelter row: 24 in service, 22 occupied
    out = write_hsds(replace(package, capacity=capacity), tmp_path / "h", updated=UPDATED)
    assert schema_errors(out, schemas) == []
    _, rows = csv_rows(out / "service_capacity.csv")
    shelter = next(r for r in rows if r["description"].startswith("Shelter beds"))
    assert (float(shelter["maximum"]), float(shelter["available"])) == (24.0, 2.0)
    _, attributes = csv_rows(out / "attributes.csv")
    funded = [a for a in attributes if a["link_id"] == shelter["id"]]
    assert [a["value"] for a in funded] == ["30"]
    _, terms = csv_rows(out / "taxonomy_terms.csv")
    term = next(t for t in terms if t["id"] == funded[0]["taxonomy_term_id"])
    assert term["code"] == "funded"


def test_without_funded_figures_no_capacity_taxonomy(tmp_path: Path) -> None:
    out = write_hsds(tiny_package(), tmp_path / "h", updated=UPDATED)
    _, taxonomies = csv_rows(out / "taxonomies.csv")
    assert "Haven capacity levels" not in {t["name"] for t in taxonomies}
