"""Linkit: login token or raw API key, page/limit, sort, filters, search, code/error/details."""

from __future__ import annotations

import re
import time

from .support import Connect, Launch, http_client


def test_login_token_or_raw_api_key(launch: Launch) -> None:
    handle = launch("linkit", access_ttl=0.5)
    credentials = handle.credentials
    with http_client(handle) as client:
        login = {"email": credentials["email"], "password": credentials["password"]}
        body = client.post("/api/v1/auth/login", json=login).json()
        assert body["record"]["email"] == credentials["email"]
        bearer = {"Authorization": f"Bearer {body['token']}"}
        assert client.get("/api/v1/orders", headers=bearer).status_code == 200
        raw = {"Authorization": credentials["api_key"]}
        assert client.get("/api/v1/orders", headers=raw).status_code == 200
        bearer_key = {"Authorization": f"Bearer {credentials['api_key']}"}
        assert client.get("/api/v1/orders", headers=bearer_key).status_code == 401
        wrong = client.post("/api/v1/auth/login", json={**login, "password": "x"})
        assert wrong.json() == {
            "code": 401,
            "error": "Unauthorized",
            "details": "Invalid email or password.",
        }
        incomplete = client.post("/api/v1/auth/login", json={"email": credentials["email"]})
        assert incomplete.status_code == 422
        assert incomplete.json()["details"] == {
            "field": "password",
            "message": "Password is required",
        }
        time.sleep(0.55)
        assert client.get("/api/v1/orders", headers=bearer).status_code == 401


def test_envelope_page_and_limit(connect: Connect) -> None:
    handle, client = connect("linkit", records=45)
    first = client.get("/api/v1/products").json()
    assert {key: first[key] for key in ("count", "total_count", "page", "limit", "has_next")} == {
        "count": 20,
        "total_count": 45,
        "page": 1,
        "limit": 20,
        "has_next": True,
    }
    assert first["meta"] == {}
    last = client.get("/api/v1/products?page=3").json()
    assert (last["count"], last["has_next"]) == (5, False)
    assert all(re.fullmatch(r"[a-z0-9]{15}", product["id"]) for product in first["data"])
    newest_first = sorted(handle.store["products"], key=lambda p: p["created"], reverse=True)
    assert [p["id"] for p in first["data"]] == [p["id"] for p in newest_first[:20]]
    assert client.get("/api/v1/products?limit=100").json()["count"] == 45
    too_many = client.get("/api/v1/products?limit=101")
    assert too_many.status_code == 400
    assert too_many.json() == {
        "code": 400,
        "error": "Bad request",
        "details": "limit must be between 1 and 100",
    }


def test_sort_filter_and_search(connect: Connect) -> None:
    handle, client = connect("linkit", records=2000)
    by_price = client.get("/api/v1/products?sort=price&limit=100").json()["data"]
    assert [p["price"] for p in by_price] == sorted(p["price"] for p in handle.store["products"])[
        :100
    ]
    by_name = client.get("/api/v1/products?sort=-name_en,sku&limit=5").json()["data"]
    assert by_name[0]["name_en"] == max(p["name_en"] for p in handle.store["products"])
    unknown = client.get("/api/v1/products?sort=colour")
    assert (unknown.status_code, unknown.json()["details"]) == (400, "Unknown sort field 'colour'")

    brand = next(iter(handle.store["products"]))["brand_id"]
    enabled = client.get(f"/api/v1/products?is_enabled=true&brand_id={brand}&limit=100").json()
    expected = [p for p in handle.store["products"] if p["is_enabled"] and p["brand_id"] == brand]
    assert enabled["total_count"] == len(expected) > 0
    assert client.get("/api/v1/products?is_enabled=yes").status_code == 400

    orders = client.get("/api/v1/orders?status=delivered&source=salla&limit=100").json()["data"]
    assert orders
    assert {(o["status"], o["source"]) for o in orders} == {("delivered", "salla")}
    customers = client.get("/api/v1/customers?type=vip&status=active").json()
    vip = [c for c in handle.store["customers"] if (c["type"], c["status"]) == ("vip", "active")]
    assert customers["total_count"] == len(vip) > 0
    assert {(c["type"], c["status"]) for c in customers["data"]} == {("vip", "active")}

    found = client.get("/api/v1/products?search=PARACETAMOL&limit=100").json()
    assert found["total_count"] == sum(
        "Paracetamol" in p["name_en"] for p in handle.store["products"]
    )
    assert all("paracetamol" in p["name_en"].lower() for p in found["data"])


def test_writes_conflicts_and_validation(connect: Connect) -> None:
    handle, client = connect("linkit")
    invalid = client.post("/api/v1/products", json={"sku": "N-1", "price": 5})
    assert invalid.status_code == 422
    assert invalid.json() == {
        "code": 422,
        "error": "Validation failed",
        "details": {"field": "name_en", "message": "Name is required"},
    }
    taken = next(iter(handle.store["products"]))
    duplicate = client.post(
        "/api/v1/products", json={"name_en": "X", "sku": taken["sku"], "price": 1}
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["details"] == {
        "field": "sku",
        "message": "A product with this SKU already exists",
    }
    email = next(iter(handle.store["customers"]))["email"]
    customer = client.post("/api/v1/customers", json={"name": "Dup", "email": email})
    assert (customer.status_code, customer.json()["details"]["field"]) == (409, "email")
    wrong_type = client.post("/api/v1/products", json={"name_en": "X", "sku": "N-2", "price": "1"})
    assert wrong_type.json()["details"] == {"field": "price", "message": "Price must be a number"}

    created = client.post(
        "/api/v1/products", json={"name_en": "New", "sku": "N-3", "price": 9.5, "stock": 4}
    )
    assert created.status_code == 201
    product = created.json()
    assert re.fullmatch(r"[a-z0-9]{15}", product["id"])
    assert client.get("/api/v1/products?limit=1").json()["data"][0]["id"] == product["id"]
    url = f"/api/v1/products/{product['id']}"
    incomplete = client.put(url, json={"name_en": "Renamed"})
    assert (incomplete.status_code, incomplete.json()["details"]["field"]) == (422, "sku")
    replaced = client.put(url, json={"name_en": "Renamed", "sku": "N-3", "price": 10}).json()
    assert (replaced["stock"], replaced["is_enabled"]) == (0, True)
    assert client.patch(url, json={"stock": 7}).json()["stock"] == 7
    deleted = client.delete(url)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert client.get(url).json() == {
        "code": 404,
        "error": "Not found",
        "details": "The requested resource wasn't found.",
    }
    bad_json = client.post(
        "/api/v1/products", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    assert isinstance(bad_json.json()["details"], str)


def test_reads_and_writes_have_separate_limits(connect: Connect) -> None:
    handle, client = connect("linkit", limit=2, write_limit=1, window=10)
    assert [client.get("/api/v1/customers").status_code for _ in range(3)] == [200, 200, 429]
    body = {"name": "A", "email": "a@example.com"}
    assert client.post("/api/v1/customers", json=body).status_code == 201
    throttled = client.post("/api/v1/customers", json={**body, "email": "b@example.com"})
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "10"
    assert throttled.json() == {
        "code": 429,
        "error": "Too many requests",
        "details": "Rate limit exceeded. Retry after 10 seconds.",
    }
    assert handle.stats()["max_in_window_by_scope"] == {"read": 3, "write": 2}
