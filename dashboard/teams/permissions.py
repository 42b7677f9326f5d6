"""The checks every team-scoped view makes, on the server, before doing anything."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from dashboard.audit.models import Outcome
from dashboard.audit.services import audit_record

from .models import ROLE_RANK, Membership, Role

# The session remembers the last team visited, so pages outside a team still show it.
CURRENT_TEAM_SESSION_KEY = "current_team_id"


def membership_for(*, user: Any, team_slug: str) -> Membership:
    """The user's membership of a team; 404 for a team they do not belong to."""
    try:
        return Membership.objects.select_related("team").get(
            user=user, team__slug=team_slug, user__is_active=True
        )
    except Membership.DoesNotExist:
        raise Http404("No such team.") from None


def require_role(membership: Membership, role: Role) -> None:
    if not membership.has_role(role):
        raise PermissionDenied(f"This needs the {role.label.lower()} role in {membership.team}.")


def can_manage(actor: Membership, role: Role | str) -> bool:
    """Whether `actor` may give, change or take away `role`: admins manage admins, editors
    and viewers; only owners manage owners."""
    return actor.has_role(Role.ADMIN) and ROLE_RANK[Role(role)] <= ROLE_RANK[Role(actor.role)]


def assignable_roles(actor: Membership) -> list[Role]:
    """The roles `actor` may give, most powerful first."""
    return [role for role in Role if can_manage(actor, role)]


def require_manage(actor: Membership, role: Role | str) -> None:
    if not can_manage(actor, role):
        raise PermissionDenied(f"Managing {Role(role).label.lower()}s needs a higher role.")


def _remember_team(request: HttpRequest, membership: Membership) -> None:
    if request.session.get(CURRENT_TEAM_SESSION_KEY) != membership.team_id:
        request.session[CURRENT_TEAM_SESSION_KEY] = membership.team_id


def _record_denial(request: HttpRequest, membership: Membership, reason: str) -> None:
    match = request.resolver_match
    audit_record(
        actor=request.user,
        team=membership.team,
        action="access.denied",
        target=request.path,
        outcome=Outcome.DENIED,
        details={
            "method": request.method,
            "view": match.view_name if match else "",
            "role": membership.role,
            "reason": reason,
        },
    )


def team_view(role: Role = Role.VIEWER) -> Callable[..., Any]:
    """Decorate a view taking `team` (a slug): sign-in, membership (404) and role (403).

    Membership is read from the database on every request, so a removed member loses access
    at once, open sessions included. Every 403 in the team (the role check here, or a
    `PermissionDenied` raised by the view or a service) is written to the audit trail.
    The view receives the `Membership` as `membership`; it is also kept on the request for
    the navigation context.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, team: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = membership_for(user=request.user, team_slug=team)
            request.membership = membership  # type: ignore[attr-defined]
            _remember_team(request, membership)
            try:
                require_role(membership, role)
                return view(request, *args, membership=membership, **kwargs)
            except PermissionDenied as exc:
                _record_denial(request, membership, str(exc))
                raise

        return wrapper

    return decorator
