"""The REST API's HSDS endpoints: Open Referral's paths and pages, built from the same rows
as the HSDS export, for the caller's audience."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from planner.settings import get_settings
from service import exports
from tests.api.conftest import SETUP, bearer
from tests.service.access_city import CITY, OTHER_CITY

HSDS = f"/cities/{quote(CITY)}/hsds"
REAL_NAME = "Safe Harbor House"
"""The confidential shelter (A1) of the tiny city."""


def _org_names(client: TestClient, headers: dict[str, str], **params: object) -> list[str]:
    answer = client.get(f"{HSDS}/organizations", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return [item["name"] for item in answer.json()["contents"]]


def test_the_lists_are_open_referral_pages(client: TestClient, role_tokens: dict[str, str]) -> None:
    headers = bearer(role_tokens["funder"])
    first = client.get(f"{HSDS}/services", headers=headers, params={"per_page": 2}).json()
    assert first["total_items"] == 4 and first["total_pages"] == 2
    assert first["page_number"] == 1 and first["size"] == 2
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    last = client.get(f"{HSDS}/services", headers=headers, params={"per_page": 2, "page": 2}).json()
    assert last["last_page"] and last["size"] == 2
    ids = {s["id"] for s in first["contents"]} | {s["id"] for s in last["contents"]}
    assert len(ids) == 4
    beyond = client.get(f"{HSDS}/services", headers=headers, params={"page": 9}).json()
    assert beyond["size"] == 0 and beyond["contents"] == []
    assert client.get(f"{HSDS}/services", headers=headers, params={"page": 0}).status_code == 422
    for path in ("organizations", "locations", "service_at_locations", "taxonomies"):
        page = client.get(f"{HSDS}/{path}", headers=headers).json()
        assert page["total_items"] == len(page["contents"]) > 0, path
    about = client.get(f"{HSDS}/", headers=headers).json()
    assert about["version"].startswith("3.") and about["openapi_url"].endswith("/openapi.json")


def test_a_service_by_id_is_nested_with_its_capacity_and_place(
    client: TestClient, role_tokens: dict[str, str]
) -> None:
    headers = bearer(role_tokens["partner"])
    listed = client.get(f"{HSDS}/services", headers=headers, params={"search": "legal"}).json()
    assert {s["name"] for s in listed["contents"]} == {"Legal aid"}
    one = listed["contents"][0]
    assert "capacities" not in one, "a list gives each item's own fields"
    nested = client.get(f"{HSDS}/services/{one['id']}", headers=headers).json()
    assert nested["organization"]["id"] == one["organization_id"]
    capacity = nested["capacities"][0]
    assert capacity["unit"]["name"] == "hour" and capacity["maximum"] >= capacity["available"]
    place = nested["service_at_locations"][0]["location"]
    assert place["external_identifier_type"] == "haven_agency_id"
    by_org = client.get(
        f"{HSDS}/services", headers=headers, params={"organization_id": one["organization_id"]}
    ).json()
    assert one["id"] in {s["id"] for s in by_org["contents"]}
    assert client.get(f"{HSDS}/services/nope", headers=headers).status_code == 404


def test_confidential_agencies_come_without_place_unless_the_audience_may_see_them(
    client: TestClient, role_tokens: dict[str, str]
) -> None:
    for role in ("funder", "partner"):
        headers = bearer(role_tokens[role])
        assert REAL_NAME not in _org_names(client, headers)
        assert "Confidential location" in _org_names(client, headers)
        places = client.get(f"{HSDS}/locations", headers=headers).json()["contents"]
        hidden = [p for p in places if p["name"] == "Confidential location"]
        assert hidden and all(p["latitude"] is None and p["longitude"] is None for p in hidden)
        refused = client.get(
            f"{HSDS}/locations",
            headers=headers,
            params={"include_confidential_locations": "true"},
        )
        assert refused.status_code == 403
    analyst = bearer(role_tokens["analyst"])
    assert REAL_NAME not in _org_names(client, analyst), "withheld unless asked, as the export"
    assert REAL_NAME in _org_names(client, analyst, include_confidential_locations="true")


def test_the_api_serves_what_the_export_writes(
    client: TestClient, role_tokens: dict[str, str], tmp_path: Path
) -> None:
    out = exports.hsds_export(SETUP, CITY, tmp_path / "hsds", "partner")
    with (out / "organizations.csv").open(encoding="utf-8") as handle:
        exported = {(row["id"], row["name"]) for row in csv.DictReader(handle)}
    page = client.get(
        f"{HSDS}/organizations", headers=bearer(role_tokens["partner"]), params={"per_page": 100}
    ).json()
    assert {(o["id"], o["name"]) for o in page["contents"]} == exported


def test_the_public_reads_hsds_only_when_the_city_allows_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get(f"{HSDS}/organizations").status_code == 401
    monkeypatch.setenv("HAVEN_PUBLIC_ACCESS", "true")
    get_settings.cache_clear()
    assert REAL_NAME not in _org_names(client, {})
    assert (
        client.get(
            f"{HSDS}/organizations", params={"include_confidential_locations": "true"}
        ).status_code
        == 403
    )


def test_a_partner_reads_the_feed_of_its_own_city_only(
    client: TestClient, role_tokens: dict[str, str]
) -> None:
    answer = client.get(
        f"/cities/{quote(OTHER_CITY)}/hsds/services", headers=bearer(role_tokens["partner"])
    )
    assert answer.status_code == 403
    missing = client.get("/cities/Atlantis/hsds/services", headers=bearer(role_tokens["funder"]))
    assert missing.status_code == 404
