"""Linkit (seed 003): a PocketBase-based commerce API under `/api/v1`.

`POST /api/v1/auth/login` returns `{"token", "record"}` for `Authorization: Bearer <token>`;
a raw API key as the whole `Authorization` value works as well. Pages are
`{"data","count","total_count","page","limit","has_next","meta"}` by `page` and `limit`
(default 20, max 100); `sort=field`/`sort=-field` (default `-created`, comma-separated for
several), exact-match field filters and `search=` over each collection's text fields. Errors
are `{"code","error","details"}`; 15-character ids; reads (GET) and writes are limited
separately per organisation (300 and 100 a minute), 429 with `Retry-After`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import data
from .ratelimit import FixedWindow, Limiter, RateState
from .schema import Field, FieldError, describe
from .store import Collection, Record, Store
from .tokens import TokenSigner
from .vendor import Config, Reply, Vendor
from .wire import Request, Response, json_response, phrase

WRITE_LIMIT = 100
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
LIST_PARAMETERS = frozenset({"page", "limit", "sort", "search"})
ORGANIZATION_ID = "k3d9x0m2p7q1w5e"
ORDER_STATUSES = ("pending", "processing", "shipped", "delivered", "cancelled")
SOURCES = ("salla", "zid", "shopify", "manual", "pos")
CUSTOMER_TYPES = ("regular", "vip", "wholesale")
CUSTOMER_STATUSES = ("active", "inactive")
LOCATIONS = ("riyadh-main", "jeddah-north", "dammam-port", "online-fc")
CATEGORIES = ("pharmacy", "beauty", "baby", "vitamins", "personal-care", "devices")
BRANDS = tuple(f"brand_{number:03d}" for number in range(100, 124))
PRODUCTS = (
    ("Paracetamol 500mg", "باراسيتامول ٥٠٠ ملغ"), ("Vitamin C 1000mg", "فيتامين سي ١٠٠٠ ملغ"),
    ("Baby Shampoo", "شامبو أطفال"), ("Sunscreen SPF50", "واقي شمس"), ("Hand Cream", "كريم اليدين"),
    ("Toothpaste", "معجون أسنان"), ("Omega 3", "أوميغا ٣"), ("Thermometer", "ميزان حرارة"),
    ("Face Wash", "غسول الوجه"), ("Multivitamin", "فيتامينات متعددة"),
)  # fmt: skip
ERRORS = {400: "Bad request", 422: "Validation failed", 429: "Too many requests"}
DETAILS = {
    401: "Missing or invalid credentials.",
    403: "You are not allowed to perform this request.",
    404: "The requested resource wasn't found.",
    500: "Something went wrong while processing your request.",
}

PRODUCT_FIELDS = (
    Field("name_en", required=True, searchable=True, label="Name"),
    Field("name_ar", default="", searchable=True, label="Arabic name"),
    Field("sku", required=True, unique=True, searchable=True, label="SKU"),
    Field("barcode", default="", searchable=True),
    Field("price", "number", required=True),
    Field("stock", "int", default=0),
    Field("is_enabled", "bool", default=True),
    Field("brand_id"),
    Field("category", default=""),
    Field("description", default="", searchable=True),
)
INVENTORY_FIELDS = (
    Field("product_id", required=True, ref="products", label="Product"),
    Field("location", required=True, choices=LOCATIONS, searchable=True),
    Field("quantity", "int", required=True),
    Field("reserved", "int", default=0),
    Field("reorder_level", "int", default=5),
)
ORDER_FIELDS = (
    Field("order_number", required=True, unique=True, searchable=True),
    Field("status", choices=ORDER_STATUSES, default="pending"),
    Field("source", choices=SOURCES, default="manual"),
    Field("total", "number", required=True),
    Field("currency", default="SAR"),
    Field("customer_id", ref="customers", label="Customer"),
    Field("items_count", "int", default=1),
    Field("notes", default="", searchable=True),
)
CUSTOMER_FIELDS = (
    Field("name", required=True, searchable=True),
    Field("email", "email", required=True, unique=True, searchable=True),
    Field("phone", default="", searchable=True),
    Field("type", choices=CUSTOMER_TYPES, default="regular"),
    Field("status", choices=CUSTOMER_STATUSES, default="active"),
    Field("city", default="", searchable=True),
    Field("notes", default="", searchable=True),
)


class Linkit(Vendor):
    name = "linkit"
    prefix = "/api/v1"
    default_limit = 300
    default_access_ttl = 86400.0
    default_credentials = {
        "email": "ops@linkit.test",
        "password": "linkit-demo-password",
        "api_key": "lk_live_demo_9c41e7a2f05b3d68",
    }

    def __init__(self, config: Config, credentials: Mapping[str, str]) -> None:
        super().__init__(config, credentials)
        self.signer = TokenSigner()
        self.user = {
            "id": "u7x2m9k4p1q8w3e",
            "email": credentials["email"],
            "name": "Linkit Operations",
            "organization_id": ORGANIZATION_ID,
            "role": "admin",
            "verified": True,
            "created": "2024-01-15T10:30:00.000Z",
            "updated": "2024-01-15T10:30:00.000Z",
        }

    def build(self, rng: random.Random, records: int) -> Store:
        store: Store = {}
        small = data.secondary_size(records)
        customers = _collection(store, "customers", CUSTOMER_FIELDS, "customer")
        customers.load(_customers(rng, small))
        products = _collection(store, "products", PRODUCT_FIELDS, "product")
        products.load(_products(rng, records))
        customer_ids = [customer["id"] for customer in customers]
        orders = _collection(store, "orders", ORDER_FIELDS, "order")
        orders.load(_orders(rng, 2 * small, customer_ids))
        product_ids = [product["id"] for product in products]
        inventory = _collection(store, "inventory", INVENTORY_FIELDS, "inventory item")
        inventory.load(_inventory(rng, small, product_ids))
        return store

    def make_limiters(self) -> dict[str, Limiter]:
        return {
            "read": FixedWindow(self.limit, self.window),
            "write": FixedWindow(self.config.write_limit or WRITE_LIMIT, self.window),
        }

    def limiter(self, request: Request) -> Limiter:
        return self.limiters["read" if request.method == "GET" else "write"]

    # --- authentication -----------------------------------------------------------------------

    def public(self, request: Request) -> Response | None:
        if self.segments(request) != ["auth", "login"]:
            return None
        self.allow(request, ("POST",))
        payload = self.payload(request)
        for name in ("email", "password"):
            if not isinstance(payload.get(name), str) or not payload[name]:
                details = {"field": name, "message": f"{name.capitalize()} is required"}
                return self._body(422, details)
        if (payload["email"], payload["password"]) != (
            self.user["email"],
            self.credentials["password"],
        ):
            return self.error(401, "Invalid email or password.")
        token = self.signer.issue({"id": self.user["id"], "type": "auth"}, self.access_ttl)
        return json_response(200, {"token": token, "record": self.user})

    def authenticate(self, request: Request) -> str:
        header = (request.header("Authorization") or "").strip()
        scheme, _, token = header.partition(" ")
        if header and header == self.credentials["api_key"]:
            return ORGANIZATION_ID
        if scheme.lower() == "bearer" and self.signer.verify(token.strip(), type="auth"):
            return ORGANIZATION_ID
        raise Reply(self.error(401))

    # --- wording ------------------------------------------------------------------------------

    def error(self, status: int, message: str | None = None) -> Response:
        return self._body(status, message or DETAILS.get(status, phrase(status)))

    def rejected(self, collection: Collection, errors: Sequence[FieldError]) -> Response:
        first = errors[0]
        details = {"field": first.field.name, "message": describe(first, collection.singular)}
        return self._body(409 if first.code == "unique" else 422, details)

    def throttled(self, state: RateState) -> Response:
        details = f"Rate limit exceeded. Retry after {state.retry_after} seconds."
        response = self._body(429, details)
        response.headers["Retry-After"] = str(state.retry_after)
        return response

    def _body(self, status: int, details: str | dict[str, str]) -> Response:
        error = ERRORS.get(status, phrase(status).capitalize())
        body = {"code": status, "error": error, "details": details}
        return json_response(status, body)

    # --- listing ------------------------------------------------------------------------------

    def listing(
        self, request: Request, collection: Collection, scope: Mapping[str, Any]
    ) -> Response:
        page = self.positive_param(request, "page", 1)
        limit = self.positive_param(request, "limit", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        filters = [
            (name, values[-1])
            for name, values in request.query.items()
            if name not in LIST_PARAMETERS and collection.field(name)
        ]
        rows = collection.select(
            self.typed_filters(collection, filters),
            search=request.param("search") or None,
            order=self._order(collection, request.param("sort") or "-created"),
        )
        start = (page - 1) * limit
        results = rows[start : start + limit]
        body = {
            "data": results,
            "count": len(results),
            "total_count": len(rows),
            "page": page,
            "limit": limit,
            "has_next": start + limit < len(rows),
            "meta": {},
        }
        return json_response(200, body, listing=True)

    def _order(self, collection: Collection, sort: str) -> list[tuple[str, bool]]:
        order = []
        for part in sort.split(","):
            name = part.strip().lstrip("+-")
            if name not in collection.sortable:
                raise Reply(self.bad_request("sort", f"Unknown sort field '{name}'"))
            order.append((name, part.strip().startswith("-")))
        return order


def _collection(store: Store, name: str, fields: Sequence[Field], singular: str) -> Collection:
    rng = random.Random(name)
    return Collection(
        store,
        name,
        fields,
        singular=singular,
        new_id=lambda: data.base36_id(rng),
        stamps=("created", "updated"),
        stamp=lambda timestamp: data.iso(timestamp, millis=True),
    )


def _stamps(rng: random.Random, index: int, count: int) -> dict[str, str]:
    created, updated = data.timeline(rng, index, count)
    return {"created": data.iso(created, millis=True), "updated": data.iso(updated, millis=True)}


def _products(rng: random.Random, count: int) -> Iterator[Record]:
    for index in range(count):
        name_en, name_ar = rng.choice(PRODUCTS)
        pack = rng.choice((10, 20, 30, 60, 100))
        record = {
            "id": data.base36_id(rng),
            "name_en": f"{name_en} x{pack}",
            "name_ar": f"{name_ar} ×{pack}",
            "sku": f"SKU-{index + 1:06d}",
            "barcode": str(rng.randint(10**12, 10**13 - 1)),
            "price": round(rng.uniform(3, 900), 2),
            "stock": rng.randint(0, 500),
            "is_enabled": rng.random() < 0.85,
            "brand_id": rng.choice(BRANDS),
            "category": rng.choice(CATEGORIES),
            "description": data.sentence(rng),
            **_stamps(rng, index, count),
        }
        data.spice(record, index, ("name_en", "name_ar", "description"))
        yield record


def _customers(rng: random.Random, count: int) -> Iterator[Record]:
    for index in range(count):
        first, last = data.person(rng)
        record = {
            "id": data.base36_id(rng),
            "name": f"{first} {last}",
            "email": data.email(first, last, index, "shop.example"),
            "phone": f"+9665{rng.randint(0, 99_999_999):08d}",
            "type": rng.choices(CUSTOMER_TYPES, weights=(80, 12, 8))[0],
            "status": rng.choices(CUSTOMER_STATUSES, weights=(85, 15))[0],
            "city": rng.choice(data.CITIES),
            "notes": data.sentence(rng),
            **_stamps(rng, index, count),
        }
        data.spice(record, index, ("name", "city", "notes"))
        yield record


def _orders(rng: random.Random, count: int, customer_ids: Sequence[str]) -> Iterator[Record]:
    for index in range(count):
        record = {
            "id": data.base36_id(rng),
            "order_number": f"ORD-{100_000 + index}",
            "status": rng.choice(ORDER_STATUSES),
            "source": rng.choice(SOURCES),
            "total": round(rng.uniform(15, 4_000), 2),
            "currency": "SAR",
            "customer_id": rng.choice(customer_ids),
            "items_count": rng.randint(1, 8),
            "notes": data.sentence(rng),
            **_stamps(rng, index, count),
        }
        data.spice(record, index, ("notes",))
        yield record


def _inventory(rng: random.Random, count: int, product_ids: Sequence[str]) -> Iterator[Record]:
    for index in range(count):
        yield {
            "id": data.base36_id(rng),
            "product_id": rng.choice(product_ids),
            "location": rng.choice(LOCATIONS),
            "quantity": rng.randint(0, 1_000),
            "reserved": rng.randint(0, 20),
            "reorder_level": rng.randint(5, 50),
            **_stamps(rng, index, count),
        }
