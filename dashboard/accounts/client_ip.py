"""The client's IP address, for sign-in lockouts and the audit trail.

Behind reverse proxies, `REMOTE_ADDR` is the nearest proxy. Each proxy appends the address
it received the request from to `X-Forwarded-For`, so with `TRUSTED_PROXY_COUNT` proxies
in front of Django the client is the entry that many places from the right; entries further
left were written by the client and are never trusted. With the default of 0 the header is
ignored entirely. Set it only when Django cannot be reached except through those proxies.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    candidate = hops[-min(proxies, len(hops))]
    return candidate if _valid(candidate) else remote
