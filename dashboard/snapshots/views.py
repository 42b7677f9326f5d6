"""A table's snapshot panel (take, follow with HTMX polling, cancel) and exports.

Every view is team-scoped (`team_view`) and reads the connection through `connection_for`,
which hides connections the user may not see: another team's snapshots and exports are 404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dashboard.audit.services import audit_record
from dashboard.browse import selectors as browse_selectors
from dashboard.browse.selectors import Source, SourceUnavailable
from dashboard.connections.selectors import connection_for
from dashboard.connections.services import describe_error
from dashboard.connectors.errors import VendorError
from dashboard.teams.models import Membership, Role
from dashboard.teams.permissions import team_view

from . import services
from .exports import FORMATS, ExportRefused, audit_export, plan_export, stream
from .models import Snapshot
from .progress import panel
from .selectors import table_snapshot

PANEL_TEMPLATE = "snapshots/_panel.html"


def _source(request: HttpRequest, membership: Membership, connection: str, resource: str) -> Source:
    item = connection_for(user=request.user, team=membership.team, slug=connection)
    try:
        return browse_selectors.source_for(connection=item, resource=resource)
    except SourceUnavailable:
        raise Http404("This connection cannot be used.") from None


def panel_context(source: Source) -> dict[str, Any]:
    """The snapshot panel of a table (also shown by the table page itself). A running
    snapshot whose worker stopped is resumed or failed here, as someone is watching."""
    state = table_snapshot(connection=source.connection, resource=source.resource.name)
    if state.active is not None and services.snapshot_looks_abandoned(state.active):
        services.snapshot_recover(snapshot=state.active)
        state = table_snapshot(connection=source.connection, resource=source.resource.name)
    vendor_limited = source.client.spec.sort is None or not source.resource.filterable
    return {
        "snapshot_panel": panel(
            state,
            max_age_minutes=source.connection.snapshot_max_age,
            suggested=vendor_limited,
        ),
        "connection": source.connection,
        "resource_name": source.resource.name,
    }


def _panel_response(request: HttpRequest, source: Source) -> HttpResponse:
    if request.htmx:
        return render(request, PANEL_TEMPLATE, panel_context(source))
    table = reverse(
        "browse:table",
        args=[source.connection.team.slug, source.connection.slug, source.resource.name],
    )
    return redirect(table)


@require_GET
@team_view(Role.VIEWER)
def snapshot_panel(
    request: HttpRequest, connection: str, resource: str, *, membership: Membership
) -> HttpResponse:
    """The panel alone: polled by HTMX while a snapshot is being taken."""
    source = _source(request, membership, connection, resource)
    return render(request, PANEL_TEMPLATE, panel_context(source))


@require_POST
@team_view(Role.VIEWER)
def snapshot_take(
    request: HttpRequest, connection: str, resource: str, *, membership: Membership
) -> HttpResponse:
    source = _source(request, membership, connection, resource)
    snapshot = services.snapshot_start(source=source, user=request.user)
    _audit(request, membership, source, "snapshot.take", snapshot)
    return _panel_response(request, source)


@require_POST
@team_view(Role.VIEWER)
def snapshot_cancel(
    request: HttpRequest, connection: str, resource: str, *, membership: Membership
) -> HttpResponse:
    source = _source(request, membership, connection, resource)
    active = table_snapshot(connection=source.connection, resource=source.resource.name).active
    if active is not None:
        services.snapshot_cancel(snapshot=active)
        _audit(request, membership, source, "snapshot.cancel", active)
    return _panel_response(request, source)


def _audit(
    request: HttpRequest, membership: Membership, source: Source, action: str, snapshot: Snapshot
) -> None:
    audit_record(
        actor=request.user,
        team=membership.team,
        action=action,
        target=request.path,
        connection=source.connection,
        resource=source.resource.name,
        details={"snapshot": snapshot.pk},
    )


def _refused(request: HttpRequest, source: Source, message: str, *, status: int) -> HttpResponse:
    context = {"message": message, "connection": source.connection, "resource": source.resource}
    return render(request, "snapshots/export_refused.html", context, status=status)


@require_GET
@team_view(Role.VIEWER)
def export_view(
    request: HttpRequest, connection: str, resource: str, format: str, *, membership: Membership
) -> HttpResponse:
    """The table's current view as a streamed download; an audit entry says who exported
    which view and how many records."""
    if format not in FORMATS:
        raise Http404("No such export format.")
    source = _source(request, membership, connection, resource)
    saved = browse_selectors.column_preference_for(
        user=request.user, connection=source.connection, resource=source.resource.name
    )
    try:
        export = plan_export(
            source=source,
            params=request.GET,
            saved_columns=saved,
            max_wait=settings.EXPORT_RATE_LIMIT_MAX_WAIT,
            live_limit=settings.EXPORT_LIVE_MAX_RECORDS,
        )
    except ExportRefused as refusal:
        return _refused(request, source, str(refusal), status=409)
    except VendorError as error:
        return _refused(request, source, describe_error(error), status=502)
    finished = audit_export(
        export,
        fmt=format,
        actor=request.user,
        team=membership.team,
        source=source,
        target=request.get_full_path(),
    )

    response = StreamingHttpResponse(
        stream(export, format, finished=finished), content_type=FORMATS[format]
    )
    filename = f"{source.connection.slug}-{source.resource.name}.{format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    if export.total is not None:
        response["X-Export-Total"] = str(export.total)
    return response
