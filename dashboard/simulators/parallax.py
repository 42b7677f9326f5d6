"""Parallax (seed 001): an ASP.NET Core API for projects and clients.

`X-API-KEY` personal access tokens (a bearer token alone is refused), `page`/`pageSize`
(1..500, default 500) with `count/total/page/total_pages/page_size/results`, RFC 9110 problem
details (an `errors` map on 400, `detail` on 409 and 422), 100 requests per 60 s fixed window
answered 429 with only `Retry-After`. GET, POST, PATCH and DELETE; PUT is 405.
"""

from __future__ import annotations

import math
import random
import secrets
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import data
from .ratelimit import RateState
from .schema import KIND_NOUNS, Field, FieldError
from .store import Collection, Record, Store
from .vendor import Reply, Vendor, as_int
from .wire import Request, Response, json_response, phrase

MAX_PAGE = 2**31 - 1
MAX_PAGE_SIZE = 500
STATUSES = ("planned", "active", "on_hold", "completed")
PROJECT_KINDS = (
    "Website redesign", "Mobile app", "Data migration", "Brand refresh", "ERP rollout",
    "Security audit", "Cloud move", "Onboarding revamp", "Warehouse fit-out", "Market study",
)  # fmt: skip
VALIDATION_TITLE = "One or more validation errors occurred."
RFC9110_SECTIONS = {
    400: "15.5.1", 401: "15.5.2", 403: "15.5.4", 404: "15.5.5", 405: "15.5.6", 409: "15.5.10",
    422: "15.5.21", 502: "15.6.3", 503: "15.6.4",
}  # fmt: skip
DETAILS = {
    401: "A valid personal access token is required in the X-API-KEY header.",
    403: "You do not have permission to access this resource.",
    404: "The requested resource was not found.",
    503: "The service is temporarily unavailable. Please try again later.",
}
SERVER_ERROR = {
    "title": "Internal Server Error",
    "status": 500,
    "detail": "An unexpected error occurred. Please try again later.",
}

CLIENT_FIELDS = (
    Field("name", required=True, unique=True),
    Field("contact_email", "email"),
    Field("is_archived", "bool", default=False),
    Field("notes", default=""),
)
PROJECT_FIELDS = (
    Field("name", required=True, unique=True),
    Field("client_id", required=True, ref="clients"),
    Field("status", choices=STATUSES, default="planned"),
    Field("budget", "number", default=0),
    Field("is_archived", "bool", default=False),
    Field("description", default=""),
)


class Parallax(Vendor):
    name = "parallax"
    prefix = "/v1"
    default_limit = 100
    item_methods = ("GET", "PATCH", "DELETE")
    default_credentials = {"api_key": "plx_pat_demo_7Jq2mX9vR4tK8wLp3nZ6"}

    def build(self, rng: random.Random, records: int) -> Store:
        store: Store = {}
        clients = _collection(store, "clients", CLIENT_FIELDS, "client")
        projects = _collection(store, "projects", PROJECT_FIELDS, "project")
        clients.load(_clients(rng, data.secondary_size(records)))
        projects.load(_projects(rng, records, [client["id"] for client in clients]))
        return store

    def authenticate(self, request: Request) -> str:
        key = request.header("X-API-KEY")
        if key is None:
            raise Reply(self.error(401))
        if key != self.credentials["api_key"]:
            raise Reply(
                self.error(401, "The personal access token is invalid or has been revoked.")
            )
        return "pat:demo"

    def error(self, status: int, message: str | None = None) -> Response:
        if status == 500:
            return json_response(500, SERVER_ERROR)
        return _problem(status, detail=message or DETAILS.get(status))

    def bad_request(self, field: str | None, message: str) -> Response:
        return _problem(400, title=VALIDATION_TITLE, errors={field or "$": [message]})

    def rejected(self, collection: Collection, errors: Sequence[FieldError]) -> Response:
        first = errors[0]
        if first.code == "unique":
            detail = f"A {collection.singular} with the {first.field.name} '{first.value}' already exists."
            return _problem(409, detail=detail)
        if first.code == "missing_ref" and first.field.ref:
            target = self.store[first.field.ref].singular
            detail = f"Unable to assign a {collection.singular} to a {target} that does not exist for this organization."
            return _problem(422, detail=detail)
        messages = {_pascal(error.field.name): [_message(error)] for error in errors}
        return _problem(400, title=VALIDATION_TITLE, errors=messages)

    def throttled(self, state: RateState) -> Response:
        message = f"Rate limit exceeded. Please try again in {state.retry_after} seconds."
        return json_response(429, {"error": message}, {"Retry-After": str(state.retry_after)})

    def listing(
        self, request: Request, collection: Collection, scope: Mapping[str, Any]
    ) -> Response:
        params = {name.lower(): values[-1] for name, values in request.query.items()}
        errors: dict[str, list[str]] = {}
        page = _bounded(params.get("page"), "Page", MAX_PAGE, 1, errors)
        size = _bounded(params.get("pagesize"), "PageSize", MAX_PAGE_SIZE, MAX_PAGE_SIZE, errors)
        if errors:
            raise Reply(_problem(400, title=VALIDATION_TITLE, errors=errors))
        records = collection.select()
        rows = records[(page - 1) * size : page * size]
        body = {
            "count": len(rows),
            "total": len(records),
            "page": page,
            "total_pages": math.ceil(len(records) / size),
            "page_size": size,
            "results": rows,
        }
        return json_response(200, body, listing=True)

    def created(self, request: Request, collection: Collection, record: Record) -> Response:
        location = f"{request.origin}{request.path.rstrip('/')}/{record['id']}"
        return json_response(201, record, {"Location": location})

    def delete(self, collection: Collection, record: Record) -> None:
        if collection.name == "clients" and any(
            project["client_id"] == record["id"] for project in self.store["projects"]
        ):
            detail = "Unable to delete a client that still has projects."
            raise Reply(_problem(409, detail=detail))
        super().delete(collection, record)


