"""Beacon: bearer API key, data/pagination envelope, {"errors": [...]}, usage headers."""

from __future__ import annotations

from .support import Connect, Launch, http_client


def test_bearer_api_key(launch: Launch) -> None:
    handle = launch("beacon")
    key = handle.credentials["api_key"]
    with http_client(handle) as client:
        assert client.get("/v1/campaigns", headers={"Authorization": f"Bearer {key}"}).is_success
        for header in (key, "Bearer wrong", f"Token {key}"):
            response = client.get("/v1/campaigns", headers={"Authorization": header})
            assert (response.status_code, response.json()) == (401, {"errors": ["Invalid API key"]})


def test_fixed_pages_of_fifty(connect: Connect) -> None:
    _handle, client = connect("beacon", records=120)
    first = client.get("/v1/subscribers?per_page=5").json()
    assert first["pagination"] == {"page": 1, "page_count": 3, "per_page": 50, "total": 120}
    assert len(first["data"]) == 50
    assert first["data"][0]["id"] == 1
    last = client.get("/v1/subscribers?page=3").json()
    assert len(last["data"]) == 20
    beyond = client.get("/v1/subscribers?page=4").json()
    assert (beyond["data"], beyond["pagination"]["page"]) == ([], 4)
    for page in ("0", "x"):
        bad = client.get(f"/v1/subscribers?page={page}")
        assert (bad.status_code, bad.json()) == (
            400,
            {"errors": ["page must be a positive integer"]},
        )
    subscriber = first["data"][0]
    assert set(subscriber) == {
        "id", "email", "name", "status", "tags", "custom_fields", "created_at", "updated_at",
    }  # fmt: skip
    assert isinstance(subscriber["tags"], list)
    assert set(subscriber["custom_fields"]) == {"company", "plan", "signup_source", "score"}


def test_writes_return_the_final_object(connect: Connect) -> None:
    handle, client = connect("beacon", records=60)
    invalid = client.post("/v1/subscribers", json={"status": "gone", "tags": "vip"})
    assert invalid.status_code == 422
    assert invalid.json() == {
        "errors": [
            "Email can't be blank",
            "Status is not included in the list",
            "Tags must be a list of strings",
        ]
    }
    taken = next(iter(handle.store["subscribers"]))["email"]
    duplicate = client.post("/v1/subscribers", json={"email": taken})
    assert duplicate.json() == {"errors": ["Email has already been taken"]}
    malformed = client.post(
        "/v1/subscribers", content=b"[1,", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert len(malformed.json()["errors"]) == 1

    created = client.post("/v1/subscribers", json={"email": "new@example.com", "tags": ["vip"]})
    assert created.status_code == 201
    subscriber = created.json()
    assert (subscriber["id"], subscriber["status"], subscriber["custom_fields"]) == (
        61,
        "subscribed",
        {},
    )
    url = f"/v1/subscribers/{subscriber['id']}"
    patched = client.patch(url, json={"custom_fields": {"plan": "pro"}}).json()
    assert patched["custom_fields"] == {"plan": "pro"}
    put = client.put(url, json={"name": "Only the name"}).json()
    assert (put["name"], put["email"]) == ("Only the name", "new@example.com")
    assert client.delete(url).status_code == 204
    missing = client.get(url)
    assert (missing.status_code, missing.json()) == (404, {"errors": ["Not found"]})


def test_usage_headers_and_retry_after(connect: Connect) -> None:
    handle, client = connect("beacon", limit=2, window=3)
    handle.reset()
    first = client.get("/v1/campaigns")
    assert (first.headers["X-Ratelimit-Used"], first.headers["X-Ratelimit-Limit"]) == ("1", "2")
    assert client.get("/v1/campaigns").headers["X-Ratelimit-Used"] == "2"
    throttled = client.get("/v1/campaigns")
    assert throttled.status_code == 429
    assert throttled.json() == {"errors": ["Rate limit exceeded"]}
    assert throttled.headers["X-Ratelimit-Retry-After"] == "3"
    assert throttled.headers["X-Ratelimit-Used"] == "2"
    assert "Retry-After" not in throttled.headers
