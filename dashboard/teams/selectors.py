"""Reads of teams, members and invitations, scoped to what the asking member may see."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from .models import Invitation, Membership, Role, Team
from .permissions import CURRENT_TEAM_SESSION_KEY, assignable_roles, can_manage


def token_hash(token: str) -> str:
    """What is stored for an invitation token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def memberships_for(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Membership]:
    """The user's teams, with their role in each (none for anonymous or inactive users)."""
    if not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("team").order_by("team__name")


def remembered_membership(*, request: HttpRequest) -> Membership | None:
    """The membership of the team last visited in this session, if the user still has it."""
    team_id = request.session.get(CURRENT_TEAM_SESSION_KEY)
    if team_id is None:
        return None
    return memberships_for(user=request.user).filter(team_id=team_id).first()


@dataclass(frozen=True)
class MemberRow:
    """A line of the members page: the member and what the viewing member may do to them."""

    membership: Membership
    roles: list[Role]
    can_remove: bool


def member_rows(*, actor: Membership) -> list[MemberRow]:
    members = Membership.objects.filter(team=actor.team_id).select_related("user")
    roles = assignable_roles(actor)
    return [
        MemberRow(
            membership=member,
            roles=roles if can_manage(actor, member.role) else [],
            can_remove=can_manage(actor, member.role),
        )
        for member in members.order_by("user__email")
    ]


def member_for(*, team: Team, pk: int) -> Membership:
    """One membership of the team; 404 for another team's."""
    member = Membership.objects.filter(team=team, pk=pk).select_related("user", "team").first()
    if member is None:
        raise Http404("No such member.")
    return member


def member_exists(*, team: Team, email: str) -> bool:
    return Membership.objects.filter(team=team, user__email__iexact=email).exists()


def restrictable_members(*, team: Team) -> QuerySet[Any]:
    """Members a restricted connection can be opened to: editors and viewers (admins and
    owners see every connection of their team)."""
    return (
        get_user_model()
        .objects.filter(memberships__team=team, memberships__role__in=[Role.EDITOR, Role.VIEWER])
        .order_by("email")
    )


def pending_invitations(*, team: Team) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        team=team, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def invitation_for(*, team: Team, pk: int) -> Invitation:
    """One invitation of the team; 404 for another team's."""
    invitation = Invitation.objects.filter(team=team, pk=pk).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation a link's token belongs to, whatever its state."""
    return Invitation.objects.select_related("team").filter(token_hash=token_hash(token)).first()


def user_by_email(*, email: str) -> Any | None:
    return get_user_model().objects.filter(email__iexact=email).first()
