"""What each field of a record becomes in a form, decided from its value and the spec.

Read-only: the id, the version field, timestamps (`created…`, `updated…`, `modified…`), the
spec's `readonly_fields`, and names that cannot be form fields. Editable fields get a kind
from their value: text (long text as a text area), number, boolean, date, date and time, a
choice when the spec lists choices, JSON for objects and lists. A `null` is text, where a
blank input keeps it null.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from dashboard.browse.columns import label
from dashboard.browse.formatting import TRUNCATE_AT
from dashboard.connectors.spec import ResourceSpec

Kind = Literal["text", "textarea", "number", "boolean", "date", "datetime", "choice", "json"]

FORM_NAME = re.compile(r"[A-Za-z0-9_.$@-]{1,64}")
TIMESTAMP_PREFIXES = ("created", "updated", "modified", "deleted")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


@dataclass(frozen=True)
class RecordField:
    """One field of a record form: the vendor's `name`, its `value` when the form opened
    (None for a new record), and how it is edited."""

    name: str
    kind: Kind
    value: Any
    editable: bool
    choices: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return label(self.name)


def is_read_only(resource: ResourceSpec, name: str) -> bool:
    return (
        name in (resource.id_field, resource.version_field)
        or name in resource.readonly_fields
        or name.lower().startswith(TIMESTAMP_PREFIXES)
        or not FORM_NAME.fullmatch(name)
    )


def parse_date(text: str) -> date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_datetime(text: str) -> datetime | None:
    if not _DATETIME.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _text_kind(value: str) -> Kind:
    if parse_date(value) is not None:
        return "date"
    if parse_datetime(value) is not None:
        return "datetime"
    return "textarea" if len(value) > TRUNCATE_AT or "\n" in value else "text"


def kind_of(value: Any, *, has_choices: bool) -> Kind:
    """How a value is edited (a field with spec choices holding text or nothing: a choice)."""
    if has_choices and (value is None or isinstance(value, str)):
        return "choice"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict | list):
        return "json"
    if isinstance(value, str):
        return _text_kind(value)
    return "text"


def _field(resource: ResourceSpec, name: str, value: Any, *, editable: bool) -> RecordField:
    choices = tuple(resource.choices.get(name, ()))
    return RecordField(
        name=name,
        kind=kind_of(value, has_choices=bool(choices)),
        value=value,
        editable=editable,
        choices=choices,
    )


def record_fields(resource: ResourceSpec, record: Mapping[str, Any]) -> list[RecordField]:
    """The fields of an existing record, in the vendor's order."""
    return [
        _field(resource, name, value, editable=not is_read_only(resource, name))
        for name, value in record.items()
    ]


def new_record_fields(
    resource: ResourceSpec, example: Mapping[str, Any] | None
) -> list[RecordField]:
    """The editable fields of a new record, typed from an example record of the resource
    (its values are not used); without one, the spec's columns and choices as text."""
    names: Iterable[str] = (
        example if example else dict.fromkeys([*resource.columns, *resource.choices])
    )
    fields = []
    for name in names:
        if is_read_only(resource, name):
            continue
        typed = _field(resource, name, example.get(name) if example else None, editable=True)
        fields.append(RecordField(typed.name, typed.kind, None, True, typed.choices))
    return fields


def editable(fields: Sequence[RecordField]) -> list[RecordField]:
    return [field for field in fields if field.editable]
