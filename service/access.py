"""Who may see and change what: the service layer between every client and the storage.

Every function here that reads or writes protected data takes the acting user (`Actor`)
first, checks the role, and only then calls `models`; pages and the CLI only reflect what
`can` says. A refusal raises `AccessDenied` with a message saying what the role may not do.
Every change writes an audit event (who, when, what, before and after) in the same
transaction as the change: both are kept, or neither.

Roles (docs/access.md has the full table):
- admin: everything, and the only role that manages accounts and reads the audit log;
- analyst: imports and edits data, runs, saves and deletes scenarios, sees exact counts and
  the real location of confidential agencies;
- funder: sees everything aggregated, runs what-if scenarios, saves them and deletes its own;
- partner: sees maps and aggregates of its city; updates the capacity of its own agency only;
- public: no login (when `HAVEN_PUBLIC_ACCESS` is on): the capacity map and city totals.

Disclosure control for every role but admin and analyst: counts of cases below k are
hidden (`planner.disclosure`), and an agency flagged `confidential` is placed at its
district's representative point, without its name (the package has one flag, so
confidential hides both the exact point and the name).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

import pandas as pd
from sqlmodel import Session, col, select

from models import accounts, repository, scenarios
from models.errors import InvalidRecord, UnknownScenario
from models.repository import ImportSummary, as_utc
from models.tables import Agency, AuditEventPublic, UserPublic
from planner import disclosure, geo, passwords
from planner.i18n import N_, t
from planner.package import CityPackage
from planner.settings import get_settings

Role = Literal["admin", "analyst", "funder", "partner", "public"]
ROLES: tuple[Role, ...] = ("admin", "analyst", "funder", "partner", "public")

CONFIDENTIAL_NAME = N_("Confidential location")
"""The name shown for a confidential agency to roles that may not see it."""

LOGIN_FAILED = N_("Wrong username or password, or the account is locked or disabled.")
"""The one message of every failed login: it never tells which part was wrong (shown
through `t`)."""

UNKNOWN_ACTOR = "(unknown user)"
"""The audit log's actor for a failed login under a name that is no account. The name typed
is not recorded: it is sometimes the password, typed into the wrong box."""


class Action(StrEnum):
    """What a page or command may ask `can` about."""

    VIEW_MAP = "view_map"
    VIEW_CITY_TOTALS = "view_city_totals"
    VIEW_AGGREGATES = "view_aggregates"
    READ_EXACT_COUNTS = "read_exact_counts"
    READ_CONFIDENTIAL_LOCATIONS = "read_confidential_locations"
    IMPORT_DATA = "import_data"
    EDIT_ANY_CAPACITY = "edit_any_capacity"
    EDIT_OWN_CAPACITY = "edit_own_capacity"
    RUN_SCENARIOS = "run_scenarios"
    SAVE_SCENARIO = "save_scenario"
    DELETE_OWN_SCENARIO = "delete_own_scenario"
    DELETE_ANY_SCENARIO = "delete_any_scenario"
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"


_PUBLIC = {Action.VIEW_MAP, Action.VIEW_CITY_TOTALS}
_PARTNER = _PUBLIC | {Action.VIEW_AGGREGATES, Action.EDIT_OWN_CAPACITY}
_FUNDER = _PUBLIC | {
    Action.VIEW_AGGREGATES,
    Action.RUN_SCENARIOS,
    Action.SAVE_SCENARIO,
    Action.DELETE_OWN_SCENARIO,
}
_ANALYST = _FUNDER | {
    Action.READ_EXACT_COUNTS,
    Action.READ_CONFIDENTIAL_LOCATIONS,
    Action.IMPORT_DATA,
    Action.EDIT_ANY_CAPACITY,
    Action.EDIT_OWN_CAPACITY,
    Action.DELETE_ANY_SCENARIO,
}
PERMISSIONS: dict[str, frozenset[Action]] = {
    "admin": frozenset(Action),
    "analyst": frozenset(_ANALYST),
    "funder": frozenset(_FUNDER),
    "partner": frozenset(_PARTNER),
    "public": frozenset(_PUBLIC),
}


@dataclass(frozen=True)
class Actor:
    """The user a call acts for. A partner carries its city and agency."""

    username: str
    role: Role
    agency_id: str | None = None
    city: str | None = None


LOCAL_ANALYST = Actor(username="local", role="analyst")
"""Everyone, when `HAVEN_AUTH=none` (the single-user demo)."""

PUBLIC_VISITOR = Actor(username="public", role="public")
"""Nobody logged in, when `HAVEN_PUBLIC_ACCESS` is on."""

RESERVED_USERNAMES = frozenset({"local", "public", "setup", "system"})
"""Names no account may take, so that the built-in users above are never confused with one."""


class AccessDenied(PermissionError):
    """The acting user's role does not allow the call; the message says what was refused."""


