"""The checks every team-scoped view makes, on the server, before doing anything."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from .models import Membership, Role


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


def team_view(role: Role = Role.VIEWER) -> Callable[..., Any]:
    """Decorate a view taking `team` (a slug): sign-in, membership (404) and role (403).

    The view receives the `Membership` as `membership`; it is also kept on the request for
    the navigation context.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, team: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = membership_for(user=request.user, team_slug=team)
            request.membership = membership  # type: ignore[attr-defined]
            require_role(membership, role)
            return view(request, *args, membership=membership, **kwargs)

        return wrapper

    return decorator
