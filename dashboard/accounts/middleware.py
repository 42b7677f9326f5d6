"""Sign out sessions that were idle too long or are older than the absolute limit, and send
HTMX requests that must sign in to the sign-in page as a whole."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

from dashboard.audit.services import audit_record

from .sessions import session_expiry_reason, session_touch

MESSAGES = {
    "idle": "You were signed out after a period without activity. Please sign in again.",
    "absolute": "Your session reached its time limit. Please sign in again.",
}


class SessionExpiryMiddleware:
    """After the authentication and message middleware: an expired session is signed out
    before the view runs, so the view sees an anonymous visitor (and sends them to sign in)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            reason = session_expiry_reason(request.session, now=now)
            if reason is None:
                session_touch(request.session, now=now)
            else:
                audit_record(
                    actor=request.user,
                    team=None,
                    action="auth.session_expired",
                    details={"reason": reason},
                )
                logout(request)
                messages.info(request, MESSAGES[reason])
        return self.get_response(request)


class HtmxSignInRedirectMiddleware:
    """An HTMX request sent to sign in (its session expired, say) navigates the whole page
    there with `HX-Redirect`, instead of swapping the sign-in page into a table or form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.htmx or not isinstance(response, HttpResponseRedirect):
            return response
        target = urlsplit(response.url)
        if target.path != resolve_url(settings.LOGIN_URL):
            return response
        # Back to the page the user was on (same-origin by django-htmx's reading), not to
        # the fragment's URL.
        page = request.htmx.current_url_abs_path
        return HttpResponseClientRedirect(redirect_to_login(page).url if page else response.url)
