"""Connections in Django admin, with write-only secrets, saved through the services.

The form asks for one field per `${NAME}` of the connection's spec: a plain text field for a
variable, a password field for a secret (blank keeps the stored value; the help text shows
"set · ends in …4f2a"). The fields follow the preset and spec being submitted, so after
choosing another preset, saving shows the fields it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from dashboard.connectors.spec import SpecError, available_presets

from . import services
from .models import Connection
from .specs import SpecField, spec_data, spec_fields

VARIABLE_PREFIX = "variable__"
SECRET_PREFIX = "secret__"
SETTINGS = ("team", "name", "preset", "base_url", "spec_toml", "read_only")


def secret_help(hints: Mapping[str, str], name: str) -> str:
    if name not in hints:
        return "Not set."
    ending = f" · ends in …{hints[name]}" if hints[name] else ""
    return f"set{ending}. Leave blank to keep it (unless the address moves elsewhere)."


def _spec_fields(settings: Mapping[str, str]) -> list[SpecField]:
    """The `${NAME}` fields of submitted or stored settings (none while they do not parse)."""
    try:
        data = spec_data(
            preset=settings.get("preset", ""),
            spec_toml=settings.get("spec_toml", ""),
            base_url=settings.get("base_url", ""),
        )
    except SpecError:
        return []
    return spec_fields(data)


class ConnectionAdminForm(forms.ModelForm):
    """The base form; `ConnectionAdmin.get_form` adds the spec's `${NAME}` fields."""

    spec_fields: list[SpecField] = []

    preset = forms.ChoiceField(required=False)

    class Meta:
        model = Connection
        fields = [*SETTINGS, "restricted", "allowed_members"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preset"].choices = [
            ("", "Custom spec (no preset)"),
            *((name, name) for name in available_presets()),
        ]
        if "allowed_members" in self.fields:
            self.fields["allowed_members"].queryset = self.instance.team.members.all()

    def _values(self, prefix: str, *, secret: bool) -> dict[str, str]:
        return {
            field.name: self.cleaned_data.get(prefix + field.name) or ""
            for field in self.spec_fields
            if field.secret is secret
        }

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "preset": data.get("preset") or "",
            "base_url": data.get("base_url") or "",
            "spec_toml": data.get("spec_toml") or "",
            "variables": self._values(VARIABLE_PREFIX, secret=False),
            "secrets": self._values(SECRET_PREFIX, secret=True),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        team = cleaned.get("team") or getattr(self.instance, "team", None)
        if team is None:
            return cleaned
        existing = self.instance if self.instance.pk else None
        try:
            services.connection_validate(team=team, connection=existing, **self.service_arguments())
        except SpecError as exc:
            self._add_spec_errors(exc.errors)
        return cleaned

    def _add_spec_errors(self, errors: Mapping[str, str]) -> None:
        by_location = {
            field.location: (SECRET_PREFIX if field.secret else VARIABLE_PREFIX) + field.name
            for field in self.spec_fields
        }
        for location, message in errors.items():
            target = by_location.get(location, location)
            if target in self.fields:
                self.add_error(target, message)
            else:
                self.add_error(None, f"{location}: {message}")


def connection_form(
    spec_fields: list[SpecField], *, variables: Mapping[str, str], hints: Mapping[str, str]
) -> type[ConnectionAdminForm]:
    """`ConnectionAdminForm` with one declared field per `${NAME}` (the admin lays out only
    declared fields)."""
    attrs: dict[str, Any] = {"spec_fields": spec_fields}
    for field in spec_fields:
        if field.secret:
            attrs[SECRET_PREFIX + field.name] = forms.CharField(
                label=field.label,
                required=False,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                help_text=f"${{{field.name}}}: {secret_help(hints, field.name)}",
            )
        else:
            attrs[VARIABLE_PREFIX + field.name] = forms.CharField(
                label=field.label,
                required=False,
                initial=variables.get(field.name, ""),
                help_text=f"${{{field.name}}}",
            )
    return type("ConnectionForm", (ConnectionAdminForm,), attrs)


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "preset", "base_url", "read_only", "last_success_at"]
    list_filter = ["team", "preset", "read_only", "restricted"]
    search_fields = ["name", "slug", "team__name", "base_url"]
    readonly_fields = ["slug", "last_success_at", "last_error_at", "last_error"]

    def get_readonly_fields(self, request: HttpRequest, obj: Connection | None = None) -> list[str]:
        return [*self.readonly_fields, "team"] if obj else list(self.readonly_fields)

    def get_fieldsets(self, request: HttpRequest, obj: Connection | None = None) -> Any:
        form = self.get_form(request, obj, fields=None)
        prefixes = (VARIABLE_PREFIX, SECRET_PREFIX)
        names = [name for name in form.base_fields if name.startswith(prefixes)]
        fieldsets: list[tuple[str | None, dict[str, Any]]] = [
            (None, {"fields": list(SETTINGS)}),
            ("Variables and secrets", {"fields": names}),
        ]
        if obj is not None:
            fieldsets += [
                ("Access", {"fields": ["restricted", "allowed_members"]}),
                ("Health", {"fields": ["slug", "last_success_at", "last_error_at", "last_error"]}),
            ]
        return fieldsets

    def get_form(
        self,
        request: HttpRequest,
        obj: Connection | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        submitted = request.POST if request.method == "POST" else None
        source = submitted or {
            "preset": obj.preset if obj else "",
            "spec_toml": obj.spec_toml if obj else "",
            "base_url": obj.base_url if obj else "",
        }
        form = connection_form(
            _spec_fields(source),
            variables=obj.variables if obj else {},
            hints=obj.secret_hints if obj else {},
        )
        return super().get_form(request, obj, change=change, form=form, **kwargs)

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Connection:
        """Save through the services (the admin then calls save_model, which does nothing)."""
        arguments = form.service_arguments()
        read_only = form.cleaned_data.get("read_only", False)
        if change:
            # form.instance already holds the submitted values: compare with the stored row.
            stored = Connection.objects.get(pk=form.instance.pk)
            connection = services.connection_update(
                connection=stored, read_only=read_only, actor=request.user, **arguments
            )
        else:
            connection = services.connection_create(
                team=form.cleaned_data["team"], read_only=read_only, actor=request.user, **arguments
            )
        form.instance = connection
        return connection

    def save_model(self, request: HttpRequest, obj: Connection, form: Any, change: bool) -> None:
        """Already saved by `save_form`."""

    def delete_model(self, request: HttpRequest, obj: Connection) -> None:
        services.connection_delete(connection=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for connection in queryset:
            services.connection_delete(connection=connection, actor=request.user)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if "allowed_members" in form.cleaned_data:
            services.connection_set_access(
                connection=form.instance,
                restricted=form.cleaned_data["restricted"],
                allowed_members=form.cleaned_data["allowed_members"],
            )
