"""The application: routes, errors as HTTP answers, the language of messages, the OpenAPI
document.

`create_app()` builds a fresh application (each with its own rate limiters), so that tests
and the server do not share counts. The OpenAPI document is served at `/openapi.json`; the
interactive documentation pages are off, since FastAPI's load their scripts from a CDN and
Haven makes no request to the network (docs/api.md says how to read the document offline).

Errors: a refusal of the access rules is 403, a token missing or not valid 401, an
unknown city, agency or service 404, figures that cannot be saved 422 with one entry per
field (`{"detail": [{"loc": ["body", "occupied"], "msg": "occupied: 12 occupied is more
than the capacity, 10", "type": "above_capacity"}]}`, the same shape as FastAPI's own
validation errors, whose messages are also given as `field: message`), a change made
meanwhile by someone else 409, a database that fails 503. Messages are in English, or in
French for `Accept-Language: fr`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import capacity, hsds
from api.ratelimit import RateLimiter
from api.security import Reader
from api.settings import ApiSettings
from planner.i18n import normalise_language, t, use_language
from service import city as city_service
from service.edits import InvalidCapacity
from service.errors import (
    AccessDenied,
    ConcurrentEdit,
    DatabaseError,
    InvalidRecord,
    UnknownAgency,
    UnknownCity,
    UnknownService,
    UnknownUser,
)

API_VERSION = "1"

DESCRIPTION = """Haven's REST API for partner agencies and other systems.

- Capacity: an agency's status now (HL7 SDOH Clinical Care capacity status: `capacity`,
  `no-capacity`), and a partner's update of its own agency's figures.
- HSDS 3.x: organizations, services, locations, services at locations, taxonomies, per city,
  as Open Referral's API describes them; confidential agencies without their place.

Send a token made by an admin (`python -m planner tokens create USER NAME`) as
`Authorization: Bearer <token>`. Without one, reads are answered for the public when the
city allows public access (`HAVEN_PUBLIC_ACCESS=true`), else 401.
"""


class About(BaseModel):
    name: str
    version: str
    openapi_url: str
    cities: list[str]
    role: str


def _detail(status_code: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status_code)


def _field(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {
            "loc": list(error.get("loc", ())),
            "msg": f"{_field(error.get('loc', ()))}: {error.get('msg', '')}",
            "type": error.get("type", "value_error"),
        }
        for error in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _invalid_capacity(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidCapacity)
    detail = [
        {"loc": ["body", problem.field], "msg": problem.message(), "type": problem.code}
        for problem in exc.problems
    ]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _invalid_record(request: Request, exc: Exception) -> Response:
    field = str(exc).split(":", 1)[0] if ":" in str(exc) else "body"
    detail = [{"loc": ["body", field], "msg": str(exc), "type": "invalid"}]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _handlers() -> dict[type[Exception], Callable[[Request, Exception], Response]]:
    return {
        RequestValidationError: _validation,
        InvalidCapacity: _invalid_capacity,
        AccessDenied: lambda _r, exc: _detail(status.HTTP_403_FORBIDDEN, str(exc)),
        UnknownCity: lambda _r, exc: _detail(status.HTTP_404_NOT_FOUND, str(exc)),
        UnknownAgency: lambda _r, exc: _detail(status.HTTP_404_NOT_FOUND, str(exc)),
        UnknownService: lambda _r, exc: _detail(status.HTTP_404_NOT_FOUND, str(exc)),
        UnknownUser: lambda _r, exc: _detail(status.HTTP_404_NOT_FOUND, str(exc)),
        ConcurrentEdit: lambda _r, exc: _detail(status.HTTP_409_CONFLICT, str(exc)),
        InvalidRecord: _invalid_record,
        DatabaseError: lambda _r, _exc: _detail(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            t("the database could not answer; try again later"),
        ),
    }


def _language(header: str | None) -> str:
    """The first language of an Accept-Language header that Haven speaks (en by default)."""
    for part in (header or "").split(","):
        code = normalise_language(part.split(";")[0].strip())
        if code != "en" or part.strip().lower().startswith("en"):
            return code
    return "en"


class InTheReadersLanguage:
    """Messages in the language of the request's Accept-Language (English by default), for
    everything the request runs (the context is copied into the threads of sync routes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
        with use_language(_language(header)):
            await self.app(scope, receive, send)


class BodyLimit:
    """Refuse a request body larger than `most` bytes (413) before the framework reads it
    into memory: FastAPI parses the body before the token is checked, so without this an
    anonymous client could make the process hold any amount. Checks Content-Length, and
    counts the bytes of a body sent without one."""

    def __init__(self, app: ASGIApp, most: int) -> None:
        self.app = app
        self.most = most

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.most):
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.most:  # FastAPI passes an HTTPException on as it is
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, self._message())
            return message

        await self.app(scope, counted, send)

    def _message(self) -> str:
        return t("the request body is larger than {most} bytes", most=self.most)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"detail": self._message()}, status_code=status.HTTP_413_CONTENT_TOO_LARGE
        )
        await response(scope, receive, send)


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """A new application, with its own rate limiters. The process it runs in does not
    precompute forecasts in the background (HAVEN_PRECOMPUTE=0 unless set): no answer of
    the API needs one, and the app's own processes compute them."""
    os.environ.setdefault("HAVEN_PRECOMPUTE", "0")
    settings = settings or ApiSettings()
    app = FastAPI(
        title="Haven API",
        version=API_VERSION,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.token_limiter = RateLimiter(settings.rate_per_minute)
    app.state.anonymous_limiter = RateLimiter(settings.anonymous_rate_per_minute)
    for error, handler in _handlers().items():
        app.add_exception_handler(error, handler)

    @app.get("/", summary="About this API", response_model=About, tags=["meta"])
    def about(request: Request, actor: Reader) -> About:
        return About(
            name="Haven API",
            version=API_VERSION,
            openapi_url=str(request.url_for("openapi")),
            cities=city_service.cities_for(actor),
            role=actor.role,
        )

    app.include_router(capacity.router)
    app.include_router(hsds.router)
    app.add_middleware(BodyLimit, most=settings.max_body_bytes)
    app.add_middleware(InTheReadersLanguage)  # added last: outermost, so 413 speaks it too
    return app
