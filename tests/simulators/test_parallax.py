"""Parallax: X-API-KEY, page/pageSize, problem details, fixed-window 429, no PUT."""

from __future__ import annotations

from .support import Connect, Launch, http_client

VALIDATION = "https://tools.ietf.org/html/rfc9110#section-15.5.1"


def test_only_the_api_key_header_authenticates(launch: Launch) -> None:
    handle = launch("parallax")
    key = handle.credentials["api_key"]
    with http_client(handle) as client:
        assert client.get("/v1/projects", headers={"X-API-KEY": key}).status_code == 200
        bearer = client.get("/v1/projects", headers={"Authorization": f"Bearer {key}"})
        assert bearer.status_code == 401
        wrong = client.get("/v1/projects", headers={"X-API-KEY": "nope"}).json()
        assert (wrong["status"], wrong["title"]) == (401, "Unauthorized")
        assert "revoked" in wrong["detail"]
        assert wrong["traceId"].startswith("00-")


def test_envelope_defaults_and_bounds(connect: Connect) -> None:
    handle, client = connect("parallax", records=620)
    first = client.get("/v1/projects").json()
    assert {key: first[key] for key in ("count", "total", "page", "total_pages", "page_size")} == {
        "count": 500,
        "total": 620,
        "page": 1,
        "total_pages": 2,
        "page_size": 500,
    }
    last = client.get("/v1/clients", params={"page": 2, "pagesize": 7}).json()
    assert (last["count"], last["total"], last["total_pages"], last["page_size"]) == (5, 12, 2, 7)
    beyond = client.get("/v1/clients?page=9&pageSize=7").json()
    assert (beyond["count"], beyond["results"]) == (0, [])
    project = first["results"][0]
    assert set(project) == {
        "id", "name", "client_id", "status", "budget", "is_archived", "description",
        "created_date", "modified_date",
    }  # fmt: skip
    assert project["client_id"] in {client["id"] for client in handle.store["clients"]}


def test_out_of_range_paging_is_a_validation_problem(connect: Connect) -> None:
    _, client = connect("parallax")
    response = client.get("/v1/projects?page=0&pageSize=501")
    assert response.status_code == 400
    body = response.json()
    assert (body["type"], body["title"], body["status"]) == (
        VALIDATION,
        "One or more validation errors occurred.",
        400,
    )
    assert body["errors"] == {
        "Page": ["The field Page must be between 1 and 2147483647."],
        "PageSize": ["The field PageSize must be between 1 and 500."],
    }
    words = client.get("/v1/projects?pageSize=ten").json()
    assert words["errors"] == {"PageSize": ["The value 'ten' is not valid for PageSize."]}


def test_create_rules_and_problem_details(connect: Connect) -> None:
    handle, client = connect("parallax")
    missing = client.post("/v1/projects", json={"budget": "lots"})
    assert missing.status_code == 400
    assert missing.json()["errors"] == {
        "Name": ["The 'name' field is required."],
        "ClientId": ["The 'client_id' field is required."],
        "Budget": ["The 'budget' field must be a number."],
    }
    client_id = next(iter(handle.store["clients"]))["id"]
    taken = next(iter(handle.store["projects"]))["name"]
    duplicate = client.post("/v1/projects", json={"name": taken, "client_id": client_id})
    assert duplicate.status_code == 409
    assert duplicate.json()["detail"] == f"A project with the name '{taken}' already exists."
    assert duplicate.json()["title"] == "Conflict"
    orphan = client.post("/v1/projects", json={"name": "Orphan", "client_id": "nope"})
    assert orphan.status_code == 422
    assert orphan.json()["title"] == "Unprocessable Entity"
    assert "client that does not exist" in orphan.json()["detail"]

    created = client.post(
        "/v1/projects", json={"name": "Launch", "client_id": client_id, "budget": 1200.5}
    )
    assert created.status_code == 201
    project = created.json()
    assert created.headers["Location"] == f"{handle.url}/v1/projects/{project['id']}"
    assert (project["status"], project["is_archived"]) == ("planned", False)


def test_patch_delete_and_no_put(connect: Connect) -> None:
    handle, client = connect("parallax")
    project = next(iter(handle.store["projects"]))
    url = f"/v1/projects/{project['id']}"
    patched = client.patch(url, json={"is_archived": True, "id": "other"}).json()
    assert (patched["id"], patched["is_archived"]) == (project["id"], True)
    assert client.patch(url, json={"status": "done"}).json()["errors"] == {
        "Status": ["The 'status' field must be one of: planned, active, on_hold, completed."]
    }
    put = client.put(url, json={"name": "x"})
    assert (put.status_code, put.headers["Allow"]) == (405, "GET, PATCH, DELETE")
    assert client.delete(url).status_code == 204
    assert client.get(url).json()["status"] == 404
    busy = client.delete(f"/v1/clients/{project['client_id']}")
    assert busy.status_code == 409
    assert busy.json()["detail"] == "Unable to delete a client that still has projects."


def test_throttle_has_retry_after_and_no_rate_headers(connect: Connect) -> None:
    _, client = connect("parallax", limit=1, window=5)
    assert "X-RateLimit-Limit" not in client.get("/v1/clients").headers
    throttled = client.get("/v1/clients")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "5"
    assert throttled.json() == {"error": "Rate limit exceeded. Please try again in 5 seconds."}
    assert not any(name.lower().startswith("x-ratelimit") for name in throttled.headers)
