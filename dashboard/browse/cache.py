"""Recent vendor pages, cached per connection, resource and vendor query.

A page is fresh for `BROWSE_CACHE_TTL` seconds and kept for `BROWSE_STALE_TTL` seconds to be
shown, with its age, when the vendor fails. Keys carry the connection's `updated_at` (an
edit or new credentials start afresh) and a per-resource version that
`invalidate_resource` bumps (call it after writing records of that resource).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from dashboard.connections.models import Connection
from dashboard.connectors.client import Listing

from .query import VendorRequest


@dataclass(frozen=True)
class CachedPage:
    listing: Listing
    fetched_at: float

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)

    def fresh(self, now: float) -> bool:
        return self.age(now) < settings.BROWSE_CACHE_TTL


def _cache() -> BaseCache:
    return caches["default"]


def _version_key(connection: Connection, resource: str) -> str:
    return f"browse:version:{connection.pk}:{resource}"


def _version(connection: Connection, resource: str) -> int:
    key = _version_key(connection, resource)
    _cache().add(key, time.time_ns(), timeout=None)
    return int(_cache().get(key) or 0)


def invalidate_resource(connection: Connection, resource: str) -> None:
    """Forget every cached page of one resource of a connection (after a write)."""
    _cache().set(_version_key(connection, resource), time.time_ns(), timeout=None)


def page_key(connection: Connection, resource: str, request: VendorRequest) -> str:
    stamp = int(connection.updated_at.timestamp() * 1_000_000)
    digest = hashlib.sha256(request.token().encode()).hexdigest()[:32]
    version = _version(connection, resource)
    return f"browse:page:{connection.pk}:{stamp}:{resource}:{version}:{digest}"


def cached_page(key: str) -> CachedPage | None:
    found = _cache().get(key)
    return found if isinstance(found, CachedPage) else None


def store_page(key: str, listing: Listing, fetched_at: float) -> CachedPage:
    page = CachedPage(listing=listing, fetched_at=fetched_at)
    timeout = max(settings.BROWSE_CACHE_TTL, settings.BROWSE_STALE_TTL, 1)
    _cache().set(key, page, timeout=timeout)
    return page
