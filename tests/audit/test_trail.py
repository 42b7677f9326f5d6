"""The audit trail's guarantees: the request id, no secrets, append-only (in the app and the
admin), entries outliving their user and connection, and connection changes audited."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from dashboard.audit.models import AppendOnlyError, AuditEntry, Outcome
from dashboard.audit.services import audit_record
from dashboard.connections import services
from dashboard.connections.models import Connection
from dashboard.core.observability import request_id_var
from dashboard.teams.models import Role

from .conftest import SECRET

pytestmark = pytest.mark.django_db

OTHER_SECRET = "lk_live_brand_new_secret_5a1d"


def everything_written() -> str:
    return json.dumps(list(AuditEntry.objects.values()), default=str)


def test_entries_carry_the_request_id_of_the_request_that_wrote_them(team, admin):
    token = request_id_var.set("req-42")
    try:
        entry = audit_record(actor=admin, team=team, action="example.done")
    finally:
        request_id_var.reset(token)
    outside = audit_record(actor=admin, team=team, action="example.done")
    assert (entry.request_id, outside.request_id) == ("req-42", "")


def test_changes_of_secret_looking_fields_are_redacted_on_both_sides(team, admin, connection):
    entry = audit_record(
        actor=admin,
        team=team,
        action="record.update",
        connection=connection,
        changes={
            "api_key": {"before": "old-key", "after": "new-key"},
            "settings": {"before": {"password": "x", "colour": "red"}, "after": {}},
            "name": {"after": "Kept"},
        },
    )
    assert entry.changes == {
        "api_key": {"before": "[redacted]", "after": "[redacted]"},
        "settings": {"before": {"password": "[redacted]", "colour": "red"}, "after": {}},
        "name": {"after": "Kept"},
    }


def test_record_entries_cannot_be_changed_or_deleted(team, admin, connection):
    entry = audit_record(
        actor=admin, team=team, action="record.update", connection=connection, record_id="p1"
    )
    entry.record_id = "p2"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(outcome=Outcome.FAILED)
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_entries_outlive_their_user_and_connection(team, admin, member_of, connection):
    editor = member_of("leaving@example.com", Role.EDITOR)
    audit_record(
        actor=editor, team=team, action="record.update", connection=connection, record_id="p1"
    )
    editor.delete()
    services.connection_delete(connection=connection)

    entry = AuditEntry.objects.get(action="record.update")
    assert (entry.actor, entry.actor_email) == (None, "leaving@example.com")
    assert (entry.connection, entry.connection_slug) == (None, "linkit")


def test_the_admin_shows_record_entries_read_only(client, django_user_model, team, connection):
    staff = django_user_model.objects.create_superuser(email="root@example.com", password="pw-1")
    client.force_login(staff)
    entry = audit_record(
        actor=staff,
        team=team,
        action="record.update",
        connection=connection,
        resource="products",
        record_id="p1",
        changes={"name_en": {"before": "Tea", "after": "Green tea"}},
        vendor_status=200,
    )
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert "Green tea" in page.text
    assert client.post(change, {"record_id": "x"}).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).record_id == "p1"


@pytest.fixture
def admin_session(client, admin):
    client.force_login(admin)
    return client


def test_connection_changes_are_audited_without_secret_values(admin_session, admin):
    base = "/t/ops/connections/"
    data = {
        "name": "Linkit",
        "preset": "linkit",
        "base_url": "http://127.0.0.1:8704",
        "ref_LINKIT_API_KEY": SECRET,
        "spec_toml": "",
    }
    assert admin_session.post(f"{base}new/", data).status_code == 302
    renamed = data | {"name": "Linkit KSA", "read_only": "on", "ref_LINKIT_API_KEY": ""}
    assert admin_session.post(f"{base}linkit/edit/", renamed).status_code == 302
    new_key = renamed | {"ref_LINKIT_API_KEY": OTHER_SECRET}
    assert admin_session.post(f"{base}linkit/edit/", new_key).status_code == 302
    assert admin_session.post(f"{base}linkit/delete/").status_code == 302

    entries = AuditEntry.objects.filter(action__startswith="connection.").order_by("id")
    assert [entry.action for entry in entries] == [
        "connection.created",
        "connection.updated",
        "connection.credentials_changed",
        "connection.deleted",
    ]
    created, updated, credentials, deleted = entries
    assert all(entry.actor == admin and entry.connection_slug == "linkit" for entry in entries)
    assert created.changes["preset"] == {"after": "linkit"}
    assert created.details == {"encrypted_fields": ["LINKIT_API_KEY"]}
    assert updated.changes == {
        "name": {"before": "Linkit", "after": "Linkit KSA"},
        "read_only": {"before": False, "after": True},
    }
    assert credentials.details == {"fields": ["LINKIT_API_KEY"]}
    assert deleted.details == {"name": "Linkit KSA"}
    assert not Connection.objects.exists()
    written = everything_written()
    for secret in (SECRET, OTHER_SECRET, SECRET[-4:] + '"'):
        assert secret not in written
