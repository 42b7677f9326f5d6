"""The interface every vendor dialect implements and the REST behaviour they share.

A dialect subclasses `Vendor`, builds its collections in `build` and supplies its wording:
authentication, error bodies, list envelopes and rate-limit headers. Routing, JSON payloads,
create/read/update/delete and validation are common. Any step may raise `Reply` to answer early.
"""

from __future__ import annotations

import random
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from .ratelimit import FixedWindow, Limiter, RateState
from .schema import FieldError, Invalid
from .store import Collection, Record, Store
from .wire import Request, Response, json_response, no_content, redirect

UPDATE_MODES = {"replace": (True, True), "update": (True, False), "merge": (False, False)}
"""(required, defaults) for `clean`, by update mode."""


class Reply(Exception):
    """Stop handling the request and answer with `response`."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class Config:
    """Run-time settings; `None` means the vendor's documented default."""

    records: int = 10_000
    seed: int = 1
    limit: int | None = None
    window: float | None = None
    write_limit: int | None = None
    burst: int | None = None
    access_ttl: float | None = None

    def update(self, changes: Mapping[str, Any]) -> set[str]:
        """Apply `changes` (raising ValueError, changing nothing, on a bad one); return the names."""
        for name, value in changes.items():
            _check_setting(name, value)
        for name, value in changes.items():
            setattr(self, name, value)
        return set(changes)


INTEGER_SETTINGS = {"records": 1, "seed": 0, "limit": 1, "write_limit": 1, "burst": 1}
"""Integer settings and their minimum values."""
SECONDS_SETTINGS = ("window", "access_ttl")
REQUIRED_SETTINGS = ("records", "seed")


def _check_setting(name: str, value: Any) -> None:
    if name not in INTEGER_SETTINGS and name not in SECONDS_SETTINGS:
        raise ValueError(f"unknown setting: {name}")
    if value is None and name not in REQUIRED_SETTINGS:
        return
    if name in SECONDS_SETTINGS:
        valid = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        expected = "a positive number"
    else:
        minimum = INTEGER_SETTINGS[name]
        valid = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
        expected = f"an integer of at least {minimum}"
    if not valid:
        raise ValueError(f"{name} must be {expected}")


