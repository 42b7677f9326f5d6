"""Navigation for the page shell: the current team, the user's teams, visible connections.

Inside a team the current team is the one in the URL; on other pages (my account, password
change) it is the team last visited in this session, if the user is still a member.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import memberships_for, remembered_membership


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None) or remembered_membership(request=request)
    if membership is None:
        return {}
    from dashboard.connections.selectors import connections_for

    match = request.resolver_match
    # Lazy: built only if the page shows them (HTMX partials do not).
    return {
        "current_team": membership.team,
        "current_membership": membership,
        "team_memberships": SimpleLazyObject(lambda: memberships_for(user=user)),
        "nav_connections": SimpleLazyObject(
            lambda: connections_for(user=user, team=membership.team)
        ),
        "active_connection": match.kwargs.get("connection") if match else None,
    }
