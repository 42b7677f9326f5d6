"""Pages outside any team: the landing redirect."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dashboard.teams.models import Membership


@require_http_methods(["GET"])
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Go to the first team's connections; explain when the user has no team."""
    membership = Membership.objects.filter(user=request.user).select_related("team").first()
    if membership is None:
        return render(request, "no_team.html")
    return redirect("connections:list", membership.team.slug)
