"""Sign out sessions that were idle too long or are older than the absolute limit."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

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
