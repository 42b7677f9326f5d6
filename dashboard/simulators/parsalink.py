"""ParsaLink CRM (seed 000): a Django REST framework API.

JWT login and refresh, `Authorization: Bearer`, `count/next/previous/results` pages by `?page=N`
or `?limit=N&offset=N`, `{"detail": ...}` and `{"field": ["msg"]}` errors, trailing slashes
(a path without one is redirected with 301, as Django's APPEND_SLASH does), camelCase fields.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlencode

from . import data
from .ratelimit import RateState
from .schema import Field, FieldError
from .store import Collection, Store
from .tokens import TokenSigner
from .vendor import Config, Reply, Vendor, as_int
from .wire import Request, Response, json_response, phrase

PAGE_SIZE = 25
MAX_LIMIT = 100
REFRESH_TTL = 86400.0
STAGES = ("lead", "engaged", "customer", "churned")
INDUSTRIES = ("software", "retail", "healthcare", "logistics", "finance", "education")

NOT_PROVIDED = "Authentication credentials were not provided."
TOKEN_INVALID = "Given token not valid for any token type"
REFRESH_INVALID = "Token is invalid or expired"
DETAILS = {
    400: "Malformed request.",
    401: TOKEN_INVALID,
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    405: "Method not allowed.",
    500: "A server error occurred.",
    502: "Bad gateway.",
    503: "Service temporarily unavailable, try again later.",
}
TYPE_MESSAGES = {
    "str": "Not a valid string.",
    "email": "Not a valid string.",
    "int": "A valid integer is required.",
}
MESSAGES = {
    "required": "This field is required.",
    "blank": "This field may not be blank.",
    "email": "Enter a valid email address.",
}

CONTACT_FIELDS = (
    Field("firstName"),
    Field("lastName"),
    Field("email", "email", required=True),
    Field("phone"),
    Field("company", ref="companies"),
    Field("stage", choices=STAGES, default="lead"),
    Field("notes", default=""),
)
COMPANY_FIELDS = (
    Field("name", required=True),
    Field("domain"),
    Field("industry", choices=INDUSTRIES, default="software"),
    Field("employees", "int"),
    Field("notes", default=""),
)


Params = dict[str, str | None]
"""Query parameters to set in a link; None removes one."""


class _Page(NamedTuple):
    start: int
    size: int
    following: Params | None
    preceding: Params | None


@dataclass(frozen=True)
class User:
    password: str
    profile: dict[str, str]
    read_only: bool


class ParsaLink(Vendor):
    name = "parsalink"
    prefix = "/api"
    trailing_slash = True
    put = "update"
    default_limit = 300
    default_credentials = {
        "email": "ops@parsalink.test",
        "password": "parsalink-demo-password",
        "viewer_email": "viewer@parsalink.test",
        "viewer_password": "parsalink-viewer-password",
    }

    def __init__(self, config: Config, credentials: Mapping[str, str]) -> None:
        super().__init__(config, credentials)
        self.signer = TokenSigner()
        users = (
            _user(credentials, "", "01HX0PSJ2K8Q4TB3N7W5Y9ZC6D", ("Jane", "Smith")),
            _user(credentials, "viewer_", "01HX0PSJ2K8Q4TB3N7W5Y9ZC6E", ("Victor", "Viewer")),
        )
        self.users = {user.profile["id"]: user for user in users}

    def build(self, rng: random.Random, records: int) -> Store:
        store: Store = {}
        companies = _collection(store, "companies", COMPANY_FIELDS, "company", "cmp")
        contacts = _collection(store, "contacts", CONTACT_FIELDS, "contact", "cnt")
        companies.load(_companies(rng, data.secondary_size(records)))
        company_ids = [company["id"] for company in companies]
        contacts.load(_contacts(rng, records, company_ids))
        return store

    # --- authentication -----------------------------------------------------------------------

    def public(self, request: Request) -> Response | None:
        match self.segments(request):
            case ["auth", "login"]:
                self.allow(request, ("POST",))
                return self._login(self.payload(request))
            case ["auth", "refresh"]:
                self.allow(request, ("POST",))
                return self._refresh(self.payload(request))
        return None

    def authenticate(self, request: Request) -> str:
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Reply(self.error(401, NOT_PROVIDED))
        claims = self.signer.verify(token.strip(), token_type="access")
        if claims is None or claims["user_id"] not in self.users:
            raise Reply(self.error(401))
        return claims["user_id"]

    def dispatch(self, request: Request, account: str) -> Response:
        if request.method != "GET" and self.users[account].read_only:
            raise Reply(self.error(403))
        return super().dispatch(request, account)

    def _login(self, payload: Mapping[str, Any]) -> Response:
        missing = {
            name: [MESSAGES["required"]] for name in ("email", "password") if not payload.get(name)
        }
        if missing:
            return json_response(400, missing)
        user = next(
            (user for user in self.users.values() if user.profile["email"] == payload["email"]),
            None,
        )
        if user is None or user.password != payload["password"]:
            return self.error(401, "No active account found with the given credentials")
        return json_response(200, {**self._tokens(user), "user": user.profile})

    def _refresh(self, payload: Mapping[str, Any]) -> Response:
        token = payload.get("refresh")
        if not isinstance(token, str) or not token:
            return json_response(400, {"refresh": [MESSAGES["required"]]})
        claims = self.signer.verify(token, token_type="refresh")
        if claims is None or claims["user_id"] not in self.users:
            return self.error(401, REFRESH_INVALID)
        return json_response(200, self._tokens(self.users[claims["user_id"]]))

    def _tokens(self, user: User) -> dict[str, str]:
        claims = {"user_id": user.profile["id"]}
        return {
            "access": self.signer.issue({**claims, "token_type": "access"}, self.access_ttl),
            "refresh": self.signer.issue({**claims, "token_type": "refresh"}, REFRESH_TTL),
        }

    # --- wording ------------------------------------------------------------------------------

    def error(self, status: int, message: str | None = None) -> Response:
        body: dict[str, Any] = {"detail": message or DETAILS.get(status, f"{phrase(status)}.")}
        if body["detail"] in (TOKEN_INVALID, REFRESH_INVALID):
            body["code"] = "token_not_valid"
        headers = {"WWW-Authenticate": 'Bearer realm="api"'} if status == 401 else {}
        return json_response(status, body, headers)

    def bad_request(self, field: str | None, message: str) -> Response:
        return json_response(400, {field: [message]} if field else {"detail": message})

    def rejected(self, collection: Collection, errors: Sequence[FieldError]) -> Response:
        return json_response(400, {error.field.name: [_message(error)] for error in errors})

    def throttled(self, state: RateState) -> Response:
        unit = "second" if state.retry_after == 1 else "seconds"
        detail = f"Request was throttled. Expected available in {state.retry_after} {unit}."
        headers = {**self.rate_headers(state), "Retry-After": str(state.retry_after)}
        return json_response(429, {"detail": detail}, headers)

    def rate_headers(self, state: RateState) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(state.limit),
            "X-RateLimit-Remaining": str(state.remaining),
            "X-RateLimit-Reset": str(state.reset_epoch),
        }

    # --- pagination ---------------------------------------------------------------------------

    def listing(
        self, request: Request, collection: Collection, scope: Mapping[str, Any]
    ) -> Response:
        records = collection.select()
        if "limit" in request.query or "offset" in request.query:
            page = _limit_offset(request, len(records))
        else:
            page = self._page_number(request, len(records))
        body = {
            "count": len(records),
            "next": _link(request, page.following),
            "previous": _link(request, page.preceding),
            "results": records[page.start : page.start + page.size],
        }
        return json_response(200, body, listing=True)

    def _page_number(self, request: Request, count: int) -> _Page:
        pages = max(1, math.ceil(count / PAGE_SIZE))
        raw = request.param("page")
        number = 1 if raw is None else pages if raw == "last" else as_int(raw)
        if number is None or not 1 <= number <= pages:
            raise Reply(self.error(404, "Invalid page."))
        start = (number - 1) * PAGE_SIZE
        following = {"page": str(number + 1)} if number < pages else None
        preceding = {"page": None if number == 2 else str(number - 1)} if number > 1 else None
        return _Page(start, PAGE_SIZE, following, preceding)


def _limit_offset(request: Request, count: int) -> _Page:
    """DRF's LimitOffsetPagination: bad values fall back to the defaults, limit is capped."""
    limit = as_int(request.param("limit"))
    limit = PAGE_SIZE if limit is None or limit < 1 else min(limit, MAX_LIMIT)
    offset = as_int(request.param("offset"))
    offset = 0 if offset is None or offset < 0 else offset
    following: Params = {"limit": str(limit), "offset": str(offset + limit)}
    preceding: Params = {
        "limit": str(limit),
        "offset": None if offset <= limit else str(offset - limit),
    }
    return _Page(
        offset,
        limit,
        following if offset + limit < count else None,
        preceding if offset > 0 else None,
    )


