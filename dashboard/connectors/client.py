"""`VendorClient`: the one way the dashboard talks to a vendor API.

It interprets a `ConnectorSpec` with the engine's mechanisms (auth flows, paginators, the
error normaliser, the shared rate-limit budget) and fences every outbound call (same origin,
no internal hosts unless allowed, no redirects, timeouts, an overall deadline and a size cap).

One pooled `httpx.Client` (with its auth state: tokens, the scope step) is kept per process
and vendor account; `VendorClient` objects are cheap views over it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from .auth import TokenLock, TokenResponseError, TokenStore, build_auth
from .errors import RateLimited, VendorError, error_from_exception, error_from_response
from .fences import FencedTransport, check_destination, check_same_origin
from .pagination import PaginationError, Paginator, make_paginator
from .ratelimit import Budget, RateLimitSnapshot, read_rate_limit
from .redaction import register_secrets
from .spec import ConnectorSpec, ResourceSpec, SpecError
from .stats import VendorStats

logger = logging.getLogger("dashboard.vendor")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
# Transport failures after which a write may have reached the vendor.
MAYBE_SENT = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class ClientOptions:
    """Deployment-wide fences; the app builds them from settings."""

    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    deadline: float = 30.0
    max_response_bytes: int = 20 * 1024 * 1024
    allow_private_hosts: bool = False
    rate_limit_max_wait: float = 2.0


@dataclass(frozen=True)
class Listing:
    """One page of a collection, as the vendor returned it."""

    resource: str
    records: list[dict[str, Any]]
    page: int | None
    page_size: int
    total: int | None
    page_count: int | None
    has_next: bool
    next_token: str | None
    rate_limit: RateLimitSnapshot
    sorted_by_vendor: bool = False
    filtered_by_vendor: frozenset[str] = frozenset()
    searched_by_vendor: bool = False


@dataclass(frozen=True)
class Answer:
    """The status and ETag of the vendor's last answer to a resource call (auth calls such as
    logins are not counted): for audit trails and conflict checks."""

    status: int
    etag: str | None = None


@dataclass
class SessionCounts:
    """What this client did: for the `fetch` summary and for logs."""

    requests: int = 0
    rate_limited: int = 0
    retries: int = 0
    pages: int = 0
    records: int = 0


def account_key(spec: ConnectorSpec) -> str:
    """A stable, non-reversible name for the vendor account a spec talks to.

    Two connections with the same host and the same credentials share one rate budget and
    one token set, whoever configured them.
    """
    identity = [spec.origin, spec.auth.type]
    for name in ("username", "key", "client_id"):
        secret = getattr(spec.auth, name, None)
        if secret is not None:
            identity.append(secret.get_secret_value())
    return hashlib.sha256("\x00".join(identity).encode()).hexdigest()[:24]


@dataclass
class _Session:
    """What is worth sharing per process and account: the connection pool and auth state."""

    transport: httpx.BaseTransport
    auth: httpx.Auth
    fingerprint: str


_SESSIONS: dict[str, _Session] = {}
_SESSIONS_LOCK = threading.Lock()


def _fingerprint(spec: ConnectorSpec, allow_private: bool) -> str:
    dumped = spec.model_dump(mode="json") | {"allow_private": allow_private}
    dumped["auth"] = {
        key: value.get_secret_value() if hasattr(value, "get_secret_value") else value
        for key, value in dict(spec.auth).items()
    }
    return hashlib.sha256(json.dumps(dumped, sort_keys=True).encode()).hexdigest()


def close_sessions() -> None:
    """Close every pooled connection (tests and process shutdown)."""
    with _SESSIONS_LOCK:
        for session in _SESSIONS.values():
            session.transport.close()
        _SESSIONS.clear()


class VendorClient:
    """Read and write one vendor account's resources as described by its spec."""

    def __init__(
        self,
        spec: ConnectorSpec,
        *,
        cache: Any,
        options: ClientOptions | None = None,
        account: str | None = None,
        token_store: TokenStore | None = None,
        token_lock: TokenLock | None = None,
        transport: httpx.BaseTransport | None = None,
        label: str = "",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.spec = spec
        self.options = options or ClientOptions()
        self.account = account or account_key(spec)
        self.label = label or spec.name
        self.stats = SessionCounts()
        self.last_answer: Answer | None = None
        self._clock = clock
        self._sleep = sleep
        self.budget = Budget(
            cache=cache,
            key=self.account,
            spec=spec.rate_limit,
            max_wait=self.options.rate_limit_max_wait,
            clock=clock,
            sleep=sleep,
        )
        self.call_stats = VendorStats(cache=cache, account=self.account, clock=clock)
        self.paginator: Paginator = make_paginator(spec.pagination)
        self._secrets = [
            value.get_secret_value()
            for value in dict(spec.auth).values()
            if isinstance(value, SecretStr)
        ]
        register_secrets(self._secrets)
        self._http = self._session(token_store, token_lock, transport)

    # --- session --------------------------------------------------------------------------

    def _session(
        self,
        token_store: TokenStore | None,
        token_lock: TokenLock | None,
        transport: httpx.BaseTransport | None,
    ) -> httpx.Client:
        """An `httpx.Client` over the account's pooled transport and auth state.

        The pool is rebuilt when the spec (or its credentials) changed. A transport passed in
        (tests) is used as is and not pooled.
        """
        if transport is None:
            fingerprint = _fingerprint(self.spec, self.options.allow_private_hosts)
            with _SESSIONS_LOCK:
                session = _SESSIONS.get(self.account)
                if session is None or session.fingerprint != fingerprint:
                    if session is not None:
                        session.transport.close()
                    auth = build_auth(self.spec, token_store=token_store, lock=token_lock)
                    transport = FencedTransport(allow_private=self.options.allow_private_hosts)
                    session = _Session(transport, auth, fingerprint)
                    _SESSIONS[self.account] = session
            transport, auth = session.transport, session.auth
        else:
            auth = build_auth(self.spec, token_store=token_store, lock=token_lock)
        options = self.options
        return httpx.Client(
            auth=auth,
            headers={"Accept": "application/json", **self.spec.headers},
            timeout=httpx.Timeout(
                options.read_timeout, connect=options.connect_timeout, pool=options.connect_timeout
            ),
            follow_redirects=False,
            transport=transport,
            event_hooks={"request": [self._before_send], "response": [self._after_receive]},
            trust_env=False,
        )

    # Hooks run for every request, including those an auth flow makes itself (login, refresh,
    # the scope step): nothing leaves for a foreign or internal host, and every request is
    # paid for from the shared budget.
    def _before_send(self, request: httpx.Request) -> None:
        check_destination(
            request.url,
            base_url=self.spec.base_url,
            allow_private=self.options.allow_private_hosts,
        )
        self.budget.acquire(write=request.method not in IDEMPOTENT)
        request.extensions["vendor_started"] = time.monotonic()

    def _after_receive(self, response: httpx.Response) -> None:
        self.stats.requests += 1
        if "vendor_resource" in response.request.extensions:
            self.last_answer = Answer(response.status_code, response.headers.get("etag"))
        if response.status_code == 429:
            self.stats.rate_limited += 1
        snapshot = read_rate_limit(response.headers, self.spec.rate_limit, now=self._clock())
        self.budget.observe(
            snapshot,
            status=response.status_code,
            write=response.request.method not in IDEMPOTENT,
        )
        started = response.request.extensions.get("vendor_started", time.monotonic())
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        self.call_stats.record(status=response.status_code, duration_ms=duration_ms)
        logger.info(
            "vendor call",
            extra={
                "connection": self.label,
                "resource": response.request.extensions.get("vendor_resource", "(auth)"),
                "method": response.request.method,
                "path": response.request.url.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "rate_limit_remaining": snapshot.remaining if snapshot else None,
            },
        )

    # --- the request pipeline -------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        *,
        resource: str,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> tuple[httpx.Response, bytes]:
        """Send one call with retries for idempotent requests; return a 2xx answer."""
        attempts = 1 + (self.spec.rate_limit.max_retries if method in IDEMPOTENT else 0)
        for attempt in range(attempts):
            response, content = self._send_once(
                method, url, resource=resource, params=params, body=body
            )
            if response.is_success:
                return response, content
            snapshot = read_rate_limit(response.headers, self.spec.rate_limit, now=self._clock())
            retry_after = snapshot.retry_after if snapshot else None
            error = self._error(response, content, snapshot)
            last_attempt = attempt == attempts - 1
            if response.status_code not in RETRY_STATUSES or last_attempt:
                raise error
            if (retry_after or 0) > self.options.rate_limit_max_wait:
                raise error
            self.stats.retries += 1
            # After a 429 the shared budget is blocked until the vendor's reset, and the next
            # acquire() waits for it; other failures back off here.
            if response.status_code != 429:
                self._sleep(self._backoff(attempt, retry_after))
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(
        self,
        method: str,
        url: str,
        *,
        resource: str,
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
    ) -> tuple[httpx.Response, bytes]:
        deadline = time.monotonic() + self.options.deadline
        request = self._http.build_request(
            method,
            url,
            params=params or None,
            json=body,
            extensions={"vendor_resource": resource},
        )
        sent = False
        try:
            response = self._http.send(request, stream=True)
            sent = True
            try:
                content = self._read_capped(response, deadline)
            finally:
                response.close()
        except VendorError:
            raise
        except TokenResponseError as exc:
            raise VendorError(kind="invalid_response", message=str(exc)) from None
        except httpx.HTTPError as exc:
            started = request.extensions.get("vendor_started", time.monotonic())
            self.call_stats.record(status=None, duration_ms=(time.monotonic() - started) * 1000)
            error = error_from_exception(exc)
            if method not in IDEMPOTENT and (sent or isinstance(exc, MAYBE_SENT)):
                raise VendorError(
                    kind="unknown_outcome",
                    message=(
                        f"{error.message} The request was sent, so the change may or may not "
                        "have been made: reload the record and check before trying again."
                    ),
                ) from None
            raise error from None
        if response.is_redirect:
            location = response.headers.get("location", "")
            check_same_origin(response.url.join(location), self.spec.base_url)
            raise VendorError(
                kind="invalid_response",
                status=response.status_code,
                message="The vendor answered with a redirect; redirects are not followed.",
            )
        return response, content

    def _read_capped(self, response: httpx.Response, deadline: float) -> bytes:
        limit = self.options.max_response_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise self._too_large(limit)
            if time.monotonic() > deadline:
                raise VendorError(
                    kind="timeout",
                    message=(
                        f"The vendor did not finish answering within {self.options.deadline:g} s."
                    ),
                )
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _too_large(limit: int) -> VendorError:
        return VendorError(
            kind="too_large",
            message=f"The vendor's answer is larger than the {limit // (1024 * 1024)} MB limit.",
        )

    def _error(
        self, response: httpx.Response, content: bytes, snapshot: RateLimitSnapshot | None
    ) -> VendorError:
        error = error_from_response(
            response.status_code,
            response.headers,
            content,
            shape=self.spec.errors.shape,
            retry_after=snapshot.retry_after if snapshot else None,
            reset_at=snapshot.reset_at if snapshot else None,
        )
        error.scrub(self._secrets)
        return error

    @staticmethod
    def _backoff(attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt))  # noqa: S311

    def _json(self, response: httpx.Response, content: bytes) -> Any:
        try:
            return json.loads(content)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            raise VendorError(
                kind="invalid_response",
                status=response.status_code,
                message="The vendor's answer is not valid JSON.",
            ) from None

    def _call(
        self,
        method: str,
        url: str,
        *,
        resource: str,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> tuple[httpx.Response, Any]:
        response, content = self._request(method, url, resource=resource, params=params, body=body)
        return response, (self._json(response, content) if content.strip() else None)

    # --- listing --------------------------------------------------------------------------

    def query_params(
        self,
        resource: ResourceSpec,
        *,
        sort: str | None = None,
        filters: Mapping[str, str] | None = None,
        search: str | None = None,
    ) -> dict[str, str]:
        """Vendor query parameters for sort, filters and search; refuses what it cannot do."""
        params: dict[str, str] = {}
        if sort:
            params.update(self._sort_params(resource, sort))
        for name, value in (filters or {}).items():
            if name not in resource.filterable:
                raise SpecError(
                    {f"resources[{resource.name}].filterable": f"cannot filter on '{name}'"}
                )
            params[name] = value
        if search:
            if not (self.spec.search_param and resource.searchable):
                raise SpecError({"search_param": f"'{resource.name}' cannot be searched"})
            params[self.spec.search_param] = search
        return params

    def can_sort(self, resource: ResourceSpec, field_name: str) -> bool:
        if self.spec.sort is None:
            return False
        return resource.sortable is None or field_name in resource.sortable

    def _sort_params(self, resource: ResourceSpec, sort: str) -> dict[str, str]:
        descending = sort.startswith("-")
        field_name = sort.removeprefix("-")
        sort_spec = self.spec.sort
        if sort_spec is None or not self.can_sort(resource, field_name):
            raise SpecError({"sort": f"'{resource.name}' cannot be sorted by '{field_name}'"})
        if sort_spec.style == "prefix":
            prefix = sort_spec.descending_prefix if descending else ""
            return {sort_spec.param: f"{prefix}{field_name}"}
        direction = sort_spec.descending_value if descending else sort_spec.ascending_value
        if sort_spec.style == "suffix":
            return {sort_spec.param: f"{field_name}{sort_spec.separator}{direction}"}
        return {sort_spec.param: field_name, sort_spec.order_param: direction}

    def list_page(
        self,
        resource_name: str,
        *,
        page: int = 1,
        page_size: int | None = None,
        cursor: str | None = None,
        sort: str | None = None,
        filters: Mapping[str, str] | None = None,
        search: str | None = None,
    ) -> Listing:
        """One page of a collection. `cursor` is a `next_token` from an earlier listing."""
        resource = self._resource(resource_name, "list")
        size = self.paginator.page_size(page_size)
        params = self.query_params(resource, sort=sort, filters=filters, search=search)
        url = self.spec.url(resource.path)
        try:
            if cursor:
                next_url, token_params = self.paginator.request_for(cursor, page_size=size)
                if next_url:
                    _same_collection(next_url, url)
                    url, params = next_url, token_params
                else:
                    params.update(token_params)
            else:
                params.update(self.paginator.first_params(page=page, page_size=size))
        except PaginationError as exc:
            raise VendorError(kind="pagination", message=str(exc)) from None
        response, body = self._call("GET", url, resource=resource.name, params=params)
        try:
            parsed = self.paginator.parse(
                body,
                response.headers,
                page=None if cursor else page,
                page_size=size,
                params=params,
                url=str(response.url),
            )
        except PaginationError as exc:
            raise VendorError(kind="invalid_response", message=str(exc)) from None
        if parsed.next_token and parsed.next_token.startswith(("http://", "https://")):
            check_same_origin(parsed.next_token, self.spec.base_url)
        self.stats.pages += 1
        self.stats.records += len(parsed.records)
        return Listing(
            resource=resource.name,
            records=parsed.records,
            page=parsed.page,
            page_size=size,
            total=parsed.total,
            page_count=parsed.page_count,
            has_next=parsed.has_next,
            next_token=parsed.next_token,
            rate_limit=self.budget.state(),
            sorted_by_vendor=bool(sort),
            filtered_by_vendor=frozenset(filters or {}),
            searched_by_vendor=bool(search),
        )

    def iter_pages(
        self,
        resource_name: str,
        *,
        page_size: int | None = None,
        sort: str | None = None,
        filters: Mapping[str, str] | None = None,
        search: str | None = None,
        cursor: str | None = None,
    ) -> Iterator[Listing]:
        """Every page of a collection in order, at the largest page size unless told;
        from the page a `next_token` names when `cursor` is given (to resume a walk)."""
        size = page_size or self.spec.pagination.max_size
        guard = self.paginator.walk_guard()
        listing = self.list_page(
            resource_name, page_size=size, cursor=cursor, sort=sort, filters=filters, search=search
        )
        while True:
            yield listing
            if not listing.has_next or not listing.records:
                return
            token = listing.next_token
            if token is None:
                return
            try:
                guard.check(token)
            except PaginationError as exc:
                raise VendorError(kind="pagination", message=str(exc)) from None
            listing = self.list_page(resource_name, page_size=size, cursor=token)

    def iter_all(self, resource_name: str, **query: Any) -> Iterator[dict[str, Any]]:
        for listing in self.iter_pages(resource_name, **query):
            yield from listing.records

    # --- records --------------------------------------------------------------------------

    def _resource(self, name: str, method: str) -> ResourceSpec:
        resource = self.spec.resource(name)
        if not resource.allows(method):  # type: ignore[arg-type]
            raise SpecError({f"resources[{name}].methods": f"'{method}' is not allowed"})
        return resource

    def get(self, resource_name: str, record_id: str) -> dict[str, Any]:
        resource = self._resource(resource_name, "get")
        _, body = self._call(
            "GET", self.spec.url(resource.record_path(record_id)), resource=resource.name
        )
        return self._record(body)

    def create(self, resource_name: str, data: Mapping[str, Any]) -> dict[str, Any]:
        resource = self._resource(resource_name, "create")
        _, body = self._call(
            "POST", self.spec.url(resource.path), resource=resource.name, body=data
        )
        return self._record(body)

    def update(self, resource_name: str, record_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH the given fields, or PUT the full object, as the resource's spec says."""
        resource = self._resource(resource_name, "update")
        url = self.spec.url(resource.record_path(record_id))
        _, body = self._call(resource.update_method, url, resource=resource.name, body=data)
        return self._record(body)

    def delete(self, resource_name: str, record_id: str) -> None:
        resource = self._resource(resource_name, "delete")
        self._call("DELETE", self.spec.url(resource.record_path(record_id)), resource=resource.name)

    @staticmethod
    def _record(body: Any) -> dict[str, Any]:
        if isinstance(body, dict) and isinstance(body.get("data"), dict) and len(body) == 1:
            return body["data"]
        if not isinstance(body, dict):
            raise VendorError(
                kind="invalid_response", message="The vendor's answer is not a record."
            )
        return body


__all__ = [
    "Answer",
    "ClientOptions",
    "Listing",
    "RateLimited",
    "SessionCounts",
    "VendorClient",
    "VendorError",
    "account_key",
    "close_sessions",
]


def _same_collection(link: str, collection: str) -> None:
    """A next-page link (from the vendor, or from a URL a user could edit) must stay on the
    collection's own path: never a way to fetch any other path of the vendor's API."""
    if httpx.URL(link).path.rstrip("/") != httpx.URL(collection).path.rstrip("/"):
        raise PaginationError(
            f"the next-page link leaves the collection ({httpx.URL(link).path}); refused"
        )
