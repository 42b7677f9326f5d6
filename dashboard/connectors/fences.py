"""Outbound fences: where the engine may send a request at all.

Every request (including those an auth flow makes on its own, such as a login) passes
`check_destination` before it leaves: it must go to the origin the spec names, and that host
must not resolve to a private, loopback, link-local or otherwise internal address unless the
deployment allows it (the demo and the tests talk to simulators on 127.0.0.1).

That check gives a clear message early; `FencedTransport` is the guarantee. It resolves the
host again as each connection opens and dials the very address it vetted, so a DNS answer
that changes between the check and the connection (DNS rebinding) cannot reach an internal
address.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from .errors import BlockedAddress, VendorError


def origin_of(url: str | httpx.URL) -> str:
    parts = urlsplit(str(url))
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def check_same_origin(url: str | httpx.URL, base_url: str) -> None:
    """Refuse a URL (a `next` link, a redirect) that leaves the configured vendor origin."""
    if origin_of(url) != origin_of(base_url):
        raise VendorError(
            kind="blocked",
            message=(
                f"Refused to follow a link to {urlsplit(str(url)).hostname or 'another host'}: "
                "it is not the vendor host configured for this connection."
            ),
        )


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


_RESOLVED: dict[tuple[str, int], tuple[float, tuple[str, ...]]] = {}
RESOLVE_TTL = 60.0


def _resolve(host: str, port: int) -> tuple[str, ...]:
    """The addresses of a host, remembered for a minute (the check runs on every request)."""
    now = time.monotonic()
    cached = _RESOLVED.get((host, port))
    if cached and cached[0] > now:
        return cached[1]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return ()
    addresses = tuple(sorted({str(info[4][0]) for info in infos}))
    _RESOLVED[(host, port)] = (now + RESOLVE_TTL, addresses)
    return addresses


def _blocked_message(host: str) -> str:
    return (
        f"Refused to connect to {host}: it is a private, loopback or link-local address. "
        "An administrator can allow such hosts with ALLOW_PRIVATE_VENDOR_HOSTS."
    )


class _PublicOnlyBackend(httpcore.SyncBackend):
    """Opens TCP connections only to public addresses, dialling the address it checked (TLS
    still verifies the certificate against the host name)."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"{host} could not be resolved: {exc}") from exc
        addresses = [str(info[4][0]) for info in infos]
        if not addresses or any(_is_internal(address) for address in addresses):
            raise BlockedAddress(_blocked_message(host))
        return super().connect_tcp(
            addresses[0],
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )


class FencedTransport(httpx.HTTPTransport):
    """httpx's transport; unless private hosts are allowed, its connections go through
    `_PublicOnlyBackend`."""

    def __init__(self, *, allow_private: bool) -> None:
        super().__init__()
        if not allow_private:
            limits = httpx.Limits()  # httpx's defaults, as `super()` used them
            self._pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(),
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                network_backend=_PublicOnlyBackend(),
            )


def check_public_host(url: str | httpx.URL, *, allow_private: bool) -> None:
    """Refuse hosts that are, or resolve to, internal addresses unless `allow_private`."""
    if allow_private:
        return
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(host, port)
    if any(_is_internal(address) for address in addresses):
        raise VendorError(kind="blocked", message=_blocked_message(host))


def check_destination(url: str | httpx.URL, *, base_url: str, allow_private: bool) -> None:
    check_same_origin(url, base_url)
    check_public_host(url, allow_private=allow_private)
