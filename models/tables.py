"""The database tables (SQLModel), one per file of a city data package, plus scenarios and
plan runs.

In the manner of the full-stack FastAPI template: a `*Base` model holds the columns a caller
provides, the `table=True` class adds the keys and constraints, and a `*Public` model is what
the repository hands back (detached from any session, so it can be cached and shown). The
package tables have no Create/Update/Public variants because a city's data goes in and comes
out as the canonical frames of `planner.package`, never row by row.

Every child table carries `city_id`, so several cities live side by side, and refers to its
parents by natural keys within the city (composite foreign keys such as `(city_id,
agency_id) -> agency`), so the database itself refuses a capacity row naming an unknown
agency. Column names are those of `planner.schema`; a test checks they stay equal.

All tables share `StoredModel.metadata` (not SQLModel's global one) with a naming convention,
so every constraint has a stable name that a later migration can refer to on SQLite and on
PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    MetaData,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoredModel(SQLModel):
    """Base of every stored model (tables and their Public views); its tables live in their
    own metadata. Not `planner.optimise.model.HavenModel`, the optimiser's model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def stored_id(row: StoredModel) -> int:
    """The primary key of a row that has been flushed (a clear error if it has not)."""
    value = getattr(row, "id", None)
    if not isinstance(value, int):
        raise ValueError(f"{type(row).__name__} has no id yet: add and flush it first")
    return value


def _city_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["city_id"], ["city.id"])


def _natural_fk(column: str, table: str) -> ForeignKeyConstraint:
    """`(city_id, column)` refers to the row of `table` with that id in the same city."""
    return ForeignKeyConstraint(["city_id", column], [f"{table}.city_id", f"{table}.{column}"])


def _non_negative(*columns: str) -> tuple[CheckConstraint, ...]:
    return tuple(CheckConstraint(f"{c} >= 0", name=f"{c}_non_negative") for c in columns)


# --- city ----------------------------------------------------------------------------------


class CityBase(StoredModel):
    name: str
    currency: str
    period: str = "month"
    country: str | None = None
    notes: str | None = Field(default=None, sa_type=Text)


