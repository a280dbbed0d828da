"""The REST API's capacity endpoints and its doors: tokens, roles, errors, OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from planner.settings import get_settings
from service import exports, tokens
from tests.api.conftest import SETUP, bearer
from tests.service.access_city import CITY, OTHER_CITY

BASE = f"/cities/{quote(CITY)}"


def post(client: TestClient, token: str | None, agency: str, **body: object) -> Response:
    headers = bearer(token) if token else {}
    return client.post(f"{BASE}/agencies/{agency}/capacity", json=body, headers=headers)


def test_the_openapi_document_is_served_and_no_page_needs_a_cdn(client: TestClient) -> None:
    document = client.get("/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    assert "post" in paths["/cities/{city}/agencies/{agency_id}/capacity"]
    for path in ("organizations", "services", "locations", "service_at_locations"):
        assert f"/cities/{{city}}/hsds/{path}" in paths
    assert document.json()["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_without_a_token_401_unless_the_city_allows_public_access(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = client.get("/")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    monkeypatch.setenv("HAVEN_PUBLIC_ACCESS", "true")
    get_settings.cache_clear()
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.json()["role"] == "public"
    assert post(client, None, "A2", service_id="legal_aid", capacity=10).status_code == 401


def test_a_token_that_is_not_valid_is_401(client: TestClient, role_tokens: dict[str, str]) -> None:
    assert client.get("/", headers=bearer(role_tokens["partner"])).json()["role"] == "partner"
    for wrong in ("haven_" + "x" * 43, "not a token", role_tokens["partner"] + "x"):
        answer = client.get("/", headers=bearer(wrong))
        assert answer.status_code == 401
        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    assert client.get("/", headers={"Authorization": "Basic abc"}).status_code == 401


def test_a_revoked_token_and_a_disabled_accounts_token_stop_at_once(
    client: TestClient, role_tokens: dict[str, str]
) -> None:
    from service import accounts

    listed = {t.username: t for t in tokens.list_tokens(SETUP)}
    tokens.revoke_token(SETUP, listed["fay"].id)
    assert client.get("/", headers=bearer(role_tokens["funder"])).status_code == 401
    accounts.set_active(SETUP, username="pat", active=False)
    assert client.get("/", headers=bearer(role_tokens["partner"])).status_code == 401
    assert client.get("/", headers=bearer(role_tokens["analyst"])).status_code == 200


def test_a_partner_updates_its_own_agency_audited(
    client: TestClient, role_tokens: dict[str, str]
) -> None:
    answer = post(
        client,
        role_tokens["partner"],
        "A2",
        service_id="legal_aid",
        capacity=380,
        occupied=380,
        as_of="2026-12-01",
    )
    assert answer.status_code == 200, answer.text
    saved = answer.json()
    assert saved["before"]["capacity"] == 400 and saved["before"]["occupied"] == 360
    assert saved["after"] == {
        "capacity": 380.0,
        "occupied": 380.0,
        "max_expansion": 100.0,  # kept: the update did not say it
        "funded": None,
        "as_of": "2026-12-01",
    }
    status = client.get(
        f"{BASE}/agencies/A2/services/legal_aid/capacity", headers=bearer(role_tokens["partner"])
    ).json()
    assert status["status"]["code"] == "no-capacity"
    assert status["available"] == 0 and status["as_of"] == "2026-12-01"
    log = exports.audit_log(SETUP, city=CITY, limit=5)
    edit = log[log["action"] == "capacity_edit"].iloc[0]
    assert edit["actor"] == "pat" and edit["target"] == "A2/legal_aid"


def test_another_agency_or_a_funders_token_is_403(
    client: TestClient, role_tokens: dict[str, str]
) -> None:
    other = post(client, role_tokens["partner"], "A3", service_id="legal_aid", capacity=1)
    assert other.status_code == 403
    assert "own agency" in other.json()["detail"]
    unknown = post(client, role_tokens["partner"], "ZZ", service_id="legal_aid", capacity=1)
    assert unknown.status_code == 403, "refused before any lookup: learns nothing of ZZ"
    elsewhere = client.post(
        f"/cities/{quote(OTHER_CITY)}/agencies/A2/capacity",
        json={"service_id": "legal_aid", "capacity": 1},
        headers=bearer(role_tokens["partner"]),
    )
    assert elsewhere.status_code == 403
    funder = post(client, role_tokens["funder"], "A2", service_id="legal_aid", capacity=1)
    assert funder.status_code == 403
    analyst = post(client, role_tokens["analyst"], "A3", service_id="legal_aid", capacity=41)
    assert analyst.status_code == 200


def test_bad_values_are_422_with_one_message_per_field(
    client: TestClient, role_tokens: dict[str, str]
) -> None:
    token = role_tokens["partner"]
    answer = post(client, token, "A2", service_id="legal_aid", capacity=-5, occupied=3)
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {
            "loc": ["body", "capacity"],
            "msg": "capacity: -5 is below zero",
            "type": "negative",
        }
    ]
    above = post(client, token, "A2", service_id="legal_aid", capacity=10, occupied=12)
    assert above.json()["detail"][0]["loc"] == ["body", "occupied"]
    assert above.json()["detail"][0]["msg"].startswith("occupied: 12 occupied is more")
    typed = post(client, token, "A2", service_id="legal_aid", capacity="lots", colour="red")
    assert typed.status_code == 422
    messages = sorted(item["msg"] for item in typed.json()["detail"])
    assert messages[0].startswith("capacity: ") and messages[1].startswith("colour: ")
    unknown = post(client, token, "A2", service_id="no_such_service", capacity=1)
    assert unknown.status_code == 404
    french = client.post(
        f"{BASE}/agencies/A2/capacity",
        json={"service_id": "legal_aid", "capacity": -5},
        headers={**bearer(token), "Accept-Language": "fr-CA,fr;q=0.9"},
    )
    assert french.json()["detail"][0]["msg"] != "capacity: -5 is below zero"
    assert french.json()["detail"][0]["msg"] == "capacity : -5 est inférieur à zéro"


def test_capacity_status_says_hl7_codes_as_of_a_date(
    client: TestClient, role_tokens: dict[str, str]
) -> None:
    answer = client.get(f"{BASE}/agencies/A3/capacity", headers=bearer(role_tokens["funder"]))
    assert answer.status_code == 200
    body = answer.json()
    assert body["value_set"].endswith("SDOHCC-ValueSetCapacityStatus")
    by_service = {s["service_id"]: s for s in body["services"]}
    counselling = by_service["counselling"]
    assert counselling["status"] == {
        "system": "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/"
        "SDOHCC-CodeSystemTemporaryCodes",
        "code": "capacity",
        "display": "Has Capacity",
    }
    assert counselling["available"] == 5 and counselling["as_of"] == "2026-01-01"
    assert counselling["stale"] is True  # dated long before today
    undated = by_service["legal_aid"]
    assert undated["status"] is None and undated["occupied"] is None and undated["stale"]
    missing = client.get(f"{BASE}/agencies/ZZ/capacity", headers=bearer(role_tokens["funder"]))
    assert missing.status_code == 404


def test_a_partner_reads_its_own_city_only(client: TestClient, role_tokens: dict[str, str]) -> None:
    answer = client.get(
        f"/cities/{quote(OTHER_CITY)}/agencies/A2/capacity",
        headers=bearer(role_tokens["partner"]),
    )
    assert answer.status_code == 403
    assert client.get("/", headers=bearer(role_tokens["partner"])).json()["cities"] == [CITY]


def test_funded_units_are_not_for_the_public(
    client: TestClient, role_tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = post(
        client, role_tokens["analyst"], "A2", service_id="legal_aid", capacity=400, funded=450
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["after"]["funded"] == 450
    path = f"{BASE}/agencies/A2/services/legal_aid/capacity"
    assert client.get(path, headers=bearer(role_tokens["funder"])).json()["funded"] == 450
    monkeypatch.setenv("HAVEN_PUBLIC_ACCESS", "true")
    get_settings.cache_clear()
    public = client.get(path).json()
    assert public["funded"] is None and public["capacity"] == 400
    short = post(
        client, role_tokens["analyst"], "A2", service_id="legal_aid", capacity=400, funded=300
    )
    assert short.status_code == 422 and short.json()["detail"][0]["loc"] == ["body", "funded"]


def test_a_body_too_large_is_413_before_it_is_read(
    client: TestClient, role_tokens: dict[str, str]
) -> None:
    path = f"{BASE}/agencies/A2/capacity"
    padding = "x" * 70_000
    body = f'{{"service_id": "legal_aid", "capacity": 1, "note": "{padding}"}}'.encode()
    headers = {"Content-Type": "application/json"}
    assert client.post(path, content=body, headers=headers).status_code == 413
    french = client.post(path, content=body, headers={**headers, "Accept-Language": "fr"})
    assert french.json()["detail"] == "le corps de la requête dépasse 65536 octets"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it comes
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    chunked = client.post(
        path, content=chunks(), headers={**headers, **bearer(role_tokens["partner"])}
    )
    assert chunked.status_code == 413


def test_a_date_after_today_is_refused(client: TestClient, role_tokens: dict[str, str]) -> None:
    later = post(
        client,
        role_tokens["partner"],
        "A2",
        service_id="legal_aid",
        capacity=10,
        as_of="2099-01-01",
    )
    assert later.status_code == 422
    assert later.json()["detail"] == [
        {
            "loc": ["body", "as_of"],
            "msg": "as_of: 2099-01-01 is after today; send the date the figures are true of",
            "type": "in_future",
        }
    ]
