"""Navigation for the page shell: the current team, other teams, visible connections."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    from dashboard.connections.selectors import connections_for

    match = request.resolver_match
    return {
        "current_team": membership.team,
        "current_membership": membership,
        "other_teams": request.user.teams.exclude(pk=membership.team_id),
        "nav_connections": connections_for(user=request.user, team=membership.team),
        "active_connection": match.kwargs.get("connection") if match else None,
    }
