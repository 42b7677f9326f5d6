"""Account pages: sign-in, my account, password change and reset.

Sign-in, password change and reset are Django's views with this project's templates; the
password views also write the change to the audit trail.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dashboard.audit.services import audit_record
from dashboard.teams.selectors import memberships_for

from . import services
from .forms import AccountForm


@require_http_methods(["GET", "POST"])
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """My account: name, e-mail, teams and roles, and the way to change the password."""
    if request.method == "POST":
        form = AccountForm(request.POST)
        if form.is_valid():
            services.user_update(user=request.user, full_name=form.cleaned_data["full_name"])
            messages.success(request, "Your account was saved.")
            return redirect("account")
    else:
        form = AccountForm(initial={"full_name": request.user.full_name})  # type: ignore[union-attr]
    return render(
        request,
        "accounts/account.html",
        {"form": form, "memberships": memberships_for(user=request.user)},
        status=422 if form.is_bound else 200,
    )


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """What django-axes answers instead of signing in while a lockout lasts (429)."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else None
    response = render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": get_failure_limit(request, credentials),
            "cooloff_minutes": ceil(seconds / 60) if seconds else None,
        },
        status=429,
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(actor=self.request.user, team=None, action="auth.password_changed")
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(
            actor=form.user, team=None, action="auth.password_reset", target=form.user.email
        )
        return response
