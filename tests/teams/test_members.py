"""The members page: who sees what, role changes, removal, and the last owner."""

from __future__ import annotations

import pytest

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.connections import services as connection_services
from dashboard.teams.models import Membership, Role

pytestmark = pytest.mark.django_db

MEMBERS = "/t/ops/members/"


def role_url(membership: Membership) -> str:
    return f"/t/ops/members/{membership.pk}/role/"


def remove_url(membership: Membership) -> str:
    return f"/t/ops/members/{membership.pk}/remove/"


def role_of(membership: Membership) -> str:
    membership.refresh_from_db()
    return membership.role


def test_viewers_see_the_members_but_no_controls(as_member, viewer, editor, owner):
    page = as_member(viewer).get(MEMBERS)
    assert page.status_code == 200
    assert "editor@example.com" in page.text
    assert "owner@example.com" in page.text
    assert 'name="role"' not in page.text
    assert "Invite someone" not in page.text
    assert "Remove" not in page.text


def test_admins_get_role_controls_except_for_owners(as_member, admin, editor, owner):
    page = as_member(admin).get(MEMBERS)
    assert page.status_code == 200
    assert f'action="{role_url(editor)}"' in page.text
    assert f'action="{role_url(owner)}"' not in page.text
    assert '<option value="owner"' not in page.text
    assert "Invite someone" in page.text


def test_an_admin_changes_an_editors_role(as_member, admin, editor, owner):
    response = as_member(admin).post(role_url(editor), {"role": "viewer"})
    assert response.status_code == 302
    assert role_of(editor) == Role.VIEWER
    entry = AuditEntry.objects.get(action="membership.role_changed")
    assert entry.actor == admin.user
    assert entry.target == "editor@example.com"
    assert entry.details == {"from": "editor", "to": "viewer"}


def test_an_admin_cannot_change_an_owner_and_the_attempt_is_audited(as_member, admin, owner):
    response = as_member(admin).post(role_url(owner), {"role": "viewer"})
    assert response.status_code == 403
    assert role_of(owner) == Role.OWNER
    denial = AuditEntry.objects.get(action="access.denied")
    assert denial.outcome == Outcome.DENIED
    assert denial.actor == admin.user
    assert denial.team_slug == "ops"
    assert denial.target == role_url(owner)
    assert denial.details["view"] == "teams:member-role"


def test_an_admin_cannot_make_anyone_an_owner(as_member, admin, editor, owner):
    response = as_member(admin).post(role_url(editor), {"role": "owner"})
    assert response.status_code == 403
    assert role_of(editor) == Role.EDITOR
    assert AuditEntry.objects.filter(action="access.denied").count() == 1


def test_editors_and_viewers_cannot_change_roles(as_member, editor, viewer, owner):
    for actor in (editor, viewer):
        response = as_member(actor).post(role_url(owner), {"role": "viewer"})
        assert response.status_code == 403
    assert role_of(owner) == Role.OWNER
    assert AuditEntry.objects.filter(action="access.denied").count() == 2


def test_an_unknown_role_changes_nothing(as_member, admin, editor):
    response = as_member(admin).post(role_url(editor), {"role": "emperor"}, follow=True)
    assert "Choose one of the offered roles." in response.text
    assert role_of(editor) == Role.EDITOR


def test_owners_manage_owners(as_member, owner, admin):
    client = as_member(owner)
    assert client.post(role_url(admin), {"role": "owner"}).status_code == 302
    assert role_of(admin) == Role.OWNER
    assert client.post(role_url(admin), {"role": "editor"}).status_code == 302
    assert role_of(admin) == Role.EDITOR


def test_the_last_owner_cannot_step_down(as_member, owner):
    response = as_member(owner).post(role_url(owner), {"role": "admin"}, follow=True)
    assert "is the last owner of Operations" in response.text
    assert role_of(owner) == Role.OWNER


def test_the_last_owner_cannot_be_removed(as_member, owner):
    response = as_member(owner).post(remove_url(owner), follow=True)
    assert "is the last owner of Operations" in response.text
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_with_a_second_owner_the_first_can_step_down_and_leave(as_member, owner, member_of):
    member_of("second@example.com", Role.OWNER)
    client = as_member(owner)
    assert client.post(role_url(owner), {"role": "admin"}).status_code == 302
    assert role_of(owner) == Role.ADMIN
    response = client.post(remove_url(owner))
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not Membership.objects.filter(pk=owner.pk).exists()


def test_admins_cannot_remove_owners(as_member, admin, owner):
    assert as_member(admin).post(remove_url(owner)).status_code == 403
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_removal_asks_first_then_removes_and_closes_restricted_connections(
    as_member, admin, editor, connection
):
    connection_services.connection_set_access(
        connection=connection, restricted=True, allowed_members=[editor.user]
    )
    client = as_member(admin)
    confirm = client.get(remove_url(editor))
    assert confirm.status_code == 200
    assert "Remove editor@example.com from Operations?" in confirm.text
    assert client.post(remove_url(editor)).status_code == 302
    assert not Membership.objects.filter(pk=editor.pk).exists()
    assert not connection.allowed_members.exists()
    entry = AuditEntry.objects.get(action="membership.removed")
    assert (entry.actor, entry.target) == (admin.user, "editor@example.com")


def test_a_removed_member_loses_access_at_once_in_an_open_session(as_member, admin, editor):
    session = as_member(editor)
    assert session.get("/t/ops/connections/").status_code == 200
    assert as_member(admin).post(remove_url(editor)).status_code == 302
    assert session.get("/t/ops/connections/").status_code == 404
    assert session.get(MEMBERS).status_code == 404
    assert session.get("/accounts/").status_code == 200, "still signed in, just not a member"


def test_members_of_another_team_cannot_be_reached(as_member, admin, member_of, other_team):
    stranger = member_of("stranger@example.com", Role.EDITOR, in_team=other_team)
    client = as_member(admin)
    assert client.post(role_url(stranger), {"role": "viewer"}).status_code == 404
    assert client.post(remove_url(stranger)).status_code == 404
    assert role_of(stranger) == Role.EDITOR


def test_another_teams_members_page_is_not_found(as_member, member_of, other_team, owner):
    stranger = member_of("stranger@example.com", Role.OWNER, in_team=other_team)
    assert as_member(stranger).get(MEMBERS).status_code == 404
    assert not AuditEntry.objects.filter(action="access.denied").exists()
