"""Record pages: create, edit (in place on the record page with HTMX) and delete.

Every view: editors and up (`team_view`: 403, audited), a connection the member can see
(404), not read-only (403, audited), a resource whose spec allows the action (404). The form
is built from the record. A form view renders the page, or for HTMX its `editor` partial;
a failed save re-renders the bound form (the input is kept) with 422, 409, 429 or 502 and a
banner; a successful one answers with the `saved` partial (HTMX) or a redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from dashboard.browse.banners import Banner, unavailable_banner
from dashboard.browse.columns import display_name
from dashboard.browse.formatting import node, record_id_of, user_timezone
from dashboard.browse.selectors import Source, SourceUnavailable, has_own_page, source_for
from dashboard.connections.models import Connection
from dashboard.connections.selectors import connection_for
from dashboard.connectors.errors import VendorError
from dashboard.teams.models import Membership
from dashboard.teams.permissions import team_view

from . import services
from .banners import (
    INVALID_FORM,
    NOTHING_CHANGED,
    about_the_data,
    read_banner,
    read_status,
    vendor_messages,
    write_banner,
    write_status,
)
from .conflicts import conflict_view
from .fields import new_record_fields, record_fields
from .forms import RecordForm
from .permissions import EDITING_ROLE, Action, require_spec_allows, require_writable
from .selectors import example_record, record_state
from .snapshots import fields_read, fields_sign, state_read, state_sign

FORM_TEMPLATE = "records/form.html"
DELETE_TEMPLATE = "records/delete.html"
STATE_FIELD = "record_state"
FIELDS_FIELD = "record_fields"
OVERWRITE_FIELD = "overwrite_version"
STALE_FORM = Banner(
    "bad",
    "This form is out of date or incomplete.",
    "Nothing was sent to the vendor.",
    "Open the form again to edit the record as it is now.",
)
SAVED = Banner("info", "Saved. These are the fields as the vendor returned them.")


def _open_source(connection: Connection, resource: str, action: Action) -> Source:
    """The resource to write to; 403 (read-only connection), 404 (the spec does not allow
    `action`), or `SourceUnavailable` (broken settings or credentials)."""
    require_writable(connection)
    source = source_for(connection=connection, resource=resource, method=action)
    require_spec_allows(source.resource, action)
    return source


def _urls(
    membership: Membership, connection: Connection, resource: str, record_id: str
) -> dict[str, str]:
    names = [membership.team.slug, connection.slug, resource]
    urls = {"table_url": reverse("browse:table", args=names)}
    if record_id:
        urls["record_url"] = reverse("browse:record", args=[*names, record_id])
        urls["edit_url"] = reverse("records:edit", args=[*names, record_id])
        urls["delete_url"] = reverse("records:delete", args=[*names, record_id])
    else:
        urls["create_url"] = reverse("records:create", args=names)
    return urls


def _base(
    membership: Membership, connection: Connection, resource: str, record_id: str, zone: str
) -> dict[str, Any]:
    return {
        "connection": connection,
        "resource_name": resource,
        "record_id": record_id,
        "title": record_id,
        "time_zone": zone,
        "banners": [],
        "token_name": STATE_FIELD if record_id else FIELDS_FIELD,
        "overwrite_field": OVERWRITE_FIELD,
        **_urls(membership, connection, resource, record_id),
    }


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    status: int = HTTPStatus.OK,
    *,
    partial: str = "editor",
) -> HttpResponse:
    """The page, or for HTMX a partial (`editor`, `saved`) of the form template."""
    if request.htmx and template == FORM_TEMPLATE:
        template += f"#{partial}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _with_form(context: dict[str, Any], form: RecordForm, banners: list[Banner]) -> dict[str, Any]:
    """The form and its banners; focus goes to the first field in error, else the banners."""
    focus_banners = bool(banners) and not form.focus_first_error()
    return context | {"form": form, "banners": banners, "focus_banners": focus_banners}


def _failed_write(
    context: dict[str, Any], form: RecordForm, error: VendorError
) -> tuple[dict[str, Any], int]:
    """The form with the vendor's messages on it; the banner offers to look again (the
    record, or for a new one the table)."""
    if about_the_data(error):
        form.add_vendor_errors(error)
    if context.get("creating"):
        banner = write_banner(error, reload_url=context["table_url"], reload_label="Open the table")
    else:
        banner = write_banner(error, reload_url=context["edit_url"])
    return _with_form(context, form, [banner]), write_status(error)


def _unavailable(
    request: HttpRequest, template: str, context: dict[str, Any], problem: SourceUnavailable
) -> HttpResponse:
    context["banners"] = [unavailable_banner(problem, edit_url=None)]
    return _render(request, template, context, HTTPStatus.SERVICE_UNAVAILABLE)


type WriteView = Callable[[HttpRequest, Membership, Source, dict[str, Any]], HttpResponse]


def _writing(action: Action, template: str) -> Callable[[WriteView], Callable[..., HttpResponse]]:
    """A record view's common start: the connection (404 if not visible), the resource
    opened for `action` (403/404, or a 503 page naming the problem), and the page context;
    the view runs with dates in the user's time zone."""

    def decorate(view: WriteView) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(
            request: HttpRequest,
            connection: str,
            resource: str,
            record_id: str = "",
            *,
            membership: Membership,
        ) -> HttpResponse:
            item = connection_for(user=request.user, team=membership.team, slug=connection)
            with user_timezone(request) as zone:
                context = _base(membership, item, resource, record_id, zone)
                context["creating"] = action == "create"
                try:
                    source = _open_source(item, resource, action)
                except SourceUnavailable as problem:
                    return _unavailable(request, template, context, problem)
                context["resource"] = source.resource
                return view(request, membership, source, context)

        return wrapper

    return decorate


