"""Atlas (seed 004, an API described by a documentation template): OU-scoped people and devices.

HTTP Basic `client_id:client_secret`, no path prefix. `GET /org-units` lists organisational
units; `PUT /org-units/active` with `{"org_unit_id"}` sets the active unit of the calling client
id (state kept by the server) and `GET /org-units/active` reads it. `people` and `devices` are
scoped to that unit: listing, reading or writing them before one is set is 409
`ou_not_selected`. Pages are `{"data","total","page","limit"}` (limit default 25, max 100) and
take `filter=field=value[,field=value]`. Errors are `{"error","message","details":{"field",
"code"}}`. Rate: a token bucket of 200 (the burst) refilled at 100 a minute, with
`X-RateLimit-Limit/Remaining/Reset` (Reset: Unix time the bucket is full again), 429 with
`Retry-After`. `POST /people/<id>/deactivate` is the asynchronous example: 202 Accepted.
"""

from __future__ import annotations

import base64
import binascii
import random
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import data
from .ratelimit import Limiter, RateState, TokenBucket
from .schema import Field, FieldError, describe
from .store import Collection, Record, Store
from .vendor import Config, Reply, Vendor
from .wire import Request, Response, json_response, phrase

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
ORG_UNITS = (("Headquarters", "HQ"), ("Riyadh Branch", "RUH"), ("Berlin Office", "BER"))
DEPARTMENTS = ("operations", "sales", "engineering", "finance", "support", "people")
TITLES = ("Analyst", "Manager", "Engineer", "Coordinator", "Director", "Specialist", "Intern")
PLATFORMS = ("ios", "android", "windows", "macos", "linux")
DEVICE_STATUSES = ("active", "retired", "lost")
ERRORS = {422: "validation_failed", 429: "rate_limited"}
MESSAGES = {
    401: "Missing or invalid client credentials",
    403: "No permission to access this resource",
    404: "Resource not found",
    500: "Internal server error",
}
FIELD_CODES = {
    "required": "required",
    "blank": "required",
    "type": "invalid_type",
    "choice": "invalid_choice",
    "email": "invalid_format",
    "missing_ref": "not_found",
}
OU_NOT_SELECTED = {
    "error": "ou_not_selected",
    "message": "Set an active organisational unit via /org-units/active",
    "details": {"field": "org_unit_id", "code": "required"},
}

ORG_UNIT_FIELDS = (Field("name", required=True), Field("code", required=True), Field("parent_id"))
PEOPLE_FIELDS = (
    Field("name", required=True),
    Field("email", "email", required=True, unique=True),
    Field("title", default=""),
    Field("department", choices=DEPARTMENTS, default="operations"),
    Field("employee_number", default=""),
    Field("active", "bool", default=True),
    Field("notes", default=""),
)
DEVICE_FIELDS = (
    Field("name", required=True),
    Field("serial_number", required=True, unique=True),
    Field("platform", required=True, choices=PLATFORMS),
    Field("status", choices=DEVICE_STATUSES, default="active"),
    Field("assigned_person_id", ref="people"),
    Field("value", "number", default=0),
    Field("notes", default=""),
)