def can(actor: Actor | None, action: Action | str) -> bool:
    """Whether the actor's role allows the action (pages use it to show or hide)."""
    if actor is None:
        return False
    return Action(action) in PERMISSIONS.get(actor.role, frozenset())


def require(actor: Actor | None, action: Action | str, what: str) -> Actor:
    """The actor, when allowed; else `AccessDenied` saying who may not do `what`.

    `what` is an English phrase marked with `N_` at the call ("see the city"), translated
    here: the refusal is written in the current language.
    """
    if actor is None:
        raise AccessDenied(t("log in to {what}", what=t(what)))
    if not can(actor, action):
        raise AccessDenied(
            t(
                "{user} ({role}) may not {what}",
                user=repr(actor.username),
                role=t(actor.role),
                what=t(what),
            )
        )
    return actor


def can_edit_capacity(actor: Actor | None, *, city_name: str, agency_id: str) -> bool:
    """Admins and analysts: any agency; a partner: its own agency of its own city."""
    if can(actor, Action.EDIT_ANY_CAPACITY):
        return True
    return (
        actor is not None
        and can(actor, Action.EDIT_OWN_CAPACITY)
        and actor.agency_id == agency_id
        and actor.city == city_name
    )


def _require_city(actor: Actor, city_name: str) -> None:
    if actor.role == "partner" and actor.city != city_name:
        raise AccessDenied(
            t(
                "{user} (partner) may see only the city {city}",
                user=repr(actor.username),
                city=repr(actor.city),
            )
        )


# --- logging in -----------------------------------------------------------------------------


def authenticate(
    session: Session, username: str, password: str, *, now: datetime | None = None
) -> Actor | None:
    """The actor for a correct username and password, else None (show `LOGIN_FAILED`).

    An unknown user, a wrong password, a disabled and a locked account all give None and
    take about as long (an unknown user's password is checked against a dummy hash).
    `HAVEN_MAX_FAILED_LOGINS` failures in a row lock the account for
    `HAVEN_LOCKOUT_MINUTES`. Success and failure are both audited, never with the password.
    Returns rather than raises, so that the caller's transaction keeps the failure count.
    """
    settings = get_settings()
    now = now or datetime.now(UTC)
    user = None
    if isinstance(username, str) and accounts.USERNAME_PATTERN.match(username):
        user = accounts.find_user(session, username=username)
    if not isinstance(password, str):
        password = ""
    if user is None:
        passwords.verify_password(passwords.dummy_hash(), password)
        accounts.record_event(
            session, actor=UNKNOWN_ACTOR, action="login_failure", after={"reason": "no account"}
        )
        return None
    matches = passwords.verify_password(user.password_hash, password)
    locked = user.locked_until is not None and as_utc(user.locked_until) > now
    before = {"failed_logins": user.failed_logins, "locked_until": user.locked_until}
    if matches and user.active and not locked:
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        accounts.save_user(session, user)
        accounts.record_event(
            session,
            actor=user.username,
            action="login_success",
            target=user.username,
            before=before,
            after={"failed_logins": 0, "locked_until": None},
        )
        return _actor_of(user.username, user.role, user.agency_id, user.city)
    reason = "disabled" if not user.active else "locked" if locked else "wrong password"
    if reason == "wrong password":
        user.failed_logins += 1
        if user.failed_logins >= settings.max_failed_logins:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
            reason = "wrong password; account locked"
        accounts.save_user(session, user)
    accounts.record_event(
        session,
        actor=user.username,
        action="login_failure",
        target=user.username,
        before=before,
        after={
            "reason": reason,
            "failed_logins": user.failed_logins,
            "locked_until": user.locked_until,
        },
    )
    return None


