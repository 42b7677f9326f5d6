"""Writes for teams: roles, removals, invitations, team deletion and connection access.

Every function is keyword-only and takes the acting member as `actor`. A change the actor's
role does not allow raises `PermissionDenied` (a 403, audited by `team_view`); a change the
team's rules refuse, such as leaving a team without an owner, raises `TeamRuleError`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from dashboard.audit.services import audit_record
from dashboard.connections.models import Connection
from dashboard.connections.services import connection_set_access

from .models import Invitation, Membership, Role, Team
from .permissions import require_manage, require_role
from .selectors import member_exists, token_hash

TOKEN_BYTES = 32


class TeamRuleError(Exception):
    """A change the team's rules refuse; the message says why, in plain words."""


class InvitationUnusable(Exception):
    """The invitation was accepted, revoked or has expired in the meantime."""


# --- members --------------------------------------------------------------------------------


def _ensure_another_owner(membership: Membership) -> None:
    """Refuse to leave the team without an owner. Locks the team row, so two owners
    demoting each other at the same moment cannot both succeed."""
    if membership.role != Role.OWNER:
        return
    Team.objects.select_for_update().get(pk=membership.team_id)
    owners = Membership.objects.filter(team=membership.team_id, role=Role.OWNER)
    if not owners.exclude(pk=membership.pk).exists():
        raise TeamRuleError(
            f"{membership.user} is the last owner of {membership.team}: "
            "make someone else an owner first."
        )


def membership_change_role(*, actor: Membership, membership: Membership, role: Role) -> Membership:
    require_manage(actor, membership.role)
    require_manage(actor, role)
    previous = membership.role
    if previous == role:
        return membership
    with transaction.atomic():
        if role != Role.OWNER:
            _ensure_another_owner(membership)
        membership.role = role
        membership.save(update_fields=["role"])
    audit_record(
        actor=actor.user,
        team=actor.team,
        action="membership.role_changed",
        target=membership.user.email,
        details={"from": previous, "to": role},
    )
    return membership


def membership_remove(*, actor: Membership, membership: Membership) -> None:
    """Take a member out of the team, and out of its restricted connections' allow lists."""
    require_manage(actor, membership.role)
    with transaction.atomic():
        _ensure_another_owner(membership)
        Connection.allowed_members.through.objects.filter(
            connection__team=membership.team_id, user=membership.user_id
        ).delete()
        membership.delete()
    audit_record(
        actor=actor.user,
        team=actor.team,
        action="membership.removed",
        target=membership.user.email,
        details={"role": membership.role},
    )


# --- invitations ----------------------------------------------------------------------------


def invitation_create(*, actor: Membership, email: str, role: Role) -> tuple[Invitation, str]:
    """A new invitation and its token (the only time the token exists in plain text).

    An earlier pending invitation of the same address to the same team is revoked.
    """
    require_manage(actor, role)
    address = email.strip().lower()
    if member_exists(team=actor.team, email=address):
        raise TeamRuleError(f"{address} is already a member of {actor.team}.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(
            team=actor.team, email=address, accepted_at=None, revoked_at=None
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            team=actor.team,
            email=address,
            role=role,
            token_hash=token_hash(token),
            invited_by=actor.user,
            expires_at=now + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
    audit_record(
        actor=actor.user,
        team=actor.team,
        action="invitation.created",
        target=address,
        details={"role": role, "invitation": invitation.pk},
    )
    return invitation, token


def invitation_send(*, invitation: Invitation, accept_url: str) -> None:
    """E-mail the link to the invited address."""
    context = {"invitation": invitation, "accept_url": accept_url}
    subject = render_to_string("teams/email/invitation_subject.txt", context).strip()
    body = render_to_string("teams/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_revoke(*, actor: Membership, invitation: Invitation) -> None:
    require_manage(actor, invitation.role)
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if not claimed:
        raise TeamRuleError("This invitation was already used or revoked.")
    audit_record(
        actor=actor.user,
        team=actor.team,
        action="invitation.revoked",
        target=invitation.email,
        details={"invitation": invitation.pk},
    )


def _claim(invitation: Invitation, user: Any) -> Membership:
    """Mark the invitation used by `user` and make them a member (inside a transaction).

    The conditional update makes the link single-use even under concurrent requests.
    """
    now = timezone.now()
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at=None, revoked_at=None, expires_at__gt=now
    ).update(accepted_at=now, accepted_by=user)
    if not claimed:
        raise InvitationUnusable("This invitation can no longer be used.")
    membership, _ = Membership.objects.get_or_create(
        team=invitation.team, user=user, defaults={"role": invitation.role}
    )
    return membership


def invitation_accept(*, invitation: Invitation, user: Any) -> Membership:
    """Join the team as an existing, signed-in user (the invited address must be theirs)."""
    if not invitation.is_for(user):
        raise InvitationUnusable("This invitation was sent to another address.")
    with transaction.atomic():
        membership = _claim(invitation, user)
    _record_acceptance(invitation, user, new_user=False)
    return membership


def invitation_accept_new_user(*, invitation: Invitation, full_name: str, password: str) -> Any:
    """Create the invited person's account with their chosen password, then join the team."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            email=invitation.email, password=password, full_name=full_name.strip()
        )
        _claim(invitation, user)
    _record_acceptance(invitation, user, new_user=True)
    return user


def _record_acceptance(invitation: Invitation, user: Any, *, new_user: bool) -> None:
    audit_record(
        actor=user,
        team=invitation.team,
        action="invitation.accepted",
        target=invitation.email,
        details={"role": invitation.role, "invitation": invitation.pk, "new_user": new_user},
    )


# --- teams ----------------------------------------------------------------------------------


def team_delete(*, actor: Membership) -> None:
    """Delete the actor's team with its connections, memberships and invitations."""
    require_role(actor, Role.OWNER)
    team = actor.team
    audit_record(
        actor=actor.user,
        team=team,
        action="team.deleted",
        target=team.slug,
        details={"name": team.name},
    )
    team.delete()


# --- connection access ----------------------------------------------------------------------


def connection_access_update(
    *,
    actor: Membership,
    connection: Connection,
    restricted: bool,
    allowed_members: Iterable[Any],
    read_only: bool,
) -> None:
    """Limit a connection to some members (or open it to the team) and set read-only."""
    require_role(actor, Role.ADMIN)
    members = list(allowed_members)
    with transaction.atomic():
        connection_set_access(connection=connection, restricted=restricted, allowed_members=members)
        Connection.objects.filter(pk=connection.pk).update(read_only=read_only)
        connection.read_only = read_only
    audit_record(
        actor=actor.user,
        team=actor.team,
        action="connection.access_changed",
        target=connection.slug,
        details={
            "restricted": restricted,
            "allowed_members": sorted(user.email for user in members),
            "read_only": read_only,
        },
    )
