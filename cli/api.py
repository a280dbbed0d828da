"""`python -m planner api`: serve the REST API (api/) with uvicorn, beside the app.

One process, one worker: the rate limits are counted in its memory (api/ratelimit.py).
The API shares the app's database (DATABASE_URL) and settings; it does not precompute
forecasts in the background (HAVEN_PRECOMPUTE=0 unless set), since none of its answers
needs one. It listens on localhost unless told otherwise: put it behind the city's
HTTPS reverse proxy to open it to partners (docs/api.md).
"""

from __future__ import annotations

import argparse
import os

from planner.i18n import t

DEFAULT_PORT = 8600


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "api",
        help=t("serve the REST API for partner systems (docs/api.md)"),
        description=t(
            "Serve Haven's REST API (capacity status and updates, HSDS) with uvicorn. "
            "Its OpenAPI document is at /openapi.json."
        ),
    )
    p.add_argument(
        "--host", default="127.0.0.1", help=t("address to listen on (default: 127.0.0.1)")
    )
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=t("port to listen on (default: 8600)")
    )
    p.add_argument(
        "--proxy-headers",
        action="store_true",
        help=t(
            "trust X-Forwarded-For from the reverse proxy on this machine (rate limits per "
            "client address)"
        ),
    )
    p.add_argument(
        "--root-path",
        default="",
        help=t("the path the reverse proxy serves the API under, e.g. /api"),
    )
    p.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    os.environ.setdefault("HAVEN_PRECOMPUTE", "0")
    import uvicorn

    from api.app import create_app

    uvicorn.run(
        create_app(),
        host=args.host,
        port=args.port,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips="127.0.0.1" if args.proxy_headers else None,
        root_path=args.root_path,
        log_level="info",
    )
    return 0
