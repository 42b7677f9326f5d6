"""Per-connection access: restricted to some members, and read-only."""

from __future__ import annotations

import pytest

from dashboard.audit.models import AuditEntry
from dashboard.teams.models import Role

pytestmark = pytest.mark.django_db

ACCESS = "/t/ops/connections/linkit/access/"
DETAIL = "/t/ops/connections/linkit/"


def test_admins_restrict_a_connection_to_chosen_members(
    as_member, admin, editor, viewer, connection
):
    client = as_member(admin)
    form = client.get(ACCESS)
    assert form.status_code == 200
    assert f'name="allowed_members" value="{editor.user.pk}"' in form.text
    assert f'value="{admin.user.pk}"' not in form.text, "admins always have access"
    response = client.post(
        ACCESS, {"restricted": "on", "allowed_members": [editor.user.pk], "read_only": "on"}
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.restricted
    assert connection.read_only
    assert list(connection.allowed_members.all()) == [editor.user]
    assert as_member(editor).get(DETAIL).status_code == 200
    assert as_member(viewer).get(DETAIL).status_code == 404
    assert "Linkit" not in as_member(viewer).get("/t/ops/connections/").text
    entry = AuditEntry.objects.get(action="connection.access_changed")
    assert entry.details == {
        "restricted": True,
        "allowed_members": ["editor@example.com"],
        "read_only": True,
    }


def test_opening_a_connection_again(as_member, admin, viewer, connection):
    client = as_member(admin)
    client.post(ACCESS, {"restricted": "on"})
    assert as_member(viewer).get(DETAIL).status_code == 404
    client.post(ACCESS, {})
    assert as_member(viewer).get(DETAIL).status_code == 200


def test_the_detail_page_shows_access_and_the_link_only_to_admins(
    as_member, admin, viewer, connection
):
    assert "Change access" in as_member(admin).get(DETAIL).text
    page = as_member(viewer).get(DETAIL)
    assert "everyone in Operations" in page.text
    assert "Change access" not in page.text


def test_editors_and_viewers_cannot_change_access(as_member, editor, viewer, connection):
    for member in (editor, viewer):
        client = as_member(member)
        assert client.get(ACCESS).status_code == 403
        assert client.post(ACCESS, {"restricted": "on"}).status_code == 403
    connection.refresh_from_db()
    assert not connection.restricted


def test_members_of_other_teams_cannot_be_allowed(
    as_member, admin, member_of, other_team, connection
):
    stranger = member_of("stranger@example.com", Role.VIEWER, in_team=other_team)
    response = as_member(admin).post(
        ACCESS, {"restricted": "on", "allowed_members": [stranger.user.pk]}
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.text
    connection.refresh_from_db()
    assert not connection.restricted
