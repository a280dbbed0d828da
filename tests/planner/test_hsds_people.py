"""HSDS 3.x and version 2 of the package: who a service accepts (capacity.populations) goes
out as attributes in the "Haven population groups" taxonomy plus the service's
eligibility_description, and comes back from those attributes; languages go out and come
back through languages.csv, per location and per service. Exported rows are checked against
the HSDS 3.1 row schemas."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from planner.hsds import hsds_to_package, identity_mapping, read_hsds, write_hsds
from planner.package import CityPackage, read_package
from tests.package_factory import write_v2_package
from tests.planner.test_hsds import DEMO, csv_rows, schema_errors, schemas  # noqa: F401

UPDATED = datetime(2026, 2, 1, tzinfo=UTC)


def v2_city(tmp_path: Path) -> CityPackage:
    return read_package(write_v2_package(tmp_path / "city"))


def test_eligibility_goes_out_as_attributes_and_words(tmp_path: Path, schemas) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    package = v2_city(tmp_path)
    out = write_hsds(package, tmp_path / "h", updated=UPDATED)
    assert schema_errors(out, schemas) == []
    _, services = csv_rows(out / "services.csv")
    shelter = next(s for s in services if s["name"] == "Shelter beds for women")
    assert shelter["eligibility_description"] == ("Accepts: Women; Trans and non-binary people.")
    legal = next(s for s in services if s["name"] == "Legal aid")
    assert legal["eligibility_description"] == ""  # open to everyone
    _, terms = csv_rows(out / "taxonomy_terms.csv")
    groups = {t["id"]: t["code"] for t in terms if t["taxonomy"] == "Haven population groups"}
    _, attributes = csv_rows(out / "attributes.csv")
    linked = [
        groups[a["taxonomy_term_id"]]
        for a in attributes
        if a["link_id"] == shelter["id"] and a["taxonomy_term_id"] in groups
    ]
    assert linked == ["women", "trans_nonbinary"]
    _, taxonomies = csv_rows(out / "taxonomies.csv")
    assert "Haven population groups" in {t["name"] for t in taxonomies}


def test_a_version_1_city_has_no_population_taxonomy(tmp_path: Path) -> None:
    from tests.package_factory import tiny_package

    out = write_hsds(tiny_package(), tmp_path / "h", updated=UPDATED)
    _, taxonomies = csv_rows(out / "taxonomies.csv")
    assert "Haven population groups" not in {t["name"] for t in taxonomies}
    _, services = csv_rows(out / "services.csv")
    assert all(s["eligibility_description"] == "" for s in services)


def test_eligibility_and_languages_round_trip(tmp_path: Path) -> None:
    package = v2_city(tmp_path)
    out = write_hsds(package, tmp_path / "h", updated=UPDATED, include_confidential_locations=True)
    imported = read_hsds(out, identity_mapping(package))
    assert [p for p in imported.problems if p.is_error] == []
    merged = hsds_to_package(imported, package)
    got = merged.current_capacity()[["agency_id", "service_id", "populations"]]
    want = package.current_capacity()[["agency_id", "service_id", "populations"]]
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_series_equal(merged.agencies["languages"], package.agencies["languages"])


def test_hsds_that_says_nothing_keeps_the_citys_eligibility(tmp_path: Path) -> None:
    package = v2_city(tmp_path)
    out = write_hsds(package, tmp_path / "h", updated=UPDATED, include_confidential_locations=True)
    _, attributes = csv_rows(out / "attributes.csv")
    _, terms = csv_rows(out / "taxonomy_terms.csv")
    groups = {t["id"] for t in terms if t["taxonomy"] == "Haven population groups"}
    kept = [a for a in attributes if a["taxonomy_term_id"] not in groups]
    _rewrite(out / "attributes.csv", kept)
    imported = read_hsds(out, identity_mapping(package))
    assert set(imported.capacity["populations"].dropna()) == set()  # HSDS says nothing
    merged = hsds_to_package(imported, package)
    assert merged.current_capacity()["populations"].tolist() == (
        package.current_capacity()["populations"].tolist()
    )


def test_a_services_own_languages_are_its_agencys(tmp_path: Path) -> None:
    package = v2_city(tmp_path)
    out = write_hsds(package, tmp_path / "h", updated=UPDATED, include_confidential_locations=True)
    _, services = csv_rows(out / "services.csv")
    counselling = next(s for s in services if s["name"] == "Trauma counselling")
    with (out / "languages.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(
            ["9b0e0c8e-3c1a-4d43-9d7e-1f6c0e0a0b01", counselling["id"], "", "Somali", "so"]
        )
    imported = read_hsds(out, identity_mapping(package))
    languages = imported.agencies.set_index("agency_id")["languages"]
    assert languages["A3"] == "en;so"  # the clinic that offers counselling


def test_the_demo_city_exports_valid_hsds_with_its_eligibility(tmp_path: Path, schemas) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    demo = read_package(DEMO)
    out = write_hsds(demo, tmp_path / "h", updated=UPDATED, include_confidential_locations=True)
    assert schema_errors(out, schemas) == []
    merged = hsds_to_package(read_hsds(out, identity_mapping(demo)), demo)
    got = merged.current_capacity()[["agency_id", "service_id", "populations"]]
    want = demo.current_capacity()[["agency_id", "service_id", "populations"]]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


def _rewrite(path: Path, rows: list[dict[str, str]]) -> None:
    header, _ = csv_rows(path)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
