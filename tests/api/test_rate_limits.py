"""Rate limits: per token, and per client address without a valid token."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from api.ratelimit import RateLimiter
from api.settings import ApiSettings
from tests.api.conftest import bearer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_bursts_then_refills_at_its_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(60, clock=clock)  # one a second
    assert all(limiter.hit("a").allowed for _ in range(60))
    refused = limiter.hit("a")
    assert not refused.allowed and refused.retry_after == 1
    assert limiter.hit("b").allowed, "each key has its own bucket"
    clock.now += 1.0
    assert limiter.hit("a").allowed
    assert not limiter.hit("a").allowed


def test_the_limiter_forgets_the_oldest_keys() -> None:
    limiter = RateLimiter(1, max_keys=2, clock=Clock())
    for key in ("a", "b", "c"):
        assert limiter.hit(key).allowed
    assert limiter.hit("a").allowed, "a was forgotten: a fresh bucket"
    assert not limiter.hit("c").allowed


def test_429_with_retry_after_per_token_and_per_address(
    api_db: str, role_tokens: dict[str, str]
) -> None:
    settings = ApiSettings(rate_per_minute=3, anonymous_rate_per_minute=2)
    with TestClient(create_app(settings)) as client:
        partner, funder = bearer(role_tokens["partner"]), bearer(role_tokens["funder"])
        assert [client.get("/", headers=partner).status_code for _ in range(4)] == [
            200,
            200,
            200,
            429,
        ]
        limited = client.get("/", headers=partner)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert client.get("/", headers=funder).status_code == 200, "another token's bucket"
        wrong = bearer("haven_" + "y" * 43)
        assert [client.get("/", headers=wrong).status_code for _ in range(3)] == [401, 401, 429]
        assert client.get("/").status_code == 429, "the same address, without a token"
        assert client.get("/", headers=funder).status_code == 200
