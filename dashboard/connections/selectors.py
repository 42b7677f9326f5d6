"""Reads of connections, filtered by what the user may see (every view goes through these)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from dashboard.teams.models import Membership, Role, Team

from .models import Connection


def connections_for(*, user: AbstractBaseUser | AnonymousUser, team: Team) -> QuerySet[Connection]:
    """The team's connections the user may see: none for non-members; restricted ones only
    for their allowed members and the team's admins and owners."""
    membership = (
        Membership.objects.filter(team=team, user=user).first() if user.is_authenticated else None
    )
    if membership is None:
        return Connection.objects.none()
    connections = Connection.objects.filter(team=team)
    if membership.has_role(Role.ADMIN):
        return connections
    allowed = Connection.allowed_members.through.objects.filter(user=user).values("connection_id")
    return connections.filter(Q(restricted=False) | Q(pk__in=allowed))


def connection_for(*, user: AbstractBaseUser | AnonymousUser, team: Team, slug: str) -> Connection:
    """One visible connection; Http404 when it does not exist or the user may not see it."""
    connection = connections_for(user=user, team=team).filter(slug=slug).first()
    if connection is None:
        raise Http404("No such connection.")
    return connection
