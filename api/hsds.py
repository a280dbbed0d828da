"""Read-only HSDS 3.x endpoints, as Open Referral's API specification describes them, per city.

The base URL of a city's feed is `/cities/{city}/hsds`; under it, as in the
specification's OpenAPI document: `/` (about the feed), `/organizations`,
`/organizations/{id}`, `/services`, `/services/{id}`, `/service_at_locations`,
`/service_at_locations/{id}`, `/taxonomies`, `/taxonomies/{id}`, `/taxonomy_terms`,
`/taxonomy_terms/{id}`, and `/locations`, `/locations/{id}` besides. Lists are paginated
with `page` (from 1) and `per_page`, and answer the specification's `Page` object
(`total_items`, `total_pages`, `page_number`, `size`, `first_page`, `last_page`, `empty`,
`contents`); a list gives each item's own fields, `full=true` (and an item by id) nests its
related objects.

The rows are `service.exports.hsds_tables_for`'s, the same as `python -m planner
hsds-export` writes for the same audience: the caller's (the public's without a token),
so confidential agencies come as "Confidential location" without coordinates, unless an
audience that may see them asks `include_confidential_locations=true`. HSDS carries
agencies and capacity, never counts of cases.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from api.security import Reader
from planner.hsds.schema import (
    ATTRIBUTES,
    HSDS_VERSION,
    LANGUAGES,
    LOCATIONS,
    ORGANIZATIONS,
    SERVICE_AT_LOCATION,
    SERVICE_CAPACITY,
    SERVICES,
    TAXONOMIES,
    TAXONOMY_TERMS,
    UNITS,
)
from planner.i18n import t
from service import exports
from service.access import Actor
from service.audience import audience_for

router = APIRouter(prefix="/cities/{city}/hsds", tags=["hsds"])

Row = dict[str, Any]
Tables = dict[str, list[dict[str, object]]]

PROFILE = "https://docs.openreferral.org/en/latest/hsds/"


class Page(BaseModel):
    """Open Referral's `Page`, with the items of this page in `contents`."""

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[dict[str, Any]] = Field(description="HSDS objects (JSON Schema of HSDS 3.x).")


class About(BaseModel):
    version: str
    profile: str
    openapi_url: str
    description: str


PageNumber = Annotated[int, Query(ge=1, description="Page number, from 1.")]
PerPage = Annotated[int | None, Query(ge=1, description="Items per page.")]
Full = Annotated[bool, Query(description="Nest related objects in each item.")]
Search = Annotated[str | None, Query(max_length=200, description="Text in the name.")]
WithPlaces = Annotated[
    bool,
    Query(
        description="Real names and coordinates of confidential agencies, for an audience "
        "that may see them (admins, analysts); refused for any other."
    ),
]