def refresh_actor(session: Session, actor: Actor) -> Actor | None:
    """The actor as the database has it now: None once its account is disabled or gone.

    The built-in `LOCAL_ANALYST` and `PUBLIC_VISITOR` have no account and come back as
    they are. A role changed since the login takes effect at once.
    """
    if actor in (LOCAL_ANALYST, PUBLIC_VISITOR):
        return actor
    user = accounts.find_user(session, username=actor.username)
    if user is None or not user.active:
        return None
    return _actor_of(user.username, user.role, user.agency_id, user.city)


def session_expired(
    last_activity: datetime | None, *, now: datetime, idle_minutes: float | None = None
) -> bool:
    """Whether a login last active at `last_activity` has expired by `now` (pure).

    `idle_minutes` defaults to `HAVEN_SESSION_IDLE_MINUTES`; no activity at all is expired.
    """
    if last_activity is None:
        return True
    limit = get_settings().session_idle_minutes if idle_minutes is None else idle_minutes
    return now - last_activity > timedelta(minutes=limit)


def _actor_of(username: str, role: str, agency_id: str | None, city: str | None) -> Actor:
    if role not in ROLES:
        raise InvalidRecord(
            t("role: {role} is not one of: {roles}", role=repr(role), roles=", ".join(ROLES))
        )
    known: Role = role  # type: ignore[assignment]
    return Actor(username=username, role=known, agency_id=agency_id, city=city)


# --- reading --------------------------------------------------------------------------------


def read_package_for(actor: Actor, session: Session, city_name: str) -> CityPackage:
    """The city's package as the actor may see it, in an open session: the same disclosure
    as every page's (`service.published.disclosed_package` for the actor's audience: counts
    as the one suppression of the history publishes them). Clients, which hold no session,
    call `service.city.visible_package`."""
    from service.audience import audience_for
    from service.published import disclosed_package

    require(actor, Action.VIEW_MAP, N_("see the city"))
    _require_city(actor, city_name)
    package = repository.load_package(session, city_name)
    return disclosed_package(package, audience_for(actor, k=package.city.small_count_k))


def planning_package_for(actor: Actor, session: Session, city_name: str) -> CityPackage:
    """The exact package, for running the optimiser inside the service layer (roles that
    may run scenarios). Never returned to a client: what a reader sees of a plan is
    `service.plans.run_plan`'s disclosed plan."""
    require(actor, Action.RUN_SCENARIOS, N_("run scenarios"))
    return repository.load_package(session, city_name)


def disclose_package(package: CityPackage, actor: Actor, *, k: int | None = None) -> CityPackage:
    """The package with what the actor may not see taken out (pure).

    Admins and analysts get it unchanged. Other roles: confidential agencies at their
    district's point and without name (`public_agency_points`); demand `cases` below k
    (0 < cases < k) missing (the column becomes nullable `Int64`). The public role also
    loses demand, funders and eligibility (empty frames): it sees the capacity map and
    city totals (`city_totals_for`) only.
    """
    if can(actor, Action.READ_EXACT_COUNTS) and can(actor, Action.READ_CONFIDENTIAL_LOCATIONS):
        return package
    points = public_agency_points(package, actor)
    agencies = package.agencies.copy()
    agencies["name"] = points["name"].to_numpy()
    agencies["lat"] = points["lat"].to_numpy()
    agencies["lon"] = points["lon"].to_numpy()
    demand = package.demand.copy()
    k_value = disclosure.resolve_k(k)
    cases = demand["cases"].astype("Int64")
    demand["cases"] = cases.mask((cases > 0) & (cases < k_value))
    changes: dict[str, Any] = {"agencies": agencies, "demand": demand}
    if not can(actor, Action.VIEW_AGGREGATES):
        changes["demand"] = demand.iloc[0:0]
        changes["funders"] = package.funders.iloc[0:0]
        changes["eligibility"] = package.eligibility.iloc[0:0]
    return dataclasses.replace(package, **changes)


