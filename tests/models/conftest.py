"""Fixtures for the storage tests: a migrated database per test, on SQLite and on PostgreSQL,
and city packages.

`engine` and `database_url` are parametrised over both backends. The PostgreSQL cases need
a server: `HAVEN_TEST_POSTGRES_URL` (`eval "$(.ci/postgres.sh)"` starts a throwaway one and
sets it) names a database of a role that may create databases. Without it they skip, except
when `CI` is set: there they fail, so CI never passes by skipping them. Each PostgreSQL test
starts from an empty schema at head: its worker's database (named after the pytest-xdist worker
and the process, so parallel workers and parallel runs never share one) is created and
migrated once, then emptied before each test, and dropped and migrated again when a test
left its schema elsewhere than at head.

Packages come from the tiny test package (tests/package_factory.py) when the reader exists,
else from `small_city` below; `generated_city` builds a city of any size in memory.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy import text as sql
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from models.db import get_engine, upgrade_database
from models.tables import StoredModel
from planner.package import CityInfo, CityPackage

WGS84 = "EPSG:4326"
BACKENDS = ("sqlite", "postgresql")
POSTGRES_URL_VARIABLE = "HAVEN_TEST_POSTGRES_URL"


def postgres_url_or_skip() -> str:
    """The test server's URL; skip without one, but fail in CI (never skip there)."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(
            f"CI is set but {POSTGRES_URL_VARIABLE} is not: the PostgreSQL tests must run in "
            'CI (`eval "$(.ci/postgres.sh)"` before pytest)',
            pytrace=False,
        )
    pytest.skip(
        f'no PostgreSQL server: set {POSTGRES_URL_VARIABLE} (`eval "$(.ci/postgres.sh)"` '
        "starts one) to run the PostgreSQL cases"
    )


@dataclasses.dataclass
class PostgresServer:
    """Creates, drops and empties this worker's databases on the test server."""

    url: URL
    prefix: str
    admin: Engine

    def url_of(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def create(self, database: str) -> str:
        """A new empty database (an older one of that name is dropped first); its URL."""
        self.drop(database)
        with self.admin.connect() as connection:
            connection.execute(sql(f"CREATE DATABASE {database}"))
        return self.url_of(database)

    def drop(self, database: str) -> None:
        get_engine(self.url_of(database)).dispose()  # pooled connections of earlier tests
        with self.admin.connect() as connection:
            connection.execute(sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))


@dataclasses.dataclass
class MigratedPostgres:
    """This worker's database, migrated to head once and emptied before each test.

    Emptying (TRUNCATE ... RESTART IDENTITY, so ids start at 1 again) takes a tenth of the
    time of copying a template database on this kind of machine. A test that left the schema
    other than at head (a downgrade) makes the next test drop and migrate a new database.
    """

    server: PostgresServer
    name: str
    head: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return self.server.url_of(self.name)

    def recreate(self) -> None:
        engine = create_engine(self.server.create(self.name), poolclass=NullPool)
        try:
            upgrade_database(engine)
            with engine.connect() as connection:
                self.head = _schema_state(connection)
        finally:
            engine.dispose()

    def reset(self) -> None:
        get_engine(self.url).dispose()
        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                state = _schema_state(connection)
                if state == self.head:
                    tables = ", ".join(name for name in state[1:] if name != "alembic_version")
                    # audit_event refuses TRUNCATE (migration 0003): triggers off for this
                    # transaction only, as a replica applying changes would (superuser).
                    connection.execute(sql("SET LOCAL session_replication_role = replica"))
                    connection.execute(sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        finally:
            engine.dispose()
        if state != self.head:
            self.recreate()


def _schema_state(connection: Connection) -> tuple[str, ...]:
    """The revision (or "") followed by the table names of the public schema."""
    tables = connection.execute(
        sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ).scalars()
    names = tuple(str(name) for name in tables)
    revision = ""
    if "alembic_version" in names:
        revision = ",".join(
            connection.execute(sql("SELECT version_num FROM alembic_version")).scalars()
        )
    return (revision, *names)


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[PostgresServer]:
    url = make_url(postgres_url_or_skip())
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    prefix = re.sub(r"[^a-z0-9_]", "_", f"haven_{worker}_{os.getpid()}".lower())
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect():
            pass
    except Exception as exc:  # a URL that names no reachable server is a setup error
        pytest.fail(f"{POSTGRES_URL_VARIABLE}: cannot connect ({exc})", pytrace=False)
    yield PostgresServer(url=url, prefix=prefix, admin=admin)
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server: PostgresServer) -> Iterator[MigratedPostgres]:
    database = MigratedPostgres(server=postgres_server, name=f"{postgres_server.prefix}_test")
    database.recreate()
    yield database
    postgres_server.drop(database.name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, not migrated (dropped and created for PostgreSQL)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'haven.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"{server.prefix}_empty"
    yield server.create(name)
    server.drop(name)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database migrated to head once, copied by each test that needs one."""
    path = tmp_path_factory.mktemp("template") / "haven.db"
    engine = get_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    engine.dispose()
    return path


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database with no rows, the test's own: an SQLite file, or this worker's
    PostgreSQL database emptied for the test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("migrated_database")
        path = tmp_path / "db" / "haven.db"
        path.parent.mkdir()
        shutil.copyfile(template, path)
        engine = get_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    database: MigratedPostgres = request.getfixturevalue("migrated_postgres")
    database.reset()
    engine = get_engine(database.url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def tiny() -> CityPackage:
    try:
        from tests.package_factory import tiny_package
    except ImportError:  # the reader is not there yet: the same kind of city, in memory
        return small_city()
    return tiny_package()


def renamed(package: CityPackage, name: str) -> CityPackage:
    return dataclasses.replace(package, city=dataclasses.replace(package.city, name=name))


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the schema."""
    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in StoredModel.metadata.tables.items()
        }


