"""Beacon (seed 002, an unnamed vendor made a newsletter tool here): a Rails-style API.

`Authorization: Bearer <api key>`; lists are `{"data": [...], "pagination": {page, page_count,
per_page, total}}` with a fixed page size of 50 and only `?page=N`; every error is
`{"errors": ["..."]}`; the usage headers (their names were lost in the seed) are
`X-Ratelimit-Used` and `X-Ratelimit-Limit`, and a 429 adds `X-Ratelimit-Retry-After` (no
`Retry-After`). Integer ids. Create and update answer with the final object; PUT is a partial
update like PATCH, as Rails routes it.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import data
from .ratelimit import RateState
from .schema import KIND_NOUNS, Field, FieldError
from .store import Collection, Record, Store
from .vendor import Reply, Vendor
from .wire import Request, Response, json_response, phrase

PAGE_SIZE = 50
SUBSCRIBER_STATUSES = ("subscribed", "unsubscribed", "bounced")
CAMPAIGN_STATUSES = ("draft", "scheduled", "sent")
TAGS = ("newsletter", "vip", "trial", "customer", "beta", "events", "weekly", "webinar")
PLANS = ("free", "starter", "pro", "enterprise")
SOURCES = ("landing_page", "import", "api", "checkout", "referral")
MESSAGES = {401: "Invalid API key", 404: "Not found", 429: "Rate limit exceeded"}

SUBSCRIBER_FIELDS = (
    Field("email", "email", required=True, unique=True),
    Field("name", default=""),
    Field("status", choices=SUBSCRIBER_STATUSES, default="subscribed"),
    Field("tags", "list", default=[]),
    Field("custom_fields", "object", default={}),
)
CAMPAIGN_FIELDS = (
    Field("subject", required=True),
    Field("from_name", default=""),
    Field("preview_text", default=""),
    Field("content", default=""),
    Field("status", choices=CAMPAIGN_STATUSES, default="draft"),
)


class Beacon(Vendor):
    name = "beacon"
    prefix = "/v1"
    default_limit = 100
    put = "merge"
    default_credentials = {"api_key": "bcn_live_demo_4f8a2c9e1b7d6053"}

    def build(self, rng: random.Random, records: int) -> Store:
        store: Store = {}
        campaigns = data.secondary_size(records)
        subscribers = _collection(store, "subscribers", SUBSCRIBER_FIELDS, "subscriber", records)
        subscribers.load(_subscribers(rng, records))
        _collection(store, "campaigns", CAMPAIGN_FIELDS, "campaign", campaigns).load(
            _campaigns(rng, campaigns)
        )
        return store

    def authenticate(self, request: Request) -> str:
        scheme, _, key = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or key.strip() != self.credentials["api_key"]:
            raise Reply(self.error(401))
        return "key:demo"

    def error(self, status: int, message: str | None = None) -> Response:
        return json_response(status, {"errors": [message or MESSAGES.get(status, phrase(status))]})

    def rejected(self, collection: Collection, errors: Sequence[FieldError]) -> Response:
        return json_response(422, {"errors": [_message(error) for error in errors]})

    def throttled(self, state: RateState) -> Response:
        headers = {**self.rate_headers(state), "X-Ratelimit-Retry-After": str(state.retry_after)}
        return json_response(429, {"errors": [MESSAGES[429]]}, headers)

    def rate_headers(self, state: RateState) -> dict[str, str]:
        return {"X-Ratelimit-Used": str(state.used), "X-Ratelimit-Limit": str(state.limit)}

    def listing(
        self, request: Request, collection: Collection, scope: Mapping[str, Any]
    ) -> Response:
        page = self.positive_param(request, "page", 1)
        records = collection.select()
        body = {
            "data": records[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            "pagination": {
                "page": page,
                "page_count": math.ceil(len(records) / PAGE_SIZE),
                "per_page": PAGE_SIZE,
                "total": len(records),
            },
        }
        return json_response(200, body, listing=True)


def _message(error: FieldError) -> str:
    title = error.field.title
    match error.code:
        case "email":
            return f"{title} is invalid"
        case "choice":
            return f"{title} is not included in the list"
        case "type":
            return f"{title} must be {KIND_NOUNS[error.field.kind]}"
        case "unique":
            return f"{title} has already been taken"
    return f"{title} can't be blank"


def _collection(
    store: Store, name: str, fields: Sequence[Field], singular: str, count: int
) -> Collection:
    return Collection(
        store,
        name,
        fields,
        singular=singular,
        new_id=itertools.count(count + 1).__next__,
        stamps=("created_at", "updated_at"),
        stamp=data.iso,
    )


def _subscribers(rng: random.Random, count: int) -> Iterator[Record]:
    for index in range(count):
        created, updated = data.timeline(rng, index, count)
        first, last = data.person(rng)
        custom_fields = {
            "company": data.company_name(rng),
            "plan": rng.choice(PLANS),
            "signup_source": rng.choice(SOURCES),
            "score": rng.randint(0, 100),
        }
        record = {
            "id": index + 1,
            "email": data.email(first, last, index, "mail.example"),
            "name": f"{first} {last}",
            "status": rng.choices(SUBSCRIBER_STATUSES, weights=(85, 10, 5))[0],
            "tags": rng.sample(TAGS, rng.randint(0, 3)),
            "custom_fields": custom_fields,
            "created_at": data.iso(created),
            "updated_at": data.iso(updated),
        }
        data.spice(record, index, ("name",))
        data.spice(custom_fields, index, ("company",))
        yield record


def _campaigns(rng: random.Random, count: int) -> Iterator[Record]:
    for index in range(count):
        created, updated = data.timeline(rng, index, count)
        record = {
            "id": index + 1,
            "subject": data.sentence(rng, 3, 7),
            "from_name": f"{rng.choice(data.FIRST_NAMES)} at {data.company_name(rng)}",
            "preview_text": data.sentence(rng),
            "content": f"<h1>{data.sentence(rng, 2, 5)}</h1><p>{data.sentence(rng, 20, 40)}</p>",
            "status": rng.choice(CAMPAIGN_STATUSES),
            "created_at": data.iso(created),
            "updated_at": data.iso(updated),
        }
        data.spice(record, index, ("subject", "preview_text", "content"))
        yield record