def _clean(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _own(row: dict[str, object]) -> Row:
    """A copy of a row (the cached rows are shared) with NaN as null."""
    return {key: _clean(value) for key, value in row.items()}


class Feed:
    """One city's HSDS rows for one audience, with lookups by id and by link."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.by_id = {name: {str(r["id"]): r for r in rows} for name, rows in tables.items()}

    def rows(self, name: str) -> list[dict[str, object]]:
        return self.tables.get(name, [])

    def get(self, name: str, ident: str) -> dict[str, object] | None:
        return self.by_id.get(name, {}).get(ident)

    def where(self, name: str, column: str, value: object) -> list[Row]:
        return [_own(r) for r in self.rows(name) if r.get(column) == value]

    def attributes(self, link_id: object) -> list[Row]:
        found = []
        for attribute in self.where(ATTRIBUTES, "link_id", link_id):
            term = self.get(TAXONOMY_TERMS, str(attribute["taxonomy_term_id"]))
            attribute["taxonomy_term"] = None if term is None else _own(term)
            found.append(attribute)
        return found

    def location(self, row: dict[str, object]) -> Row:
        item = _own(row)
        item["languages"] = self.where(LANGUAGES, "location_id", row["id"])
        item["attributes"] = self.attributes(row["id"])
        return item

    def service(self, row: dict[str, object]) -> Row:
        item = _own(row)
        organization = self.get(ORGANIZATIONS, str(row.get("organization_id")))
        item["organization"] = None if organization is None else _own(organization)
        capacities = self.where(SERVICE_CAPACITY, "service_id", row["id"])
        for capacity in capacities:
            unit = self.get(UNITS, str(capacity["unit_id"]))
            capacity["unit"] = None if unit is None else _own(unit)
        item["capacities"] = capacities
        item["service_at_locations"] = [
            self.service_at_location(link, nest_service=False)
            for link in self.rows(SERVICE_AT_LOCATION)
            if link["service_id"] == row["id"]
        ]
        item["attributes"] = self.attributes(row["id"])
        return item

    def service_at_location(self, row: dict[str, object], *, nest_service: bool = True) -> Row:
        item = _own(row)
        location = self.get(LOCATIONS, str(row["location_id"]))
        item["location"] = None if location is None else self.location(location)
        if nest_service:
            service = self.get(SERVICES, str(row["service_id"]))
            item["service"] = None if service is None else _own(service)
        return item

    def organization(self, row: dict[str, object]) -> Row:
        item = _own(row)
        item["services"] = self.where(SERVICES, "organization_id", row["id"])
        item["locations"] = [
            self.location(r) for r in self.rows(LOCATIONS) if r["organization_id"] == row["id"]
        ]
        item["attributes"] = self.attributes(row["id"])
        return item

    def taxonomy_term(self, row: dict[str, object]) -> Row:
        item = _own(row)
        taxonomy = self.get(TAXONOMIES, str(row.get("taxonomy_id")))
        item["taxonomy_detail"] = None if taxonomy is None else _own(taxonomy)
        return item


def _feed(actor: Actor, city: str, include_confidential_locations: bool) -> Feed:
    tables = exports.hsds_tables_for(
        actor,
        city,
        audience_for(actor).role,  # the caller's own audience, not the export's default
        include_confidential_locations=include_confidential_locations,
    )
    return Feed(tables)


def _page(
    request: Request, items: list[dict[str, object]], page: int, per_page: int | None
) -> Page:
    settings = request.app.state.settings
    size = min(per_page or settings.per_page, settings.max_per_page)
    total = len(items)
    pages = max(1, math.ceil(total / size))
    contents = items[(page - 1) * size : page * size]
    return Page(
        total_items=total,
        total_pages=pages,
        page_number=page,
        size=len(contents),
        first_page=page == 1,
        last_page=page >= pages,
        empty=total == 0,
        contents=[dict(item) for item in contents],
    )


def _matching(rows: Iterable[dict[str, object]], search: str | None) -> list[dict[str, object]]:
    if not search:
        return list(rows)
    needle = search.casefold()
    return [r for r in rows if needle in str(r.get("name") or "").casefold()]


def _one(feed: Feed, table: str, ident: str, nest: Callable[[dict[str, object]], Row]) -> Row:
    row = feed.get(table, ident)
    if row is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, t("no HSDS object with id {id}", id=repr(ident))
        )
    return nest(row)


@router.get("/", summary="About this HSDS feed", response_model=About)
def about(city: str, request: Request, actor: Reader) -> About:
    _feed(actor, city, False)  # refuses a city the caller may not read
    return About(
        version=HSDS_VERSION,
        profile=PROFILE,
        openapi_url=str(request.url_for("openapi")),
        description=f"Haven: agencies and capacity of {city} (HSDS {HSDS_VERSION}).",
    )


@router.get("/organizations", summary="Paginated list of organizations", response_model=Page)
def organizations(
    city: str,
    request: Request,
    actor: Reader,
    page: PageNumber = 1,
    per_page: PerPage = None,
    search: Search = None,
    full: Full = False,
    include_confidential_locations: WithPlaces = False,
) -> Page:
    feed = _feed(actor, city, include_confidential_locations)
    rows = _matching(feed.rows(ORGANIZATIONS), search)
    return _page(request, [feed.organization(r) if full else _own(r) for r in rows], page, per_page)


@router.get("/organizations/{id}", summary="An organization, nested")
def organization(
    city: str, id: str, actor: Reader, include_confidential_locations: WithPlaces = False
) -> dict[str, Any]:
    feed = _feed(actor, city, include_confidential_locations)
    return _one(feed, ORGANIZATIONS, id, feed.organization)


@router.get("/services", summary="Paginated list of services", response_model=Page)
def services(  # noqa: PLR0913 (the query parameters of the specification)
    city: str,
    request: Request,
    actor: Reader,
    page: PageNumber = 1,
    per_page: PerPage = None,
    search: Search = None,
    organization_id: Annotated[str | None, Query()] = None,
    taxonomy_term_id: Annotated[str | None, Query()] = None,
    full: Full = False,
    include_confidential_locations: WithPlaces = False,
) -> Page:
    feed = _feed(actor, city, include_confidential_locations)
    rows = _matching(feed.rows(SERVICES), search)
    if organization_id is not None:
        rows = [r for r in rows if r.get("organization_id") == organization_id]
    if taxonomy_term_id is not None:
        linked = {
            a["link_id"]
            for a in feed.rows(ATTRIBUTES)
            if a.get("taxonomy_term_id") == taxonomy_term_id
        }
        rows = [r for r in rows if r["id"] in linked]
    return _page(request, [feed.service(r) if full else _own(r) for r in rows], page, per_page)


@router.get("/services/{id}", summary="A service, nested")
def service(
    city: str, id: str, actor: Reader, include_confidential_locations: WithPlaces = False
) -> dict[str, Any]:
    feed = _feed(actor, city, include_confidential_locations)
    return _one(feed, SERVICES, id, feed.service)


@router.get("/locations", summary="Paginated list of locations", response_model=Page)
def locations(
    city: str,
    request: Request,
    actor: Reader,
    page: PageNumber = 1,
    per_page: PerPage = None,
    search: Search = None,
    full: Full = False,
    include_confidential_locations: WithPlaces = False,
) -> Page:
    feed = _feed(actor, city, include_confidential_locations)
    rows = _matching(feed.rows(LOCATIONS), search)
    return _page(request, [feed.location(r) if full else _own(r) for r in rows], page, per_page)


@router.get("/locations/{id}", summary="A location, nested")
def location(
    city: str, id: str, actor: Reader, include_confidential_locations: WithPlaces = False
) -> dict[str, Any]:
    feed = _feed(actor, city, include_confidential_locations)
    return _one(feed, LOCATIONS, id, feed.location)


@router.get(
    "/service_at_locations",
    summary="Paginated list of services at locations",
    response_model=Page,
)
def service_at_locations(
    city: str,
    request: Request,
    actor: Reader,
    page: PageNumber = 1,
    per_page: PerPage = None,
    organization_id: Annotated[str | None, Query()] = None,
    full: Full = False,
    include_confidential_locations: WithPlaces = False,
) -> Page:
    feed = _feed(actor, city, include_confidential_locations)
    rows = feed.rows(SERVICE_AT_LOCATION)
    if organization_id is not None:
        offered = {
            s["id"] for s in feed.rows(SERVICES) if s.get("organization_id") == organization_id
        }
        rows = [r for r in rows if r["service_id"] in offered]
    items = [feed.service_at_location(r) if full else _own(r) for r in rows]
    return _page(request, items, page, per_page)


@router.get("/service_at_locations/{id}", summary="A service at a location, nested")
def service_at_location(
    city: str, id: str, actor: Reader, include_confidential_locations: WithPlaces = False
) -> dict[str, Any]:
    feed = _feed(actor, city, include_confidential_locations)
    return _one(feed, SERVICE_AT_LOCATION, id, feed.service_at_location)


@router.get("/taxonomies", summary="Paginated list of taxonomies", response_model=Page)
def taxonomies(
    city: str,
    request: Request,
    actor: Reader,
    page: PageNumber = 1,
    per_page: PerPage = None,
    search: Search = None,
) -> Page:
    feed = _feed(actor, city, False)
    rows = [_own(r) for r in _matching(feed.rows(TAXONOMIES), search)]
    return _page(request, rows, page, per_page)


@router.get("/taxonomies/{id}", summary="A taxonomy")
def taxonomy(city: str, id: str, actor: Reader) -> dict[str, Any]:
    feed = _feed(actor, city, False)
    return _one(feed, TAXONOMIES, id, _own)


@router.get("/taxonomy_terms", summary="Paginated list of taxonomy terms", response_model=Page)
def taxonomy_terms(
    city: str,
    request: Request,
    actor: Reader,
    page: PageNumber = 1,
    per_page: PerPage = None,
    search: Search = None,
    taxonomy_id: Annotated[str | None, Query()] = None,
) -> Page:
    feed = _feed(actor, city, False)
    rows = _matching(feed.rows(TAXONOMY_TERMS), search)
    if taxonomy_id is not None:
        rows = [r for r in rows if r.get("taxonomy_id") == taxonomy_id]
    return _page(request, [feed.taxonomy_term(r) for r in rows], page, per_page)


@router.get("/taxonomy_terms/{id}", summary="A taxonomy term")
def taxonomy_term(city: str, id: str, actor: Reader) -> dict[str, Any]:
    feed = _feed(actor, city, False)
    return _one(feed, TAXONOMY_TERMS, id, feed.taxonomy_term)
