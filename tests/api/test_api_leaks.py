"""What a funder's, a partner's and the public's client can read from the API leaks no
confidential name or place and no small count (the leak city of tests/leak_city.py, read
by the scanner that reads the pages and exports, tests/leak_scan.py)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from models.db import dispose_engines
from planner.settings import get_settings
from service import store, tokens
from tests.api.conftest import GENEROUS, SETUP, bearer
from tests.leak_city import CITY, leak_package
from tests.leak_db import ACTORS, build_database
from tests.leak_scan import Received, leaks

LISTS = ("organizations", "services", "locations", "service_at_locations", "taxonomy_terms")


@pytest.fixture(scope="module")
def leak_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict]]:
    url = build_database(tmp_path_factory.mktemp("api_leaks") / "leaks.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("HAVEN_SECRET_KEY", "leak test key")
        patch.setenv("HAVEN_PUBLIC_ACCESS", "true")
        get_settings.cache_clear()
        store.clear()
        made = {
            role: tokens.create_token(SETUP, username=actor.username, name="leaks").token
            for role, actor in ACTORS.items()
            if role != "public"
        }
        with TestClient(create_app(GENEROUS)) as client:
            yield client, made
        store.clear()
        get_settings.cache_clear()
    dispose_engines()


def crawl(client: TestClient, headers: dict[str, str], **params: str) -> Received:
    """Every GET a client of this reader can make of the city: lists nested, each item by id,
    each agency's capacity status."""
    received = Received()
    base = f"/cities/{quote(CITY)}"

    def keep(path: str, **query: str) -> dict:
        answer = client.get(path, headers=headers, params={**params, **query})
        assert answer.status_code == 200, (path, answer.text)
        received.file("api", path.strip("/").replace("/", "_") + ".json", answer.content)
        return answer.json()

    keep("/")
    keep(f"{base}/hsds/")
    for name in LISTS:
        page = keep(f"{base}/hsds/{name}", full="true", per_page="500")
        for item in page["contents"]:
            keep(f"{base}/hsds/{name}/{item['id']}")
    for agency in leak_package().agencies["agency_id"]:
        keep(f"{base}/agencies/{agency}/capacity")
    return received


@pytest.mark.parametrize("role", ["funder", "partner", "public"])
def test_no_reader_without_the_right_gets_a_confidential_place_or_a_small_count(
    leak_api: tuple[TestClient, dict], role: str
) -> None:
    client, made = leak_api
    headers = bearer(made[role]) if role in made else {}
    found = leaks(crawl(client, headers), confidential=False, exact=False)
    assert not found, f"{len(found)} leak(s):\n" + "\n".join(found[:40])


def test_the_scan_sees_what_it_looks_for(leak_api: tuple[TestClient, dict]) -> None:
    client, made = leak_api
    analyst = crawl(client, bearer(made["analyst"]), include_confidential_locations="true")
    assert leaks(analyst, confidential=False, exact=True)
