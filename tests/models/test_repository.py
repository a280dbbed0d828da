"""Importing and loading city packages: round trips, all-or-nothing, replace, several cities."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from models import (
    CityExists,
    ImportFailed,
    UnknownCity,
    database_is_empty,
    get_engine,
    import_package,
    list_cities,
    load_package,
    record_capacity,
    save_plan_run,
    save_scenario,
    session_scope,
)
from models.repository import IMPORT_RECORDED_BY, capacity_history
from planner.package import CityPackage
from tests.models.conftest import (
    assert_packages_equal,
    generated_city,
    renamed,
    row_counts,
    small_city,
    text,
)


def import_into(engine: Engine, package: CityPackage, *, replace: bool = False):
    with session_scope(engine) as session:
        return import_package(session, package, replace=replace)


def load_from(engine: Engine, city_name: str) -> CityPackage:
    with session_scope(engine) as session:
        return load_package(session, city_name)


def with_unknown_agency(package: CityPackage) -> CityPackage:
    """The package with one more capacity row, last, naming an agency that does not exist."""
    extra = package.capacity.iloc[[0]].copy()
    extra["agency_id"] = "A_UNKNOWN"
    capacity = pd.concat([package.capacity, extra], ignore_index=True)
    return dataclasses.replace(package, capacity=capacity)


@pytest.mark.parametrize("make", [small_city, "tiny"], ids=["in-memory", "tiny-package"])
def test_import_then_load_gives_the_same_frames(engine: Engine, make, request) -> None:
    package = request.getfixturevalue("tiny") if make == "tiny" else make()
    summary = import_into(engine, package)
    assert summary.city == package.city.name
    assert summary.replaced is False
    assert summary.counts == {
        "district": len(package.districts),
        "service": len(package.services),
        "agency": len(package.agencies),
        "funder": len(package.funders),
        "capacity": len(package.capacity),
        "demand_observation": len(package.demand),
        "eligibility": len(package.eligibility),
    }
    assert_packages_equal(package, load_from(engine, package.city.name))


def test_a_city_of_the_issue_size_round_trips(engine: Engine) -> None:
    package = generated_city(districts=77, agencies=120, services=8, months=36)
    assert len(package.demand) == 77 * 8 * 36
    summary = import_into(engine, package)
    assert summary.counts["demand_observation"] == 22176
    assert_packages_equal(package, load_from(engine, package.city.name))


def test_import_converts_districts_to_wgs84(engine: Engine) -> None:
    package = small_city()
    projected = dataclasses.replace(package, districts=package.districts.to_crs("EPSG:26915"))
    import_into(engine, projected)
    loaded = load_from(engine, package.city.name)
    assert loaded.districts.crs == "EPSG:4326"
    # The reprojection round trip moves coordinates by far less than a millimetre.
    assert loaded.districts.geom_equals_exact(package.districts, tolerance=1e-9).all()


def test_a_failing_import_changes_nothing(engine: Engine, tiny: CityPackage) -> None:
    import_into(engine, tiny)
    before = row_counts(engine)
    broken = renamed(with_unknown_agency(small_city()), "Broken City")

    with pytest.raises(ImportFailed, match=r"capacity\.csv: .*nothing was imported") as caught:
        import_into(engine, broken)

    row = len(broken.capacity)
    assert f"capacity.csv: row {row}: agency_id: 'A_UNKNOWN' is not in agencies.csv" in str(
        caught.value
    )
    assert row_counts(engine) == before
    with session_scope(engine) as session:
        assert list_cities(session) == [tiny.city.name]


def test_a_refusal_in_the_last_tables_changes_nothing(engine: Engine, tiny: CityPackage) -> None:
    import_into(engine, tiny)
    before = row_counts(engine)
    package = small_city("Duplicated")
    demand = pd.concat([package.demand, package.demand.iloc[[0]]], ignore_index=True)
    broken = dataclasses.replace(package, demand=demand)

    with pytest.raises(ImportFailed) as caught:
        import_into(engine, broken)

    message = str(caught.value)
    assert message.startswith("demand.csv: the database refused the rows of 'Duplicated'")
    assert f"demand.csv: row {len(demand)}: district_id, service_id, period, source: repeats" in (
        message
    )
    assert row_counts(engine) == before


def test_a_failing_import_rolls_back_the_session_it_was_given(
    session: Session, engine: Engine
) -> None:
    broken = with_unknown_agency(small_city())
    with pytest.raises(ImportFailed):
        import_package(session, broken)
    # The session is usable again and holds nothing of the failed import.
    assert list_cities(session) == []
    session.commit()
    assert all(
        count == 0 for name, count in row_counts(engine).items() if name != "alembic_version"
    )


def test_a_bad_cell_is_reported_by_file_row_and_column(engine: Engine) -> None:
    package = small_city()
    demand = package.demand.astype({"cases": "float64"})
    demand.loc[2, "cases"] = 2.5
    with pytest.raises(ImportFailed, match=r"demand\.csv: row 3: cases: 2\.5"):
        import_into(engine, dataclasses.replace(package, demand=demand))
    assert row_counts(engine)["city"] == 0


def test_importing_an_existing_city_without_replace_says_to_use_replace(
    engine: Engine, tiny: CityPackage
) -> None:
    import_into(engine, tiny)
    before = row_counts(engine)
    with pytest.raises(CityExists, match="--replace") as caught:
        import_into(engine, tiny)
    assert tiny.city.name in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert row_counts(engine) == before


def test_replace_swaps_the_data_and_keeps_scenarios_runs_and_other_cities(
    engine: Engine, tiny: CityPackage
) -> None:
    other = small_city("Other City")
    import_into(engine, tiny)
    import_into(engine, other)
    with session_scope(engine) as session:
        scenario_id = save_scenario(
            session,
            city_name=tiny.city.name,
            name="Baseline",
            note=None,
            parameters={"budget": 1000},
            created_by="tester",
        )
        save_plan_run(
            session,
            city_name=tiny.city.name,
            scenario_id=scenario_id,
            parameters={"budget": 1000},
            status="optimal",
            summary={"covered": 0.9},
            solver="highs",
            wall_time_s=1.5,
        )

    changed = dataclasses.replace(
        tiny,
        city=dataclasses.replace(tiny.city, currency="CAD", notes="second edition"),
        demand=tiny.demand.iloc[::2].reset_index(drop=True),
        capacity=tiny.capacity.assign(capacity=tiny.capacity["capacity"] + 1),
    )
    summary = import_into(engine, changed, replace=True)

    assert summary.replaced is True
    assert summary.counts["demand_observation"] == len(changed.demand)
    assert_packages_equal(changed, load_from(engine, tiny.city.name))
    assert_packages_equal(other, load_from(engine, "Other City"))
    counts = row_counts(engine)
    assert counts["city"] == 2
    assert counts["scenario"] == 1
    assert counts["plan_run"] == 1
    assert counts["demand_observation"] == len(changed.demand) + len(other.demand)


def test_a_failing_replace_keeps_the_old_data(engine: Engine, tiny: CityPackage) -> None:
    import_into(engine, tiny)
    before = row_counts(engine)
    broken = with_unknown_agency(dataclasses.replace(tiny, demand=tiny.demand.iloc[:1]))
    with pytest.raises(ImportFailed):
        import_into(engine, broken, replace=True)
    assert row_counts(engine) == before
    assert_packages_equal(tiny, load_from(engine, tiny.city.name))


def test_a_second_city_keeps_the_first(engine: Engine, tiny: CityPackage) -> None:
    second = renamed(tiny, "Second City")
    import_into(engine, tiny)
    import_into(engine, second)
    with session_scope(engine) as session:
        assert list_cities(session) == sorted([tiny.city.name, "Second City"])
    assert_packages_equal(tiny, load_from(engine, tiny.city.name))
    assert_packages_equal(second, load_from(engine, "Second City"))


def test_loading_an_unknown_city_lists_the_known_ones(engine: Engine, tiny: CityPackage) -> None:
    with session_scope(engine) as session, pytest.raises(UnknownCity, match="none yet"):
        load_package(session, "Atlantis")
    import_into(engine, tiny)
    with session_scope(engine) as session, pytest.raises(UnknownCity) as caught:
        load_package(session, "Atlantis")
    message = str(caught.value)
    assert "'Atlantis'" in message
    assert repr(tiny.city.name) in message
    assert caught.value.known == [tiny.city.name]


def test_database_is_empty(database_url: str, tiny: CityPackage) -> None:
    engine = get_engine(database_url)
    with session_scope(engine) as session:
        assert database_is_empty(session)  # no tables yet
    from models import upgrade_database

    upgrade_database(engine)
    with session_scope(engine) as session:
        assert database_is_empty(session)
        import_package(session, tiny)
    with session_scope(engine) as session:
        assert not database_is_empty(session)
    engine.dispose()


def test_imported_capacity_rows_are_its_history(engine: Engine) -> None:
    package = small_city()
    import_into(engine, package)
    with session_scope(engine) as session:
        history = capacity_history(
            session, city_name=package.city.name, agency_id="A1", service_id="shelter"
        )
    assert [(r.as_of, r.capacity) for r in history] == [
        (None, 20.0),
        (pd.Timestamp("2026-01-01").date(), 24.0),
    ]
    assert {r.recorded_by for r in history} == {IMPORT_RECORDED_BY}
    assert all(r.recorded_at.tzinfo is not None for r in history)


def test_empty_optional_frames_round_trip(engine: Engine) -> None:
    package = small_city()
    empty = dataclasses.replace(
        package,
        eligibility=package.eligibility.iloc[0:0].reset_index(drop=True),
        funders=package.funders.iloc[0:0].reset_index(drop=True),
    )
    summary = import_into(engine, empty)
    assert summary.counts["funder"] == 0
    loaded = load_from(engine, package.city.name)
    assert loaded.funders.empty
    assert_packages_equal(empty, loaded)


def test_missing_optional_columns_take_their_defaults(engine: Engine) -> None:
    package = small_city()
    services = package.services.drop(columns=["segment", "open_cost", "open_max"])
    import_into(engine, dataclasses.replace(package, services=services))
    loaded = load_from(engine, package.city.name).services
    assert loaded["segment"].tolist() == ["any", "any"]
    assert loaded["open_cost"].tolist() == [0.0, 0.0]
    assert loaded["open_max"].tolist() == [0.0, 0.0]


def test_numpy_and_text_values_are_stored_as_plain_values(engine: Engine) -> None:
    package = small_city()
    agencies = package.agencies.astype({"confidential": object})
    agencies.loc[1, "confidential"] = np.bool_(True)
    demand = package.demand.copy()
    demand["source"] = text([np.nan] * len(demand))
    import_into(engine, dataclasses.replace(package, agencies=agencies, demand=demand))
    loaded = load_from(engine, package.city.name)
    assert loaded.agencies["confidential"].tolist() == [True, True]
    assert loaded.demand["source"].isna().all()


# --- export -----------------------------------------------------------------------------


def test_export_rereads_to_the_same_data(engine: Engine, tiny: CityPackage, tmp_path: Path) -> None:
    """load_package then write_package gives a package that reads back row for row."""
    from planner.package import read_package, write_package

    import_into(engine, tiny)
    with session_scope(engine) as session:
        record_capacity(
            session,
            city_name=tiny.city.name,
            agency_id=str(tiny.agencies["agency_id"].iloc[0]),
            service_id=str(tiny.services["service_id"].iloc[0]),
            capacity=7,
            as_of=date(2027, 1, 1),
            recorded_by="tester",
        )
    stored = load_from(engine, tiny.city.name)
    assert len(stored.capacity) == len(tiny.capacity) + 1
    exported = write_package(stored, tmp_path / "out")
    assert_packages_equal(stored, read_package(exported))


def test_demo_city_round_trips_through_the_database(engine: Engine, tmp_path: Path) -> None:
    from planner.package import read_package, write_package
    from planner.settings import DEMO_PACKAGE

    if not (DEMO_PACKAGE / "city.json").is_file():
        pytest.skip(f"the demo city is not in {DEMO_PACKAGE} yet")
    demo = read_package(DEMO_PACKAGE)
    import_into(engine, demo)
    loaded = load_from(engine, demo.city.name)
    assert_packages_equal(demo, loaded)
    assert_packages_equal(demo, read_package(write_package(loaded, tmp_path / "export")))


def test_the_data_version_changes_with_every_write_to_the_citys_data(
    engine: Engine, tiny: CityPackage
) -> None:
    from models import data_version

    def version() -> str:
        with session_scope(engine) as session:
            return data_version(session, city_name=tiny.city.name)

    import_into(engine, tiny)
    seen = [version()]
    with session_scope(engine) as session:
        record_capacity(
            session,
            city_name=tiny.city.name,
            agency_id=str(tiny.capacity["agency_id"].iloc[0]),
            service_id=str(tiny.capacity["service_id"].iloc[0]),
            capacity=1,
            as_of=date(2027, 1, 1),
            recorded_by="tester",
        )
    seen.append(version())
    import_into(engine, tiny, replace=True)
    seen.append(version())
    with session_scope(engine) as session:
        save_scenario(
            session, city_name=tiny.city.name, name="x", note=None, parameters={}, created_by="t"
        )
    assert version() == seen[-1]  # a scenario is not the city's data
    assert len(set(seen)) == 3
    with session_scope(engine) as session, pytest.raises(UnknownCity):
        data_version(session, city_name="Atlantis")


def test_multipolygons_with_holes_and_missing_geometry_round_trip(engine: Engine) -> None:
    from shapely.geometry import MultiPolygon, Polygon

    package = small_city()
    ring = [(-93.3, 44.98), (-93.26, 44.98), (-93.26, 45.01), (-93.3, 45.01)]
    hole = [(-93.29, 44.99), (-93.28, 44.99), (-93.28, 45.0)]
    far = Polygon([(-93.1 + 1e-12, 44.9), (-93.0, 44.9), (-93.0, 44.95)])
    districts = package.districts.copy()
    districts.loc[0, "geometry"] = MultiPolygon([Polygon(ring, [hole]), far])
    districts.loc[1, "geometry"] = None
    changed = dataclasses.replace(package, districts=districts)
    import_into(engine, changed)
    loaded = load_from(engine, package.city.name).districts
    assert loaded.geometry.iloc[0].equals_exact(districts.geometry.iloc[0], tolerance=0)
    assert loaded.geometry.iloc[1] is None
    assert_packages_equal(changed, load_from(engine, package.city.name))
