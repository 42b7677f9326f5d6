"""Forms for members, invitations, team deletion and connection access."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordMixin

from dashboard.connections.models import Connection

from .models import Membership, Role, Team
from .permissions import assignable_roles
from .selectors import restrictable_members


class RoleField(forms.TypedChoiceField):
    """Accepts any role, so a role the actor may not give reaches the service and is
    refused there with a 403 (and an audit entry); the widget offers only `offered`."""

    def __init__(self, *, offered: list[Role], **kwargs: Any) -> None:
        super().__init__(choices=Role.choices, coerce=Role, **kwargs)
        self.widget.choices = [(role.value, role.label) for role in offered]


class RoleForm(forms.Form):
    def __init__(self, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"] = RoleField(offered=assignable_roles(actor))


class InvitationForm(RoleForm):
    """An invitation is for a viewer unless the inviter chooses otherwise (least privilege)."""

    def __init__(self, *args: Any, actor: Membership, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["role"].initial = Role.VIEWER

    email = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class InvitationSignUpForm(SetPasswordMixin, forms.Form):
    """A new user's account, made from an invitation: the address is the invitation's."""

    full_name = forms.CharField(
        label="Your name",
        max_length=150,
        required=False,
        widget=forms.TextInput({"autocomplete": "name"}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        self.validate_passwords()
        candidate = get_user_model()(
            email=self.email, full_name=self.cleaned_data.get("full_name", "")
        )
        self.validate_password_for_user(candidate)
        return self.cleaned_data


class TeamDeleteForm(forms.Form):
    confirm = forms.CharField(
        label="Type the team's name to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value != self.team.name:
            raise forms.ValidationError(f"Type “{self.team.name}” exactly to delete the team.")
        return value


class ConnectionAccessForm(forms.Form):
    restricted = forms.BooleanField(
        label="Only the members chosen below (and the team's admins and owners)",
        required=False,
    )
    allowed_members = forms.ModelMultipleChoiceField(
        label="Members with access",
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Admins and owners always see every connection of the team.",
    )
    read_only = forms.BooleanField(
        label="Read-only: no record edits through this connection, whatever the role",
        required=False,
    )

    def __init__(self, *args: Any, connection: Connection, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "restricted": connection.restricted,
                "allowed_members": list(connection.allowed_members.all()),
                "read_only": connection.read_only,
            },
        )
        super().__init__(*args, **kwargs)
        members = cast(forms.ModelMultipleChoiceField, self.fields["allowed_members"])
        members.queryset = restrictable_members(team=connection.team)
        members.label_from_instance = lambda user: (
            f"{user.get_full_name()} ({user.email})" if user.full_name else user.email
        )
