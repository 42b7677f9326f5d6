"""Connection pages: list, detail and health, create, edit, delete, access, test (HTMX)."""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dashboard.audit.models import Outcome
from dashboard.audit.services import audit_record
from dashboard.browse.banners import budget_for
from dashboard.connectors.spec import SpecError
from dashboard.teams.forms import ConnectionAccessForm
from dashboard.teams.models import Membership, Role
from dashboard.teams.permissions import team_view
from dashboard.teams.services import connection_access_update

from . import services
from .charts import calls_chart
from .forms import ConnectionForm
from .models import Connection
from .selectors import connection_for, connections_for


@require_http_methods(["GET"])
@team_view(Role.VIEWER)
def connection_list(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    connections = connections_for(user=request.user, team=membership.team)
    return render(
        request,
        "connections/list.html",
        {
            "connections": connections,
            "can_manage": membership.has_role(Role.ADMIN),
        },
    )


@require_http_methods(["GET"])
@team_view(Role.VIEWER)
def connection_detail(
    request: HttpRequest, connection: str, *, membership: Membership
) -> HttpResponse:
    item = connection_for(user=request.user, team=membership.team, slug=connection)
    vendor = services.vendor_state(connection=item)
    return render(
        request,
        "connections/detail.html",
        {
            "connection": item,
            "rate_limit": vendor.rate_limit,
            "resets_in": budget_for(vendor.rate_limit, error=None, now=time.time()).resets_in,
            "stats": vendor.stats,
            "chart": calls_chart(vendor.stats) if vendor.stats is not None else None,
            "can_manage": membership.has_role(Role.ADMIN),
        },
    )


def _save(form: ConnectionForm, membership: Membership) -> Connection | None:
    """Create or update from a valid form; spec errors land on their fields."""
    values = {
        "name": form.cleaned_data["name"],
        "preset": form.cleaned_data["preset"],
        "base_url": form.cleaned_data["base_url"],
        "spec_toml": form.cleaned_data["spec_toml"],
        "read_only": form.cleaned_data["read_only"],
        "snapshot_max_age": form.cleaned_data["snapshot_max_age"],
        "variables": form.variables(),
        "secrets": form.secrets(),
    }
    try:
        if form.connection is None:
            return services.connection_create(team=membership.team, actor=membership.user, **values)
        return services.connection_update(
            connection=form.connection, actor=membership.user, **values
        )
    except SpecError as exc:
        form.add_spec_errors(exc.errors)
        return None


def _edit(
    request: HttpRequest, membership: Membership, connection: Connection | None
) -> HttpResponse:
    reloading = request.method == "POST" and "reload" in request.POST
    if reloading:
        # Another preset was chosen: show its fields, keep what was typed, judge nothing yet.
        form = ConnectionForm(initial=request.POST.dict(), connection=connection)
    elif request.method == "POST":
        form = ConnectionForm(request.POST, connection=connection)
        if form.is_valid() and (saved := _save(form, membership)) is not None:
            verb = "created" if connection is None else "saved"
            messages.success(request, f"Connection “{saved.name}” {verb}.")
            return redirect("connections:detail", membership.team.slug, saved.slug)
    else:
        form = ConnectionForm(initial=request.GET.dict(), connection=connection)
    template = "connections/form.html"
    if request.htmx and request.htmx.target == "spec-fields":
        template += "#spec-fields"
    status = 422 if request.method == "POST" and not reloading else 200
    return render(request, template, {"form": form, "connection": connection}, status=status)


@require_http_methods(["GET", "POST"])
@team_view(Role.ADMIN)
def connection_create(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    return _edit(request, membership, None)


@require_http_methods(["GET", "POST"])
@team_view(Role.ADMIN)
def connection_edit(
    request: HttpRequest, connection: str, *, membership: Membership
) -> HttpResponse:
    item = connection_for(user=request.user, team=membership.team, slug=connection)
    return _edit(request, membership, item)


@require_http_methods(["GET", "POST"])
@team_view(Role.ADMIN)
def connection_delete(
    request: HttpRequest, connection: str, *, membership: Membership
) -> HttpResponse:
    item = connection_for(user=request.user, team=membership.team, slug=connection)
    if request.method == "POST":
        name = item.name
        services.connection_delete(connection=item, actor=membership.user)
        messages.success(request, f"Connection “{name}” deleted.")
        return redirect("connections:list", membership.team.slug)
    return render(request, "connections/delete.html", {"connection": item})


@require_http_methods(["GET", "POST"])
@team_view(Role.ADMIN)
def connection_access(
    request: HttpRequest, connection: str, *, membership: Membership
) -> HttpResponse:
    """Who may see the connection, and whether records may be edited through it."""
    item = connection_for(user=request.user, team=membership.team, slug=connection)
    form = ConnectionAccessForm(request.POST if request.method == "POST" else None, connection=item)
    if form.is_valid():
        connection_access_update(actor=membership, connection=item, **form.cleaned_data)
        messages.success(request, f"Access to “{item.name}” saved.")
        return redirect("connections:detail", membership.team.slug, item.slug)
    return render(
        request,
        "teams/connection_access.html",
        {"connection": item, "form": form},
        status=422 if form.is_bound else 200,
    )


@require_http_methods(["POST"])
@team_view(Role.ADMIN)
def connection_test(
    request: HttpRequest, connection: str | None = None, *, membership: Membership
) -> HttpResponse:
    """Try the settings in the form (or, without form data, the saved connection)."""
    item = (
        connection_for(user=request.user, team=membership.team, slug=connection)
        if connection
        else None
    )
    if item is not None and "preset" not in request.POST:
        result = services.connection_test(connection=item)
    else:
        result = _test_entered(request, membership, item)
    audit_record(
        actor=request.user,
        team=membership.team,
        action="connection.test",
        target=request.path,
        outcome=Outcome.OK if result.ok else Outcome.FAILED,
        connection=item,
        details={"settings": "saved" if "preset" not in request.POST else "entered"},
        vendor_message="" if result.ok else result.message,
    )
    return render(request, "connections/test_result.html", {"result": result})


def _test_entered(
    request: HttpRequest, membership: Membership, item: Connection | None
) -> services.ConnectionTestResult:
    form = ConnectionForm(request.POST, connection=item)
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    try:
        spec = services.connection_validate(
            team=membership.team,
            connection=item,
            name=cleaned.get("name", ""),
            preset=cleaned.get("preset", ""),
            base_url=cleaned.get("base_url", ""),
            spec_toml=cleaned.get("spec_toml", ""),
            variables=form.variables(),
            secrets=form.secrets(),
        )
    except SpecError as exc:
        problems = "; ".join(f"{where}: {what}" for where, what in exc.errors.items())
        return services.ConnectionTestResult.failure(
            f"The settings are incomplete or invalid — {problems}", kind="invalid_spec"
        )
    return services.connection_test(spec=spec)
