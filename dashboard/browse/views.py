"""Resource tables and record pages.

`resource_table` renders the whole page, or for an HTMX request the `table` partial of the
same template (`browse/table.html#table`) with the canonical URL to push. A POST to the
same URL saves the user's columns. A failing vendor never fails the page: the shell is
always 200 and the table area carries the banner.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import RFC3986_SUBDELIMS
from django.views.decorators.http import require_http_methods
from django_htmx.http import push_url

from dashboard.connections.models import Connection
from dashboard.connections.selectors import connection_for
from dashboard.connectors.errors import VendorError
from dashboard.connectors.spec import ResourceSpec
from dashboard.records.permissions import can_edit
from dashboard.snapshots.models import Snapshot
from dashboard.snapshots.selectors import snapshot_page
from dashboard.snapshots.views import panel_context
from dashboard.teams.models import Membership, Role
from dashboard.teams.permissions import team_view

from . import selectors, services
from .banners import (
    Banner,
    Budget,
    budget_banner,
    budget_for,
    error_banner,
    seconds_text,
    stale_banner,
    unavailable_banner,
)
from .columns import Move, arrange, display_name
from .formatting import node, user_timezone
from .query import COLUMNS_VAR, ListingQuery
from .table import build_table

TABLE_TEMPLATE = "browse/table.html"
# The characters `reverse()` leaves unquoted in a path segment (RFC 3986 `pchar`).
RECORD_ID_SAFE = RFC3986_SUBDELIMS + ":@~"
RECORD_TEMPLATE = "browse/record.html"


def _is_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _edit_url(membership: Membership, connection: Connection) -> str | None:
    """Where to fix a connection, for the users allowed to."""
    if not membership.has_role(Role.ADMIN):
        return None
    return reverse("connections:edit", args=[membership.team.slug, connection.slug])


def _record_url(
    membership: Membership, connection: Connection, resource: ResourceSpec
) -> Callable[[str], str | None]:
    """What `reverse("browse:record", ...)` gives for each row, with the table's address
    reversed once (a reverse per row was a noticeable part of a large page's time)."""
    table = reverse(
        "browse:table",
        kwargs={
            "team": membership.team.slug,
            "connection": connection.slug,
            "resource": resource.name,
        },
    )

    def build(record_id: str) -> str | None:
        if not resource.allows("get") or not selectors.has_own_page(record_id):
            return None
        return f"{table}{quote(record_id, safe=RECORD_ID_SAFE)}/"

    return build


def _edit_url_for_rows(
    membership: Membership, connection: Connection, resource: ResourceSpec
) -> Callable[[str], str | None] | None:
    """Each row's edit form (`records:edit`, the record's page + `edit/`), for members who
    may update this resource; None (no actions column) for the others."""
    if not can_edit(membership, connection, resource, "update"):
        return None
    record_url = _record_url(membership, connection, resource)

    def build(record_id: str) -> str | None:
        url = record_url(record_id)
        return f"{url}edit/" if url else None

    return build


def _base_context(connection: Connection, resource: str, zone: str) -> dict[str, Any]:
    return {"connection": connection, "resource_name": resource, "time_zone": zone}


def _move(value: str) -> Move | None:
    direction, _, name = value.partition(":")
    step = {"up": -1, "down": 1}.get(direction)
    return (name, step) if step and name else None


def _apply_columns_form(
    request: HttpRequest, connection: Connection, resource: str
) -> tuple[QueryDict, list[str] | None]:
    """Save (or reset) the user's columns from the POSTed form; the table's query string
    with the new `cols`, and the columns now chosen (None: the defaults)."""
    identity = {"user": request.user, "connection": connection, "resource": resource}
    chosen = arrange(request.POST.getlist(COLUMNS_VAR), _move(request.POST.get("move", "")))
    if "reset" in request.POST:
        services.column_preference_clear(**identity)
        columns = None
    elif chosen:
        columns = services.column_preference_save(**identity, columns=chosen)
    else:  # nothing ticked: keep what there was
        columns = selectors.column_preference_for(**identity)
    params = request.GET.copy()
    params.setlist(COLUMNS_VAR, [",".join(columns)] if columns else [])
    return params, columns


def _table_banners(
    result: selectors.PageResult, budget: Budget, edit_url: str | None, now: float
) -> list[Banner]:
    """The vendor's error, the age of a stale copy, then the budget's countdown or warning."""
    banners = []
    if result.error is not None:
        banners.append(error_banner(result.error, edit_url=edit_url, now=now))
    if result.stale and result.fetched_at is not None:
        banners.append(stale_banner(now - result.fetched_at))
    if (about_budget := budget_banner(budget, error=result.error)) is not None:
        banners.append(about_budget)
    return banners


def _page(
    query: ListingQuery, source: selectors.Source, snapshot: Snapshot | None
) -> selectors.PageResult:
    """The page from the snapshot serving the table, else from the vendor (or the cache)."""
    if snapshot is None:
        return selectors.page_for(
            source=source, request=query.vendor_request(), refresh=query.refresh
        )
    listing = snapshot_page(snapshot, query)
    fetched_at = (snapshot.finished_at or snapshot.created_at).timestamp()
    return selectors.PageResult(listing, fetched_at, from_cache=True, error=None)


def _table_context(
    query: ListingQuery,
    source: selectors.Source,
    membership: Membership,
    edit_url: str | None,
    snapshot: Snapshot | None = None,
) -> dict[str, Any]:
    result = _page(query, source, snapshot)
    now = time.time()
    budget = budget_for(source.client.budget.state(), error=result.error, now=now)
    table = None
    if result.listing is not None:
        table = build_table(
            query=query,
            listing=result.listing,
            caption=f"{source.resource.title} from {source.connection.name}",
            record_url=_record_url(membership, source.connection, source.resource),
            edit_url=_edit_url_for_rows(membership, source.connection, source.resource),
        )
    fetched = None if result.fetched_at is None else seconds_text(now - result.fetched_at)
    return {
        "resource": source.resource,
        "query": query,
        "table": table,
        "result": result,
        "fetched_ago": fetched,
        "budget": budget,
        "banners": _table_banners(result, budget, edit_url, now),
        "search_fields": query.state_fields("q"),
        "filter_fields": query.state_fields("f."),
        "size_fields": query.state_fields("size"),
        "page_fields": query.state_fields(),
        "refresh_url": query.get_query_string(refresh="1"),
        "export_query": query.first_url(),
    }


def _render_table(request: HttpRequest, context: dict[str, Any], url: str | None) -> HttpResponse:
    """The page, or for HTMX the table partial with the URL of its state."""
    partial = _is_partial(request)
    template = TABLE_TEMPLATE + ("#table" if partial else "")
    response = render(request, template, context | {"partial": partial})
    patch_vary_headers(response, ("HX-Request",))
    if partial:
        # Push each state once: not again when the browser already shows it (a refresh).
        push_url(response, False if url in (None, request.htmx.current_url_abs_path) else url)
    return response


@require_http_methods(["GET", "POST"])
@team_view(Role.VIEWER)
def resource_table(
    request: HttpRequest, connection: str, resource: str, *, membership: Membership
) -> HttpResponse:
    item = connection_for(user=request.user, team=membership.team, slug=connection)
    edit_url = _edit_url(membership, item)
    with user_timezone(request) as zone:
        context = _base_context(item, resource, zone)
        try:
            source = selectors.source_for(connection=item, resource=resource)
        except selectors.SourceUnavailable as problem:
            context["banners"] = [unavailable_banner(problem, edit_url=edit_url)]
            return _render_table(request, context, None)
        panel = panel_context(source)
        context |= panel
        if request.method == "POST":
            params, saved = _apply_columns_form(request, item, resource)
        else:
            params = request.GET
            saved = selectors.column_preference_for(
                user=request.user, connection=item, resource=resource
            )
        serving = panel["snapshot_panel"].state.serving
        query = ListingQuery(
            params,
            client=source.client,
            resource=source.resource,
            saved_columns=saved,
            whole_collection=serving is not None,
        )
        url = request.path + query.get_query_string()
        if request.method == "POST" and not _is_partial(request):
            return redirect(url)
        context |= _table_context(query, source, membership, edit_url, serving)
        context["columns_open"] = request.method == "POST"
        return _render_table(request, context, url)


def _record_context(
    source: selectors.Source, record_id: str, edit_url: str | None
) -> dict[str, Any]:
    try:
        record = selectors.record_for(source=source, record_id=record_id)
    except VendorError as error:
        return {"banners": [error_banner(error, edit_url=edit_url, now=time.time())]}
    return {
        "title": display_name(record, source.resource.id_field) or record_id,
        "tree": node(record),
        "raw": json.dumps(record, indent=2, ensure_ascii=False, default=str),
    }


@require_http_methods(["GET"])
@team_view(Role.VIEWER)
def record_detail(
    request: HttpRequest, connection: str, resource: str, record_id: str, *, membership: Membership
) -> HttpResponse:
    item = connection_for(user=request.user, team=membership.team, slug=connection)
    edit_url = _edit_url(membership, item)
    with user_timezone(request) as zone:
        context = _base_context(item, resource, zone) | {"record_id": record_id}
        try:
            source = selectors.source_for(connection=item, resource=resource, method="get")
        except selectors.SourceUnavailable as problem:
            context["banners"] = [unavailable_banner(problem, edit_url=edit_url)]
        else:
            context |= {"resource": source.resource} | _record_context(source, record_id, edit_url)
        response = render(request, RECORD_TEMPLATE, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