def text(values: list[object]) -> pd.Series:
    return pd.Series(values, dtype="str")


def small_city(name: str = "Smallville") -> CityPackage:
    """Two districts, two services, two agencies, with a capacity history and empty cells."""
    districts = gpd.GeoDataFrame(
        {
            "district_id": text(["D1", "D2"]),
            "name": text(["North", "South"]),
            "population": pd.Series([1200, 800], dtype="int64"),
        },
        geometry=[box(-93.3, 44.98, -93.26, 45.01), box(-93.3, 44.95, -93.26, 44.98)],
        crs=WGS84,
    )
    services = pd.DataFrame(
        {
            "service_id": text(["shelter", "legal_aid"]),
            "name": text(["Shelter beds", "Legal aid"]),
            "unit": text(["bed", "hour"]),
            "integer": [True, False],
            "unit_cost": [36000.0, 1200.5],
            "weight": [10.0, 4.0],
            "radius_km": [np.nan, 15.0],
            "units_per_case": [3.0, 1.0],
            "segment": text(["women", "any"]),
            "open_cost": [50000.0, 0.0],
            "open_max": [8.0, 0.0],
        }
    )
    agencies = pd.DataFrame(
        {
            "agency_id": text(["A1", "A2"]),
            "name": text(["Safe House", "Legal Clinic"]),
            "kind": text(["shelter", "legal"]),
            "lat": [44.99, 44.96],
            "lon": [-93.28, -93.27],
            "district_id": text(["D1", "D2"]),
            "languages": text(["en;es", ""]),
            "confidential": [True, False],
        }
    )
    capacity = pd.DataFrame(
        {
            "agency_id": text(["A1", "A1", "A2"]),
            "service_id": text(["shelter", "shelter", "legal_aid"]),
            "capacity": [20.0, 24.0, 400.0],
            "occupied": [19.0, np.nan, 360.0],
            "max_expansion": [0.0, 6.0, 100.0],
            "unit_cost": [np.nan, np.nan, 1100.0],
            "as_of": text([np.nan, "2026-01-01", "2026-01-01"]),
        }
    )
    demand = pd.DataFrame(
        {
            "district_id": text(["D1", "D1", "D2", "D2"]),
            "service_id": text(["shelter", "legal_aid", "shelter", "legal_aid"]),
            "period": text(["2026-01", "2026-01", "2026-01", "2026-02"]),
            "cases": pd.Series([5, 9, 3, 0], dtype="int64"),
            "source": text(["hotline", np.nan, "police", "ngo"]),
        }
    )
    funders = pd.DataFrame(
        {"funder_id": text(["city"]), "name": text(["City fund"]), "budget": [500000.0]}
    )
    eligibility = pd.DataFrame(
        {
            "funder_id": text(["city", "city"]),
            "service_id": text([np.nan, "shelter"]),
            "agency_kind": text([np.nan, "shelter"]),
        }
    )
    return CityPackage(
        city=CityInfo(name=name, currency="USD", country="US", notes="Test city"),
        districts=districts,
        services=services,
        agencies=agencies,
        capacity=capacity,
        demand=demand,
        funders=funders,
        eligibility=eligibility,
    )


