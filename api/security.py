"""Who a request acts for: a bearer token (`service.tokens`), else the public visitor when
the city allows public access (`HAVEN_PUBLIC_ACCESS`), else 401. And the rate limits.

The API does not follow `HAVEN_AUTH=none` (the single-user demo, where everyone is the
analyst `local`): a port serves whoever can reach it, so without a token a request is the
public, or nobody.

Rate limits (`api.ratelimit`): a request with a valid token counts against its token
(`HAVEN_API_RATE_PER_MINUTE`); any other, including one with a wrong token, against its
client address (`HAVEN_API_ANONYMOUS_RATE_PER_MINUTE`), so that guessing tokens is as
slow as any anonymous use. Beyond the limit: 429 with `Retry-After`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.ratelimit import RateLimiter
from planner.i18n import t
from planner.settings import get_settings
from service import tokens
from service.access import PUBLIC_VISITOR, Actor

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A Haven API token (`haven_...`), made by an admin with "
    "`python -m planner tokens create USER NAME`.",
)


def _limit(limiter: RateLimiter, key: str) -> None:
    decision = limiter.hit(key)
    if not decision.allowed:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            t(
                "too many requests; try again in {seconds} s",
                seconds=decision.retry_after,
            ),
            headers={"Retry-After": str(decision.retry_after)},
        )


def _address(request: Request) -> str:
    return f"ip:{request.client.host if request.client else 'unknown'}"


def _unauthorised(message: str, error: str | None = None) -> HTTPException:
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": challenge}
    )


def _caller(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Actor | None:
    """The token's actor; None without a token; 401 for a token that is not valid."""
    state = request.app.state
    sent = request.headers.get("authorization")
    if credentials is None and sent:
        _limit(state.anonymous_limiter, _address(request))
        raise _unauthorised(
            t("send the token as: Authorization: Bearer <token>"), "invalid_request"
        )
    if credentials is None:
        _limit(state.anonymous_limiter, _address(request))
        return None
    found = tokens.authenticate(credentials.credentials)
    if found is None:
        _limit(state.anonymous_limiter, _address(request))
        raise _unauthorised(
            t("this token is not valid: unknown, revoked, or its account is disabled"),
            "invalid_token",
        )
    _limit(state.token_limiter, f"token:{found.token_id}")
    return found.actor


def reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The actor of a read: the token's, else the public when public access is on."""
    actor = _caller(request, credentials)
    if actor is not None:
        return actor
    if get_settings().public_access:
        return PUBLIC_VISITOR
    raise _unauthorised(t("this API needs a token: Authorization: Bearer <token>"))


def writer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The actor of a change: always a token's."""
    actor = _caller(request, credentials)
    if actor is None:
        raise _unauthorised(t("this API needs a token: Authorization: Bearer <token>"))
    return actor


Reader = Annotated[Actor, Depends(reader)]
Writer = Annotated[Actor, Depends(writer)]