class Vendor(ABC):
    name: ClassVar[str]
    prefix: ClassVar[str] = ""
    trailing_slash: ClassVar[bool] = False
    default_credentials: ClassVar[dict[str, str]]
    default_limit: ClassVar[int] = 100
    default_window: ClassVar[float] = 60.0
    default_access_ttl: ClassVar[float] = 3600.0
    item_methods: ClassVar[tuple[str, ...]] = ("GET", "PUT", "PATCH", "DELETE")
    put: ClassVar[str] = "replace"
    """PUT semantics: "replace" (omitted fields reset to defaults), "update" (required fields
    required, omitted ones kept, as Django REST framework does) or "merge" (same as PATCH)."""

    def __init__(self, config: Config, credentials: Mapping[str, str]) -> None:
        self.config = config
        self.credentials = dict(credentials)
        self.store = self.build(random.Random(config.seed), config.records)
        self.limiters = self.make_limiters()

    @property
    def limit(self) -> int:
        return self.config.limit or self.default_limit

    @property
    def window(self) -> float:
        return self.config.window or self.default_window

    @property
    def access_ttl(self) -> float:
        return self.config.access_ttl or self.default_access_ttl

    def settings(self) -> dict[str, Any]:
        return {
            **asdict(self.config),
            "limit": self.limit,
            "window": self.window,
            "access_ttl": self.access_ttl,
        }

    def reconfigure(self, changes: Mapping[str, Any]) -> None:
        changed = self.config.update(changes)
        if changed & {"records", "seed"}:
            self.store = self.build(random.Random(self.config.seed), self.config.records)
        if changed & {"limit", "window", "write_limit", "burst"}:
            self.limiters = self.make_limiters()

    # --- the dialect --------------------------------------------------------------------------

    @abstractmethod
    def build(self, rng: random.Random, records: int) -> Store:
        """The collections, the primary one holding `records` records."""

    @abstractmethod
    def authenticate(self, request: Request) -> str:
        """The account the request's credentials belong to; raises Reply (401) without one."""

    @abstractmethod
    def error(self, status: int, message: str | None = None) -> Response:
        """The vendor's error response for `status`, with a default message."""

    @abstractmethod
    def rejected(self, collection: Collection, errors: Sequence[FieldError]) -> Response:
        """The response to a create or update that failed validation."""

    @abstractmethod
    def listing(
        self, request: Request, collection: Collection, scope: Mapping[str, Any]
    ) -> Response:
        """One page of the collection's records (those matching `scope`) in the vendor's envelope."""

    @abstractmethod
    def throttled(self, state: RateState) -> Response:
        """The 429 response."""

    def public(self, request: Request) -> Response | None:
        """The response of an endpoint that needs no credentials (a login), else None."""
        return None

    def rate_headers(self, state: RateState) -> dict[str, str]:
        return {}

    def bad_request(self, field: str | None, message: str) -> Response:
        """A 400 for a bad query parameter `field`, or for a bad body when `field` is None."""
        return self.error(400, message)

    def make_limiters(self) -> dict[str, Limiter]:
        return {"api": FixedWindow(self.limit, self.window)}

    def limiter(self, request: Request) -> Limiter:
        return self.limiters["api"]

    def scope(self, account: str, collection: Collection) -> dict[str, Any]:
        """Field values every record the account reaches in `collection` must have."""
        return {}

    # --- shared REST behaviour ----------------------------------------------------------------

    def dispatch(self, request: Request, account: str) -> Response:
        return self.route(request, account, self.segments(request))

    def segments(self, request: Request) -> list[str]:
        """The path below `prefix`, split at slashes; the vendor's 404 outside the prefix."""
        if not request.path.startswith(f"{self.prefix}/"):
            raise Reply(self.error(404))
        rest = request.path[len(self.prefix) :]
        if self.trailing_slash and not rest.endswith("/"):
            query = f"?{request.query_string}" if request.query_string else ""
            raise Reply(redirect(301, f"{request.origin}{request.path}/{query}"))
        return [part for part in rest.split("/") if part]

    def route(self, request: Request, account: str, segments: list[str]) -> Response:
        match segments:
            case [name] if name in self.store:
                collection = self.store[name]
                return self.collection_endpoint(
                    request, collection, self.scope(account, collection)
                )
            case [name, key] if name in self.store:
                collection = self.store[name]
                scope = self.scope(account, collection)
                return self.item_endpoint(request, collection, key, scope)
        raise Reply(self.error(404))

    def collection_endpoint(
        self, request: Request, collection: Collection, scope: Mapping[str, Any]
    ) -> Response:
        self.allow(request, ("GET",) if collection.read_only else ("GET", "POST"))
        if request.method == "GET":
            return self.listing(request, collection, scope)
        record = self.save(collection, self.payload(request), scope=scope)
        return self.created(request, collection, record)

    def item_endpoint(
        self, request: Request, collection: Collection, key: str, scope: Mapping[str, Any]
    ) -> Response:
        self.allow(request, ("GET",) if collection.read_only else self.item_methods)
        record = self.find(collection, key, scope)
        if request.method == "GET":
            return json_response(200, record)
        if request.method == "DELETE":
            self.delete(collection, record)
            return no_content()
        mode = "merge" if request.method == "PATCH" else self.put
        payload = self.payload(request)
        return json_response(200, self.save(collection, payload, record=record, mode=mode))

    def allow(self, request: Request, methods: Sequence[str]) -> None:
        if request.method not in methods:
            response = self.error(405, f'Method "{request.method}" not allowed.')
            response.headers["Allow"] = ", ".join(methods)
            raise Reply(response)

    def find(self, collection: Collection, key: str, scope: Mapping[str, Any]) -> Record:
        record = collection.get(key)
        if record is None or any(record.get(name) != value for name, value in scope.items()):
            raise Reply(self.error(404))
        return record

    def positive_param(
        self, request: Request, name: str, default: int, high: int | None = None
    ) -> int:
        """A query parameter that must be an integer from 1 to `high`; the vendor's 400 if not."""
        raw = request.param(name)
        value = default if raw is None else as_int(raw)
        if value is None or value < 1 or (high is not None and value > high):
            bounds = f"between 1 and {high}" if high else "a positive integer"
            raise Reply(self.bad_request(name, f"{name} must be {bounds}"))
        return value

    def typed_filters(
        self, collection: Collection, pairs: Iterable[tuple[str, str]], parameter: str | None = None
    ) -> dict[str, Any]:
        """Exact-match conditions from (field, raw value) pairs, read as each field's kind.

        An unknown field or a value of the wrong kind is the vendor's 400 for `parameter`
        (by default the field's own name).
        """
        where = {}
        for name, raw in pairs:
            field = collection.field(name)
            if field is None:
                message = f"Unknown filter field '{name}'"
                raise Reply(self.bad_request(parameter or name, message))
            try:
                where[name] = field.parse_query(raw)
            except ValueError:
                message = f"Invalid value '{raw}' for filter '{name}'"
                raise Reply(self.bad_request(parameter or name, message)) from None
        return where

    def payload(self, request: Request) -> dict[str, Any]:
        try:
            data = request.json()
        except ValueError as exc:
            raise Reply(self.bad_request(None, f"JSON parse error - {exc}")) from None
        if not isinstance(data, dict):
            raise Reply(self.bad_request(None, "Expected a JSON object as the request body."))
        return data

    def save(
        self,
        collection: Collection,
        payload: Mapping[str, Any],
        *,
        record: Record | None = None,
        mode: str = "merge",
        scope: Mapping[str, Any] | None = None,
    ) -> Record:
        """Create a record, or update `record` with the PUT/PATCH `mode`; the vendor's rejection
        if the payload does not validate."""
        try:
            if record is None:
                return collection.create(payload, scope)
            required, defaults = UPDATE_MODES[mode]
            return collection.update(record, payload, required=required, defaults=defaults)
        except Invalid as exc:
            raise Reply(self.rejected(collection, exc.errors)) from None

    def created(self, request: Request, collection: Collection, record: Record) -> Response:
        return json_response(201, record)

    def delete(self, collection: Collection, record: Record) -> None:
        collection.delete(record)


def as_int(raw: str | None) -> int | None:
    """The query value as an integer, or None when it is absent or not a decimal integer."""
    if raw is None or not re.fullmatch(r"-?[0-9]+", raw):
        return None
    return int(raw)
