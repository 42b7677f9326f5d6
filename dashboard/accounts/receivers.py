"""What happens on sign-in, failed sign-in and sign-out (connected in `AccountsConfig`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dashboard.audit.models import Outcome
from dashboard.audit.services import audit_record

from .client_ip import client_ip
from .sessions import session_start


def _where(request: HttpRequest | None) -> dict[str, Any]:
    return {"ip": client_ip(request)} if request is not None else {}


def on_user_logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    session_start(request.session)
    audit_record(actor=user, team=None, action="auth.login", details=_where(request))


def on_user_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django masks the password in `credentials`; only the address typed is kept.
    audit_record(
        actor=None,
        team=None,
        action="auth.login_failed",
        target=str(credentials.get("username", "")),
        outcome=Outcome.FAILED,
        details=_where(request),
    )


def on_user_logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, team=None, action="auth.logout", details=_where(request))