class City(CityBase, table=True):
    __tablename__ = "city"
    __table_args__ = (UniqueConstraint("name"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    data_version: int = Field(
        default=1, description="bumped by every write to the city's package data (cache key)"
    )
    small_count_k: int | None = Field(
        default=None, description="city.json's small_count_k (migration 0006); None: the setting"
    )
    interpretation_service: str | None = Field(
        default=None, description="city.json's interpretation_service (migration 0007)"
    )


# --- the package tables (planner.schema column specs) ---------------------------------------


class DistrictBase(StoredModel):
    district_id: str
    name: str
    population: int
    geometry: str | None = Field(
        default=None, sa_type=Text, description="GeoJSON geometry in EPSG:4326"
    )


class District(DistrictBase, table=True):
    __tablename__ = "district"
    __table_args__ = (
        UniqueConstraint("city_id", "district_id"),
        _city_fk(),
        *_non_negative("population"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int


class ServiceBase(StoredModel):
    service_id: str
    name: str
    unit: str
    integer: bool
    unit_cost: float
    weight: float
    radius_km: float | None = None
    units_per_case: float = 1.0
    segment: str = "any"
    open_cost: float = 0.0
    open_max: float = 0.0
    interpretation_per_unit: float = Field(
        default=0.0, description="interpretation units per unit served (migration 0007)"
    )


class Service(ServiceBase, table=True):
    __tablename__ = "service"
    __table_args__ = (
        UniqueConstraint("city_id", "service_id"),
        _city_fk(),
        # interpretation_per_unit >= 0 is checked by the reader, not by a CHECK: adding one
        # would make SQLite copy the table, which every other table refers to (0007).
        *_non_negative("unit_cost", "open_cost", "open_max"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int


class AgencyBase(StoredModel):
    agency_id: str
    name: str
    kind: str
    lat: float
    lon: float
    district_id: str | None = None
    languages: str | None = None
    confidential: bool = False


class Agency(AgencyBase, table=True):
    __tablename__ = "agency"
    __table_args__ = (
        UniqueConstraint("city_id", "agency_id"),
        _city_fk(),
        _natural_fk("district_id", "district"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int


class CapacityBase(StoredModel):
    agency_id: str
    service_id: str
    capacity: float
    occupied: float | None = None
    max_expansion: float = 0.0
    unit_cost: float | None = None
    as_of: date | None = None
    funded: float | None = Field(
        default=None, description="units funded, >= capacity (in service); migration 0006"
    )
    populations: str | None = Field(
        default=None, description="';'-joined population_ids accepted (None: all); 0007"
    )


class Capacity(CapacityBase, table=True):
    """One row of an agency's capacity history for one service; an update adds a row.

    The current value is the row with the newest `as_of` (undated rows are the oldest);
    rows with the same `as_of` are corrections, the last recorded wins.
    """

    __tablename__ = "capacity"
    __table_args__ = (
        UniqueConstraint("city_id", "agency_id", "service_id", "as_of", "recorded_at"),
        _city_fk(),
        _natural_fk("agency_id", "agency"),
        _natural_fk("service_id", "service"),
        *_non_negative("capacity", "occupied", "max_expansion", "unit_cost"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int
    recorded_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    recorded_by: str


class CapacityPublic(CapacityBase):
    """A capacity row as `capacity_history` returns it."""

    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]

    recorded_at: datetime
    recorded_by: str


class CapacityArchive(CapacityBase, table=True):
    """Capacity rows a replacing import took out of `capacity`, kept with their `as_of`
    (migration 0006): with the rows of `capacity` (each edit adds one there), the whole
    history of an agency's figures survives imports. Append-only; no natural foreign keys,
    as the agency or the service may be gone from the new package."""

    __tablename__ = "capacity_archive"
    __table_args__ = (_city_fk(),)

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(index=True)
    recorded_at: datetime = Field(sa_type=DateTime(timezone=True))
    recorded_by: str
    archived_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    archived_by: str


class HotlineContactBase(StoredModel):
    period: str = Field(description="YYYY-MM")
    channel: str
    contacts: int
    district_id: str | None = None
    language: str | None = None
    exploitation: str | None = None
    referred: int | None = None


class HotlineContact(HotlineContactBase, table=True):
    """hotline.csv (version 2): aggregate contacts per period and channel; migration 0006."""

    __tablename__ = "hotline_contact"
    __table_args__ = (
        _city_fk(),
        _natural_fk("district_id", "district"),
        *_non_negative("contacts", "referred"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(index=True)


class DemandObservationBase(StoredModel):
    district_id: str
    service_id: str
    period: str = Field(description="YYYY-MM")
    cases: int
    source: str | None = None
    # Version 2 (migration 0007): never NULL, so that the key below stays a key (SQL's NULLs
    # are all distinct); a version-1 row holds the defaults.
    population: str = Field(
        default="any", sa_column_kwargs={"server_default": "any"}, description="'any': not said"
    )
    language: str = Field(
        default="", sa_column_kwargs={"server_default": ""}, description="'': no interpreter"
    )
    exploitation: str = Field(
        default="unknown", sa_column_kwargs={"server_default": "unknown"}, description="unknown"
    )


class DemandObservation(DemandObservationBase, table=True):
    __tablename__ = "demand_observation"
    __table_args__ = (
        UniqueConstraint(
            *("city_id", "district_id", "service_id", "period", "source"),
            *("population", "language", "exploitation"),
            name="uq_demand_observation_key",
        ),
        _city_fk(),
        _natural_fk("district_id", "district"),
        _natural_fk("service_id", "service"),
        *_non_negative("cases"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int


class FunderBase(StoredModel):
    funder_id: str
    name: str
    budget: float
    start: str | None = Field(default=None, description="YYYY-MM (migration 0007)")
    end: str | None = Field(default=None, description="YYYY-MM (migration 0007)")


class Funder(FunderBase, table=True):
    __tablename__ = "funder"
    __table_args__ = (
        UniqueConstraint("city_id", "funder_id"),
        _city_fk(),
        *_non_negative("budget"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int


class EligibilityBase(StoredModel):
    funder_id: str
    service_id: str | None = None
    agency_kind: str | None = None


class Eligibility(EligibilityBase, table=True):
    __tablename__ = "eligibility"
    __table_args__ = (
        UniqueConstraint("city_id", "funder_id", "service_id", "agency_kind"),
        _city_fk(),
        _natural_fk("funder_id", "funder"),
        _natural_fk("service_id", "service"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int


class PopulationBase(StoredModel):
    population_id: str
    name: str
    weight: float = 1.0


class Population(PopulationBase, table=True):
    """populations.csv (version 2): the city's population groups; migration 0007."""

    __tablename__ = "population"
    __table_args__ = (
        UniqueConstraint("city_id", "population_id"),
        _city_fk(),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int


class PathwayBase(StoredModel):
    from_service: str
    to_service: str
    share: float
    lag_months: int = 0


class Pathway(PathwayBase, table=True):
    """pathways.csv (version 2): referral pathways between services; migration 0007."""

    __tablename__ = "pathway"
    __table_args__ = (
        UniqueConstraint("city_id", "from_service", "to_service"),
        _city_fk(),
        ForeignKeyConstraint(
            ["city_id", "from_service"], ["service.city_id", "service.service_id"]
        ),
        ForeignKeyConstraint(["city_id", "to_service"], ["service.city_id", "service.service_id"]),
        CheckConstraint("share >= 0 AND share <= 1", name="share_range"),
        *_non_negative("lag_months"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int


# --- scenarios and plan runs ----------------------------------------------------------------


class ScenarioBase(StoredModel):
    name: str
    note: str | None = Field(default=None, sa_type=Text)
    created_by: str


class SavedScenario(ScenarioBase, table=True):
    """A scenario saved by a user (its parameters as JSON); not `planner.scenario.Scenario`,
    the validated object a solve takes."""

    __tablename__ = "scenario"
    __table_args__ = (UniqueConstraint("city_id", "name"), _city_fk())

    id: int | None = Field(default=None, primary_key=True)
    city_id: int
    parameters: str = Field(sa_type=Text, description="JSON object")
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class ScenarioPublic(ScenarioBase):
    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]

    id: int
    city_name: str
    parameters: dict[str, Any]
    created_at: datetime


class PlanRunBase(StoredModel):
    status: str
    solver: str
    wall_time_s: float | None = None


class PlanRun(PlanRunBase, table=True):
    """One solve of the planner; kept when its scenario is deleted (scenario_id set NULL)."""

    __tablename__ = "plan_run"
    __table_args__ = (
        _city_fk(),
        ForeignKeyConstraint(["scenario_id"], ["scenario.id"], ondelete="SET NULL"),
    )

    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(index=True)
    scenario_id: int | None = Field(default=None, index=True)
    parameters: str = Field(sa_type=Text, description="JSON object")
    summary: str = Field(sa_type=Text, description="JSON object")
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class PlanRunPublic(PlanRunBase):
    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]

    id: int
    city_name: str
    scenario_id: int | None
    scenario_name: str | None
    parameters: dict[str, Any]
    summary: dict[str, Any]
    created_at: datetime


PACKAGE_TABLES: dict[str, type[StoredModel]] = {
    "districts": District,
    "services": Service,
    "agencies": Agency,
    "funders": Funder,
    "capacity": Capacity,
    "demand": DemandObservation,
    "eligibility": Eligibility,
    "hotline": HotlineContact,
    "populations": Population,
    "pathways": Pathway,
}
"""The table of each frame of a `CityPackage`, parents before children (insert order)."""


# --- accounts and the audit log -------------------------------------------------------------

ROLE_NAMES = ("admin", "analyst", "funder", "partner", "public")
"""Every role an account may hold (what each may do: `service.access`)."""


class UserAccount(StoredModel, table=True):
    """A local account. The password is stored only as an argon2 hash.

    A partner belongs to one agency of one city (`city`, `agency_id`); other roles have
    neither. `failed_logins` counts failures since the last success or lockout;
    `locked_until` refuses every login until then.
    """

    __tablename__ = "user_account"
    __table_args__ = (
        UniqueConstraint("username"),
        CheckConstraint(
            "role IN ('admin', 'analyst', 'funder', 'partner', 'public')", name="role_known"
        ),
        CheckConstraint(
            "role != 'partner' OR (agency_id IS NOT NULL AND city IS NOT NULL)",
            name="partner_has_agency",
        ),
        *_non_negative("failed_logins"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str
    password_hash: str
    role: str
    city: str | None = None
    agency_id: str | None = None
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    last_login_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class UserPublic(StoredModel):
    """An account as listed: everything but the password hash."""

    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]

    username: str
    role: str
    city: str | None
    agency_id: str | None
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


class AuditEvent(StoredModel, table=True):
    """One change, as it happened: who, when, what, before and after (JSON text).

    Append-only: no function updates or deletes a row, and the database refuses to
    (triggers made by migration 0002).
    """

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True), index=True)
    actor: str
    action: str = Field(index=True)
    city: str | None = None
    target: str | None = None
    before: str | None = Field(default=None, sa_type=Text, description="JSON")
    after: str | None = Field(default=None, sa_type=Text, description="JSON")


class AuditEventPublic(StoredModel):
    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]

    id: int
    at: datetime
    actor: str
    action: str
    city: str | None
    target: str | None
    before: Any
    after: Any


class LoginSession(StoredModel, table=True):
    """One login, as long as it lasts: the browser holds a random token in a signed cookie,
    the database only the token's SHA-256 (`id`), so a copy of the table logs nobody in.

    A login ends when it is revoked (logout, which ends every login of the account), when
    it has been idle longer than `HAVEN_SESSION_IDLE_MINUTES` (`last_seen_at`), or at
    `expires_at` (`HAVEN_SESSION_MAX_HOURS` after it began). Made by migration 0004.
    `username` is no foreign key: a login of an account gone is simply not resumed, and
    the account table stays free to be locked or truncated on its own.
    """

    __tablename__ = "login_session"

    id: str = Field(primary_key=True, description="SHA-256 of the token, hex")
    username: str = Field(index=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    last_seen_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ApiToken(StoredModel, table=True):
    """A bearer token of the REST API (`api/`), made for one account by an admin.

    The token itself is shown once, when it is made; the table holds only its keyed hash
    (HMAC-SHA256 under a key derived from `HAVEN_SECRET_KEY`: `service.tokens`), which is
    unique and looked up by index, and a short `prefix` that names the token in listings.
    A request with it acts as the account (its role, city and agency as they are now, so a
    disabled account's tokens stop at once). `revoked_at` ends it for good. Made by
    migration 0005; `username` is no foreign key, as for `login_session`.
    """

    __tablename__ = "api_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True)
    name: str
    token_hash: str = Field(description="HMAC-SHA256 of the token, hex")
    prefix: str = Field(description="the token's first characters, to recognise it")
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    created_by: str
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ApiTokenPublic(StoredModel):
    """A token as listed: everything but its hash."""

    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]

    id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None


class LoginSessionPublic(StoredModel):
    """A login as `models.accounts.find_login_session` returns it (detached)."""

    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]

    username: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
