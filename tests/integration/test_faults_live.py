"""Vendor misbehaviour over real sockets: each fault becomes one clear VendorError."""

from __future__ import annotations

import pytest

from dashboard.connectors.errors import RateLimited, VendorError

from .conftest import BIG, preset_spec


@pytest.mark.parametrize(
    ("body", "kind", "words"),
    [
        ("html", "http", "internal server error"),
        ("malformed", "http", "internal error"),
        ("text", "http", ""),
        ("empty", "http", "internal error"),
        ("vendor", "http", ""),
    ],
)
def test_error_bodies_normalise(body, kind, words, launch, client_for):
    handle = launch("parallax")
    client = client_for(preset_spec("parallax", handle, rate_limit={"max_retries": 0}))
    handle.set_faults(fail_next={"status": 500, "count": 1, "body": body})
    with pytest.raises(VendorError) as caught:
        client.list_page("projects")
    assert caught.value.kind == kind
    assert caught.value.status == 500
    assert words.lower() in caught.value.message.lower()
    assert "<" not in caught.value.message


def test_5xx_reads_are_retried_and_recover(launch, client_for):
    handle = launch("beacon")
    client = client_for(preset_spec("beacon", handle))
    handle.set_faults(fail_next={"status": 503, "count": 2, "body": "html"})
    assert client.list_page("subscribers").records
    assert client.stats.retries == 2


def test_a_slow_vendor_times_out(launch, client_for):
    handle = launch("atlas", latency_ms=1500)
    client = client_for(preset_spec("atlas", handle), read_timeout=0.5)
    with pytest.raises(VendorError) as caught:
        client.list_page("people")
    assert caught.value.kind == "timeout"


def test_a_trickling_body_hits_the_overall_deadline(launch, client_for):
    handle = launch("parallax")
    client = client_for(preset_spec("parallax", handle), deadline=0.3, read_timeout=5)
    handle.set_faults(slow_body_ms=1500)
    with pytest.raises(VendorError) as caught:
        client.list_page("projects")
    assert caught.value.kind == "timeout"


def test_an_oversized_answer_is_refused(launch, client_for):
    handle = launch("linkit")
    client = client_for(preset_spec("linkit", handle), max_response_bytes=1024 * 1024)
    handle.set_faults(oversized_body_mb=3)
    with pytest.raises(VendorError) as caught:
        client.list_page("products")
    assert caught.value.kind == "too_large"


def test_an_unreachable_host_is_reported(client_for, launch):
    handle = launch("parallax")
    url = handle.url
    handle.stop()
    client = client_for(preset_spec("parallax", handle, base_url=url))
    with pytest.raises(VendorError) as caught:
        client.list_page("projects")
    assert caught.value.kind == "unreachable"


def test_loopback_is_refused_unless_allowed(launch, client_for):
    handle = launch("parallax")
    client = client_for(preset_spec("parallax", handle), allow_private_hosts=False)
    with pytest.raises(VendorError) as caught:
        client.list_page("projects")
    assert caught.value.kind == "blocked"
    assert handle.stats()["requests"] == 0


def test_a_cross_origin_next_link_is_refused_without_sending_credentials(launch, client_for):
    handle = launch("parsalink")
    evil = launch("parallax")
    spec = preset_spec("parsalink", handle, pagination={"style": "next_link", "next_path": "next"})
    handle.set_faults(foreign_next_link=evil.url)
    client = client_for(spec)
    with pytest.raises(VendorError) as caught:
        list(client.iter_all("contacts"))
    assert caught.value.kind == "blocked"
    assert evil.stats()["requests"] == 0


def test_a_redirect_to_another_host_is_not_followed(launch, client_for):
    handle = launch("beacon")
    evil = launch("parallax")
    client = client_for(preset_spec("beacon", handle))
    handle.set_faults(redirect_to=f"{evil.url}/v1/projects")
    with pytest.raises(VendorError) as caught:
        client.list_page("subscribers")
    assert caught.value.kind == "blocked"
    assert evil.stats()["requests"] == 0
    assert evil.stats()["auth_headers_seen"] == []


@pytest.mark.parametrize("vendor", ["parsalink", "parallax", "linkit", "atlas"])
def test_a_429_storm_is_survived_within_the_vendors_limit(vendor, launch, client_for):
    handle = launch(vendor, limit=12, window=2, records=150)
    spec = preset_spec(
        vendor,
        handle,
        pagination={"default_size": 10, "max_size": 10},
        rate_limit={"requests": 12, "window": 2},
    )
    client = client_for(spec, rate_limit_max_wait=5)
    handle.set_faults(storm_429=3)
    resource = BIG[vendor]
    walked = [record["id"] for record in client.iter_all(resource)]
    assert len(walked) == len(set(walked)) == client.list_page(resource).total
    stats = handle.stats()
    assert stats["rate_limited"] == 3, "only the injected storm may be refused"
    assert stats["max_in_window"] <= 12


def test_an_exhausted_budget_fails_fast_with_the_wait(launch, client_for):
    handle = launch("parallax", limit=100, window=60)
    spec = preset_spec("parallax", handle, rate_limit={"requests": 2, "window": 60})
    client = client_for(spec, rate_limit_max_wait=0.5)
    client.list_page("projects")
    client.list_page("projects")
    with pytest.raises(RateLimited) as caught:
        client.list_page("projects")
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 1
    assert handle.stats()["requests"] == 2


def test_dns_rebinding_to_an_internal_address_is_refused_at_connect(
    launch, client_for, monkeypatch
):
    """The host passes the fence's check with a public address, then resolves to the
    loopback address where the (internal) simulator listens: no connection is made to it."""
    handle = launch("parallax")
    port = int(handle.url.rsplit(":", 1)[1])
    answers = iter(["93.184.216.34"])  # the first answer only, then the rebinding one

    def rebinding_dns(host, port, *args, **kwargs):
        assert host == "rebind.test"
        return [(2, 1, 6, "", (next(answers, "127.0.0.1"), port))]

    monkeypatch.setattr("dashboard.connectors.fences.socket.getaddrinfo", rebinding_dns)
    monkeypatch.setattr("dashboard.connectors.fences._RESOLVED", {})
    spec = preset_spec("parallax", handle, base_url=f"http://rebind.test:{port}")
    client = client_for(spec, allow_private_hosts=False)
    with pytest.raises(VendorError) as caught:
        client.list_page("projects")
    assert caught.value.kind == "blocked"
    assert "rebind.test" in caught.value.message
    assert handle.stats()["requests"] == 0
