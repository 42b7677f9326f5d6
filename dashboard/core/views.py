"""Pages outside any team: the landing redirect and the health check."""

import uuid

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dashboard.teams.selectors import memberships_for, remembered_membership


@require_http_methods(["GET"])
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Go to the connections of the team last visited in this session, else of the user's
    first team; explain when the user has no team."""
    membership = (
        remembered_membership(request=request) or memberships_for(user=request.user).first()
    )
    if membership is None:
        return render(request, "no_team.html")
    return redirect("connections:list", membership.team.slug)


@require_http_methods(["GET", "HEAD"])
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and cache reachability for load balancers: 200 when both answer, else 503.

    Names no host, user or error text (nothing a passer-by could use)."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            **{k: "ok" if v else "down" for k, v in checks.items()},
        },
        status=200 if healthy else 503,
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _cache_ok() -> bool:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception:  # any backend failure (connection, timeout, ...) means "down"
        return False
    return ok