def public_agency_points(package: CityPackage, actor: Actor) -> pd.DataFrame:
    """The agency points a page may draw for the actor.

    Columns `agency_id, name, kind, district_id, lat, lon, confidential, exact` (exact:
    the point is the agency's own). For admins and analysts every point is exact. For the
    other roles a confidential agency is at its district's representative point (inside the
    district), named `CONFIDENTIAL_NAME`; one without a district has no point (NaN).
    """
    agencies = package.agencies
    frame = agencies[["agency_id", "name", "kind", "district_id", "lat", "lon"]].copy()
    confidential = agencies["confidential"].fillna(False).astype(bool).to_numpy()
    frame["confidential"] = confidential
    frame["exact"] = True
    if can(actor, Action.READ_CONFIDENTIAL_LOCATIONS) or not confidential.any():
        return frame.reset_index(drop=True)
    lat = frame["lat"].to_numpy(dtype=float).copy()
    lon = frame["lon"].to_numpy(dtype=float).copy()
    lat[confidential], lon[confidential] = geo.at_district_points(
        package.districts, frame.loc[confidential, "district_id"]
    )
    frame["lat"], frame["lon"] = lat, lon
    names = frame["name"].astype(object).to_numpy().copy()
    names[confidential] = CONFIDENTIAL_NAME
    frame["name"] = pd.Series(names, index=frame.index, dtype="str")
    frame["exact"] = ~confidential
    return frame.reset_index(drop=True)


def counts_table_for(
    actor: Actor,
    counts: pd.DataFrame,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    k: int | None = None,
) -> disclosure.SuppressedTable:
    """A two-way table of counts of cases as the actor may see it (totals added).

    Exact for roles with `READ_EXACT_COUNTS`; suppressed (`planner.disclosure`) for others.
    """
    require(actor, Action.VIEW_CITY_TOTALS, N_("see counts"))
    threshold = 1 if can(actor, Action.READ_EXACT_COUNTS) else disclosure.resolve_k(k)
    return disclosure.suppress_table(
        counts, threshold, row_totals=row_totals, column_totals=column_totals
    )


def counts_frame_for(
    actor: Actor,
    frame: pd.DataFrame,
    count_columns: Sequence[str],
    *,
    total: bool = False,
    k: int | None = None,
) -> pd.DataFrame:
    """A long frame of counts as the actor may see it (`disclosure.suppress_frame`)."""
    require(actor, Action.VIEW_CITY_TOTALS, N_("see counts"))
    threshold = 1 if can(actor, Action.READ_EXACT_COUNTS) else disclosure.resolve_k(k)
    return disclosure.suppress_frame(frame, count_columns, threshold, total=total)


