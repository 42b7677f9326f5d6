"""Auth flows against a fake vendor on `httpx.MockTransport`."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from dashboard.connectors.auth import (
    MemoryTokenStore,
    TokenResponseError,
    Tokens,
    VendorAuth,
    build_auth,
)
from dashboard.connectors.spec import ConnectorSpec, parse_spec

BASE = "https://api.example.com"
EMAIL = "jane@example.com"
PASSWORD = "pa55-w0rd-secret"
CONTACTS = f"{BASE}/api/contacts/"


def make_spec(auth: dict[str, Any], **extra: Any) -> ConnectorSpec:
    data = {
        "name": "test",
        "base_url": BASE,
        "api_prefix": "/api",
        "auth": auth,
        "pagination": {"style": "page_number"},
        "resources": [{"name": "contacts", "path": "/contacts/"}],
        **extra,
    }
    return parse_spec(data, environ={})


LOGIN = {
    "type": "login_bearer",
    "login_path": "/auth/login/",
    "refresh_path": "/auth/refresh/",
    "username": EMAIL,
    "password": PASSWORD,
}


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeVendor:
    """ParsaLink-like: login, refresh, an optional scope step and one protected list."""

    login_status: int = 200
    refresh_status: int = 200
    scope_status: int = 200
    refresh_delay: float = 0.0
    login_body: dict[str, Any] | None = None
    requests: list[httpx.Request] = field(default_factory=list)
    valid: set[str] = field(default_factory=set)
    issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
        route = (request.method, request.url.path)
        if route == ("POST", "/api/auth/login/"):
            return self._login(request)
        if route == ("POST", "/api/auth/refresh/"):
            return self._refresh(request)
        if route == ("PUT", "/api/org-units/active"):
            if self.scope_status != 200:
                return httpx.Response(self.scope_status, json={"error": "forbidden_ou"})
            return httpx.Response(200, json={"org_unit_id": "ou_1"})
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.valid and not token.startswith("Basic "):
            return httpx.Response(401, json={"detail": "Given token not valid"})
        return httpx.Response(200, json={"count": 0, "results": []})

    def _issue(self) -> dict[str, Any]:
        with self.lock:
            self.issued += 1
            access = f"access-{self.issued}"
            self.valid.add(access)
        return {"access": access, "refresh": f"refresh-{self.issued}"}

    def _login(self, request: httpx.Request) -> httpx.Response:
        if self.login_status != 200:
            return httpx.Response(self.login_status, json={"detail": "No active account found"})
        if json.loads(request.content) != {"email": EMAIL, "password": PASSWORD}:
            return httpx.Response(400, json={"detail": "bad login body"})
        return httpx.Response(200, json=self.login_body or self._issue())

    def _refresh(self, request: httpx.Request) -> httpx.Response:
        time.sleep(self.refresh_delay)
        if self.refresh_status != 200:
            return httpx.Response(self.refresh_status, json={"detail": "Token is invalid"})
        assert json.loads(request.content)["refresh"].startswith("refresh-")
        return httpx.Response(200, json={"access": self._issue()["access"]})

    def revoke_all(self) -> None:
        self.valid.clear()

    def routes(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def client_for(vendor: FakeVendor, auth: httpx.Auth) -> httpx.Client:
    return httpx.Client(auth=auth, transport=httpx.MockTransport(vendor.handler), timeout=7.0)


# --- key schemes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        ({"type": "header_key", "key": "k-123"}, {"x-api-key": "k-123"}),
        ({"type": "header_key", "key": "k-123", "header": "X-Token"}, {"x-token": "k-123"}),
        ({"type": "bearer_key", "key": "k-123"}, {"authorization": "Bearer k-123"}),
        (
            {"type": "bearer_key", "key": "k-123", "header": "X-Auth", "scheme": "Token"},
            {"x-auth": "Token k-123"},
        ),
        ({"type": "raw_authorization", "key": "k-123"}, {"authorization": "k-123"}),
        (
            {"type": "basic", "client_id": "cid", "client_secret": "k-123"},
            {"authorization": "Basic " + base64.b64encode(b"cid:k-123").decode()},
        ),
    ],
)
def test_key_schemes_set_exactly_their_header(auth: dict[str, Any], expected: dict[str, str]):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    client = httpx.Client(auth=build_auth(make_spec(auth)), transport=httpx.MockTransport(handler))
    client.get(CONTACTS, params={"page": "1"})

    (request,) = seen
    credential_headers = {"authorization", "x-api-key", "x-token", "x-auth"}
    sent = {k: v for k, v in request.headers.items() if k in credential_headers}
    assert sent == expected
    assert "k-123" not in str(request.url)


def test_key_secret_is_read_at_request_time_not_kept_in_the_auth_object():
    auth = build_auth(make_spec({"type": "basic", "client_id": "cid", "client_secret": "s3cr3t"}))
    encoded = base64.b64encode(b"cid:s3cr3t").decode()
    assert all(encoded not in repr(value) for value in vars(auth).values())


# --- login_bearer ---------------------------------------------------------------------------


def test_logs_in_once_then_sends_the_bearer_token():
    vendor = FakeVendor()
    client = client_for(vendor, build_auth(make_spec(LOGIN)))

    first = client.get(CONTACTS)
    second = client.get(CONTACTS)

    assert (first.status_code, second.status_code) == (200, 200)
    assert vendor.routes() == ["POST /api/auth/login/", "GET /api/contacts/", "GET /api/contacts/"]
    login = vendor.requests[0]
    assert json.loads(login.content) == {"email": EMAIL, "password": PASSWORD}
    assert login.headers["content-type"] == "application/json"
    assert vendor.requests[1].headers["Authorization"] == "Bearer access-1"


def test_login_uses_configured_fields_paths_and_header():
    spec = make_spec(
        {
            **LOGIN,
            "username_field": "login",
            "access_token_path": "data.token",
            "refresh_token_path": None,
            "expires_in_path": "data.ttl",
            "header": "X-Session",
            "scheme": "Token",
        }
    )
    clock = Clock()
    store = MemoryTokenStore()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/auth/login/":
            assert json.loads(request.content) == {"login": EMAIL, "password": PASSWORD}
            return httpx.Response(200, json={"data": {"token": "tok-9", "ttl": 120}})
        return httpx.Response(200)

    client = httpx.Client(
        auth=build_auth(spec, token_store=store, clock=clock),
        transport=httpx.MockTransport(handler),
    )
    client.get(CONTACTS)

    assert seen[1].headers["X-Session"] == "Token tok-9"
    assert "Authorization" not in seen[1].headers
    assert store.load() == Tokens(access="tok-9", refresh=None, expires_at=clock.now + 120)


def test_login_request_carries_the_spec_headers_and_the_callers_timeout():
    vendor = FakeVendor()
    spec = make_spec(LOGIN, headers={"X-Tenant": "acme"})
    client = client_for(vendor, build_auth(spec))
    client.get(CONTACTS)

    login = vendor.requests[0]
    assert login.headers["X-Tenant"] == "acme"
    assert login.extensions["timeout"] == httpx.Timeout(7.0).as_dict()


def test_saves_tokens_with_the_configured_lifetime():
    vendor = FakeVendor()
    clock = Clock()
    store = MemoryTokenStore()
    auth = build_auth(make_spec({**LOGIN, "token_lifetime": 900}), token_store=store, clock=clock)
    client_for(vendor, auth).get(CONTACTS)

    assert store.load() == Tokens(
        access="access-1", refresh="refresh-1", expires_at=clock.now + 900
    )


def test_uses_tokens_already_in_the_store():
    vendor = FakeVendor(valid={"stored"})
    clock = Clock()
    store = MemoryTokenStore(Tokens("stored", "refresh-0", clock.now + 3600))
    client_for(vendor, build_auth(make_spec(LOGIN), token_store=store, clock=clock)).get(CONTACTS)

    assert vendor.routes() == ["GET /api/contacts/"]
    assert vendor.requests[0].headers["Authorization"] == "Bearer stored"


def test_refreshes_proactively_before_expiry():
    vendor = FakeVendor()
    clock = Clock()
    store = MemoryTokenStore()
    client = client_for(vendor, build_auth(make_spec(LOGIN), token_store=store, clock=clock))
    client.get(CONTACTS)

    clock.now += 3600 - 61  # still outside the 60 s margin
    client.get(CONTACTS)
    clock.now += 1  # now inside it
    client.get(CONTACTS)

    assert vendor.routes() == [
        "POST /api/auth/login/",
        "GET /api/contacts/",
        "GET /api/contacts/",
        "POST /api/auth/refresh/",
        "GET /api/contacts/",
    ]
    assert json.loads(vendor.requests[3].content) == {"refresh": "refresh-1"}
    assert "Authorization" not in vendor.requests[3].headers
    assert vendor.requests[4].headers["Authorization"] == "Bearer access-2"
    # The refresh answer had no new refresh token: the old one is kept.
    assert store.load() == Tokens("access-2", "refresh-1", clock.now + 3600)


def test_401_refreshes_and_retries_once():
    vendor = FakeVendor()
    client = client_for(vendor, build_auth(make_spec(LOGIN)))
    client.get(CONTACTS)
    vendor.revoke_all()

    response = client.get(CONTACTS)

    assert response.status_code == 200
    assert vendor.routes()[2:] == [
        "GET /api/contacts/",
        "POST /api/auth/refresh/",
        "GET /api/contacts/",
    ]
    assert vendor.requests[-1].headers["Authorization"] == "Bearer access-2"


def test_second_401_is_returned_as_is():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/auth/login/":
            return httpx.Response(200, json={"access": "a", "refresh": "r"})
        if request.url.path == "/api/auth/refresh/":
            return httpx.Response(200, json={"access": "b"})
        return httpx.Response(401, json={"detail": "still no"})

    transport = httpx.MockTransport(handler)
    client = httpx.Client(auth=build_auth(make_spec(LOGIN)), transport=transport)

    response = client.get(CONTACTS)

    assert response.status_code == 401
    assert response.json() == {"detail": "still no"}
    paths = [request.url.path for request in seen]
    assert paths == ["/api/auth/login/", "/api/contacts/", "/api/auth/refresh/", "/api/contacts/"]


@pytest.mark.parametrize("status", [400, 401])
def test_rejected_refresh_logs_in_again(status: int):
    vendor = FakeVendor(refresh_status=status)
    client = client_for(vendor, build_auth(make_spec(LOGIN)))
    client.get(CONTACTS)
    vendor.revoke_all()

    response = client.get(CONTACTS)

    assert response.status_code == 200
    assert vendor.routes()[2:] == [
        "GET /api/contacts/",
        "POST /api/auth/refresh/",
        "POST /api/auth/login/",
        "GET /api/contacts/",
    ]
    assert vendor.requests[-1].headers["Authorization"] == "Bearer access-2"


def test_refresh_server_error_surfaces_as_the_response():
    vendor = FakeVendor(refresh_status=503)
    client = client_for(vendor, build_auth(make_spec(LOGIN)))
    client.get(CONTACTS)
    vendor.revoke_all()

    response = client.get(CONTACTS)

    assert response.status_code == 503
    assert response.request.url.path == "/api/auth/refresh/"


def test_without_refresh_path_a_401_logs_in_again():
    vendor = FakeVendor()
    client = client_for(vendor, build_auth(make_spec({**LOGIN, "refresh_path": None})))
    client.get(CONTACTS)
    vendor.revoke_all()

    assert client.get(CONTACTS).status_code == 200
    assert vendor.routes()[2:] == [
        "GET /api/contacts/",
        "POST /api/auth/login/",
        "GET /api/contacts/",
    ]


def test_login_failure_returns_the_vendors_answer():
    vendor = FakeVendor(login_status=401)
    client = client_for(vendor, build_auth(make_spec(LOGIN)))

    response = client.get(CONTACTS)

    assert response.status_code == 401
    assert response.json() == {"detail": "No active account found"}
    assert vendor.routes() == ["POST /api/auth/login/"]


def test_unreadable_login_answer_raises_without_secrets():
    vendor = FakeVendor(login_body={"token": "x"})
    client = client_for(vendor, build_auth(make_spec(LOGIN)))

    with pytest.raises(TokenResponseError, match="no access token at 'access'") as caught:
        client.get(CONTACTS)
    assert PASSWORD not in str(caught.value)
    assert EMAIL not in str(caught.value)


def test_tokens_do_not_print_their_secrets():
    assert "abc" not in repr(Tokens("abc", "def", 1.0))
    assert "def" not in repr(Tokens("abc", "def", 1.0))


def test_async_clients_are_refused():
    auth = build_auth(make_spec(LOGIN))
    with pytest.raises(TypeError, match=r"httpx\.Client only"):
        auth.async_auth_flow(httpx.Request("GET", CONTACTS))


def run_in_threads(count: int, work: Any) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = work()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_requests_with_an_expired_token_refresh_once():
    vendor = FakeVendor(refresh_delay=0.05, valid={"old"})
    clock = Clock()
    store = MemoryTokenStore(Tokens("old", "refresh-0", clock.now - 1))
    client = client_for(vendor, build_auth(make_spec(LOGIN), token_store=store, clock=clock))

    responses = run_in_threads(10, lambda: client.get(CONTACTS))

    assert [r.status_code for r in responses] == [200] * 10
    assert vendor.routes().count("POST /api/auth/refresh/") == 1
    assert "POST /api/auth/login/" not in vendor.routes()
    gets = [r for r in vendor.requests if r.method == "GET"]
    assert {r.headers["Authorization"] for r in gets} == {"Bearer access-1"}


def test_concurrent_first_requests_log_in_once():
    vendor = FakeVendor()
    client = client_for(vendor, build_auth(make_spec(LOGIN)))

    responses = run_in_threads(10, lambda: client.get(CONTACTS))

    assert [r.status_code for r in responses] == [200] * 10
    assert vendor.routes().count("POST /api/auth/login/") == 1


def test_a_custom_lock_serialises_renewal():
    entered: list[str] = []

    class RecordingLock:
        def __init__(self) -> None:
            self._lock = threading.Lock()

        def __call__(self) -> threading.Lock:
            entered.append("lock")
            return self._lock

    vendor = FakeVendor()
    client_for(vendor, build_auth(make_spec(LOGIN), lock=RecordingLock())).get(CONTACTS)

    assert entered == ["lock"]


# --- scope step -----------------------------------------------------------------------------

SCOPE = {"method": "PUT", "path": "/org-units/active", "body": {"org_unit_id": "ou_1"}}
BASIC = {"type": "basic", "client_id": "cid", "client_secret": "csecret"}


def test_scope_step_is_sent_once_before_the_first_request():
    vendor = FakeVendor()
    client = client_for(vendor, build_auth(make_spec(BASIC, scope=SCOPE)))

    client.get(CONTACTS)
    client.get(CONTACTS)

    assert vendor.routes() == [
        "PUT /api/org-units/active",
        "GET /api/contacts/",
        "GET /api/contacts/",
    ]
    scope = vendor.requests[0]
    assert json.loads(scope.content) == {"org_unit_id": "ou_1"}
    assert scope.headers["Authorization"].startswith("Basic ")


def test_scope_step_follows_login():
    vendor = FakeVendor()
    client = client_for(vendor, build_auth(make_spec(LOGIN, scope=SCOPE)))

    client.get(CONTACTS)

    assert vendor.routes() == [
        "POST /api/auth/login/",
        "PUT /api/org-units/active",
        "GET /api/contacts/",
    ]
    assert vendor.requests[1].headers["Authorization"] == "Bearer access-1"


def test_scope_failure_returns_the_vendors_answer_and_is_retried_next_time():
    vendor = FakeVendor(scope_status=403)
    client = client_for(vendor, build_auth(make_spec(BASIC, scope=SCOPE)))

    response = client.get(CONTACTS)

    assert response.status_code == 403
    assert response.json() == {"error": "forbidden_ou"}
    assert vendor.routes() == ["PUT /api/org-units/active"]

    vendor.scope_status = 200
    assert client.get(CONTACTS).status_code == 200
    assert vendor.routes()[1:] == ["PUT /api/org-units/active", "GET /api/contacts/"]


def test_scope_step_runs_again_after_a_relogin():
    vendor = FakeVendor()
    client = client_for(vendor, build_auth(make_spec({**LOGIN, "refresh_path": None}, scope=SCOPE)))
    client.get(CONTACTS)
    vendor.revoke_all()

    assert client.get(CONTACTS).status_code == 200
    assert vendor.routes()[3:] == [
        "GET /api/contacts/",
        "POST /api/auth/login/",
        "PUT /api/org-units/active",
        "GET /api/contacts/",
    ]


def test_scope_step_is_not_repeated_after_a_refresh():
    vendor = FakeVendor()
    client = client_for(vendor, build_auth(make_spec(LOGIN, scope=SCOPE)))
    client.get(CONTACTS)
    vendor.revoke_all()

    client.get(CONTACTS)

    assert vendor.routes().count("PUT /api/org-units/active") == 1


def test_reset_session_sends_the_scope_step_again():
    vendor = FakeVendor()
    auth = build_auth(make_spec(BASIC, scope=SCOPE))
    client = client_for(vendor, auth)
    client.get(CONTACTS)

    auth.reset_session()
    client.get(CONTACTS)

    assert vendor.routes().count("PUT /api/org-units/active") == 2


def test_concurrent_first_requests_send_the_scope_step_once():
    vendor = FakeVendor()
    client = client_for(vendor, build_auth(make_spec(LOGIN, scope=SCOPE)))

    responses = run_in_threads(10, lambda: client.get(CONTACTS))

    assert [r.status_code for r in responses] == [200] * 10
    assert vendor.routes().count("POST /api/auth/login/") == 1
    assert vendor.routes().count("PUT /api/org-units/active") == 1


def test_every_flow_is_a_vendor_auth():
    for auth in (LOGIN, BASIC, {"type": "header_key", "key": "k"}):
        assert isinstance(build_auth(make_spec(auth, scope=SCOPE)), VendorAuth)
        assert isinstance(build_auth(make_spec(auth)), VendorAuth)


# --- credentials stay out of URLs -----------------------------------------------------------


def test_credentials_never_appear_in_urls():
    vendor = FakeVendor()
    clock = Clock()
    client = client_for(
        vendor,
        build_auth(make_spec(LOGIN, scope=SCOPE), token_store=MemoryTokenStore(), clock=clock),
    )
    client.get(CONTACTS, params={"page": "2"})
    vendor.revoke_all()
    client.get(CONTACTS)
    clock.now += 4000
    client.get(CONTACTS)

    secrets = [EMAIL, PASSWORD, "access-", "refresh-"]
    assert len(vendor.requests) >= 7
    for request in vendor.requests:
        assert not any(secret in str(request.url) for secret in secrets), request.url
