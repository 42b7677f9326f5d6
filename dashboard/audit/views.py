"""The team's audit trail page: filters in the URL, newest first, a diff per change."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from dashboard.browse.formatting import user_timezone
from dashboard.browse.table import EN_DASH, Pagination, page_links
from dashboard.teams.models import Membership
from dashboard.teams.permissions import team_view

from .forms import AuditFilterForm
from .permissions import AUDIT_ROLE
from .selectors import AuditFilters, audit_entries, audit_filter_choices, audit_rows

PAGE_SIZE = 50


def _page_url(params: QueryDict, number: int) -> str:
    query = params.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()


def _pagination(page: Page, params: QueryDict) -> Pagination:
    """Browse's pager for a page of entries."""
    count = page.paginator.count
    noun = "entry" if count == 1 else "entries"
    summary = (
        f"{page.start_index():,}{EN_DASH}{page.end_index():,} of {count:,} {noun}"
        if count
        else "no entries"
    )
    return Pagination(
        summary=summary,
        page=page.number,
        page_count=page.paginator.num_pages,
        previous_url=_page_url(params, page.number - 1) if page.has_previous() else None,
        next_url=_page_url(params, page.number + 1) if page.has_next() else None,
        pages=page_links(page.number, page.paginator.num_pages, lambda n: _page_url(params, n))
        if page.paginator.num_pages > 1
        else (),
        can_jump=False,
    )


@require_http_methods(["GET"])
@team_view(AUDIT_ROLE)
def audit_list(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    form = AuditFilterForm(request.GET, choices=audit_filter_choices(team=membership.team))
    form.is_valid()  # invalid filters are shown with their errors and left out
    filters = AuditFilters(**form.cleaned_data)
    with user_timezone(request) as zone:
        entries = audit_entries(team=membership.team, filters=filters)
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        context = {
            "form": form,
            "rows": audit_rows(page),
            "pagination": _pagination(page, params),
            "time_zone": zone,
        }
        return render(request, "audit/list.html", context)
