"""The audit trail: append-only, no secrets, read-only in the Django admin."""

from __future__ import annotations

import pytest

from dashboard.audit.models import AppendOnlyError, AuditEntry, Outcome
from dashboard.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(admin) -> AuditEntry:
    return audit_record(
        actor=admin.user,
        team=admin.team,
        action="example.done",
        target="something",
        details={"api_key": "sk_live_1", "nested": {"password": "hunter2", "kept": 1}},
    )


def test_an_entry_records_who_when_where_and_what(entry, admin):
    assert entry.actor_email == "admin@example.com"
    assert entry.team_slug == "ops"
    assert entry.outcome == Outcome.OK
    assert entry.created_at.utcoffset().total_seconds() == 0


def test_secret_looking_details_are_redacted(entry):
    assert entry.details == {
        "api_key": "[redacted]",
        "nested": {"password": "[redacted]", "kept": 1},
    }


def test_entries_cannot_be_changed_or_deleted(entry):
    entry.action = "something.else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "example.done"


def test_anonymous_actors_are_recorded_as_nobody():
    entry = audit_record(actor=None, team=None, action="auth.login_failed", outcome=Outcome.FAILED)
    assert (entry.actor, entry.actor_email, entry.team_slug) == (None, "", "")


def test_the_admin_shows_entries_but_cannot_add_change_or_delete(admin_client, entry):
    base = "/admin/audit/auditentry/"
    assert admin_client.get(base).status_code == 200
    detail = admin_client.get(f"{base}{entry.pk}/change/")
    assert detail.status_code == 200
    assert "sk_live_1" not in detail.text
    assert admin_client.get(f"{base}add/").status_code == 403
    assert admin_client.post(f"{base}{entry.pk}/change/", {"action": "x"}).status_code == 403
    assert admin_client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "example.done"
