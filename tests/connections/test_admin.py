"""Django admin: write-only secrets, saved through the services."""

import pytest
from django.urls import reverse

from dashboard.connections.models import Connection
from dashboard.teams.models import Membership, Role

from .conftest import OTHER_SECRET, SECRET

pytestmark = pytest.mark.django_db


def change_url(connection):
    return reverse("admin:connections_connection_change", args=[connection.pk])


def form_data(connection, **overrides):
    data = {
        "name": connection.name,
        "preset": connection.preset,
        "base_url": connection.base_url,
        "spec_toml": connection.spec_toml,
        "secret__LINKIT_API_KEY": "",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_change_page_never_shows_the_secret(admin_client, connection):
    response = admin_client.get(change_url(connection))
    assert response.status_code == 200
    page = response.content.decode()
    assert SECRET not in page
    assert connection.secrets_encrypted not in page
    assert 'name="secret__LINKIT_API_KEY"' in page
    assert 'type="password"' in page
    assert "set · ends in …4f2a" in page


def test_saving_with_a_blank_secret_keeps_it(admin_client, connection):
    response = admin_client.post(change_url(connection), form_data(connection, name="Linkit EU"))
    assert response.status_code == 302, response.content.decode()
    connection.refresh_from_db()
    assert connection.name == "Linkit EU"
    assert connection.decrypted_secrets() == {"LINKIT_API_KEY": SECRET}


def test_saving_a_new_secret_replaces_it(admin_client, connection):
    data = form_data(connection, secret__LINKIT_API_KEY=OTHER_SECRET)
    assert admin_client.post(change_url(connection), data).status_code == 302
    connection.refresh_from_db()
    assert connection.decrypted_secrets() == {"LINKIT_API_KEY": OTHER_SECRET}


def test_invalid_settings_are_shown_on_the_field_without_echoing_secrets(admin_client, connection):
    data = form_data(connection, base_url="ftp://nope", secret__LINKIT_API_KEY=OTHER_SECRET)
    response = admin_client.post(change_url(connection), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "must be an http:// or https:// URL with a host" in page
    assert OTHER_SECRET not in page
    assert SECRET not in page
    connection.refresh_from_db()
    assert connection.base_url == "http://127.0.0.1:8704"


def test_add_asks_for_the_presets_secrets_then_creates(admin_client, team):
    url = reverse("admin:connections_connection_add")
    first = {"team": team.pk, "name": "Parallax", "preset": "parallax", "_save": "Save"}
    response = admin_client.post(url, first)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="secret__PARALLAX_API_KEY"' in page
    assert "API key is required" in page
    assert not Connection.objects.exists()

    response = admin_client.post(url, {**first, "secret__PARALLAX_API_KEY": SECRET})
    assert response.status_code == 302, response.content.decode()
    created = Connection.objects.get()
    assert created.slug == "parallax"
    assert created.decrypted_secrets() == {"PARALLAX_API_KEY": SECRET}
    assert SECRET not in admin_client.get(change_url(created)).content.decode()


def test_pages_render_and_access_is_saved_through_the_services(admin_client, connection, member_of):
    member = member_of("viewer@example.com")
    assert admin_client.get(reverse("admin:connections_connection_add")).status_code == 200
    listing = admin_client.get(reverse("admin:connections_connection_changelist"))
    assert listing.status_code == 200
    data = form_data(connection, restricted="on", allowed_members=[member.pk])
    assert admin_client.post(change_url(connection), data).status_code == 302
    connection.refresh_from_db()
    assert connection.restricted
    assert list(connection.allowed_members.all()) == [member]
    history = admin_client.get(
        reverse("admin:connections_connection_history", args=[connection.pk])
    )
    assert history.status_code == 200
    assert SECRET not in history.content.decode()


def test_team_admin_pages_render(admin_client, team, member_of):
    member_of("viewer@example.com")
    assert admin_client.get(reverse("admin:teams_team_change", args=[team.pk])).status_code == 200
    assert admin_client.get(reverse("admin:teams_membership_changelist")).status_code == 200


def test_the_admin_adds_memberships_but_never_changes_or_removes_them(
    admin_client, team, member_of, make_user
):
    """Otherwise the admin could demote or remove a team's last owner, unaudited."""
    owner = Membership.objects.get(user=member_of("owner@example.com", Role.OWNER))
    change = reverse("admin:teams_membership_change", args=[owner.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    assert 'name="role"' not in page.content.decode(), "shown read-only"
    admin_client.post(change, {"team": team.pk, "user": owner.user.pk, "role": "viewer"})
    delete = reverse("admin:teams_membership_delete", args=[owner.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    owner.refresh_from_db()
    assert owner.role == Role.OWNER

    newcomer = make_user("first-owner@example.com")
    added = admin_client.post(
        reverse("admin:teams_membership_add"),
        {"team": team.pk, "user": newcomer.pk, "role": "owner"},
    )
    assert added.status_code == 302
    assert Membership.objects.get(user=newcomer).role == Role.OWNER
