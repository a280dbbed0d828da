"""Haven's REST API for partner agencies and other systems (issue 19), on FastAPI.

A client of the service layer, beside `ui/` and `cli/`: it imports `service/` (and the
domain's types), never `models/`, `ui/`, `pages/` or Streamlit (tests/test_layers.py).
Every figure and name it returns comes from the service layer, filtered for the caller's
audience; every change goes through the same audited service call as the app's form.

- `api.app.create_app()`: the application (`python -m planner api --port 8600` serves it);
- `api.security`: bearer tokens (`service.tokens`) and the public fallback;
- `api.ratelimit`: the in-process rate limiter;
- `api.capacity`: capacity status (HL7's value set) and capacity updates;
- `api.hsds`: read-only HSDS 3.x endpoints (Open Referral's API), per city.

docs/api.md says how to use it, with curl.
"""