# --- create ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@team_view(EDITING_ROLE)
@_writing("create", FORM_TEMPLATE)
def record_create(
    request: HttpRequest, membership: Membership, source: Source, context: dict[str, Any]
) -> HttpResponse:
    if request.method == "POST":
        return _create(request, membership, source, context)
    fields = new_record_fields(source.resource, example_record(source=source))
    form = RecordForm(fields=fields, creating=True)
    form.focus_first_field()
    token = fields_sign(connection=source.connection, resource=source.resource.name, fields=fields)
    return _render(request, FORM_TEMPLATE, context | {"form": form, "form_token": token})


def _create(
    request: HttpRequest, membership: Membership, source: Source, context: dict[str, Any]
) -> HttpResponse:
    token = request.POST.get(FIELDS_FIELD, "")
    fields = fields_read(token, connection=source.connection, resource=source.resource.name)
    if fields is None:
        context["banners"] = [STALE_FORM]
        return _render(request, FORM_TEMPLATE, context, HTTPStatus.BAD_REQUEST)
    context["form_token"] = token
    form = RecordForm(request.POST, fields=fields, creating=True)
    if not form.is_valid():
        return _render(
            request,
            FORM_TEMPLATE,
            _with_form(context, form, [INVALID_FORM]),
            HTTPStatus.UNPROCESSABLE_ENTITY,
        )
    try:
        created = services.record_create(actor=membership, source=source, values=form.filled())
    except VendorError as error:
        failed, status = _failed_write(context, form, error)
        return _render(request, FORM_TEMPLATE, failed, status)
    title = display_name(created, source.resource.id_field)
    messages.success(request, f"Created “{title}”.")
    record_id = record_id_of(created, source.resource.id_field)
    if not has_own_page(record_id):
        return redirect(context["table_url"])  # no page of its own to open
    return redirect(
        _urls(membership, source.connection, source.resource.name, record_id)["record_url"]
    )


# --- edit -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@team_view(EDITING_ROLE)
@_writing("update", FORM_TEMPLATE)
def record_edit(
    request: HttpRequest, membership: Membership, source: Source, context: dict[str, Any]
) -> HttpResponse:
    if request.method == "POST":
        return _save(request, membership, source, context)
    return _open_form(request, source, context)


