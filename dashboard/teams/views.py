"""Team pages: members (roles, removal, invitations), team deletion, accepting an invitation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .forms import InvitationForm, InvitationSignUpForm, RoleForm, TeamDeleteForm
from .models import Invitation, Membership, Role
from .permissions import team_view

# The backend that checks passwords; named because django-axes adds a second one.
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- members --------------------------------------------------------------------------------


def _members_page(
    request: HttpRequest,
    membership: Membership,
    invite_form: InvitationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_invite = membership.has_role(Role.ADMIN)
    if can_invite and invite_form is None:
        invite_form = InvitationForm(actor=membership)
    context = {
        "rows": selectors.member_rows(actor=membership),
        "invite_form": invite_form if can_invite else None,
        "invitations": selectors.pending_invitations(team=membership.team) if can_invite else [],
        "can_delete_team": membership.has_role(Role.OWNER),
        "invitation_ttl_days": settings.INVITATION_TTL_DAYS,
    }
    return render(request, "teams/members.html", context, status=status)


@require_http_methods(["GET"])
@team_view(Role.VIEWER)
def member_list(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    return _members_page(request, membership)


@require_http_methods(["POST"])
@team_view(Role.ADMIN)
def member_invite(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    form = InvitationForm(request.POST, actor=membership)
    if form.is_valid():
        try:
            invitation, token = services.invitation_create(
                actor=membership, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
            )
        except services.TeamRuleError as exc:
            form.add_error("email", str(exc))
        else:
            url = request.build_absolute_uri(reverse("invitations:accept", args=[token]))
            try:
                services.invitation_send(invitation=invitation, accept_url=url)
            except OSError:
                messages.error(
                    request,
                    f"The invitation e-mail to {invitation.email} could not be sent. "
                    "Invite them again in a moment.",
                )
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("teams:members", membership.team.slug)
    return _members_page(request, membership, invite_form=form, status=422)


@require_http_methods(["POST"])
@team_view(Role.ADMIN)
def member_role(request: HttpRequest, member: int, *, membership: Membership) -> HttpResponse:
    target = selectors.member_for(team=membership.team, pk=member)
    form = RoleForm(request.POST, actor=membership)
    if not form.is_valid():
        messages.error(request, "Choose one of the offered roles.")
        return redirect("teams:members", membership.team.slug)
    try:
        services.membership_change_role(
            actor=membership, membership=target, role=form.cleaned_data["role"]
        )
    except services.TeamRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{target.user} is now {target.get_role_display().lower()}.")
    return redirect("teams:members", membership.team.slug)


@require_http_methods(["GET", "POST"])
@team_view(Role.ADMIN)
def member_remove(request: HttpRequest, member: int, *, membership: Membership) -> HttpResponse:
    target = selectors.member_for(team=membership.team, pk=member)
    if request.method == "GET":
        return render(request, "teams/member_remove.html", {"target": target})
    leaving = target.pk == membership.pk
    try:
        services.membership_remove(actor=membership, membership=target)
    except services.TeamRuleError as exc:
        messages.error(request, str(exc))
        return redirect("teams:members", membership.team.slug)
    messages.success(request, f"{target.user} was removed from {membership.team}.")
    if leaving:
        return redirect("home")
    return redirect("teams:members", membership.team.slug)


@require_http_methods(["POST"])
@team_view(Role.ADMIN)
def invitation_revoke(
    request: HttpRequest, invitation: int, *, membership: Membership
) -> HttpResponse:
    item = selectors.invitation_for(team=membership.team, pk=invitation)
    try:
        services.invitation_revoke(actor=membership, invitation=item)
    except services.TeamRuleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The invitation to {item.email} was revoked.")
    return redirect("teams:members", membership.team.slug)


# --- the team -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@team_view(Role.OWNER)
def team_delete(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    team = membership.team
    form = TeamDeleteForm(request.POST if request.method == "POST" else None, team=team)
    if form.is_valid():
        services.team_delete(actor=membership)
        messages.success(request, f"The team “{team.name}” was deleted.")
        return redirect("home")
    status = 422 if form.is_bound else 200
    return render(request, "teams/delete.html", {"form": form, "team": team}, status=status)


# --- accepting an invitation ----------------------------------------------------------------


def _unusable(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    state = invitation.state(timezone.now()) if invitation is not None else None
    return render(
        request,
        "teams/invitation_unusable.html",
        {"invitation": invitation, "state": state},
        status=404 if invitation is None else 410,
    )


def _accept_signed_in(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    if not invitation.is_for(request.user):
        return render(
            request, "teams/invitation_wrong_account.html", {"invitation": invitation}, status=403
        )
    if request.method == "GET":
        return render(request, "teams/invitation_accept.html", {"invitation": invitation})
    try:
        services.invitation_accept(invitation=invitation, user=request.user)
    except services.InvitationUnusable:
        invitation.refresh_from_db()
        return _unusable(request, invitation)
    messages.success(request, f"Welcome to {invitation.team}.")
    return redirect("connections:list", invitation.team.slug)


def _sign_up(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    form = InvitationSignUpForm(
        request.POST if request.method == "POST" else None, email=invitation.email
    )
    if form.is_valid():
        try:
            user = services.invitation_accept_new_user(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except services.InvitationUnusable:
            invitation.refresh_from_db()
            return _unusable(request, invitation)
        login(request, user, backend=PASSWORD_BACKEND)
        messages.success(request, f"Welcome to {invitation.team}.")
        return redirect("connections:list", invitation.team.slug)
    return render(
        request,
        "teams/invitation_sign_up.html",
        {"invitation": invitation, "form": form},
        status=422 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation e-mail: new users set a password, existing users sign in
    first; either way the link works once, until it expires."""
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None or invitation.state(timezone.now()) != Invitation.State.PENDING:
        return _unusable(request, invitation)
    if request.user.is_authenticated:
        return _accept_signed_in(request, invitation)
    if selectors.user_by_email(email=invitation.email) is not None:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return render(request, "teams/invitation_sign_in.html", {"invitation": invitation})
    return _sign_up(request, invitation)
