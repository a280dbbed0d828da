"""Every role × every protected action, at the service layer (service.access).

Each action is attempted for real against a database; "allowed" means it did what was
asked, "refused" that it raised `AccessDenied` and changed nothing. The expected matrix is
written out by hand from the roles of issue 6 (docs/access.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from models.tables import AuditEvent, Capacity, SavedScenario, UserAccount
from service import access
from service.access import AccessDenied, Action, Actor
from tests.service.access_city import ACTORS, CITY, PASSWORD, SMALL_CASES, city_package


def read_exact_counts(actor: Actor, session: Session) -> None:
    demand = access.read_package_for(actor, session, CITY).demand
    exact = city_package().demand
    if len(demand) != len(exact) or not np.array_equal(
        demand["cases"].to_numpy(dtype=float, na_value=np.nan),
        exact["cases"].to_numpy(dtype=float),
    ):
        raise AccessDenied("counts were suppressed")


def read_confidential_coordinates(actor: Actor, session: Session) -> None:
    agencies = access.read_package_for(actor, session, CITY).agencies
    exact = city_package().agencies
    confidential = exact["confidential"].to_numpy()
    assert confidential.any()
    points = access.public_agency_points(access.read_package_for(actor, session, CITY), actor)
    same = np.allclose(
        agencies.loc[confidential, ["lat", "lon"]], exact.loc[confidential, ["lat", "lon"]]
    )
    drawn = np.allclose(
        points.loc[confidential, ["lat", "lon"]], exact.loc[confidential, ["lat", "lon"]]
    )
    names = agencies.loc[confidential, "name"].tolist() == exact.loc[confidential, "name"].tolist()
    if not (same and drawn and names):
        raise AccessDenied("confidential agencies were moved")


def edit_other_agency_capacity(actor: Actor, session: Session) -> None:
    access.update_capacity(
        actor,
        session,
        city_name=CITY,
        agency_id="A3",  # not the partner's agency (A2)
        service_id="counselling",
        capacity=61,
        as_of=date(2026, 4, 1),
    )


def import_data(actor: Actor, session: Session) -> None:
    access.import_city(actor, session, city_package(), replace=True)


def delete_another_users_scenario(actor: Actor, session: Session) -> None:
    access.delete_scenario_as(actor, session, city_name=CITY, name="analyst plan")


def manage_users(actor: Actor, session: Session) -> None:
    access.create_user_as(actor, session, username="newcomer", password=PASSWORD, role="funder")


def read_audit(actor: Actor, session: Session) -> None:
    assert access.audit_log(actor, session)


ACTIONS: dict[str, Callable[[Actor, Session], None]] = {
    "read exact counts": read_exact_counts,
    "read confidential coordinates": read_confidential_coordinates,
    "edit another agency's capacity": edit_other_agency_capacity,
    "import": import_data,
    "delete another user's scenario": delete_another_users_scenario,
    "manage users": manage_users,
    "read the audit log": read_audit,
}

ALLOWED = {
    "admin": set(ACTIONS),
    "analyst": {
        "read exact counts",
        "read confidential coordinates",
        "edit another agency's capacity",
        "import",
        "delete another user's scenario",
    },
    "funder": set(),
    "partner": set(),
    "public": set(),
}


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            model.__name__: s.exec(select(func.count()).select_from(model)).one()[0]
            for model in (AuditEvent, Capacity, SavedScenario, UserAccount)
        }


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", list(ACTORS))
def test_role_action_matrix(
    access_engine: Engine, access_session: Session, role: str, action: str
) -> None:
    engine, session = access_engine, access_session
    actor = ACTORS[role]
    before = counts(engine)
    try:
        ACTIONS[action](actor, session)
        session.commit()
        allowed = True
    except AccessDenied:
        session.rollback()
        allowed = False
    assert allowed == (action in ALLOWED[role]), f"{role} / {action}"
    after = counts(engine)
    if not allowed:
        assert after == before  # a refusal changes nothing
    elif action in {"edit another agency's capacity", "import", "manage users"}:
        assert after["AuditEvent"] == before["AuditEvent"] + 1  # every change is audited
    elif action == "delete another user's scenario":
        assert after["SavedScenario"] == before["SavedScenario"] - 1
        assert after["AuditEvent"] == before["AuditEvent"] + 1


def test_can_agrees_with_the_matrix() -> None:
    assert access.can(ACTORS["analyst"], Action.READ_EXACT_COUNTS)
    assert not access.can(ACTORS["funder"], Action.READ_EXACT_COUNTS)
    for role, actor in ACTORS.items():
        assert access.can(actor, Action.MANAGE_USERS) == ("manage users" in ALLOWED[role])
        assert access.can(actor, Action.IMPORT_DATA) == ("import" in ALLOWED[role])
        assert access.can(actor, Action.VIEW_MAP)
    assert not access.can(None, Action.VIEW_MAP)
    public = {a for a in Action if access.can(ACTORS["public"], a)}
    assert public == {Action.VIEW_MAP, Action.VIEW_CITY_TOTALS}
    partner = {a for a in Action if access.can(ACTORS["partner"], a)}
    assert partner == public | {Action.VIEW_AGGREGATES, Action.EDIT_OWN_CAPACITY}
    funder = {a for a in Action if access.can(ACTORS["funder"], a)}
    assert Action.RUN_SCENARIOS in funder and Action.IMPORT_DATA not in funder
    assert access.can(ACTORS["funder"], "save_scenario")
    assert SMALL_CASES  # the city has small counts to hide
