"""ParsaLink: JWT login/refresh, DRF pagination and errors, camelCase, plan rate limits."""

from __future__ import annotations

import time

import httpx
import pytest

from dashboard.simulators import SimulatorHandle

from .support import Connect, Launch, http_client

TOKEN_INVALID = {"detail": "Given token not valid for any token type", "code": "token_not_valid"}


def login(client: httpx.Client, handle: SimulatorHandle, viewer: bool = False) -> dict:
    prefix = "viewer_" if viewer else ""
    credentials = handle.credentials
    payload = {"email": credentials[f"{prefix}email"], "password": credentials[f"{prefix}password"]}
    response = client.post("/api/auth/login/", json=payload)
    assert response.status_code == 200
    return response.json()


def test_login_returns_tokens_and_the_user(launch: Launch) -> None:
    handle = launch("parsalink")
    with http_client(handle) as client:
        body = login(client, handle)
        assert body["user"]["email"] == handle.credentials["email"]
        assert set(body["user"]) == {"id", "email", "firstName", "lastName"}
        assert body["user"]["id"].startswith("usr_01")
        wrong = {"email": handle.credentials["email"], "password": "nope"}
        refused = client.post("/api/auth/login/", json=wrong)
        assert refused.status_code == 401
        assert refused.json() == {"detail": "No active account found with the given credentials"}
        missing = client.post("/api/auth/login/", json={})
        assert missing.status_code == 400
        assert missing.json() == {
            "email": ["This field is required."],
            "password": ["This field is required."],
        }
        assert client.get("/api/auth/login/").status_code == 405


def test_access_token_expires_and_refresh_renews_it(launch: Launch) -> None:
    handle = launch("parsalink", access_ttl=0.5)
    with http_client(handle) as client:
        tokens = login(client, handle)
        bearer = {"Authorization": f"Bearer {tokens['access']}"}
        assert client.get("/api/companies/", headers=bearer).status_code == 200
        time.sleep(0.55)
        expired = client.get("/api/companies/", headers=bearer)
        assert (expired.status_code, expired.json()) == (401, TOKEN_INVALID)
        assert expired.headers["WWW-Authenticate"] == 'Bearer realm="api"'
        renewed = client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]}).json()
        assert set(renewed) == {"access", "refresh"}
        fresh = {"Authorization": f"Bearer {renewed['access']}"}
        assert client.get("/api/companies/", headers=fresh).status_code == 200
        as_access = {"Authorization": f"Bearer {tokens['refresh']}"}
        assert client.get("/api/companies/", headers=as_access).json() == TOKEN_INVALID
        bad = client.post("/api/auth/refresh/", json={"refresh": tokens["access"]})
        assert bad.status_code == 401
        assert client.post("/api/auth/refresh/", json={}).status_code == 400
        garbage = client.get("/api/companies/", headers={"Authorization": "Bearer x.y.z"})
        assert garbage.json() == TOKEN_INVALID


def test_page_number_pagination_with_absolute_links(connect: Connect) -> None:
    handle, client = connect("parsalink", records=60)
    first = client.get("/api/contacts/").json()
    assert (first["count"], len(first["results"]), first["previous"]) == (60, 25, None)
    assert first["next"] == f"{handle.url}/api/contacts/?page=2"
    second = client.get(first["next"]).json()
    assert second["previous"] == f"{handle.url}/api/contacts/"
    assert second["next"] == f"{handle.url}/api/contacts/?page=3"
    last = client.get("/api/contacts/?page=last").json()
    assert (len(last["results"]), last["next"]) == (10, None)
    assert last["previous"] == f"{handle.url}/api/contacts/?page=2"
    for page in ("4", "0", "x"):
        response = client.get(f"/api/contacts/?page={page}")
        assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})
    contact = first["results"][0]
    assert set(contact) == {
        "id", "firstName", "lastName", "email", "phone", "company", "stage", "notes",
        "createdAt", "updatedAt",
    }  # fmt: skip
    assert contact["id"].startswith("cnt_")
    assert len(contact["id"]) == 30
    assert contact["createdAt"].endswith("Z")


