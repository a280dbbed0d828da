"""The API on a real server: uvicorn on a free port of localhost, in a thread, stopped after."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx2
import pytest
import uvicorn

from api.app import create_app
from tests.api.conftest import GENEROUS, bearer
from tests.service.access_city import CITY


@pytest.fixture
def server_url(api_db: str) -> Iterator[str]:
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind(("127.0.0.1", 0))  # a free port, chosen by the system
    port = listening.getsockname()[1]
    config = uvicorn.Config(create_app(GENEROUS), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listening.close()
    assert not thread.is_alive()


def test_a_partner_sends_its_numbers_to_a_real_server(
    server_url: str, role_tokens: dict[str, str]
) -> None:
    with httpx2.Client(base_url=server_url, trust_env=False, timeout=30) as http:
        assert http.get("/openapi.json").json()["info"]["title"] == "Haven API"
        assert http.get("/").status_code == 401
        headers = bearer(role_tokens["partner"])
        sent = http.post(
            f"/cities/{quote(CITY)}/agencies/A2/capacity",
            json={"service_id": "legal_aid", "capacity": 420, "occupied": 100},
            headers=headers,
        )
        assert sent.status_code == 200, sent.text
        status = http.get(
            f"/cities/{quote(CITY)}/agencies/A2/services/legal_aid/capacity", headers=headers
        ).json()
        assert status["status"]["code"] == "capacity" and status["available"] == 320
        other = http.post(
            f"/cities/{quote(CITY)}/agencies/A3/capacity",
            json={"service_id": "legal_aid", "capacity": 1},
            headers=headers,
        )
        assert other.status_code == 403
