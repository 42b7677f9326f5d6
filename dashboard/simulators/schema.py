"""Writable fields of a collection and the validation of request payloads against them.

Validation reports what is wrong as `FieldError`s with a vendor-neutral `code`; each vendor
turns them into its own status, body and wording.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["str", "email", "int", "number", "bool", "list", "object"]
Code = Literal["required", "blank", "type", "choice", "email", "unique", "missing_ref"]

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

KIND_NOUNS: dict[str, str] = {
    "str": "a string",
    "email": "a string",
    "int": "an integer",
    "number": "a number",
    "bool": "a boolean",
    "list": "a list of strings",
    "object": "an object",
}


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind = "str"
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    unique: bool = False
    ref: str | None = None
    """The name of the collection whose ids are the valid values."""
    searchable: bool = False
    label: str = ""

    @property
    def title(self) -> str:
        """The field's name for people: `label`, else the name in sentence case."""
        return self.label or self.name.replace("_", " ").capitalize()

    def check(self, value: Any) -> Code | None:
        if value is None:
            return "required" if self.required else None
        if not _has_kind(self.kind, value):
            return "type"
        if self.required and isinstance(value, str) and not value.strip():
            return "blank"
        if self.choices and value not in self.choices:
            return "choice"
        if self.kind == "email" and not EMAIL.match(value):
            return "email"
        return None

    def parse_query(self, raw: str) -> Any:
        """A query-string value read as this field's kind; raises ValueError when it is not one."""
        if self.kind == "bool":
            if raw not in ("true", "false"):
                raise ValueError(raw)
            return raw == "true"
        if self.kind == "int":
            return int(raw)
        if self.kind == "number":
            return float(raw)
        return raw


@dataclass(frozen=True)
class FieldError:
    field: Field
    code: Code
    value: Any = None


class Invalid(Exception):
    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__(", ".join(f"{error.field.name}: {error.code}" for error in errors))
        self.errors = list(errors)


def describe(error: FieldError, singular: str) -> str:
    """Plain English for `error` on a record of kind `singular` ("Name is required")."""
    field = error.field
    match error.code:
        case "type":
            return f"{field.title} must be {KIND_NOUNS[field.kind]}"
        case "choice":
            return f"{field.title} must be one of: {', '.join(field.choices)}"
        case "email":
            return f"{field.title} must be a valid email address"
        case "unique":
            return f"A {singular} with this {field.label or field.name} already exists"
        case "missing_ref":
            return f"{field.title} not found"
    return f"{field.title} is required"


def clean(
    fields: Sequence[Field], payload: Mapping[str, Any], *, required: bool, defaults: bool
) -> dict[str, Any]:
    """The writable values of `payload`. An absent field is an error if `required` says required
    fields must be present, else takes its default if `defaults`, else is left out.

    Keys that are not fields (ids, timestamps, anything unknown) are ignored.
    """
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field in fields:
        if field.name in payload:
            value = payload[field.name]
            code = field.check(value)
            if code is None:
                values[field.name] = value
            else:
                errors.append(FieldError(field, code, value))
        elif required and field.required:
            errors.append(FieldError(field, "required"))
        elif defaults:
            values[field.name] = copy.copy(field.default)
    if errors:
        raise Invalid(errors)
    return values


def _has_kind(kind: Kind, value: Any) -> bool:
    match kind:
        case "str" | "email":
            return isinstance(value, str)
        case "int":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
            )
        case "bool":
            return isinstance(value, bool)
        case "list":
            return isinstance(value, list) and all(isinstance(item, str) for item in value)
        case "object":
            return isinstance(value, dict)
