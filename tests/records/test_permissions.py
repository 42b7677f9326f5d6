"""Who may change records: viewers and read-only connections are refused (403, audited),
other teams' and hidden connections are not found (404), and nothing reaches the vendor."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.connections.models import Connection
from dashboard.teams.models import Role, Team
from tests.browse.conftest import connect

from .conftest import create_url, delete_url, edit_url, form_data, record_url, table_url

pytestmark = pytest.mark.django_db


def urls(connection: Connection, record_id: Any) -> list[str]:
    return [
        edit_url(connection, "products", record_id),
        delete_url(connection, "products", record_id),
        create_url(connection, "products"),
    ]


@pytest.fixture
def linkit(fresh: Any) -> Connection:
    return fresh("linkit")


@pytest.fixture
def product(linkit: Connection, simulators: dict[str, Any]) -> dict[str, Any]:
    return dict(next(iter(simulators["linkit"].store["products"])))


def test_a_viewers_attempts_are_refused_and_audited(
    linkit, viewer, viewer_client, editor_client, product, simulators
):
    url = edit_url(linkit, "products", product["id"])
    data = form_data(editor_client.get(url).content.decode()) | {"record-name_en": "Viewer"}
    requests = simulators["linkit"].stats()["requests"]

    assert viewer_client.post(url, data).status_code == 403
    assert viewer_client.post(url, data, HTTP_HX_REQUEST="true").status_code == 403
    for other in urls(linkit, product["id"]):
        assert viewer_client.get(other).status_code == 403
        assert viewer_client.post(other).status_code == 403

    assert simulators["linkit"].stats()["requests"] == requests
    assert (
        simulators["linkit"].store["products"].get(product["id"])["name_en"] == product["name_en"]
    )
    denials = AuditEntry.objects.filter(action="access.denied", actor=viewer)
    assert denials.count() == 8
    assert denials.filter(outcome=Outcome.DENIED, target=url, details__method="POST").count() == 3
    assert not AuditEntry.objects.filter(action__startswith="record.").exists()


def test_viewers_see_no_edit_controls(linkit, viewer_client, product):
    page = viewer_client.get(record_url(linkit, "products", product["id"])).content.decode()
    assert "/edit/" not in page
    assert "/delete/" not in page
    table = viewer_client.get(table_url(linkit, "products")).content.decode()
    assert create_url(linkit, "products") not in table
    assert "/edit/" not in table


def test_a_read_only_connection_refuses_edits_whatever_the_role(
    linkit, member_of, product, simulators
):
    Connection.objects.filter(pk=linkit.pk).update(read_only=True)
    owner = member_of("owner@example.com", Role.OWNER)
    client = Client()
    client.force_login(owner)
    requests = simulators["linkit"].stats()["requests"]

    for url in urls(linkit, product["id"]):
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403

    assert simulators["linkit"].stats()["requests"] == requests
    denial = AuditEntry.objects.filter(action="access.denied", actor=owner).first()
    assert "read-only" in denial.details["reason"]
    page = client.get(record_url(linkit, "products", product["id"])).content.decode()
    assert "/edit/" not in page
    assert (
        create_url(linkit, "products")
        not in client.get(table_url(linkit, "products")).content.decode()
    )


def test_another_teams_connection_is_not_found(member_of, simulators, product):
    elsewhere = Team.objects.create(name="Elsewhere", slug="elsewhere")
    theirs = connect(elsewhere, "linkit", simulators["linkit"])
    client = Client()
    client.force_login(member_of("owner@example.com", Role.OWNER))  # owner of "ops" only
    for url in urls(theirs, product["id"]):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404


def test_a_restricted_connection_is_not_found_for_members_not_allowed(
    linkit, editor_client, product
):
    Connection.objects.filter(pk=linkit.pk).update(restricted=True)
    for url in urls(linkit, product["id"]):
        assert editor_client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(linkit, client, product):
    for url in urls(linkit, product["id"]):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_a_form_for_another_record_is_refused(linkit, editor_client, open_form, simulators):
    """The signed state binds a form to its record: it cannot be replayed on another."""
    one, two = list(simulators["linkit"].store["products"])[:2]
    data = open_form(edit_url(linkit, "products", one["id"])) | {"record-name_en": "Moved"}

    response = editor_client.post(edit_url(linkit, "products", two["id"]), data)

    assert response.status_code == 400
    assert "This form is out of date or incomplete." in response.content.decode()
    assert simulators["linkit"].store["products"].get(two["id"])["name_en"] == two["name_en"]