def generated_city(
    name: str = "Generated",
    *,
    districts: int = 77,
    agencies: int = 120,
    services: int = 8,
    months: int = 36,
    seed: int = 7,
) -> CityPackage:
    """A city of any size: a grid of square districts, every district × service × month."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(districts)))
    district_ids = [f"D{i + 1:03d}" for i in range(districts)]
    cells = [
        box(-87.9 + 0.02 * (i % side), 41.6 + 0.02 * (i // side), -87.88 + 0.02 * (i % side),
            41.62 + 0.02 * (i // side))
        for i in range(districts)
    ]  # fmt: skip
    district_frame = gpd.GeoDataFrame(
        {
            "district_id": text(list(district_ids)),
            "name": text([f"Area {i + 1}" for i in range(districts)]),
            "population": pd.Series(rng.integers(1000, 90000, districts), dtype="int64"),
        },
        geometry=cells,
        crs=WGS84,
    )
    service_ids = [f"s{j}" for j in range(services)]
    service_frame = pd.DataFrame(
        {
            "service_id": text(service_ids),
            "name": text([f"Service {j}" for j in range(services)]),
            "unit": text(["bed" if j % 2 == 0 else "hour" for j in range(services)]),
            "integer": [j % 2 == 0 for j in range(services)],
            "unit_cost": rng.uniform(500, 40000, services).round(2),
            "weight": rng.uniform(1, 12, services).round(3),
            "radius_km": [np.nan if j % 3 == 0 else 10.0 + j for j in range(services)],
            "units_per_case": [1.0 + j % 3 for j in range(services)],
            "segment": text([["women", "men", "youth", "any"][j % 4] for j in range(services)]),
            "open_cost": [1000.0 * j for j in range(services)],
            "open_max": [float(j % 4) for j in range(services)],
        }
    )
    agency_ids = [f"A{k + 1:03d}" for k in range(agencies)]
    home = rng.integers(0, districts, agencies)
    agency_frame = pd.DataFrame(
        {
            "agency_id": text(agency_ids),
            "name": text([f"Agency {k + 1}" for k in range(agencies)]),
            "kind": text(["shelter" if k % 5 == 0 else "ngo" for k in range(agencies)]),
            "lat": [cells[h].centroid.y for h in home],
            "lon": [cells[h].centroid.x for h in home],
            "district_id": text([district_ids[h] for h in home]),
            "languages": text(["en;es" if k % 2 else "en" for k in range(agencies)]),
            "confidential": [k % 5 == 0 for k in range(agencies)],
        }
    )
    offered = [
        (a, service_ids[(k + j) % services]) for k, a in enumerate(agency_ids) for j in (0, 3)
    ]
    capacity_frame = pd.DataFrame(
        {
            "agency_id": text([a for a, _ in offered]),
            "service_id": text([s for _, s in offered]),
            "capacity": rng.integers(5, 400, len(offered)).astype("float64"),
            "occupied": [np.nan if i % 4 == 0 else float(i % 50) for i in range(len(offered))],
            "max_expansion": rng.integers(0, 30, len(offered)).astype("float64"),
            "unit_cost": [np.nan if i % 3 else 999.5 for i in range(len(offered))],
            "as_of": text(["2026-01-01" if i % 2 else np.nan for i in range(len(offered))]),
        }
    )
    periods = [f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in range(months)]
    index = pd.MultiIndex.from_product([district_ids, service_ids, periods])
    demand_frame = pd.DataFrame(
        {
            "district_id": text(list(index.get_level_values(0))),
            "service_id": text(list(index.get_level_values(1))),
            "period": text(list(index.get_level_values(2))),
            "cases": pd.Series(rng.poisson(4.0, len(index)), dtype="int64"),
            "source": text(["hotline"] * len(index)),
        }
    )
    funder_frame = pd.DataFrame(
        {
            "funder_id": text(["f1", "f2"]),
            "name": text(["Fund 1", "Fund 2"]),
            "budget": [1e6, 2.5e5],
        }
    )
    eligibility_frame = pd.DataFrame(
        {
            "funder_id": text(["f1", "f2"]),
            "service_id": text([np.nan, service_ids[0]]),
            "agency_kind": text([np.nan, "shelter"]),
        }
    )
    return CityPackage(
        city=CityInfo(name=name, currency="USD", country="US"),
        districts=district_frame,
        services=service_frame,
        agencies=agency_frame,
        capacity=capacity_frame,
        demand=demand_frame,
        funders=funder_frame,
        eligibility=eligibility_frame,
    )


FRAMES = ("services", "agencies", "capacity", "demand", "funders", "eligibility")


def assert_packages_equal(expected: CityPackage, actual: CityPackage) -> None:
    """Same city, and every frame equal row for row, in the same dtypes."""
    from geopandas.testing import assert_geodataframe_equal

    assert actual.city == expected.city
    assert_geodataframe_equal(
        actual.districts, expected.districts.reset_index(drop=True), check_less_precise=False
    )
    for name in FRAMES:
        pd.testing.assert_frame_equal(
            getattr(actual, name), getattr(expected, name).reset_index(drop=True), obj=name
        )