def city_totals_for(
    actor: Actor, session: Session, city_name: str, *, months: int = 12, k: int | None = None
) -> pd.DataFrame:
    """Per service: current capacity, occupied, and cases of the last `months` periods, in
    an open session, suppressed as one table of its own.

    One row per service and a last `Total` row for cases; `cases` is text, suppressed for
    roles without exact counts. Pages and exports do not use it: what the public reads is
    `service.city.city_totals`, derived from the one suppression of the history.
    """
    require(actor, Action.VIEW_CITY_TOTALS, N_("see city totals"))
    _require_city(actor, city_name)
    package = repository.load_package(session, city_name)
    current = package.current_capacity()
    capacity = current.groupby("service_id")[["capacity", "occupied"]].sum(min_count=1)
    periods = sorted(package.demand["period"].dropna().unique())[-months:]
    recent = package.demand[package.demand["period"].isin(periods)]
    cases = recent.groupby("service_id")["cases"].sum()
    services = package.services[["service_id", "name", "unit"]].copy()
    ids = services["service_id"]
    services["capacity"] = ids.map(capacity["capacity"]).fillna(0.0).to_numpy()
    services["occupied"] = ids.map(capacity["occupied"]).to_numpy()
    services["cases"] = ids.map(cases).fillna(0).astype("int64").to_numpy()
    return counts_frame_for(actor, services, ["cases"], total=True, k=k)


# --- changing data --------------------------------------------------------------------------


def import_city(
    actor: Actor, session: Session, package: CityPackage, replace: bool = False
) -> ImportSummary:
    """Import (or replace) a city's package; admins and analysts only."""
    require(actor, Action.IMPORT_DATA, N_("import data"))
    name = package.city.name
    before = None
    if name in repository.list_cities(session):
        before = {"data_version": repository.data_version(session, city_name=name)}
    summary = repository.import_package(
        session, package, replace=replace, recorded_by=actor.username
    )
    accounts.record_event(
        session,
        actor=actor.username,
        action="import",
        city=name,
        target=name,
        before=before,
        after={"replaced": summary.replaced, "rows": summary.counts},
    )
    return summary


def update_capacity(
    actor: Actor,
    session: Session,
    *,
    city_name: str,
    agency_id: str,
    service_id: str,
    capacity: float,
    as_of: date,
    occupied: float | None = None,
    max_expansion: float | None = None,
    expected_version: str | None = None,
    funded: float | None = None,
) -> None:
    """Record an agency's capacity for a service as of a date (a new row of its history).

    Admins and analysts: any agency. A partner: its own agency of its own city only; the
    check comes before any lookup, so a partner learns nothing of other agencies.
    `expected_version`: see `repository.record_capacity` (ConcurrentEdit when stale).
    """
    if not can_edit_capacity(actor, city_name=city_name, agency_id=agency_id):
        if can(actor, Action.EDIT_OWN_CAPACITY):
            raise AccessDenied(
                t(
                    "{user} ({role}) may update the capacity of its own agency {agency} of "
                    "{city} only, not {other_agency} of {other_city}",
                    user=repr(actor.username),
                    role=t(actor.role),
                    agency=repr(actor.agency_id),
                    city=repr(actor.city),
                    other_agency=repr(agency_id),
                    other_city=repr(city_name),
                )
            )
        raise AccessDenied(
            t(
                "{user} ({role}) may not {what}",
                user=repr(actor.username),
                role=t(actor.role),
                what=t("update capacity"),
            )
        )
    history = repository.capacity_history(
        session, city_name=city_name, agency_id=agency_id, service_id=service_id
    )
    before = history[-1].model_dump(mode="json") if history else None
    repository.record_capacity(
        session,
        city_name=city_name,
        agency_id=agency_id,
        service_id=service_id,
        capacity=capacity,
        occupied=occupied,
        max_expansion=max_expansion,
        as_of=as_of,
        recorded_by=actor.username,
        expected_version=expected_version,
        funded=funded,
    )
    after = repository.capacity_history(
        session, city_name=city_name, agency_id=agency_id, service_id=service_id
    )[-1]
    accounts.record_event(
        session,
        actor=actor.username,
        action="capacity_edit",
        city=city_name,
        target=f"{agency_id}/{service_id}",
        before=before,
        after=after.model_dump(mode="json"),
    )