def test_limit_offset_pagination_clamps_the_limit(connect: Connect) -> None:
    handle, client = connect("parsalink", records=260)
    body = client.get("/api/contacts/?limit=500").json()
    assert len(body["results"]) == 100
    assert body["next"] == f"{handle.url}/api/contacts/?limit=100&offset=100"
    middle = client.get("/api/contacts/?offset=30&limit=20").json()
    assert middle["previous"] == f"{handle.url}/api/contacts/?limit=20&offset=10"
    near = client.get("/api/contacts/?offset=10&limit=20").json()
    assert near["previous"] == f"{handle.url}/api/contacts/?limit=20"
    tail = client.get("/api/contacts/?limit=100&offset=200").json()
    assert (len(tail["results"]), tail["next"]) == (60, None)
    ids = [record["id"] for record in handle.store["contacts"]]
    assert [record["id"] for record in middle["results"]] == ids[30:50]


def test_links_follow_the_host_header_or_the_foreign_fault(connect: Connect) -> None:
    handle, client = connect("parsalink", records=30)
    proxied = client.get("/api/contacts/", headers={"Host": "crm.internal:8443"}).json()
    assert proxied["next"] == "http://crm.internal:8443/api/contacts/?page=2"
    handle.set_faults(foreign_next_link="http://evil.example:9")
    assert (
        client.get("/api/contacts/").json()["next"] == "http://evil.example:9/api/contacts/?page=2"
    )


def test_missing_trailing_slash_redirects(connect: Connect) -> None:
    handle, client = connect("parsalink")
    response = client.get("/api/contacts?page=2")
    assert response.status_code == 301
    assert response.headers["Location"] == f"{handle.url}/api/contacts/?page=2"


def test_create_validate_update_and_delete(connect: Connect) -> None:
    handle, client = connect("parsalink")
    invalid = client.post("/api/contacts/", json={"stage": "invalid_stage"})
    assert invalid.status_code == 400
    assert invalid.json() == {
        "email": ["This field is required."],
        "stage": ["Value 'invalid_stage' is not a valid choice."],
    }
    bad_email = client.post("/api/contacts/", json={"email": "not-an-email"})
    assert bad_email.json() == {"email": ["Enter a valid email address."]}
    company = client.post("/api/contacts/", json={"email": "a@b.example", "company": "cmp_x"})
    assert company.json() == {"company": ['Invalid pk "cmp_x" - object does not exist.']}
    malformed = client.post(
        "/api/contacts/", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["detail"].startswith("JSON parse error")

    created = client.post(
        "/api/contacts/", json={"email": "new@example.com", "firstName": "Ada", "id": "cnt_mine"}
    )
    assert created.status_code == 201
    contact = created.json()
    assert contact["id"] != "cnt_mine"
    assert contact["stage"] == "lead"
    assert contact["createdAt"] == contact["updatedAt"]
    url = f"/api/contacts/{contact['id']}/"

    older = next(iter(handle.store["contacts"]))
    patched = client.patch(f"/api/contacts/{older['id']}/", json={"stage": "customer"})
    assert patched.status_code == 200
    assert patched.json()["stage"] == "customer"
    assert patched.json()["updatedAt"] > patched.json()["createdAt"]
    put = client.put(url, json={"firstName": "Ada"})
    assert put.json() == {"email": ["This field is required."]}
    replaced = client.put(url, json={"email": "ada@example.com"}).json()
    assert (replaced["email"], replaced["firstName"]) == ("ada@example.com", "Ada")
    assert client.delete(url).status_code == 204
    gone = client.get(url)
    assert (gone.status_code, gone.json()) == (404, {"detail": "Not found."})
    assert client.put("/api/contacts/", json={}).json() == {"detail": 'Method "PUT" not allowed.'}


def test_read_only_user_is_forbidden_to_write(launch: Launch) -> None:
    handle = launch("parsalink")
    with http_client(handle) as client:
        client.headers["Authorization"] = f"Bearer {login(client, handle, viewer=True)['access']}"
        assert client.get("/api/contacts/").status_code == 200
        refused = client.post("/api/contacts/", json={"email": "x@example.com"})
        assert refused.status_code == 403
        assert refused.json() == {"detail": "You do not have permission to perform this action."}


@pytest.mark.parametrize(("window", "unit"), [(2, "seconds"), (1, "second")])
def test_rate_limit_headers_and_throttle_message(connect: Connect, window: int, unit: str) -> None:
    _, client = connect("parsalink", limit=2, window=window)
    first = client.get("/api/companies/")
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    reset = int(first.headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + window + 1
    client.get("/api/companies/")
    throttled = client.get("/api/companies/")
    assert throttled.status_code == 429
    wait = throttled.headers["Retry-After"]
    assert throttled.headers["X-RateLimit-Remaining"] == "0"
    expected = f"Request was throttled. Expected available in {wait} {unit}."
    assert throttled.json() == {"detail": expected}
    assert int(wait) == window
