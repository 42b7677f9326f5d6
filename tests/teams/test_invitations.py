"""Invitations: e-mailed single-use links that expire, for new and existing users."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from dashboard.audit.models import AuditEntry
from dashboard.teams import services
from dashboard.teams.models import Invitation, Membership, Role

pytestmark = pytest.mark.django_db

INVITE = "/t/ops/members/invite/"
LINK = re.compile(r"http://testserver(/invitations/[\w-]+/)")


def invite(client, email="new@example.com", role="viewer"):
    return client.post(INVITE, {"email": email, "role": role})


def link_from_mail() -> str:
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


@pytest.fixture
def invited(admin) -> tuple[Invitation, str]:
    """A pending invitation of new@example.com as editor, and its link."""
    invitation, token = services.invitation_create(
        actor=admin, email="new@example.com", role=Role.EDITOR
    )
    return invitation, f"/invitations/{token}/"


def test_an_admin_invites_by_email_and_only_a_hash_of_the_token_is_stored(as_member, admin):
    response = invite(as_member(admin), email="New.Person@Example.com", role="editor")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"]
    assert "Operations" in message.subject
    assert "as editor" in message.body
    path = link_from_mail()
    token = path.split("/")[2]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(value) for value in Invitation.objects.values().get().values()]
    assert not any(token in value for value in stored)
    entry = AuditEntry.objects.get(action="invitation.created")
    assert (entry.actor, entry.target) == (admin.user, "new.person@example.com")
    assert token not in str(entry.details)


@override_settings(INVITATION_TTL_DAYS=2)
def test_the_link_expires_after_the_configured_days(admin):
    invitation, _ = services.invitation_create(actor=admin, email="x@example.com", role=Role.VIEWER)
    lifetime = invitation.expires_at - invitation.created_at
    assert timedelta(days=2) - timedelta(seconds=5) < lifetime <= timedelta(days=2)


def test_admins_cannot_invite_owners_and_the_attempt_is_audited(as_member, admin):
    assert invite(as_member(admin), role="owner").status_code == 403
    assert not Invitation.objects.exists()
    assert not mail.outbox
    assert AuditEntry.objects.filter(action="access.denied", actor=admin.user).exists()


def test_owners_can_invite_owners(as_member, owner):
    assert invite(as_member(owner), role="owner").status_code == 302
    assert Invitation.objects.get().role == Role.OWNER


def test_editors_cannot_invite(as_member, editor):
    assert invite(as_member(editor)).status_code == 403
    assert not Invitation.objects.exists()


def test_inviting_a_member_again_is_refused_on_the_form(as_member, admin, editor):
    response = invite(as_member(admin), email="EDITOR@example.com")
    assert response.status_code == 422
    assert "editor@example.com is already a member of Operations." in response.text
    assert not Invitation.objects.exists()


def test_an_invalid_address_is_refused_on_the_form(as_member, admin):
    response = invite(as_member(admin), email="not an address")
    assert response.status_code == 422
    assert "Enter a valid email address." in response.text


def test_a_new_invitation_replaces_the_pending_one(admin, invited, client):
    first, first_link = invited
    services.invitation_create(actor=admin, email="new@example.com", role=Role.VIEWER)
    first.refresh_from_db()
    assert first.revoked_at is not None
    response = client.get(first_link)
    assert response.status_code == 410
    assert "This invitation was withdrawn" in response.text


def test_a_new_user_sets_a_password_and_joins(client, invited):
    invitation, link = invited
    form = client.get(link)
    assert form.status_code == 200
    assert "Choose a password for your new account" in form.text
    assert "new@example.com" in form.text
    response = client.post(
        link,
        {
            "full_name": "New Person",
            "password1": "correct horse 42",
            "password2": "correct horse 42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/t/ops/connections/"
    membership = Membership.objects.get(user__email="new@example.com")
    assert (membership.team.slug, membership.role) == ("ops", Role.EDITOR)
    assert membership.user.check_password("correct horse 42")
    assert membership.user.full_name == "New Person"
    assert client.get("/t/ops/connections/").status_code == 200, "signed in"
    invitation.refresh_from_db()
    assert invitation.accepted_by == membership.user
    assert AuditEntry.objects.filter(action="invitation.accepted", actor=membership.user).exists()


def test_a_weak_password_is_refused_and_nothing_is_created(client, invited):
    _, link = invited
    response = client.post(link, {"password1": "password", "password2": "password"})
    assert response.status_code == 422
    assert "This password is too common." in response.text
    assert not Membership.objects.filter(user__email="new@example.com").exists()


def test_a_used_link_shows_a_clear_page_and_cannot_be_used_again(client, invited):
    _, link = invited
    password = "correct horse 42"
    client.post(link, {"password1": password, "password2": password})
    client.logout()
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 410
        assert "This invitation was already used" in response.text
    assert Membership.objects.filter(user__email="new@example.com").count() == 1


def test_an_expired_link_shows_a_clear_page(client, invited):
    invitation, link = invited
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(link, {"password1": "correct horse 42", "password2": "correct horse 42"})
    assert response.status_code == 410
    assert "This invitation has expired" in response.text
    assert not Membership.objects.filter(user__email="new@example.com").exists()


def test_an_unknown_link_shows_a_clear_page(client, invited):
    response = client.get("/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.text


def test_a_link_used_while_the_form_was_open_is_refused(invited):
    invitation, _ = invited
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    with pytest.raises(services.InvitationUnusable):
        services.invitation_accept_new_user(
            invitation=invitation, full_name="", password="correct horse 42"
        )
    assert not Membership.objects.filter(user__email="new@example.com").exists()


def test_an_existing_user_signs_in_first_then_accepts(client, invited, member_of, other_team):
    _, link = invited
    existing = member_of("new@example.com", Role.OWNER, in_team=other_team)
    page = client.get(link)
    assert page.status_code == 200
    assert "Sign in to accept" in page.text
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={link}"

    client.force_login(existing.user)
    confirm = client.get(link)
    assert confirm.status_code == 200
    assert "Accept and join" in confirm.text
    assert client.post(link).status_code == 302
    membership = Membership.objects.get(team__slug="ops", user=existing.user)
    assert membership.role == Role.EDITOR
    assert client.post(link).status_code == 410


def test_signed_in_as_someone_else_the_invitation_is_refused(as_member, invited, viewer):
    _, link = invited
    client = as_member(viewer)
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 403
        assert "This invitation is for another address" in response.text
    assert not Membership.objects.filter(user__email="new@example.com").exists()


def test_admins_revoke_pending_invitations(as_member, admin, invited, client):
    invitation, link = invited
    page = as_member(admin).get("/t/ops/members/")
    assert "new@example.com" in page.text
    url = f"/t/ops/invitations/{invitation.pk}/revoke/"
    assert as_member(admin).post(url).status_code == 302
    assert client.get(link).status_code == 410
    assert AuditEntry.objects.filter(action="invitation.revoked").exists()


def test_editors_cannot_revoke(as_member, editor, invited):
    invitation, _ = invited
    assert as_member(editor).post(f"/t/ops/invitations/{invitation.pk}/revoke/").status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_another_teams_invitation_cannot_be_revoked(as_member, invited, member_of, other_team):
    invitation, _ = invited
    stranger = member_of("stranger@example.com", Role.OWNER, in_team=other_team)
    response = as_member(stranger).post(f"/t/elsewhere/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 404


def test_the_invitation_form_suggests_the_viewer_role(as_member, owner):
    page = as_member(owner).get("/t/ops/members/").text
    invite_form = page[page.index('action="/t/ops/members/invite/"') :]
    assert '<option value="viewer" selected>' in invite_form