def save_scenario_as(
    actor: Actor,
    session: Session,
    *,
    city_name: str,
    name: str,
    note: str | None,
    parameters: Mapping[str, Any],
    overwrite: bool = False,
) -> int:
    """Save a scenario under the actor's name; a funder may overwrite only its own."""
    require(actor, Action.SAVE_SCENARIO, N_("save scenarios"))
    before = _existing_scenario(session, city_name=city_name, name=name)
    if (
        before is not None
        and overwrite
        and before["created_by"] != actor.username
        and not can(actor, Action.DELETE_ANY_SCENARIO)
    ):
        raise AccessDenied(
            t(
                "{user} ({role}) may overwrite only its own scenarios; {name} was saved by {owner}",
                user=repr(actor.username),
                role=t(actor.role),
                name=repr(name),
                owner=repr(before["created_by"]),
            )
        )
    scenario_id = scenarios.save_scenario(
        session,
        city_name=city_name,
        name=name,
        note=note,
        parameters=parameters,
        created_by=actor.username,
        overwrite=overwrite,
    )
    after = _existing_scenario(session, city_name=city_name, name=name)
    accounts.record_event(
        session,
        actor=actor.username,
        action="scenario_saved",
        city=city_name,
        target=name,
        before=before,
        after=after,
    )
    return scenario_id


def delete_scenario_as(actor: Actor, session: Session, *, city_name: str, name: str) -> None:
    """Delete a scenario: admins and analysts any, a funder its own only."""
    require(actor, Action.DELETE_OWN_SCENARIO, N_("delete scenarios"))
    saved = scenarios.get_scenario(session, city_name=city_name, name=name)
    if saved.created_by != actor.username and not can(actor, Action.DELETE_ANY_SCENARIO):
        raise AccessDenied(
            t(
                "{user} ({role}) may delete only its own scenarios; {name} was saved by {owner}",
                user=repr(actor.username),
                role=t(actor.role),
                name=repr(name),
                owner=repr(saved.created_by),
            )
        )
    scenarios.delete_scenario(session, city_name=city_name, name=name)
    accounts.record_event(
        session,
        actor=actor.username,
        action="scenario_deleted",
        city=city_name,
        target=name,
        before=saved.model_dump(mode="json"),
    )


def _existing_scenario(session: Session, *, city_name: str, name: str) -> dict[str, Any] | None:
    try:
        return scenarios.get_scenario(session, city_name=city_name, name=name).model_dump(
            mode="json"
        )
    except UnknownScenario:
        return None


# --- accounts -------------------------------------------------------------------------------


def list_users_as(actor: Actor, session: Session) -> list[UserPublic]:
    require(actor, Action.MANAGE_USERS, N_("manage users"))
    return accounts.list_users(session)


def create_user_as(
    actor: Actor,
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    city: str | None = None,
    agency_id: str | None = None,
) -> UserPublic:
    """Add an account (admins only). A partner needs its city and an agency of it."""
    require(actor, Action.MANAGE_USERS, N_("manage users"))
    accounts.check_username(username)
    if username.lower() in RESERVED_USERNAMES:
        raise InvalidRecord(
            t(
                "username: {username} is reserved for Haven's built-in users",
                username=repr(username),
            )
        )
    passwords.check_new_password(password, username=username)
    if role == "partner":
        _require_agency(session, city=city, agency_id=agency_id)
    created = accounts.create_user(
        session,
        username=username,
        password_hash=passwords.hash_password(password),
        role=role,
        city=city,
        agency_id=agency_id,
    )
    accounts.record_event(
        session,
        actor=actor.username,
        action="user_created",
        target=username,
        after=created.model_dump(mode="json"),
    )
    return created