def _link(request: Request, params: Params | None) -> str | None:
    """The request's absolute URL with `params` replaced (a None value removes the parameter),
    the query sorted by name as DRF writes it."""
    if params is None:
        return None
    query = parse_qs(request.query_string, keep_blank_values=True)
    for name, value in params.items():
        query.pop(name, None)
        if value is not None:
            query[name] = [value]
    encoded = urlencode(sorted(query.items()), doseq=True)
    return f"{request.origin}{request.path}" + (f"?{encoded}" if encoded else "")


def _message(error: FieldError) -> str:
    match error.code:
        case "choice":
            return f"Value '{error.value}' is not a valid choice."
        case "missing_ref":
            return f'Invalid pk "{error.value}" - object does not exist.'
        case "type":
            return TYPE_MESSAGES[error.field.kind]
    return MESSAGES[error.code]


def _user(credentials: Mapping[str, str], prefix: str, ulid: str, name: tuple[str, str]) -> User:
    """The demo user whose credentials are `<prefix>email`/`<prefix>password`; the viewer
    (prefix "viewer_") may only read."""
    profile = {
        "id": f"usr_{ulid}",
        "email": credentials[f"{prefix}email"],
        "firstName": name[0],
        "lastName": name[1],
    }
    return User(credentials[f"{prefix}password"], profile, read_only=prefix == "viewer_")


