"""Reads for browsing: a connection's resources, pages (through the cache), one record,
column preferences.

Vendor reads record their outcome on the connection's health (`connection_record_health`):
a failure there is what the connection pages show as the last error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import Http404
from pydantic import ValidationError

from dashboard.connections import services
from dashboard.connections.crypto import CredentialsUnreadable
from dashboard.connections.models import Connection
from dashboard.connections.specs import spec_data
from dashboard.connectors.client import Listing, VendorClient
from dashboard.connectors.errors import RateLimited, VendorError
from dashboard.connectors.spec import Method, ResourceSpec, SpecError

from .cache import cached_page, page_key, store_page
from .models import ColumnPreference
from .query import VendorRequest

INVALID_SPEC_MESSAGE = "This connection's settings are no longer valid"
DOT_SEGMENTS = frozenset({".", ".."})


@dataclass(frozen=True)
class MenuResource:
    name: str
    title: str
    listable: bool


@lru_cache(maxsize=256)
def _resources(preset: str, spec_toml: str) -> tuple[MenuResource, ...]:
    """The resources named in a connection's settings (no secret is needed to read them)."""
    try:
        data = spec_data(preset=preset, spec_toml=spec_toml, base_url="")
    except SpecError:
        return ()
    found = []
    for item in data.get("resources") or ():
        try:
            resource = ResourceSpec.model_validate(item)
        except ValidationError:
            continue
        found.append(MenuResource(resource.name, resource.title, resource.allows("list")))
    return tuple(found)


def resource_menu(connection: Connection) -> tuple[MenuResource, ...]:
    """The connection's listable resources, for navigation (nothing is decrypted)."""
    return tuple(
        item for item in _resources(connection.preset, connection.spec_toml) if item.listable
    )


class SourceUnavailable(Exception):
    """The connection cannot be used at all: its settings or credentials are broken."""

    def __init__(self, kind: Literal["invalid_spec", "credentials_unreadable"], detail: str):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Source:
    """A usable resource of a connection, with a client for its vendor."""

    connection: Connection
    client: VendorClient
    resource: ResourceSpec


def source_for(*, connection: Connection, resource: str, method: Method = "list") -> Source:
    """Http404 for a resource the connection does not have (or cannot `method`);
    `SourceUnavailable` when the connection's settings or credentials are unusable."""
    known = {item.name for item in _resources(connection.preset, connection.spec_toml)}
    if known and resource not in known:
        raise Http404("No such resource.")
    try:
        client = services.connection_client(connection=connection)
    except CredentialsUnreadable:
        raise SourceUnavailable("credentials_unreadable", services.UNREADABLE_MESSAGE) from None
    except SpecError as exc:
        raise SourceUnavailable("invalid_spec", f"{INVALID_SPEC_MESSAGE}: {exc}") from None
    try:
        spec_resource = client.spec.resource(resource)
    except SpecError:
        raise Http404("No such resource.") from None
    if not spec_resource.allows(method):
        raise Http404(f"This resource cannot be used with '{method}'.")
    return Source(connection=connection, client=client, resource=spec_resource)


def _record_health(connection: Connection, error: VendorError | None) -> None:
    """A refusal by our own rate budget (no status: the vendor was not asked) is not news
    about the vendor."""
    if isinstance(error, RateLimited) and error.status is None:
        return
    services.connection_record_health(connection=connection, error=error)


@dataclass(frozen=True)
class PageResult:
    """A page to show (fresh, cached or stale) and the error of the vendor call, if any."""

    listing: Listing | None
    fetched_at: float | None
    from_cache: bool
    error: VendorError | None

    @property
    def stale(self) -> bool:
        return self.error is not None and self.listing is not None


def page_for(*, source: Source, request: VendorRequest, refresh: bool = False) -> PageResult:
    """A fresh cached page, else the vendor's answer (cached); when the vendor fails, the
    last cached copy (if any) with the error. `refresh` skips the fresh copy."""
    key = page_key(source.connection, source.resource.name, request)
    cached = cached_page(key)
    now = time.time()
    if cached is not None and not refresh and cached.fresh(now):
        return PageResult(cached.listing, cached.fetched_at, from_cache=True, error=None)
    try:
        listing = source.client.list_page(source.resource.name, **request.kwargs())
    except VendorError as error:
        _record_health(source.connection, error)
        if cached is None:
            return PageResult(None, None, from_cache=False, error=error)
        return PageResult(cached.listing, cached.fetched_at, from_cache=True, error=error)
    _record_health(source.connection, None)
    stored = store_page(key, listing, time.time())
    return PageResult(listing, stored.fetched_at, from_cache=False, error=None)


def has_own_page(record_id: str) -> bool:
    """Whether a record id can be one segment of a dashboard URL (its record page)."""
    return bool(record_id) and "/" not in record_id and record_id not in DOT_SEGMENTS


def vendor_record_id(record_id: str) -> str:
    """The id as a single path segment for the vendor (`/`, `?`, `#`, `%` quoted); Http404
    for the dot segments, which would name another path."""
    if record_id in DOT_SEGMENTS:
        raise Http404("No such record.")
    return quote(record_id, safe="")


def record_for(*, source: Source, record_id: str) -> dict[str, Any]:
    """One record from the vendor; raises VendorError."""
    try:
        record = source.client.get(source.resource.name, vendor_record_id(record_id))
    except VendorError as error:
        _record_health(source.connection, error)
        raise
    _record_health(source.connection, None)
    return record


def column_preference_for(
    *, user: AbstractBaseUser, connection: Connection, resource: str
) -> list[str] | None:
    columns = (
        ColumnPreference.objects.filter(user=user, connection=connection, resource=resource)
        .values_list("columns", flat=True)
        .first()
    )
    return [str(name) for name in columns] if isinstance(columns, list) and columns else None
