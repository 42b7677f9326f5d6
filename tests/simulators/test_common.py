"""Behaviour every simulator shares: auth failures, traversal, rate limits, faults, control API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dashboard.simulators import VENDORS, start_simulator
from dashboard.simulators.data import HOSTILE, HOSTILE_EVERY

from .support import PRIMARY, PRIMARY_COLLECTION, TLS, Connect, Launch, http_client, traverse

ROOT = Path(__file__).resolve().parents[2]

UNAUTHORISED = {
    "parsalink": {"detail": "Authentication credentials were not provided."},
    "beacon": {"errors": ["Invalid API key"]},
    "linkit": {"code": 401, "error": "Unauthorized", "details": "Missing or invalid credentials."},
    "atlas": {
        "error": "unauthorized",
        "message": "Missing or invalid client credentials",
        "details": {"field": None, "code": "unauthorized"},
    },
}
NOT_FOUND_PATHS = {
    "parsalink": "/api/nothing/",
    "parallax": "/v1/nothing",
    "beacon": "/v1/nothing",
    "linkit": "/api/v1/nothing",
    "atlas": "/nothing",
}
RETRY_HEADER = {"beacon": "X-Ratelimit-Retry-After"}
THROTTLED_BODY_KEY = {"parsalink": "detail", "parallax": "error", "beacon": "errors"}


def vendor_error_shape(vendor: str, body: dict[str, object], status: int) -> bool:
    match vendor:
        case "parsalink":
            return isinstance(body["detail"], str)
        case "parallax" if status == 429:
            return set(body) == {"error"}
        case "parallax":
            return body["status"] == status and "title" in body
        case "beacon":
            return isinstance(body["errors"], list) and all(
                isinstance(e, str) for e in body["errors"]
            )
        case "linkit":
            return body["code"] == status and {"error", "details"} <= set(body)
    return {"error", "message", "details"} <= set(body)


@pytest.mark.parametrize("vendor", VENDORS)
def test_missing_credentials_get_the_vendors_401(launch: Launch, vendor: str) -> None:
    with http_client(launch(vendor)) as anonymous:
        response = anonymous.get(PRIMARY[vendor])
    assert response.status_code == 401
    body = response.json()
    if vendor == "parallax":
        assert (body["status"], body["title"]) == (401, "Unauthorized")
        assert body["type"].endswith("#section-15.5.2")
    else:
        assert body == UNAUTHORISED[vendor]


@pytest.mark.parametrize("vendor", VENDORS)
def test_unknown_path_gets_the_vendors_404(connect: Connect, vendor: str) -> None:
    _, client = connect(vendor)
    response = client.get(NOT_FOUND_PATHS[vendor])
    assert response.status_code == 404
    assert vendor_error_shape(vendor, response.json(), 404)


@pytest.mark.parametrize("vendor", VENDORS)
def test_traversal_returns_every_record_once(connect: Connect, vendor: str) -> None:
    handle, client = connect(vendor, records=230)
    seen = [record["id"] for record in traverse(vendor, client)]
    collection = handle.store[PRIMARY_COLLECTION[vendor]]
    unit = next(iter(handle.store["org-units"]))["id"] if vendor == "atlas" else None
    expected = [r["id"] for r in collection if unit is None or r["org_unit_id"] == unit]
    assert len(seen) == len(set(seen)) == len(expected) == 230
    assert set(seen) == set(expected)


@pytest.mark.parametrize("vendor", VENDORS)
def test_rate_limit_answers_429_in_the_vendors_shape(connect: Connect, vendor: str) -> None:
    handle, client = connect(vendor, limit=3, window=30, burst=3)
    handle.reset()
    statuses = [client.get(PRIMARY[vendor]).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = client.get(PRIMARY[vendor])
    retry = response.headers[RETRY_HEADER.get(vendor, "Retry-After")]
    assert int(retry) >= 1
    assert vendor_error_shape(vendor, response.json(), 429)
    if vendor in THROTTLED_BODY_KEY:
        assert THROTTLED_BODY_KEY[vendor] in response.json()
    stats = handle.stats()
    assert (stats["rate_limited"], stats["max_in_window"]) == (3, 6)


def test_fixed_window_recovers_after_the_window(connect: Connect) -> None:
    _, client = connect("parallax", limit=2, window=0.5)
    assert [client.get("/v1/clients").status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(0.6)
    assert client.get("/v1/clients").status_code == 200


def test_limits_are_per_account(connect: Connect) -> None:
    handle, client = connect("parsalink", limit=2, window=30)
    viewer = {"email": handle.credentials["viewer_email"]}
    viewer["password"] = handle.credentials["viewer_password"]
    token = client.post("/api/auth/login/", json=viewer).json()["access"]
    assert [client.get("/api/companies/").status_code for _ in range(3)] == [200, 200, 429]
    other = client.get("/api/companies/", headers={"Authorization": f"Bearer {token}"})
    assert other.status_code == 200


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("kind", ["vendor", "html", "malformed", "empty", "text"])
def test_fail_next_answers_with_the_chosen_body(connect: Connect, vendor: str, kind: str) -> None:
    handle, client = connect(vendor)
    handle.set_faults(fail_next={"status": 503, "count": 2, "body": kind})
    first, second, third = (client.get(PRIMARY[vendor]) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    match kind:
        case "vendor":
            assert vendor_error_shape(vendor, first.json(), 503)
        case "html":
            assert first.headers["Content-Type"].startswith("text/html")
            assert first.text.startswith("<!DOCTYPE html>")
        case "malformed":
            assert first.headers["Content-Type"] == "application/json"
            with pytest.raises(json.JSONDecodeError):
                first.json()
        case "empty":
            assert first.content == b""
        case "text":
            assert first.headers["Content-Type"].startswith("text/plain")


def test_parallax_500_is_the_seed_body(connect: Connect) -> None:
    handle, client = connect("parallax")
    handle.set_faults(fail_next={"status": 500})
    assert client.get("/v1/projects").json() == {
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred. Please try again later.",
    }


@pytest.mark.parametrize("vendor", VENDORS)
def test_storm_429_then_recovers(connect: Connect, vendor: str) -> None:
    handle, client = connect(vendor)
    handle.set_faults(storm_429=2)
    responses = [client.get(PRIMARY[vendor]) for _ in range(3)]
    assert [r.status_code for r in responses] == [429, 429, 200]
    assert responses[0].headers[RETRY_HEADER.get(vendor, "Retry-After")] == "1"
    assert vendor_error_shape(vendor, responses[0].json(), 429)
    assert handle.stats()["rate_limited"] == 2


def test_latency_and_slow_body(connect: Connect) -> None:
    handle, client = connect("beacon")
    handle.set_faults(latency_ms=200)
    started = time.monotonic()
    assert client.get("/v1/campaigns").status_code == 200
    assert time.monotonic() - started >= 0.2
    handle.set_faults(latency_ms=0, slow_body_ms=300)
    started = time.monotonic()
    response = client.get("/v1/subscribers")
    assert time.monotonic() - started >= 0.3
    assert len(response.json()["data"]) == 50


def test_oversized_body_pads_the_next_list_only(connect: Connect) -> None:
    handle, client = connect("linkit")
    handle.set_faults(oversized_body_mb=1.5)
    padded = client.get("/api/v1/orders")
    assert len(padded.content) >= 1.5 * 1024 * 1024
    assert padded.json()["data"]
    assert len(client.get("/api/v1/orders").content) < 100_000


@pytest.mark.parametrize("vendor", VENDORS)
def test_redirect_to_answers_302_once(connect: Connect, vendor: str) -> None:
    handle, client = connect(vendor)
    handle.set_faults(redirect_to="http://evil.example:9/steal")
    first = client.get(PRIMARY[vendor])
    assert (first.status_code, first.headers["Location"]) == (302, "http://evil.example:9/steal")
    assert client.get(PRIMARY[vendor]).status_code == 200


def test_control_api_over_http(connect: Connect) -> None:
    handle, client = connect("parallax")
    with http_client(handle) as control:
        assert control.post("/__sim__/faults", json={"nope": 1}).status_code == 400
        bad_status = {"fail_next": {"status": 200}}
        assert control.post("/__sim__/faults", json=bad_status).status_code == 400
        assert control.post("/__sim__/faults", json={"storm_429": 1}).json()["storm_429"] == 1
        assert client.get("/v1/projects").status_code == 429
        config = control.post("/__sim__/config", json={"limit": 7, "records": 30}).json()
        assert (config["limit"], config["records"]) == (7, 30)
        assert control.post("/__sim__/config", json={"window": -1}).status_code == 400
        assert client.get("/v1/projects").json()["total"] == 30
        stats = control.get("/__sim__/stats").json()
        assert stats["requests"] == 2
        assert stats["by_path"] == {"/v1/projects": 2}
        assert stats["auth_headers_seen"] == [handle.credentials["api_key"]] * 2
        assert control.post("/__sim__/reset").json() == {"reset": True}
        assert control.get("/__sim__/stats").json()["requests"] == 0
        assert control.get("/__sim__/faults").json()["storm_429"] == 0
        assert control.get("/__sim__/nothing").status_code == 404


def test_data_is_deterministic_and_sized(launch: Launch) -> None:
    first = launch("linkit", seed=5, records=300)
    second = launch("linkit", seed=5, records=300)
    third = launch("linkit", seed=6, records=300)
    assert list(first.store["products"]) == list(second.store["products"])
    assert list(first.store["products"]) != list(third.store["products"])
    assert len(first.store["products"]) == 300


@pytest.mark.parametrize("vendor", VENDORS)
def test_hostile_strings_are_spread_through_the_records(launch: Launch, vendor: str) -> None:
    count = HOSTILE_EVERY * len(HOSTILE) + 1
    handle = launch(vendor, records=count)
    collection = handle.store[PRIMARY_COLLECTION[vendor]]
    texts = [value for record in collection for value in record.values() if isinstance(value, str)]
    for payload in HOSTILE:
        assert any(text.startswith(payload) for text in texts), payload
    assert max(len(text) for text in texts) >= 5000
    hostile_records = sum(
        any(isinstance(v, str) and v.startswith(HOSTILE) for v in record.values())
        for record in collection
    )
    assert hostile_records <= len(collection) // 10


def test_credentials_come_from_env_then_arguments(
    launch: Launch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIM_PARALLAX_API_KEY", "from-env")
    assert launch("parallax").credentials == {"api_key": "from-env"}
    assert launch("parallax", credentials={"api_key": "x"}).credentials == {"api_key": "x"}
    with pytest.raises(ValueError, match="no credential"):
        launch("parallax", credentials={"token": "x"})


def test_only_loopback_and_known_vendors() -> None:
    with pytest.raises(ValueError, match="loopback"):
        start_simulator("beacon", host="192.0.2.1", records=10)
    with pytest.raises(ValueError, match="unknown vendor"):
        start_simulator("nope")
    with pytest.raises(ValueError, match="unknown fault"):
        start_simulator("beacon", records=10, typo_ms=3)


def test_cli_serves_and_stops_on_sigterm() -> None:
    command = [sys.executable, "-m", "dashboard.simulators", "--vendor", "parallax", "beacon"]
    command += ["--port-base", "0", "--records", "40", "--latency-ms", "1"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment) as process:
        assert process.stdout is not None
        lines = [process.stdout.readline().split() for _ in range(2)]
        assert [line[0] for line in lines] == ["parallax", "beacon"]
        key = json.loads(" ".join(lines[0][3:]))["api_key"]
        response = httpx.get(f"{lines[0][1]}/v1/projects", headers={"X-API-KEY": key}, verify=TLS)
        assert response.json()["total"] == 40
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
