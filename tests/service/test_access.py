"""Logins, lockout, expiry, own-agency edits, scenarios, audit: the service layer under attack."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from models import accounts, repository, scenarios
from models.errors import InvalidRecord
from planner import geo, passwords
from planner.settings import get_settings
from service import access
from service.access import LOGIN_FAILED, AccessDenied, Actor
from tests.service.access_city import ACTORS, CITY, OTHER_CITY, PASSWORD, city_package

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
NASTY = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "**bold** _it_ [link](javascript:alert(1)) # heading",
    "Robert'); DROP TABLE city;--",
    '50% off; \\ backslash " quote ` tick \u202e',
]


def events(session: Session, action: str) -> list[accounts.AuditEventPublic]:
    return [e for e in accounts.list_events(session) if e.action == action]


# --- logging in -----------------------------------------------------------------------------


def test_a_correct_login_gives_the_actor_and_is_audited(access_session: Session) -> None:
    actor = access.authenticate(access_session, "pat", PASSWORD, now=NOW)
    assert actor == ACTORS["partner"]
    (event,) = events(access_session, "login_success")
    assert event.actor == "pat" and event.target == "pat"
    user = accounts.require_user(access_session, username="pat")
    assert user.last_login_at is not None


def test_unknown_user_and_wrong_password_look_the_same(
    access_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real = passwords.verify_password

    def spy(password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", spy)
    assert access.authenticate(access_session, "ann", "wrong password!", now=NOW) is None
    assert access.authenticate(access_session, "nobody", "wrong password!", now=NOW) is None
    # The same work for both: one argon2 verification, the unknown user against a dummy hash
    # made with the same parameters (so it costs the same time).
    assert len(verified) == 2
    params = [h.split("$")[3] for h in verified]
    assert params[0] == params[1]
    failures = events(access_session, "login_failure")
    assert {e.actor for e in failures} == {"ann", access.UNKNOWN_ACTOR}
    # The name typed for an unknown account is not kept (it is sometimes a password).
    assert all("nobody" not in str(e.model_dump()) for e in failures)
    assert "password" in LOGIN_FAILED and "locked" in LOGIN_FAILED


def test_lockout_after_repeated_failures_then_unlock_after_the_delay(
    access_session: Session,
) -> None:
    limit = get_settings().max_failed_logins
    for attempt in range(limit):
        assert access.authenticate(access_session, "fay", f"guess {attempt}", now=NOW) is None
    user = accounts.require_user(access_session, username="fay")
    assert user.locked_until is not None
    # Locked: even the right password is refused, with the same answer.
    assert access.authenticate(access_session, "fay", PASSWORD, now=NOW) is None
    later = NOW + timedelta(minutes=get_settings().lockout_minutes + 1)
    assert access.authenticate(access_session, "fay", PASSWORD, now=later) == ACTORS["funder"]
    user = accounts.require_user(access_session, username="fay")
    assert user.failed_logins == 0 and user.locked_until is None
    reasons = [e.after["reason"] for e in events(access_session, "login_failure")]
    assert "wrong password; account locked" in reasons and "locked" in reasons


def test_a_success_resets_the_failure_count(access_session: Session) -> None:
    limit = get_settings().max_failed_logins
    for _ in range(limit - 1):
        access.authenticate(access_session, "ann", "nope nope nope", now=NOW)
    assert access.authenticate(access_session, "ann", PASSWORD, now=NOW) is not None
    for _ in range(limit - 1):
        access.authenticate(access_session, "ann", "nope nope nope", now=NOW)
    assert access.authenticate(access_session, "ann", PASSWORD, now=NOW) is not None


def test_a_disabled_account_cannot_log_in_and_its_session_ends(access_session: Session) -> None:
    admin = ACTORS["admin"]
    access.set_active_as(admin, access_session, username="fay", active=False)
    assert access.authenticate(access_session, "fay", PASSWORD, now=NOW) is None
    assert access.refresh_actor(access_session, ACTORS["funder"]) is None
    access.set_active_as(admin, access_session, username="fay", active=True)
    assert access.refresh_actor(access_session, ACTORS["funder"]) == ACTORS["funder"]
    access.set_role_as(admin, access_session, username="fay", role="analyst")
    assert access.refresh_actor(access_session, ACTORS["funder"]) == Actor("fay", "analyst")
    assert access.refresh_actor(access_session, access.LOCAL_ANALYST) == access.LOCAL_ANALYST


def test_session_expiry_is_a_pure_function_of_last_activity() -> None:
    idle = get_settings().session_idle_minutes
    assert access.session_expired(None, now=NOW)
    assert not access.session_expired(NOW, now=NOW)
    assert not access.session_expired(NOW - timedelta(minutes=idle - 1), now=NOW)
    assert access.session_expired(NOW - timedelta(minutes=idle + 1), now=NOW)
    assert access.session_expired(NOW - timedelta(minutes=6), now=NOW, idle_minutes=5)


def test_odd_input_to_login_is_a_plain_failure(access_session: Session) -> None:
    for username in ["", " ann", "ann' OR '1'='1", "<script>", "a" * 500]:
        assert access.authenticate(access_session, username, PASSWORD, now=NOW) is None
    assert access.authenticate(access_session, "ann", "x" * 100_000, now=NOW) is None


# --- passwords never in clear ---------------------------------------------------------------


def test_passwords_are_never_stored_or_logged_in_clear(
    access_engine: Engine, access_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Tr0ub4dor&3-never-in-clear"
    caplog.set_level(logging.DEBUG)
    admin = ACTORS["admin"]
    access.create_user_as(admin, access_session, username="zed", password=secret, role="funder")
    access.authenticate(access_session, "zed", secret, now=NOW)
    access.authenticate(access_session, "zed", secret + "x", now=NOW)
    access.authenticate(access_session, "nobody", secret, now=NOW)
    access.set_password_as(admin, access_session, username="zed", password=secret[::-1])
    access_session.commit()
    assert secret not in caplog.text and secret[::-1] not in caplog.text
    with access_engine.connect() as connection:
        dump = "\n".join(connection.connection.dbapi_connection.iterdump())  # type: ignore[union-attr]
    assert secret not in dump and secret[::-1] not in dump
    stored = accounts.require_user(access_session, username="zed").password_hash
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, secret[::-1])
    assert "password_hash" not in accounts.UserPublic.model_fields


def test_weak_passwords_and_bad_usernames_are_refused(access_session: Session) -> None:
    admin = ACTORS["admin"]
    with pytest.raises(passwords.WeakPassword, match="at least 12"):
        access.create_user_as(admin, access_session, username="u1", password="short", role="funder")
    with pytest.raises(passwords.WeakPassword, match="username"):
        access.create_user_as(
            admin, access_session, username="longusername", password="LongUsername", role="funder"
        )
    for name in [*NASTY, "", "a" * 65, "has space"]:
        with pytest.raises(InvalidRecord, match="username"):
            access.create_user_as(
                admin, access_session, username=name, password=PASSWORD, role="funder"
            )
    with pytest.raises(InvalidRecord, match="role"):
        access.create_user_as(admin, access_session, username="u2", password=PASSWORD, role="root")
    for reserved in ("local", "Public"):
        with pytest.raises(InvalidRecord, match="reserved"):
            access.create_user_as(
                admin, access_session, username=reserved, password=PASSWORD, role="admin"
            )
    with pytest.raises(InvalidRecord, match="not an agency"):
        access.create_user_as(
            admin, access_session, username="u3", password=PASSWORD, role="partner",
            city=CITY, agency_id="A99",
        )  # fmt: skip
    with pytest.raises(accounts.UserExists):
        access.create_user_as(
            admin, access_session, username="ann", password=PASSWORD, role="funder"
        )


def test_the_last_admin_stays(access_session: Session) -> None:
    admin = ACTORS["admin"]
    with pytest.raises(AccessDenied, match="last active admin"):
        access.set_active_as(admin, access_session, username="ada", active=False)
    with pytest.raises(AccessDenied, match="last active admin"):
        access.set_role_as(admin, access_session, username="ada", role="analyst")
    access.set_role_as(admin, access_session, username="ann", role="admin")
    access.set_role_as(admin, access_session, username="ada", role="analyst")


def test_a_user_may_change_only_its_own_password(access_session: Session) -> None:
    access.set_password_as(
        ACTORS["funder"], access_session, username="fay", password="a new long password"
    )
    with pytest.raises(AccessDenied, match="another user's password"):
        access.set_password_as(ACTORS["funder"], access_session, username="ann", password=PASSWORD)


# --- capacity: a partner's own agency only --------------------------------------------------


def test_a_partner_updates_its_own_agency_with_as_of(access_session: Session) -> None:
    access.update_capacity(
        ACTORS["partner"], access_session, city_name=CITY, agency_id="A2",
        service_id="legal_aid", capacity=420, occupied=300, as_of=date(2026, 4, 1),
    )  # fmt: skip
    history = repository.capacity_history(
        access_session, city_name=CITY, agency_id="A2", service_id="legal_aid"
    )
    assert history[-1].capacity == 420 and history[-1].recorded_by == "pat"
    assert history[-1].as_of == date(2026, 4, 1)
    (event,) = events(access_session, "capacity_edit")
    assert event.actor == "pat" and event.city == CITY and event.target == "A2/legal_aid"
    assert event.before["capacity"] == 400 and event.after["capacity"] == 420


@pytest.mark.parametrize(
    ("city", "agency_id"),
    [
        (CITY, "A3"),  # another agency
        (CITY, "A1"),  # the confidential shelter
        (CITY, "A99"),  # no such agency: refused before any lookup, nothing learnt
        (OTHER_CITY, "A2"),  # the same id in another city
        (CITY, "a2"),
        (CITY, "A2 "),
        (CITY, "A2' OR '1'='1"),
    ],
)
def test_a_partner_cannot_reach_another_agency_by_crafting_the_call(
    access_session: Session, city: str, agency_id: str
) -> None:
    before = len(accounts.list_events(access_session))
    with pytest.raises(AccessDenied, match="its own agency 'A2'"):
        access.update_capacity(
            ACTORS["partner"], access_session, city_name=city, agency_id=agency_id,
            service_id="legal_aid", capacity=999, as_of=date(2026, 4, 1),
        )  # fmt: skip
    assert len(accounts.list_events(access_session)) == before
    # A forged actor (a partner without agency) is no better.
    with pytest.raises(AccessDenied):
        access.update_capacity(
            Actor("pat", "partner"), access_session, city_name=city, agency_id=agency_id,
            service_id="legal_aid", capacity=999, as_of=date(2026, 4, 1),
        )  # fmt: skip


def test_a_partner_sees_only_its_city(access_session: Session) -> None:
    access.read_package_for(ACTORS["partner"], access_session, CITY)
    with pytest.raises(AccessDenied, match="only the city"):
        access.read_package_for(ACTORS["partner"], access_session, OTHER_CITY)


# --- scenarios ------------------------------------------------------------------------------


def test_a_funder_saves_and_deletes_its_own_scenarios_only(access_session: Session) -> None:
    funder = ACTORS["funder"]
    access.save_scenario_as(
        funder, access_session, city_name=CITY, name="what if", note=None, parameters={"b": 1}
    )
    access.save_scenario_as(
        funder, access_session, city_name=CITY, name="what if", note="again",
        parameters={"b": 2}, overwrite=True,
    )  # fmt: skip
    with pytest.raises(AccessDenied, match="overwrite only its own"):
        access.save_scenario_as(
            funder, access_session, city_name=CITY, name="analyst plan", note=None,
            parameters={}, overwrite=True,
        )  # fmt: skip
    with pytest.raises(AccessDenied, match="delete only its own"):
        access.delete_scenario_as(funder, access_session, city_name=CITY, name="analyst plan")
    access.delete_scenario_as(funder, access_session, city_name=CITY, name="what if")
    names = [s.name for s in scenarios.list_scenarios(access_session, city_name=CITY)]
    assert names == ["analyst plan"]
    saved = events(access_session, "scenario_saved")
    assert saved[0].before["parameters"] == {"b": 1} and saved[0].after["parameters"] == {"b": 2}
    (deleted,) = events(access_session, "scenario_deleted")
    assert deleted.before["name"] == "what if" and deleted.after is None
    with pytest.raises(AccessDenied):
        access.save_scenario_as(
            ACTORS["partner"], access_session, city_name=CITY, name="p", note=None, parameters={}
        )


# --- names are stored as given --------------------------------------------------------------


def test_names_with_markup_and_sql_store_unchanged(access_session: Session) -> None:
    analyst = ACTORS["analyst"]
    package = city_package()
    agencies = package.agencies.copy()
    agencies["name"] = pd.Series(NASTY[:3], dtype="str")
    services = package.services.copy()
    services["name"] = pd.Series(NASTY[2:5], dtype="str")
    access.import_city(
        analyst,
        access_session,
        dataclasses.replace(package, agencies=agencies, services=services),
        replace=True,
    )
    for name in NASTY:
        access.save_scenario_as(
            analyst, access_session, city_name=CITY, name=name, note=name, parameters={"n": name}
        )
    access_session.commit()
    loaded = access.read_package_for(analyst, access_session, CITY)
    assert loaded.agencies["name"].tolist() == NASTY[:3]
    assert loaded.services["name"].tolist() == NASTY[2:5]
    saved = {s.name: s for s in scenarios.list_scenarios(access_session, city_name=CITY)}
    for name in NASTY:
        assert saved[name].note == name and saved[name].parameters == {"n": name}
    assert {e.target for e in events(access_session, "scenario_saved")} >= set(NASTY)
    assert repository.list_cities(access_session) == sorted([CITY, OTHER_CITY])


# --- what each role sees --------------------------------------------------------------------


def test_funders_see_small_counts_hidden_and_confidential_agencies_at_their_district(
    access_session: Session,
) -> None:
    exact = access.read_package_for(ACTORS["analyst"], access_session, CITY)
    seen = access.read_package_for(ACTORS["funder"], access_session, CITY)
    k = get_settings().small_count_k
    small = (exact.demand["cases"] > 0) & (exact.demand["cases"] < k)
    assert small.sum() == 2
    assert seen.demand.loc[small, "cases"].isna().all()
    shown = seen.demand["cases"].notna()  # the rest as published (complements hidden too)
    assert (seen.demand.loc[shown, "cases"] == exact.demand.loc[shown, "cases"]).all()
    assert (exact.demand.loc[~shown & ~small, "cases"] >= k).all()
    confidential = exact.agencies["confidential"].to_numpy()
    points = geo.district_points(exact.districts)
    for i in np.flatnonzero(confidential):
        district = exact.agencies["district_id"].iloc[i]
        assert seen.agencies["lat"].iloc[i] == pytest.approx(points[district].y)
        assert seen.agencies["lon"].iloc[i] == pytest.approx(points[district].x)
        assert seen.agencies["name"].iloc[i] == access.CONFIDENTIAL_NAME
        assert exact.agencies["name"].iloc[i] not in seen.agencies["name"].tolist()
    pd.testing.assert_frame_equal(
        seen.agencies[~confidential], exact.agencies[~confidential], check_dtype=False
    )
    drawn = access.public_agency_points(seen, ACTORS["public"])
    assert drawn.loc[confidential, "exact"].eq(False).all()
    assert drawn.loc[~confidential, "exact"].all()


def test_public_sees_the_map_and_city_totals_only(access_session: Session) -> None:
    public = ACTORS["public"]
    seen = access.read_package_for(public, access_session, CITY)
    assert seen.demand.empty and seen.funders.empty and seen.eligibility.empty
    assert len(seen.agencies) == 3 and len(seen.capacity) > 0
    totals = access.city_totals_for(public, access_session, CITY)
    assert totals["service_id"].tolist()[-1] == "Total"
    assert totals["cases"].tolist() == ["70", "99", "135", "304"]  # 3 months, no small count
    assert access.city_totals_for(public, access_session, CITY, k=100)["cases"].tolist() == [
        "<100",
        "<100",
        "135",
        "304",
    ]
    assert access.city_totals_for(public, access_session, CITY, months=1)["cases"].tolist() == [
        "30",  # 2026-03, shelter: 8 + 10 + 12
        "39",
        "48",
        "117",
    ]
    assert set(totals.columns) >= {"service_id", "capacity", "occupied", "cases"}
    with pytest.raises(AccessDenied):
        access.planning_package_for(public, access_session, CITY)
    with pytest.raises(AccessDenied):
        access.audit_log(public, access_session)


def test_tables_of_counts_follow_the_role() -> None:
    counts = pd.DataFrame({"s1": [3, 12], "s2": [20, 30]}, index=["D1", "D2"])
    assert not access.counts_table_for(ACTORS["analyst"], counts).hidden.to_numpy().any()
    table = access.counts_table_for(ACTORS["funder"], counts, k=5)
    assert table.labels().loc["D1", "s1"] == "<5"
    long = pd.DataFrame({"district_id": ["D1", "D2"], "cases": [3, 12]})
    assert access.counts_frame_for(ACTORS["partner"], long, ["cases"], k=5)["cases"].tolist() == [
        "<5",
        "12",
    ]
    assert access.counts_frame_for(ACTORS["admin"], long, ["cases"])["cases"].tolist() == [
        "3",
        "12",
    ]


# --- the audit log --------------------------------------------------------------------------


def test_every_change_is_audited_with_before_and_after(access_session: Session) -> None:
    admin = ACTORS["admin"]
    access.import_city(admin, access_session, city_package(), replace=True)
    access.create_user_as(admin, access_session, username="neo", password=PASSWORD, role="funder")
    access.set_role_as(admin, access_session, username="neo", role="analyst")
    access.set_active_as(admin, access_session, username="neo", active=False)
    log = access.audit_log(admin, access_session)
    by_action = {e.action: e for e in reversed(log)}  # the newest of each action
    assert by_action["import"].before["data_version"]
    assert by_action["import"].after["replaced"] is True
    assert by_action["user_created"].after["role"] == "funder"
    assert by_action["role_changed"].before["role"] == "funder"
    assert by_action["role_changed"].after["role"] == "analyst"
    assert by_action["user_disabled"].after["active"] is False
    assert all("password_hash" not in str(e.after) for e in log)
    assert [e.at for e in log] == sorted((e.at for e in log), reverse=True)
    frame = access.audit_frame(log)
    assert list(frame.columns) == ["at", "actor", "action", "city", "target", "before", "after"]
    assert len(frame) == len(log)


def test_the_audit_log_cannot_be_changed(access_engine: Engine, access_session: Session) -> None:
    assert access.audit_log(ACTORS["admin"], access_session)
    access_session.close()
    for statement in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"):
        with access_engine.connect() as connection, pytest.raises(Exception, match="append-only"):
            connection.execute(text(statement))
    assert not [name for name in dir(accounts) if name.startswith(("delete_", "update_"))]
