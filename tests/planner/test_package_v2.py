"""Version 2 of the package for people, flow and time (issues 15, 16, 20): populations.csv,
demand by group, language and exploitation, capacity.populations, interpretation,
pathways.csv and funders' windows are read, validated with `file:line: column` messages
(all at once, nothing returned on error), written back row for row; a version-1 package
reads exactly as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.package import read_package, validate_package, write_package
from planner.problems import InvalidInput
from planner.schema import AGENCY_KINDS
from tests.package_factory import (
    append_row,
    edit_city,
    set_cell,
    tiny_package,
    write_rows,
    write_tiny_package,
    write_v2_package,
)

DEMAND_GROUP_COLUMNS = [
    "district_id",
    "service_id",
    "period",
    "cases",
    "source",
    "population",
    "language",
    "exploitation",
]


def messages(path: Path) -> list[str]:
    return [str(p) for p in validate_package(path)]


@pytest.fixture
def v2(tmp_path: Path) -> Path:
    return write_v2_package(tmp_path / "city")


def test_a_version_1_package_reads_exactly_as_before(tmp_path: Path) -> None:
    package = read_package(write_tiny_package(tmp_path / "city"))
    assert list(package.demand.columns) == [
        "district_id",
        "service_id",
        "period",
        "cases",
        "source",
    ]
    assert package.demand["cases"].dtype == np.int64
    assert len(package.demand) == 27
    assert package.demand_groups.empty
    assert list(package.demand_groups.columns) == DEMAND_GROUP_COLUMNS
    assert package.populations.empty
    assert list(package.populations.columns) == ["population_id", "name", "weight"]
    assert package.population_ids == ["any"]
    assert package.pathways.empty
    assert list(package.pathways.columns) == ["from_service", "to_service", "share", "lag_months"]
    assert (package.capacity["populations"] == "").all()
    assert (package.services["interpretation_per_unit"] == 0).all()
    assert package.funders["start"].isna().all() and package.funders["end"].isna().all()
    assert package.city.interpretation_service is None
    assert "interpretation_service" not in package.city.to_dict()
    assert package.warnings == ()


def test_a_version_1_package_writes_as_version_1(tmp_path: Path) -> None:
    out = write_package(tiny_package(), tmp_path / "out")
    assert not (out / "populations.csv").exists()
    assert not (out / "pathways.csv").exists()
    header = (out / "demand.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "district_id,service_id,period,cases,source"


def test_the_version_2_files_are_read(v2: Path) -> None:
    package = read_package(v2)
    assert package.warnings == ()
    assert package.population_ids == ["women", "men", "trans_nonbinary"]
    assert package.populations["weight"].tolist() == [1.0, 1.5, 1.0]  # empty: 1
    assert package.city.interpretation_service == "interpretation"
    legal = package.services.set_index("service_id").loc["legal_aid"]
    assert legal["interpretation_per_unit"] == 0.5
    assert package.capacity["populations"].tolist()[:3] == [
        "women;trans_nonbinary",  # spaces around ids dropped
        "women;trans_nonbinary",
        "",
    ]
    assert package.pathways.to_dict("records") == [
        {"from_service": "counselling", "to_service": "legal_aid", "share": 0.3, "lag_months": 1},
        {"from_service": "legal_aid", "to_service": "shelter_women", "share": 0.1, "lag_months": 0},
    ]
    assert package.funders[["start", "end"]].fillna("").values.tolist() == [
        ["2026-01", "2026-12"],
        ["2026-07", ""],
    ]


def test_demand_stays_the_version_1_frame_summed_over_groups(v2: Path, tmp_path: Path) -> None:
    package = read_package(v2)
    plain = read_package(write_tiny_package(tmp_path / "v1"))
    pd.testing.assert_frame_equal(package.demand, plain.demand)
    groups = package.demand_groups
    assert list(groups.columns) == DEMAND_GROUP_COLUMNS
    assert len(groups) == 54
    assert set(groups["population"]) == {"women", "men"}
    assert set(groups["language"]) == {"", "so"}
    assert set(groups["exploitation"]) == {"sex", "labour"}
    summed = groups.groupby(["district_id", "service_id", "period"])["cases"].sum()
    assert summed.sum() == plain.demand["cases"].sum()


def test_empty_group_cells_are_any_no_language_and_unknown(tmp_path: Path) -> None:
    path = write_v2_package(tmp_path / "city")
    set_cell(path, "demand.csv", 2, "population", "")
    set_cell(path, "demand.csv", 2, "exploitation", "")
    set_cell(path, "demand.csv", 3, "language", "SO")
    groups = read_package(path).demand_groups
    assert groups.loc[0, ["population", "language", "exploitation"]].tolist() == [
        "any",
        "",
        "unknown",
    ]
    assert groups.loc[1, "language"] == "so"


def test_demand_columns_left_empty_read_as_version_1(tmp_path: Path) -> None:
    path = write_tiny_package(tmp_path / "city")
    rows = [[*row, "", "", ""] for row in _rows(path, "demand.csv")]
    rows[0][-3:] = ["population", "language", "exploitation"]
    write_rows(path, "demand.csv", rows)
    package = read_package(path)
    assert package.demand_groups.empty
    pd.testing.assert_frame_equal(package.demand, tiny_package().demand)


def test_repeated_groups_in_capacity_are_read_once(v2: Path) -> None:
    set_cell(v2, "capacity.csv", 4, "populations", "women;men; women")
    assert read_package(v2).capacity.loc[2, "populations"] == "women;men"


def test_version_2_round_trips_row_for_row(v2: Path, tmp_path: Path) -> None:
    package = read_package(v2)
    again = read_package(write_package(package, tmp_path / "out"))
    for name in ("demand", "demand_groups", "populations", "pathways", "capacity", "services"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(package, name), obj=name)
    pd.testing.assert_frame_equal(again.funders, package.funders)
    assert again.city == package.city
    first = write_package(package, tmp_path / "a")
    second = write_package(again, tmp_path / "b")
    for file in sorted(p.name for p in first.iterdir()):
        assert (first / file).read_bytes() == (second / file).read_bytes(), file


def test_a_package_made_in_code_with_group_columns_is_split() -> None:
    package = tiny_package()
    detailed = package.demand.assign(population="any", language="", exploitation="unknown")
    detailed.loc[0, "exploitation"] = "labour"
    from dataclasses import replace

    made = replace(package, demand=detailed)
    assert list(made.demand.columns) == ["district_id", "service_id", "period", "cases", "source"]
    pd.testing.assert_frame_equal(made.demand, package.demand)
    assert made.demand_groups.loc[0, "exploitation"] == "labour"


def test_the_labour_actors_are_agency_kinds(v2: Path) -> None:
    assert {"labour_inspection", "worker_centre", "union", "immigration_legal"} <= set(AGENCY_KINDS)
    for kind in ("labour_inspection", "worker_centre", "union", "immigration_legal"):
        set_cell(v2, "agencies.csv", 4, "kind", kind)
        assert messages(v2) == []


def _rows(path: Path, file: str) -> list[list[str]]:
    import csv

    with (path / file).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


Mutation = Callable[[Path], None]


def cell(file: str, line: int, column: str, value: str) -> Mutation:
    return lambda path: set_cell(path, file, line, column, value)


def pathways(text: str) -> Mutation:
    return lambda path: (path / "pathways.csv").write_text(text, encoding="utf-8")


DEFECTS: list[tuple[str, Mutation, list[str]]] = [
    (
        "unknown group in demand",
        cell("demand.csv", 3, "population", "elders"),
        ["demand.csv:3: population: 'elders' is not a population in populations.csv"],
    ),
    (
        "bad language in demand",
        cell("demand.csv", 3, "language", "somali"),
        ["demand.csv:3: language: 'somali' is not an ISO 639-1 language code (2 letters, e.g. en)"],
    ),
    (
        "bad exploitation in demand",
        cell("demand.csv", 3, "exploitation", "forced_begging"),
        [
            "demand.csv:3: exploitation: 'forced_begging' is not one of: labour, sex, "
            "domestic_servitude, criminal, other, unknown"
        ],
    ),
    (
        "duplicate group row",
        lambda path: [
            set_cell(path, "demand.csv", 3, column, value)
            for column, value in (
                ("population", "women"),
                ("language", ""),
                ("exploitation", "sex"),
            )
        ],
        [
            "demand.csv:3: district_id, service_id, period, source, population, language, "
            "exploitation: 'D1', 'shelter_women', '2026-01', 'hotline', 'women', '', 'sex' "
            "is a duplicate (first on line 2)"
        ],
    ),
    (
        "unknown group in capacity",
        cell("capacity.csv", 4, "populations", "women;elders"),
        ["capacity.csv:4: populations: 'elders' is not a population in populations.csv"],
    ),
    (
        "any in capacity",
        cell("capacity.csv", 4, "populations", "any"),
        ["capacity.csv:4: populations: 'any' is not a population in populations.csv"],
    ),
    (
        "weight 0",
        cell("populations.csv", 3, "weight", "0"),
        ["populations.csv:3: weight: 0 is not above 0"],
    ),
    (
        "any reserved",
        lambda path: append_row(path, "populations.csv", {"population_id": "any", "name": "All"}),
        [
            "populations.csv:5: population_id: 'any' is reserved for demand that names no "
            "group; choose another id"
        ],
    ),
    (
        "duplicate group",
        lambda path: append_row(path, "populations.csv", {"population_id": "men", "name": "M"}),
        ["populations.csv:5: population_id: 'men' is a duplicate (first on line 3)"],
    ),
    (
        "negative interpretation",
        cell("services.csv", 3, "interpretation_per_unit", "-1"),
        ["services.csv:3: interpretation_per_unit: -1 is below 0"],
    ),
    (
        "unknown interpretation service",
        lambda path: edit_city(path, interpretation_service="interpreters"),
        ["city.json: interpretation_service: 'interpreters' is not a service in services.csv"],
    ),
    (
        "interpretation service not text",
        lambda path: edit_city(path, interpretation_service=3),
        ["city.json: interpretation_service: 3 is not text"],
    ),
    (
        "unknown pathway service",
        cell("pathways.csv", 2, "to_service", "case_management"),
        ["pathways.csv:2: to_service: 'case_management' is not a service in services.csv"],
    ),
    (
        "share above 1",
        cell("pathways.csv", 2, "share", "1.2"),
        ["pathways.csv:2: share: 1.2 is above 1"],
    ),
    (
        "negative lag",
        cell("pathways.csv", 2, "lag_months", "-1"),
        ["pathways.csv:2: lag_months: -1 is below 0"],
    ),
    (
        "lag not whole",
        cell("pathways.csv", 2, "lag_months", "1.5"),
        ["pathways.csv:2: lag_months: '1.5' is not a whole number"],
    ),
    (
        "shares above 1",
        pathways(
            "from_service,to_service,share,lag_months\n"
            "counselling,legal_aid,0.7,1\n"
            "counselling,shelter_women,0.5,\n"
        ),
        ["pathways.csv:3: share: the shares of 'counselling' add up to 1.2, above 1"],
    ),
    (
        "a cycle",
        pathways(
            "from_service,to_service,share,lag_months\n"
            "counselling,legal_aid,0.3,1\n"
            "legal_aid,shelter_women,0.1,\n"
            "shelter_women,counselling,0.5,\n"
        ),
        [
            "pathways.csv:4: to_service: the pathways form a cycle: "
            "counselling -> legal_aid -> shelter_women -> counselling"
        ],
    ),
    (
        "a loop",
        pathways("from_service,to_service,share,lag_months\nlegal_aid,legal_aid,0.3,1\n"),
        ["pathways.csv:2: to_service: the pathways form a cycle: legal_aid -> legal_aid"],
    ),
    (
        "duplicate pathway",
        pathways(
            "from_service,to_service,share,lag_months\n"
            "counselling,legal_aid,0.3,1\n"
            "counselling,legal_aid,0.2,2\n"
        ),
        [
            "pathways.csv:3: from_service, to_service: 'counselling', 'legal_aid' is a "
            "duplicate (first on line 2)"
        ],
    ),
    (
        "missing share column",
        pathways("from_service,to_service\ncounselling,legal_aid\n"),
        ["pathways.csv:1: share: required column is missing"],
    ),
    (
        "window ends before it starts",
        cell("funders.csv", 2, "end", "2025-12"),
        ["funders.csv:2: end: '2025-12' is before the start '2026-01'"],
    ),
    (
        "start not a period",
        cell("funders.csv", 3, "start", "July 2026"),
        ["funders.csv:3: start: 'July 2026' is not a period (YYYY-MM)"],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [(m, e) for _, m, e in DEFECTS], ids=[name for name, _, _ in DEFECTS]
)
def test_each_defect_gives_exactly_its_message(
    v2: Path, mutate: Mutation, expected: list[str]
) -> None:
    mutate(v2)
    assert messages(v2) == expected
    with pytest.raises(InvalidInput):
        read_package(v2)


def test_every_problem_is_reported_at_once(v2: Path) -> None:
    set_cell(v2, "demand.csv", 3, "population", "elders")
    set_cell(v2, "capacity.csv", 4, "populations", "nobody")
    set_cell(v2, "funders.csv", 2, "end", "2025-01")
    set_cell(v2, "pathways.csv", 3, "to_service", "counselling")  # legal -> counselling: cycle
    edit_city(v2, interpretation_service="nothing")
    found = messages(v2)
    assert [m.split(":")[0] for m in found] == [
        "city.json",
        "capacity.csv",
        "demand.csv",
        "funders.csv",
        "pathways.csv",
    ]
    assert found[-1] == (
        "pathways.csv:3: to_service: the pathways form a cycle: "
        "counselling -> legal_aid -> counselling"
    )


def test_a_group_row_may_name_a_group_only_when_the_package_has_populations(
    tmp_path: Path,
) -> None:
    path = write_v2_package(tmp_path / "city")
    (path / "populations.csv").unlink()
    found = messages(path)
    assert "demand.csv:2: population: 'women' is not a population in populations.csv" in found
    assert "capacity.csv:2: populations: 'women' is not a population in populations.csv" in found


def test_any_in_demand_is_always_known(tmp_path: Path) -> None:
    path = write_tiny_package(tmp_path / "city")
    rows = _rows(path, "demand.csv")
    write_rows(
        path,
        "demand.csv",
        [[*rows[0], "population", "exploitation"]]
        + [[*row, "any", "labour" if i == 0 else ""] for i, row in enumerate(rows[1:])],
    )
    package = read_package(path)
    assert set(package.demand_groups["population"]) == {"any"}
    assert package.demand_groups["exploitation"].tolist()[:2] == ["labour", "unknown"]


def test_an_agency_row_with_a_labour_kind_reads(v2: Path) -> None:
    line = append_row(
        v2,
        "agencies.csv",
        {
            "agency_id": "A9",
            "name": "Workers' Centre",
            "kind": "worker_centre",
            "lat": "44.975",
            "lon": "-93.27",
        },
    )
    assert line == 5
    package = read_package(v2)
    assert package.agencies.set_index("agency_id").loc["A9", "kind"] == "worker_centre"
