"""Atlas: Basic auth, active organisational unit scoping, 202 jobs, token-bucket limits."""

from __future__ import annotations

import time

from .support import Connect, Launch, http_client

OU_NOT_SELECTED = {
    "error": "ou_not_selected",
    "message": "Set an active organisational unit via /org-units/active",
    "details": {"field": "org_unit_id", "code": "required"},
}


def test_scoped_collections_need_an_active_unit(launch: Launch) -> None:
    handle = launch("atlas")
    with http_client(handle) as client:
        client.auth = (handle.credentials["client_id"], handle.credentials["client_secret"])
        for path in ("/people", "/devices"):
            response = client.get(path)
            assert (response.status_code, response.json()) == (409, OU_NOT_SELECTED)
        assert client.get("/org-units/active").json() == {"org_unit_id": None, "name": None}
        units = client.get("/org-units").json()
        assert (units["total"], units["page"], units["limit"]) == (3, 1, 25)
        second = units["data"][1]
        chosen = client.put("/org-units/active", json={"org_unit_id": second["id"]})
        assert chosen.json() == {"org_unit_id": second["id"], "name": second["name"]}
        assert client.get("/org-units/active").json()["org_unit_id"] == second["id"]
        people = client.get("/people?limit=100").json()
        in_unit = [p for p in handle.store["people"] if p["org_unit_id"] == second["id"]]
        assert people["total"] == len(in_unit)
        assert {p["org_unit_id"] for p in people["data"]} == {second["id"]}
        unknown = client.put("/org-units/active", json={"org_unit_id": "nope"})
        assert unknown.status_code == 422
        assert unknown.json()["details"] == {"field": "org_unit_id", "code": "not_found"}
        assert client.post("/org-units", json={"name": "x"}).status_code == 405


def test_default_unit_holds_the_primary_records(connect: Connect) -> None:
    handle, client = connect("atlas", records=150)
    first = client.get("/people").json()
    assert (first["total"], first["page"], first["limit"], len(first["data"])) == (150, 1, 25, 25)
    other_unit = next(
        p for p in handle.store["people"] if p["org_unit_id"] != first["data"][0]["org_unit_id"]
    )
    assert client.get(f"/people/{other_unit['id']}").status_code == 404
    too_many = client.get("/people?limit=101")
    assert too_many.status_code == 400
    assert too_many.json() == {
        "error": "invalid_parameter",
        "message": "limit must be between 1 and 100",
        "details": {"field": "limit", "code": "invalid"},
    }
    inactive = client.get("/people?filter=active=false,department=sales&limit=100").json()
    assert inactive["data"]
    assert {(p["active"], p["department"]) for p in inactive["data"]} == {(False, "sales")}
    assert client.get("/people?filter=colour=red").status_code == 400


def test_writes_and_the_async_deactivation(connect: Connect) -> None:
    _handle, client = connect("atlas")
    unit = client.get("/org-units/active").json()["org_unit_id"]
    missing = client.post("/people", json={"email": "ada@example.com"})
    assert missing.json() == {
        "error": "validation_failed",
        "message": "Name is required",
        "details": {"field": "name", "code": "required"},
    }
    invalid = client.post("/people", json={"name": "Ada", "email": "x"})
    assert invalid.status_code == 422
    assert invalid.json() == {
        "error": "validation_failed",
        "message": "Email must be a valid email address",
        "details": {"field": "email", "code": "invalid_format"},
    }
    body = {"name": "Ada Lovelace", "email": "ada@example.com"}
    created = client.post("/people", json={**body, "org_unit_id": "elsewhere"})
    assert created.status_code == 201
    person = created.json()
    assert (person["org_unit_id"], person["active"]) == (unit, True)
    duplicate = client.post("/people", json=body)
    assert duplicate.status_code == 409
    assert duplicate.json()["details"] == {"field": "email", "code": "duplicate"}
    url = f"/people/{person['id']}"
    assert client.patch(url, json={"title": "Countess"}).json()["title"] == "Countess"
    replaced = client.put(url, json=body).json()
    assert (replaced["title"], replaced["org_unit_id"]) == ("", unit)
    job = client.post(f"{url}/deactivate")
    assert job.status_code == 202
    assert job.json()["status"] == "queued"
    assert client.get(url).json()["active"] is False
    assert client.delete(url).status_code == 204
    assert client.get(url).json()["error"] == "not_found"


def test_token_bucket_burst_then_refill(connect: Connect) -> None:
    handle, client = connect("atlas", limit=5, window=1, burst=3)
    handle.reset()
    responses = [client.get("/devices") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[0].headers["X-RateLimit-Limit"] == "5"
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0", "0"]
    assert int(responses[2].headers["X-RateLimit-Reset"]) >= int(time.time())
    throttled = responses[3]
    assert throttled.headers["Retry-After"] == "1"
    assert throttled.json()["error"] == "rate_limited"
    time.sleep(0.25)
    assert client.get("/devices").status_code == 200
