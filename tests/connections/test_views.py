"""The connection pages over HTTP: roles, the adaptive form, write-only secrets, test button."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import override_settings

from dashboard.audit.models import AuditEntry
from dashboard.connections import services
from dashboard.connections.models import Connection
from dashboard.simulators import start_simulator
from dashboard.teams.models import Role, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def parallax() -> Iterator:
    handle = start_simulator("parallax", records=40)
    yield handle
    handle.stop()


@pytest.fixture
def admin_client(client, member_of):
    client.force_login(member_of("admin@example.com", Role.ADMIN))
    return client


@pytest.fixture
def saved(team, parallax) -> Connection:
    return services.connection_create(
        team=team,
        name="Parallax",
        preset="parallax",
        base_url=parallax.url,
        spec_toml="",
        variables={},
        secrets={"PARALLAX_API_KEY": parallax.credentials["api_key"]},
    )


def form_data(parallax, **changes):
    data = {
        "name": "Parallax",
        "preset": "parallax",
        "base_url": parallax.url,
        "ref_PARALLAX_API_KEY": parallax.credentials["api_key"],
        "spec_toml": "",
    }
    data.update(changes)
    return data


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/t/ops/connections/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_viewers_see_connections_but_cannot_manage_them(client, member_of, saved):
    client.force_login(member_of("viewer@example.com", Role.VIEWER))
    listing = client.get("/t/ops/connections/")
    assert listing.status_code == 200
    assert "Parallax" in listing.text
    assert "New connection" not in listing.text
    detail = client.get("/t/ops/connections/parallax/")
    assert detail.status_code == 200
    assert "Test connection" not in detail.text
    for url in ("new/", "parallax/edit/", "parallax/delete/"):
        assert client.get(f"/t/ops/connections/{url}").status_code == 403
    assert client.post("/t/ops/connections/parallax/test/").status_code == 403
    assert client.post("/t/ops/connections/parallax/delete/").status_code == 403
    assert Connection.objects.filter(pk=saved.pk).exists()


def test_another_teams_connection_is_not_found(client, member_of, saved):
    other = Team.objects.create(name="Elsewhere", slug="elsewhere")
    client.force_login(member_of("stranger@example.com", Role.OWNER, in_team=other))
    assert client.get("/t/ops/connections/parallax/").status_code == 404
    assert client.get("/t/elsewhere/connections/parallax/").status_code == 404
    assert client.post("/t/ops/connections/parallax/delete/").status_code == 404


def test_create_stores_the_secret_encrypted_and_never_shows_it(admin_client, parallax):
    secret = parallax.credentials["api_key"]
    response = admin_client.post("/t/ops/connections/new/", form_data(parallax))
    assert response.status_code == 302
    connection = Connection.objects.get(slug="parallax")
    assert secret not in connection.secrets_encrypted
    assert connection.decrypted_secrets() == {"PARALLAX_API_KEY": secret}
    for url in ("", "parallax/", "parallax/edit/"):
        page = admin_client.get(f"/t/ops/connections/{url}")
        assert page.status_code == 200
        assert secret not in page.text
    edit = admin_client.get("/t/ops/connections/parallax/edit/").text
    assert f"ends in …{secret[-4:]}" in edit


def test_invalid_settings_are_shown_on_their_fields_and_keep_the_input(admin_client, parallax):
    response = admin_client.post(
        "/t/ops/connections/new/",
        form_data(parallax, base_url="ftp://nowhere", spec_toml="[pagination]\nmax_size = 0\n"),
    )
    assert response.status_code == 422
    assert "must be an http:// or https:// URL" in response.text
    assert "pagination.max_size" in response.text
    assert 'value="ftp://nowhere"' in response.text
    assert "max_size = 0" in response.text
    assert parallax.credentials["api_key"] not in response.text
    assert not Connection.objects.exists()


def test_a_missing_secret_is_required(admin_client, parallax):
    response = admin_client.post(
        "/t/ops/connections/new/", form_data(parallax, ref_PARALLAX_API_KEY="")
    )
    assert response.status_code == 422
    assert "This field is required" in response.text


def test_choosing_another_preset_shows_its_fields_without_errors(admin_client, parallax):
    response = admin_client.post(
        "/t/ops/connections/new/",
        {"name": "People", "preset": "atlas", "reload": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="spec-fields",
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Client ID" in response.text
    assert "Client secret" in response.text
    assert "Org unit id" in response.text
    assert "errorlist" not in response.text


def test_saving_with_a_blank_secret_keeps_it(admin_client, saved, parallax):
    response = admin_client.post(
        "/t/ops/connections/parallax/edit/",
        form_data(parallax, name="Parallax projects", ref_PARALLAX_API_KEY=""),
    )
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.name == "Parallax projects"
    assert saved.decrypted_secrets() == {"PARALLAX_API_KEY": parallax.credentials["api_key"]}


def test_stored_secrets_never_follow_a_changed_address(admin_client, saved, parallax):
    """Pointing a connection elsewhere needs its secrets typed again: saving or testing."""
    elsewhere = form_data(parallax, base_url="http://127.0.0.2:9", ref_PARALLAX_API_KEY="")
    response = admin_client.post("/t/ops/connections/parallax/edit/", elsewhere)
    assert response.status_code == 422
    assert "Enter this again: the address changed" in response.text
    saved.refresh_from_db()
    assert saved.base_url == parallax.url
    tested = admin_client.post(
        "/t/ops/connections/parallax/test/", elsewhere, HTTP_HX_REQUEST="true"
    )
    assert "Enter this again: the address changed" in tested.text
    entry = AuditEntry.objects.get(action="connection.test")
    assert (entry.outcome, entry.details) == ("failed", {"settings": "entered"})
    assert "the address changed" in entry.vendor_message
    assert parallax.stats()["requests"] == 0

    same_origin = form_data(parallax, base_url=parallax.url + "/", ref_PARALLAX_API_KEY="")
    assert admin_client.post("/t/ops/connections/parallax/edit/", same_origin).status_code == 302
    retyped = form_data(parallax, base_url="http://127.0.0.2:9")
    assert admin_client.post("/t/ops/connections/parallax/edit/", retyped).status_code == 302


def test_testing_a_saved_connection_reports_the_total_and_budget(admin_client, saved):
    response = admin_client.post("/t/ops/connections/parallax/test/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "40 projects" in response.text
    saved.refresh_from_db()
    assert saved.last_success_at is not None
    entry = AuditEntry.objects.get(action="connection.test")
    assert (entry.connection, entry.outcome, entry.details) == (saved, "ok", {"settings": "saved"})


def test_the_detail_page_charts_the_vendor_calls_of_the_last_hour(admin_client, saved):
    assert (
        "No vendor calls in the last hour." in admin_client.get("/t/ops/connections/parallax/").text
    )
    admin_client.post("/t/ops/connections/parallax/test/", HTTP_HX_REQUEST="true")
    page = admin_client.get("/t/ops/connections/parallax/").text
    assert re.search(r"\d+ of 100 requests left, resets in \d+ (s|min)", page)
    assert '<span class="badge ok">ok now</span>' in page or "seconds ago</span>" in page
    assert "<dt>Calls</dt><dd>1</dd>" in page
    assert "<dt>Errors</dt><dd>0</dd>" in page
    assert '<rect class="bar"' in page


def test_testing_entered_settings_reports_a_wrong_key(admin_client, parallax):
    response = admin_client.post(
        "/t/ops/connections/test/", form_data(parallax, ref_PARALLAX_API_KEY="plx_wrong_key_0000")
    )
    assert response.status_code == 200
    assert "rejected the credentials" in response.text
    assert "plx_wrong_key_0000" not in response.text


def test_testing_an_unreachable_host(admin_client, parallax):
    url = parallax.url
    parallax.stop()
    response = admin_client.post("/t/ops/connections/test/", form_data(parallax, base_url=url))
    assert "nothing is listening at that address" in response.text
    assert 'role="alert"' in response.text


@override_settings(ALLOW_PRIVATE_VENDOR_HOSTS=False)
def test_testing_a_private_address_without_the_setting_is_blocked(admin_client, parallax):
    response = admin_client.post("/t/ops/connections/test/", form_data(parallax))
    assert "private, loopback or link-local" in response.text
    assert parallax.stats()["requests"] == 0


def test_delete_names_the_connection_and_removes_it(admin_client, saved):
    confirm = admin_client.get("/t/ops/connections/parallax/delete/")
    assert "Delete the connection “Parallax”?" in confirm.text
    response = admin_client.post("/t/ops/connections/parallax/delete/")
    assert response.status_code == 302
    assert not Connection.objects.filter(pk=saved.pk).exists()