def set_role_as(
    actor: Actor,
    session: Session,
    *,
    username: str,
    role: str,
    city: str | None = None,
    agency_id: str | None = None,
) -> UserPublic:
    """Change an account's role (admins only); the last active admin keeps its role."""
    require(actor, Action.MANAGE_USERS, N_("manage users"))
    user = accounts.require_user(session, username=username)
    before = accounts.user_public(user)
    accounts.check_role(role, city=city, agency_id=agency_id)
    if role == "partner":
        _require_agency(session, city=city, agency_id=agency_id)
    if before.role == "admin" and role != "admin":
        _keep_an_admin(session, leaving=username)
    user.role = role
    user.city = city if role == "partner" else None
    user.agency_id = agency_id if role == "partner" else None
    after = accounts.save_user(session, user)
    accounts.record_event(
        session,
        actor=actor.username,
        action="role_changed",
        target=username,
        before=before.model_dump(mode="json"),
        after=after.model_dump(mode="json"),
    )
    return after


def set_active_as(actor: Actor, session: Session, *, username: str, active: bool) -> UserPublic:
    """Disable or enable an account (admins only); enabling also lifts a lock."""
    require(actor, Action.MANAGE_USERS, N_("manage users"))
    user = accounts.require_user(session, username=username)
    before = accounts.user_public(user)
    if not active and user.role == "admin":
        _keep_an_admin(session, leaving=username)
    user.active = bool(active)
    if active:
        user.failed_logins = 0
        user.locked_until = None
    after = accounts.save_user(session, user)
    accounts.record_event(
        session,
        actor=actor.username,
        action="user_enabled" if active else "user_disabled",
        target=username,
        before=before.model_dump(mode="json"),
        after=after.model_dump(mode="json"),
    )
    return after


def set_password_as(actor: Actor, session: Session, *, username: str, password: str) -> None:
    """Set an account's password: admins for anyone, every user for itself."""
    if actor.username != username:
        require(actor, Action.MANAGE_USERS, N_("change another user's password"))
    user = accounts.require_user(session, username=username)
    passwords.check_new_password(password, username=username)
    user.password_hash = passwords.hash_password(password)
    accounts.save_user(session, user)
    accounts.record_event(
        session,
        actor=actor.username,
        action="password_changed",
        target=username,
        after={"password": "changed"},
    )


def _keep_an_admin(session: Session, *, leaving: str) -> None:
    others = [
        u
        for u in accounts.list_users(session)
        if u.role == "admin" and u.active and u.username != leaving
    ]
    if not others:
        raise AccessDenied(
            t(
                "{user} is the last active admin; make another admin first, so that someone "
                "can still manage accounts",
                user=repr(leaving),
            )
        )


def _require_agency(session: Session, *, city: str | None, agency_id: str | None) -> None:
    if not city or not agency_id:
        raise InvalidRecord(t("agency_id: a partner account needs its city and its agency_id"))
    found = session.exec(
        select(Agency.id).where(
            col(Agency.city_id) == repository.find_city(session, city_name=city).id,
            col(Agency.agency_id) == agency_id,
        )
    ).first()
    if found is None:
        raise InvalidRecord(
            t(
                "agency_id: {agency} is not an agency of {city}",
                agency=repr(agency_id),
                city=repr(city),
            )
        )


# --- audit ----------------------------------------------------------------------------------


def audit_log(
    actor: Actor, session: Session, *, city: str | None = None, limit: int | None = None
) -> list[AuditEventPublic]:
    """The audit log, newest first (admins only). Nothing can change it."""
    require(actor, Action.READ_AUDIT, N_("read the audit log"))
    return accounts.list_events(session, city=city, limit=limit)


def audit_frame(events: Iterable[AuditEventPublic]) -> pd.DataFrame:
    """Audit events as a frame to show or export (before and after as JSON text)."""
    rows = [
        {
            "at": event.at,
            "actor": event.actor,
            "action": event.action,
            "city": event.city,
            "target": event.target,
            "before": None if event.before is None else json.dumps(event.before, sort_keys=True),
            "after": None if event.after is None else json.dumps(event.after, sort_keys=True),
        }
        for event in events
    ]
    columns = ["at", "actor", "action", "city", "target", "before", "after"]
    return pd.DataFrame(rows, columns=columns)
