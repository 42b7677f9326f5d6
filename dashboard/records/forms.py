"""The record form: one input per editable field, values converted back to the vendor's types,
and the vendor's validation errors put on the fields they name."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from dashboard.browse.formatting import Node, node
from dashboard.connectors.errors import VendorError

from .fields import RecordField, editable, parse_datetime
from .versions import differences

PREFIX = "record"
TEXTAREA_ROWS = 4
JSON_ROWS = 6
_INTEGER = re.compile(r"[+-]?\d+")
_SEPARATORS = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True)
class FormRow:
    """A line of the form: an editable field's input, or a read-only field's value."""

    field: RecordField
    bound: forms.BoundField | None
    shown: Node | None


class NumberField(forms.CharField):
    """A JSON number: an integer when written without a fraction or exponent, else a float."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def to_python(self, value: Any) -> int | float | None:
        text = str(super().to_python(value)).strip()
        if not text:
            return None
        if _INTEGER.fullmatch(text):
            return int(text)
        try:
            number = float(text)
        except ValueError:
            raise ValidationError("Enter a number.", code="invalid") from None
        if not math.isfinite(number):
            raise ValidationError("Enter a finite number.", code="invalid")
        return number


class DateTimeTextField(forms.CharField):
    """An ISO 8601 date and time, kept as typed (with its offset when it has one)."""

    def to_python(self, value: Any) -> datetime | None:
        text = str(super().to_python(value)).strip()
        if not text:
            return None
        moment = parse_datetime(text)
        if moment is None:
            raise ValidationError(
                "Enter a date and time such as 2024-05-01T09:30:00Z.", code="invalid"
            )
        return moment


class PrettyJSONField(forms.JSONField):
    """Nested values as indented JSON; empty (a new record's) stays empty."""

    def prepare_value(self, value: Any) -> Any:
        if value is None or isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class VendorDefaultSelect(forms.NullBooleanSelect):
    """Yes, no, or leave it to the vendor (a new record's booleans)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", "Vendor default"), ("true", "Yes"), ("false", "No")]


def _datetime_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _choices(field: RecordField, *, blank: bool) -> list[tuple[str, str]]:
    values = list(field.choices)
    if isinstance(field.value, str) and field.value not in values:
        values.insert(0, field.value)  # the vendor's current value stays selectable
    options = [(value, value) for value in values]
    return [("", "—"), *options] if blank else options


def form_field(field: RecordField, *, creating: bool) -> forms.Field:
    """The Django form field for one editable record field."""
    common: dict[str, Any] = {"label": field.label, "required": False}
    match field.kind:
        case "boolean" if creating:
            return forms.NullBooleanField(widget=VendorDefaultSelect, **common)
        case "boolean":
            return forms.BooleanField(**common)
        case "number":
            return NumberField(**common)
        case "choice":
            blank = creating or field.value is None
            return forms.ChoiceField(choices=_choices(field, blank=blank), **common)
        case "json":
            return PrettyJSONField(
                widget=forms.Textarea(attrs={"rows": JSON_ROWS, "spellcheck": "false"}),
                help_text="JSON",
                **common,
            )
        case "date":
            return forms.DateField(
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                input_formats=["%Y-%m-%d"],
                **common,
            )
        case "datetime":
            return DateTimeTextField(
                help_text="ISO 8601, e.g. 2024-05-01T09:30:00Z", strip=True, **common
            )
        case "textarea":
            return forms.CharField(
                widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS}), strip=False, **common
            )
    return forms.CharField(strip=False, **common)


def _format_datetime(moment: datetime, like: str) -> str:
    """`moment` written the way the vendor wrote `like` (separator, precision, `Z`)."""
    fraction = re.search(r"\.(\d+)", like)
    timespec = "seconds"
    if fraction:
        timespec = "milliseconds" if len(fraction.group(1)) == 3 else "microseconds"
    text = moment.isoformat(sep="T" if "T" in like else " ", timespec=timespec)
    return text.removesuffix("+00:00") + "Z" if like.endswith("Z") else text


def vendor_value(field: RecordField, cleaned: Any) -> Any:
    """A cleaned form value as the vendor's type; unchanged values keep their exact form."""
    if field.kind in ("boolean", "number", "json"):
        return cleaned
    if field.kind == "date":
        return cleaned.isoformat() if cleaned else None
    if field.kind == "datetime":
        if cleaned is None:
            return None
        original = parse_datetime(field.value) if isinstance(field.value, str) else None
        if original is not None and original == cleaned:
            return field.value
        return _format_datetime(cleaned, _datetime_text(field.value))
    if cleaned in ("", None):
        return None if field.value is None else ""
    return cleaned


