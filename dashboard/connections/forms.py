"""The connection form: adapts to the chosen preset, keeps secrets write-only."""

from __future__ import annotations

from typing import Any

from django import forms

from dashboard.connectors.spec import SpecError, available_presets

from .models import Connection, default_snapshot_max_age
from .specs import SpecField, spec_data, spec_fields

CUSTOM = ""
FIELD_PREFIX = "ref_"
MAX_SNAPSHOT_AGE = 7 * 24 * 60


def preset_choices() -> list[tuple[str, str]]:
    return [(name, name.capitalize()) for name in available_presets()] + [
        (CUSTOM, "Custom spec (TOML below)")
    ]


class ConnectionForm(forms.Form):
    name = forms.CharField(max_length=100)
    preset = forms.ChoiceField(choices=preset_choices, required=False)
    base_url = forms.CharField(
        label="Base URL",
        max_length=500,
        required=False,
        help_text="The vendor's API address, e.g. https://api.example.com. Blank: the preset's.",
    )
    read_only = forms.BooleanField(
        required=False, help_text="No record edits through this connection, whatever the role."
    )
    snapshot_max_age = forms.IntegerField(
        label="Snapshot max age (minutes)",
        required=False,
        min_value=1,
        max_value=MAX_SNAPSHOT_AGE,
        initial=default_snapshot_max_age,
        help_text=(
            "How long a snapshot sorts, filters and searches this connection's tables; "
            "after that the tables show live pages and offer to refresh it. Blank: unchanged."
        ),
    )
    spec_toml = forms.CharField(
        label="Spec overrides (TOML)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=(
            "With a preset: keys that override it (see the connector spec documentation). "
            "Without: the whole spec. Write secrets as ${NAME}; they get their own fields."
        ),
    )

    def __init__(
        self, data: Any = None, *, connection: Connection | None = None, **kwargs: Any
    ) -> None:
        self.connection = connection
        if connection is not None and data is None:
            kwargs["initial"] = {
                "name": connection.name,
                "preset": connection.preset,
                "base_url": connection.base_url,
                "read_only": connection.read_only,
                "snapshot_max_age": connection.snapshot_max_age,
                "spec_toml": connection.spec_toml,
                **{FIELD_PREFIX + k: v for k, v in connection.variables.items()},
                **kwargs.get("initial", {}),
            }
        super().__init__(data, **kwargs)
        self.spec_fields = self._discover_fields()
        for spec_field in self.spec_fields:
            self.fields[FIELD_PREFIX + spec_field.name] = self._make_field(spec_field)

    def _value(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(name, "") or "")
        return str(self.initial.get(name, "") or "")

    def _discover_fields(self) -> list[SpecField]:
        try:
            data = spec_data(
                preset=self._value("preset"),
                spec_toml=self._value("spec_toml"),
                base_url="",
            )
        except SpecError:
            return []
        return spec_fields(data)

    def _make_field(self, spec_field: SpecField) -> forms.Field:
        if not spec_field.secret:
            return forms.CharField(label=spec_field.label, required=True)
        hint = self.connection.secret_hints.get(spec_field.name) if self.connection else None
        stored = self.connection is not None and spec_field.name in self.connection.secret_hints
        help_text = "Stored encrypted; never shown again."
        if stored:
            ending = f" · ends in …{hint}" if hint else ""
            help_text = f"Set{ending}. Leave blank to keep it (unless the address moves elsewhere)."
        return forms.CharField(
            label=spec_field.label,
            required=not stored,
            strip=False,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            help_text=help_text,
        )

    def reference_fields(self) -> list[forms.BoundField]:
        """The fields the chosen spec's `${NAME}` references need, in spec order."""
        return [self[FIELD_PREFIX + f.name] for f in self.spec_fields]

    def variables(self) -> dict[str, str]:
        return {
            f.name: self.cleaned_data.get(FIELD_PREFIX + f.name, "")
            for f in self.spec_fields
            if not f.secret
        }

    def secrets(self) -> dict[str, str]:
        """Entered secrets; a blank one is left out (it means "unchanged")."""
        return {
            f.name: value
            for f in self.spec_fields
            if f.secret and (value := self.cleaned_data.get(FIELD_PREFIX + f.name))
        }

    def add_spec_errors(self, errors: dict[str, str]) -> None:
        """Put each spec error on the field it is about; the rest on the TOML overrides."""
        by_location = {f.location: FIELD_PREFIX + f.name for f in self.spec_fields}
        for location, message in errors.items():
            field = by_location.get(location)
            if field is None and location in ("name", "preset", "base_url", "spec_toml"):
                field = location
            if field is not None:
                self.add_error(field, message)
            else:
                self.add_error("spec_toml", f"{location}: {message}")
