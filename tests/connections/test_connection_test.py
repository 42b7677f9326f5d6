"""`connection_test`: one cheap real call, reported in plain words, health recorded."""

import logging
import re
import socket

import pytest
from django.test import override_settings

from dashboard.connections import services
from dashboard.connections.models import Connection
from dashboard.connectors.errors import RateLimited
from dashboard.simulators import start_simulator

from .conftest import OTHER_SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def vendor():
    """The Parallax simulator (`X-API-KEY`, problem details, X-RateLimit-* headers)."""
    handle = start_simulator("parallax", records=40)
    yield handle
    handle.stop()


def parallax(base_url, key):
    return {
        "name": "Parallax",
        "preset": "parallax",
        "base_url": base_url,
        "spec_toml": "",
        "variables": {},
        "secrets": {"PARALLAX_API_KEY": key},
    }


def settings_for(vendor, key=None):
    return parallax(vendor.url, key or vendor.credentials["api_key"])


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_success_reports_the_total_and_the_budget(team, vendor, caplog):
    connection = services.connection_create(team=team, **settings_for(vendor))
    with caplog.at_level(logging.DEBUG):
        result = services.connection_test(connection=connection)
    assert result.ok, result.message
    assert result.message == "Connected: 40 projects"
    assert result.total == 40
    assert result.resource_label == "Projects"
    assert result.error_kind is None
    assert (result.rate_limit.limit, result.rate_limit.remaining) == (100, 99)
    assert vendor.stats()["by_path"] == {"/v1/projects": 1}
    stored = Connection.objects.get(pk=connection.pk)
    assert stored.last_success_at is not None
    assert stored.last_error_at is None
    assert vendor.credentials["api_key"] not in caplog.text
    state = services.vendor_state(connection=connection).rate_limit
    assert (state.limit, state.remaining) == (100, 99)
    assert vendor.stats()["requests"] == 1, "the state is read without calling the vendor"


def test_wrong_key_is_said_plainly_and_recorded(team, vendor):
    connection = services.connection_create(team=team, **settings_for(vendor, OTHER_SECRET))
    result = services.connection_test(connection=connection)
    assert not result.ok
    assert result.message == (
        "The vendor rejected the credentials: "
        "The personal access token is invalid or has been revoked."
    )
    assert result.error_kind == "http"
    stored = Connection.objects.get(pk=connection.pk)
    assert stored.last_error == result.message
    assert stored.last_success_at is None
    assert OTHER_SECRET not in stored.last_error


def test_rate_limit_says_until_when(team, vendor):
    vendor.set_faults(storm_429=1, storm_retry_after=120)
    connection = services.connection_create(team=team, **settings_for(vendor))
    result = services.connection_test(connection=connection)
    assert not result.ok
    assert result.error_kind == "rate_limited"
    assert re.fullmatch(r"Rate limited until \d\d:\d\d:\d\d", result.message)
    assert result.rate_limit.retry_after > 100
    assert vendor.stats()["requests"] == 1


def test_unreachable_host(team):
    connection = services.connection_create(
        team=team, **parallax(f"http://127.0.0.1:{closed_port()}", OTHER_SECRET)
    )
    result = services.connection_test(connection=connection)
    assert not result.ok
    assert result.error_kind == "unreachable"
    assert "refused the connection" in result.message
    assert Connection.objects.get(pk=connection.pk).last_error == result.message


def test_private_address_is_blocked_without_the_setting(team, vendor):
    connection = services.connection_create(team=team, **settings_for(vendor))
    with override_settings(ALLOW_PRIVATE_VENDOR_HOSTS=False):
        result = services.connection_test(connection=connection)
    assert not result.ok
    assert result.error_kind == "blocked"
    assert "private, loopback or link-local" in result.message
    assert vendor.stats()["requests"] == 0


def test_unsaved_settings_are_tested_without_recording_health(team, vendor):
    spec = services.connection_validate(team=team, **settings_for(vendor))
    result = services.connection_test(spec=spec)
    assert result.ok
    assert not Connection.objects.exists()


def test_a_connection_or_a_spec_not_both(connection):
    spec = services.connection_spec(connection=connection)
    with pytest.raises(TypeError):
        services.connection_test(connection=connection, spec=spec)
    with pytest.raises(TypeError):
        services.connection_test()


def test_record_health_keeps_both_outcomes_without_touching_updated_at(connection):
    updated_at = connection.updated_at
    services.connection_record_health(connection=connection, error=None)
    services.connection_record_health(connection=connection, error=RateLimited(retry_after=60))
    stored = Connection.objects.get(pk=connection.pk)
    assert stored.last_success_at is not None
    assert re.fullmatch(r"Rate limited until \d\d:\d\d:\d\d", stored.last_error)
    assert stored.last_error_at >= stored.last_success_at
    assert stored.updated_at == updated_at
    assert connection.last_error == stored.last_error