def _problem(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    body: dict[str, Any] = {}
    if status in RFC9110_SECTIONS:
        body["type"] = f"https://tools.ietf.org/html/rfc9110#section-{RFC9110_SECTIONS[status]}"
    body["title"] = title or phrase(status)
    body["status"] = status
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body["traceId"] = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"
    return json_response(status, body)


def _bounded(
    raw: str | None, label: str, high: int, default: int, errors: dict[str, list[str]]
) -> int:
    """A query parameter that must be an integer in 1..high; problems are added to `errors`."""
    if raw is None:
        return default
    value = as_int(raw)
    if value is None:
        errors[label] = [f"The value '{raw}' is not valid for {label}."]
    elif not 1 <= value <= high:
        errors[label] = [f"The field {label} must be between 1 and {high}."]
    else:
        return value
    return default


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _message(error: FieldError) -> str:
    name = error.field.name
    match error.code:
        case "type":
            return f"The '{name}' field must be {KIND_NOUNS[error.field.kind]}."
        case "choice":
            return f"The '{name}' field must be one of: {', '.join(error.field.choices)}."
        case "email":
            return f"The '{name}' field is not a valid e-mail address."
    return f"The '{name}' field is required."


def _collection(store: Store, name: str, fields: Sequence[Field], singular: str) -> Collection:
    return Collection(
        store,
        name,
        fields,
        singular=singular,
        new_id=lambda: str(uuid.uuid4()),
        stamps=("created_date", "modified_date"),
        stamp=data.iso,
    )


def _clients(rng: random.Random, count: int) -> Iterator[Record]:
    for index in range(count):
        created, modified = data.timeline(rng, index, count)
        first, last = data.person(rng)
        record = {
            "id": data.uuid4(rng),
            "name": f"{data.company_name(rng)} #{index + 1}",
            "contact_email": data.email(first, last, index, "clients.example"),
            "is_archived": rng.random() < 0.1,
            "notes": data.sentence(rng),
            "created_date": data.iso(created),
            "modified_date": data.iso(modified),
        }
        data.spice(record, index, ("name", "notes"), unique=("name",))
        yield record


def _projects(rng: random.Random, count: int, client_ids: Sequence[str]) -> Iterator[Record]:
    for index in range(count):
        created, modified = data.timeline(rng, index, count)
        record = {
            "id": data.uuid4(rng),
            "name": f"{rng.choice(PROJECT_KINDS)} #{index + 1}",
            "client_id": rng.choice(client_ids),
            "status": rng.choice(STATUSES),
            "budget": round(rng.uniform(1_000, 250_000), 2),
            "is_archived": rng.random() < 0.15,
            "description": data.sentence(rng),
            "created_date": data.iso(created),
            "modified_date": data.iso(modified),
        }
        data.spice(record, index, ("name", "description"), unique=("name",))
        yield record
