"""Brute-force protection: lockout after repeated failures, cool-off, the client's real IP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory, override_settings
from django.utils import timezone

from dashboard.accounts.client_ip import client_ip

from .conftest import sign_in

pytestmark = pytest.mark.django_db

LIMIT = 3
COOL_OFF = timedelta(minutes=10)


@pytest.fixture(autouse=True)
def _small_limit():
    with override_settings(AXES_FAILURE_LIMIT=LIMIT, AXES_COOLOFF_TIME=COOL_OFF):
        yield


def fail(client, times: int, **extra):
    for _ in range(times):
        sign_in(client, password="wrong-guess-123", **extra)


def test_the_limit_locks_the_address_out_even_with_the_right_password(client, person):
    fail(client, LIMIT - 1)
    assert sign_in(client, password="wrong-guess-123").status_code == 429
    response = sign_in(client)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert "Try again in 10 minutes" in response.text
    assert response["Retry-After"] == "600"
    assert "_auth_user_id" not in client.session


def test_fewer_failures_than_the_limit_do_not_lock(client, person):
    fail(client, LIMIT - 1)
    assert sign_in(client).status_code == 302


def test_after_the_cool_off_the_right_password_works_again(client, person):
    fail(client, LIMIT)
    assert sign_in(client).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - COOL_OFF - timedelta(seconds=1))
    assert sign_in(client).status_code == 302


def test_the_lockout_is_per_address_and_client(client, person, django_user_model):
    django_user_model.objects.create_user(email="colleague@example.com", password="pw-1234567!")
    fail(client, LIMIT, REMOTE_ADDR="192.0.2.1")
    assert sign_in(client, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert sign_in(client, REMOTE_ADDR="192.0.2.2").status_code == 302, "another client"
    client.logout()
    colleague = sign_in(client, "colleague@example.com", "pw-1234567!", REMOTE_ADDR="192.0.2.1")
    assert colleague.status_code == 302, "another address"


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, person):
    fail(client, LIMIT, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.1")
    forged = sign_in(client, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert forged.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.1"}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_each_client_is_locked_on_its_own(client, person):
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    fail(client, LIMIT, HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy)
    assert sign_in(client, HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy).status_code == 429
    spoofed = sign_in(client, HTTP_X_FORWARDED_FOR="203.0.113.99, 203.0.113.1", **proxy)
    assert spoofed.status_code == 429, "the proxy appended the real address last"
    assert sign_in(client, HTTP_X_FORWARDED_FOR="203.0.113.2", **proxy).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) >= {"203.0.113.1"}


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "192.0.2.1"),
        (0, "203.0.113.1", "192.0.2.1"),
        (1, None, "192.0.2.1"),
        (1, "203.0.113.1", "203.0.113.1"),
        (1, "198.51.100.9, 203.0.113.1", "203.0.113.1"),
        (2, "198.51.100.9, 203.0.113.1, 10.0.0.2", "203.0.113.1"),
        (2, "203.0.113.1", "203.0.113.1"),
        (1, "not-an-address", "192.0.2.1"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_the_client_ip(proxies, forwarded, expected):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", **headers)
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(request) == expected