class Atlas(Vendor):
    name = "atlas"
    default_limit = 100
    default_credentials = {"client_id": "atlas-demo-client", "client_secret": "atlas-demo-secret"}

    def __init__(self, config: Config, credentials: Mapping[str, str]) -> None:
        super().__init__(config, credentials)
        self.active: dict[str, str] = {}

    def build(self, rng: random.Random, records: int) -> Store:
        store: Store = {}
        units = _collection(store, "org-units", ORG_UNIT_FIELDS, "organisational unit", True)
        units.load(_org_units(rng))
        sizes = [records] + [data.secondary_size(records)] * (len(units) - 1)
        people = _collection(store, "people", PEOPLE_FIELDS, "person")
        people.load(
            person
            for unit, size in zip(units, sizes, strict=True)
            for person in _people(rng, size, unit)
        )
        devices = _collection(store, "devices", DEVICE_FIELDS, "device")
        devices.load(_devices(rng, data.secondary_size(records), people))
        return store

    def make_limiters(self) -> dict[str, Limiter]:
        burst = self.config.burst or 2 * self.limit
        return {"api": TokenBucket(self.limit, self.window, burst)}

    def authenticate(self, request: Request) -> str:
        scheme, _, encoded = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(encoded.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            client_id, _, secret = decoded.partition(":")
            expected = (self.credentials["client_id"], self.credentials["client_secret"])
            if (client_id, secret) == expected:
                return client_id
        raise Reply(self.error(401))

    def scope(self, account: str, collection: Collection) -> dict[str, Any]:
        if collection.name == "org-units":
            return {}
        unit_id = self.active.get(account)
        if unit_id is None or self.store["org-units"].get(unit_id) is None:
            raise Reply(json_response(409, OU_NOT_SELECTED))
        return {"org_unit_id": unit_id}

    def route(self, request: Request, account: str, segments: list[str]) -> Response:
        match segments:
            case ["org-units", "active"]:
                return self._active_unit(request, account)
            case ["people", key, "deactivate"]:
                self.allow(request, ("POST",))
                people = self.store["people"]
                person = self.find(people, key, self.scope(account, people))
                people.update(person, {"active": False})
                return json_response(202, {"status": "queued", "job_id": str(uuid.uuid4())})
        return super().route(request, account, segments)

    def _active_unit(self, request: Request, account: str) -> Response:
        self.allow(request, ("GET", "PUT"))
        units = self.store["org-units"]
        if request.method == "PUT":
            unit_id = self.payload(request).get("org_unit_id")
            if not unit_id:
                message = "org_unit_id is required"
                raise Reply(_error(422, "validation_failed", message, "org_unit_id", "required"))
            if not isinstance(unit_id, str) or units.get(unit_id) is None:
                message = "Unknown organisational unit"
                raise Reply(_error(422, "validation_failed", message, "org_unit_id", "not_found"))
            self.active[account] = unit_id
        unit = units.get(self.active.get(account)) or {"id": None, "name": None}
        return json_response(200, {"org_unit_id": unit["id"], "name": unit["name"]})

    # --- wording ------------------------------------------------------------------------------

    def error(self, status: int, message: str | None = None) -> Response:
        key = ERRORS.get(status, phrase(status).lower().replace(" ", "_"))
        response = _error(status, key, message or MESSAGES.get(status, phrase(status)))
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="atlas"'
        return response

    def bad_request(self, field: str | None, message: str) -> Response:
        if field is None:
            return _error(400, "invalid_json", message, "body", "invalid")
        return _error(400, "invalid_parameter", message, field, "invalid")

    def rejected(self, collection: Collection, errors: Sequence[FieldError]) -> Response:
        first = errors[0]
        message = describe(first, collection.singular)
        if first.code == "unique":
            return _error(409, "conflict", message, first.field.name, "duplicate")
        code = FIELD_CODES[first.code]
        return _error(422, "validation_failed", message, first.field.name, code)

    def throttled(self, state: RateState) -> Response:
        message = f"Rate limit exceeded. Retry in {state.retry_after} seconds."
        response = _error(429, "rate_limited", message)
        response.headers |= {**self.rate_headers(state), "Retry-After": str(state.retry_after)}
        return response

    def rate_headers(self, state: RateState) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(state.limit),
            "X-RateLimit-Remaining": str(state.remaining),
            "X-RateLimit-Reset": str(state.reset_epoch),
        }

    def listing(
        self, request: Request, collection: Collection, scope: Mapping[str, Any]
    ) -> Response:
        page = self.positive_param(request, "page", 1)
        limit = self.positive_param(request, "limit", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        conditions = request.param("filter") or ""
        pairs = [condition.partition("=")[::2] for condition in conditions.split(",") if condition]
        rows = collection.select({**self.typed_filters(collection, pairs, "filter"), **scope})
        start = (page - 1) * limit
        body = {
            "data": rows[start : start + limit],
            "total": len(rows),
            "page": page,
            "limit": limit,
        }
        return json_response(200, body, listing=True)


def _error(
    status: int, error: str, message: str, field: str | None = None, code: str | None = None
) -> Response:
    details = {"field": field, "code": code or error}
    return json_response(status, {"error": error, "message": message, "details": details})


def _collection(
    store: Store, name: str, fields: Sequence[Field], singular: str, read_only: bool = False
) -> Collection:
    return Collection(
        store,
        name,
        fields,
        singular=singular,
        read_only=read_only,
        new_id=lambda: str(uuid.uuid4()),
        stamps=("created_at", "updated_at"),
        stamp=data.iso,
    )


def _stamps(rng: random.Random, index: int, count: int) -> dict[str, str]:
    created, updated = data.timeline(rng, index, count)
    return {"created_at": data.iso(created), "updated_at": data.iso(updated)}


def _org_units(rng: random.Random) -> Iterator[Record]:
    parent = None
    for index, (name, code) in enumerate(ORG_UNITS):
        unit = {"id": data.uuid4(rng), "name": name, "code": code, "parent_id": parent}
        parent = parent or unit["id"]
        yield unit | _stamps(rng, index, len(ORG_UNITS))


def _people(rng: random.Random, count: int, unit: Record) -> Iterator[Record]:
    code = unit["code"]
    for index in range(count):
        first, last = data.person(rng)
        record = {
            "id": data.uuid4(rng),
            "org_unit_id": unit["id"],
            "name": f"{first} {last}",
            "email": data.email(first, last, index, f"{code.lower()}.atlas.example"),
            "title": rng.choice(TITLES),
            "department": rng.choice(DEPARTMENTS),
            "employee_number": f"{code}-{index + 1:06d}",
            "active": rng.random() < 0.9,
            "notes": data.sentence(rng),
            **_stamps(rng, index, count),
        }
        data.spice(record, index, ("name", "title", "notes"))
        yield record


def _devices(rng: random.Random, count: int, people: Collection) -> Iterator[Record]:
    staff = list(people)
    for index in range(count):
        owner = rng.choice(staff) if staff else None
        record = {
            "id": data.uuid4(rng),
            "org_unit_id": owner["org_unit_id"] if owner else None,
            "name": f"{rng.choice(('Laptop', 'Phone', 'Tablet', 'Desktop'))} {index + 1}",
            "serial_number": f"SN{rng.getrandbits(40):010X}",
            "platform": rng.choice(PLATFORMS),
            "status": rng.choices(DEVICE_STATUSES, weights=(85, 10, 5))[0],
            "assigned_person_id": owner["id"] if owner else None,
            "value": round(rng.uniform(150, 4_000), 2),
            "notes": data.sentence(rng),
            **_stamps(rng, index, count),
        }
        data.spice(record, index, ("name", "notes"))
        yield record
