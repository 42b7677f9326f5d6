"""Who may browse what: every table and record URL checks sign-in, membership and the
connection's visibility on the server, for full pages, HTMX partials and column saves."""

from __future__ import annotations

import pytest

from dashboard.browse.models import ColumnPreference
from dashboard.connections import services
from dashboard.teams.models import Role, Team

from .conftest import connect, record_url, table_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def linkit(connection_to):
    return connection_to("linkit")


def test_anonymous_users_are_sent_to_sign_in(client, linkit):
    for url in (table_url(linkit, "products"), record_url(linkit, "products", "abc")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_another_teams_connection_is_not_found(client, member_of, simulators):
    other = Team.objects.create(name="Elsewhere", slug="elsewhere")
    theirs = connect(other, "linkit", simulators["linkit"])
    client.force_login(member_of("outsider@example.com", Role.OWNER))  # owner of "ops" only
    assert client.get(table_url(theirs, "products")).status_code == 404
    assert client.get(table_url(theirs, "products"), HTTP_HX_REQUEST="true").status_code == 404
    assert client.get(record_url(theirs, "products", "x")).status_code == 404
    assert client.post(table_url(theirs, "products"), {"cols": ["id"]}).status_code == 404
    assert not ColumnPreference.objects.exists()
    assert simulators["linkit"].stats()["requests"] == 0


def test_a_restricted_connection_is_hidden_from_members_not_allowed(
    viewer_client, linkit, simulators
):
    services.connection_set_access(connection=linkit, restricted=True, allowed_members=[])
    assert viewer_client.get(table_url(linkit, "products")).status_code == 404
    page = viewer_client.get("/t/ops/connections/").content.decode()
    assert "/c/linkit/" not in page  # nor in the sidebar
    assert simulators["linkit"].stats()["requests"] == 0


def test_unknown_connections_resources_and_methods_are_not_found(viewer_client, linkit):
    assert viewer_client.get("/t/ops/c/nothing/products/").status_code == 404
    assert viewer_client.get(table_url(linkit, "invoices")).status_code == 404
    assert viewer_client.get(record_url(linkit, "invoices", "1")).status_code == 404
    assert viewer_client.get(record_url(linkit, "products", "..")).status_code == 404


def test_a_resource_that_cannot_be_listed_has_no_table(viewer_client, connection_to):
    atlas = connection_to("atlas")
    assert viewer_client.get(record_url(atlas, "org-units", "x")).status_code == 404


def test_only_get_and_post_are_allowed(viewer_client, linkit):
    assert viewer_client.delete(table_url(linkit, "products")).status_code == 405
    assert viewer_client.post(record_url(linkit, "products", "x")).status_code == 405
