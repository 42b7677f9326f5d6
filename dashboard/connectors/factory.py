"""Build `VendorClient`s from Django settings and the shared cache."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.cache import caches

from .client import ClientOptions, VendorClient
from .spec import ConnectorSpec


def client_options(**overrides: Any) -> ClientOptions:
    """The deployment's outbound fences (settings `VENDOR_*`), with per-call overrides."""
    options = ClientOptions(
        connect_timeout=settings.VENDOR_CONNECT_TIMEOUT,
        read_timeout=settings.VENDOR_READ_TIMEOUT,
        deadline=settings.VENDOR_DEADLINE,
        max_response_bytes=settings.VENDOR_MAX_RESPONSE_BYTES,
        allow_private_hosts=settings.ALLOW_PRIVATE_VENDOR_HOSTS,
        rate_limit_max_wait=settings.VENDOR_RATE_LIMIT_MAX_WAIT,
    )
    return replace(options, **overrides)


def make_client(
    spec: ConnectorSpec, *, options: ClientOptions | None = None, **kwargs: Any
) -> VendorClient:
    """A client whose rate budget is shared through Django's default cache."""
    return VendorClient(
        spec, cache=caches["default"], options=options or client_options(), **kwargs
    )