def _normalised(name: str) -> str:
    return _SEPARATORS.sub("", name.lower())


class RecordForm(forms.Form):
    """An input per editable field of `fields`; the rest are shown, never submitted.

    Updating, the inputs start from the record's values; creating, they start empty and a
    blank input means "leave it to the vendor".
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        fields: Sequence[RecordField],
        creating: bool = False,
    ) -> None:
        initial = {} if creating else {field.name: field.value for field in fields}
        super().__init__(data, prefix=PREFIX, initial=initial)
        self.record_fields = list(fields)
        self.top_errors: list[str] = []
        for field in editable(fields):
            self.fields[field.name] = form_field(field, creating=creating)

    def rows(self) -> list[FormRow]:
        """Every field in the record's order: an input, or the value shown read-only."""
        return [
            FormRow(field, self[field.name], None)
            if field.editable
            else FormRow(field, None, node(field.value))
            for field in self.record_fields
        ]

    def values(self) -> dict[str, Any]:
        """Every editable field as the vendor's type (a valid form only)."""
        return {
            field.name: vendor_value(field, self.cleaned_data.get(field.name))
            for field in editable(self.record_fields)
        }

    def filled(self) -> dict[str, Any]:
        """For a new record: the fields the user filled in (blank ones are the vendor's)."""
        return {name: value for name, value in self.values().items() if value not in ("", None)}

    def changed(self) -> dict[str, Any]:
        """For an existing record: the fields whose value differs from the record's."""
        original = {field.name: field.value for field in editable(self.record_fields)}
        values = self.values()
        return {change.name: values[change.name] for change in differences(original, values)}

    def add_vendor_errors(self, error: VendorError) -> None:
        """Each field error on the field it names (ignoring case, `_` and `-`: `Name`,
        `ClientId` and `address.city` find `name`, `client_id` and `address`); the rest,
        and the general messages, at the top of the form."""
        for key, messages in error.field_errors.items():
            name = self._field_for(key)
            if name is None:
                self.top_errors.extend(f"{key}: {message}" for message in messages)
            else:
                for message in messages:
                    self.add_error(name, message)
        self.top_errors.extend(error.non_field_errors)
        if not self.errors and not self.top_errors:
            self.top_errors.append(error.message)

    def _field_for(self, key: str) -> str | None:
        by_lower = {name.lower(): name for name in self.fields}
        by_normalised = {_normalised(name): name for name in self.fields}
        head = key.split(".", 1)[0]
        for candidate in (key, head):
            name = by_lower.get(candidate.lower()) or by_normalised.get(_normalised(candidate))
            if name is not None:
                return name
        return None

    def focus_first_field(self) -> None:
        """Autofocus the first input (a form that just opened)."""
        first = next(iter(self.fields.values()), None)
        if first is not None:
            first.widget.attrs["autofocus"] = True

    def focus_first_error(self) -> bool:
        """Autofocus the first field with an error; False when no field has one."""
        name = next((name for name in self.fields if name in self.errors), None)
        if name is None:
            return False
        self.fields[name].widget.attrs["autofocus"] = True
        return True