def _collection(
    store: Store, name: str, fields: Sequence[Field], singular: str, tag: str
) -> Collection:
    rng = random.Random(name)
    return Collection(
        store,
        name,
        fields,
        singular=singular,
        new_id=lambda: f"{tag}_{data.ulid(rng, time.time())}",
        stamps=("createdAt", "updatedAt"),
        stamp=data.iso,
    )


def _companies(rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    for index in range(count):
        created, updated = data.timeline(rng, index, count)
        name = data.company_name(rng)
        record = {
            "id": f"cmp_{data.ulid(rng, created)}",
            "name": name,
            "domain": f"{name.lower().replace(' ', '-')}.example",
            "industry": rng.choice(INDUSTRIES),
            "employees": rng.randint(2, 5000),
            "notes": data.sentence(rng),
            "createdAt": data.iso(created),
            "updatedAt": data.iso(updated),
        }
        data.spice(record, index, ("name", "notes"))
        yield record


def _contacts(
    rng: random.Random, count: int, company_ids: Sequence[str]
) -> Iterator[dict[str, Any]]:
    for index in range(count):
        created, updated = data.timeline(rng, index, count)
        first, last = data.person(rng)
        record = {
            "id": f"cnt_{data.ulid(rng, created)}",
            "firstName": first,
            "lastName": last,
            "email": data.email(first, last, index),
            "phone": data.phone(rng),
            "company": rng.choice(company_ids) if rng.random() < 0.9 else None,
            "stage": rng.choice(STAGES),
            "notes": data.sentence(rng),
            "createdAt": data.iso(created),
            "updatedAt": data.iso(updated),
        }
        data.spice(record, index, ("firstName", "lastName", "notes"))
        yield record