def _open_form(request: HttpRequest, source: Source, context: dict[str, Any]) -> HttpResponse:
    record_id = context["record_id"]
    try:
        state = record_state(source=source, record_id=record_id)
    except VendorError as error:
        context["banners"] = [read_banner(error)]
        return _render(request, FORM_TEMPLATE, context, read_status(error))
    form = RecordForm(fields=record_fields(source.resource, state.record))
    form.focus_first_field()
    token = state_sign(
        connection=source.connection,
        resource=source.resource.name,
        record_id=record_id,
        state=state,
    )
    title = display_name(state.record, source.resource.id_field) or record_id
    return _render(
        request, FORM_TEMPLATE, context | {"form": form, "form_token": token, "title": title}
    )


def _save(
    request: HttpRequest, membership: Membership, source: Source, context: dict[str, Any]
) -> HttpResponse:
    record_id = context["record_id"]
    token = request.POST.get(STATE_FIELD, "")
    opened = state_read(
        token, connection=source.connection, resource=source.resource.name, record_id=record_id
    )
    if opened is None:
        context["banners"] = [STALE_FORM]
        return _render(request, FORM_TEMPLATE, context, HTTPStatus.BAD_REQUEST)
    title = display_name(opened.record, source.resource.id_field) or record_id
    context |= {"form_token": token, "title": title}
    form = RecordForm(request.POST, fields=record_fields(source.resource, opened.record))
    if not form.is_valid():
        return _render(
            request,
            FORM_TEMPLATE,
            _with_form(context, form, [INVALID_FORM]),
            HTTPStatus.UNPROCESSABLE_ENTITY,
        )
    changes = form.changed()
    if not changes:
        return _render(request, FORM_TEMPLATE, _with_form(context, form, [NOTHING_CHANGED]))
    try:
        saved = services.record_update(
            actor=membership,
            source=source,
            record_id=record_id,
            original=opened.record,
            changes=changes,
            version=request.POST.get(OVERWRITE_FIELD) or opened.version,
        )
    except services.RecordConflict as conflict:
        context["conflict"] = conflict_view(conflict)
        return _render(request, FORM_TEMPLATE, _with_form(context, form, []), HTTPStatus.CONFLICT)
    except VendorError as error:
        failed, status = _failed_write(context, form, error)
        return _render(request, FORM_TEMPLATE, failed, status)
    return _saved(request, source, context, saved)


def _saved(
    request: HttpRequest, source: Source, context: dict[str, Any], saved: dict[str, Any]
) -> HttpResponse:
    title = display_name(saved, source.resource.id_field) or context["record_id"]
    if not request.htmx:
        messages.success(request, f"Saved “{title}”.")
        return redirect(context["record_url"])
    context |= {"title": title, "banners": [SAVED], "tree": node(saved)}
    return _render(request, FORM_TEMPLATE, context, partial="saved")


# --- delete ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@team_view(EDITING_ROLE)
@_writing("delete", DELETE_TEMPLATE)
def record_delete(
    request: HttpRequest, membership: Membership, source: Source, context: dict[str, Any]
) -> HttpResponse:
    if request.method == "POST":
        return _delete(request, membership, source, context)
    record_id = context["record_id"]
    try:
        state = record_state(source=source, record_id=record_id)
    except VendorError as error:
        context["banners"] = [read_banner(error)]
        return _render(request, DELETE_TEMPLATE, context, read_status(error))
    context["title"] = display_name(state.record, source.resource.id_field) or record_id
    return _render(request, DELETE_TEMPLATE, context)


def _delete(
    request: HttpRequest, membership: Membership, source: Source, context: dict[str, Any]
) -> HttpResponse:
    try:
        removed = services.record_delete(
            actor=membership, source=source, record_id=context["record_id"]
        )
    except VendorError as error:
        context["banners"] = [write_banner(error, reload_url=context["record_url"])]
        context["vendor_messages"] = vendor_messages(error) if about_the_data(error) else []
        return _render(request, DELETE_TEMPLATE, context, write_status(error))
    title = display_name(removed, source.resource.id_field) or context["record_id"]
    messages.success(request, f"Deleted “{title}”.")
    return redirect(context["table_url"])
