"""What a form opened on, carried by the form itself: signed (and compressed), bound to the
connection, resource and record, so a form cannot be replayed against another one.

- An edit form carries the record as it was (`RecordState`): what "changed" means for
  PATCH, and what a conflict is measured from.
- A create form carries its fields (names, kinds, choices), so the form the user fills in
  is the one that is read back, whatever example record typed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import signing

from dashboard.connections.models import Connection

from .fields import RecordField
from .selectors import RecordState

SALT = "dashboard.records.form"
MAX_AGE = 60 * 60 * 24  # a form left open over a day is reopened
NEW_RECORD = ""


def _owner(connection: Connection, resource: str, record_id: str) -> list[Any]:
    return [connection.pk, resource, record_id]


def _sign(owner: list[Any], payload: dict[str, Any]) -> str:
    return signing.dumps({"owner": owner, **payload}, salt=SALT, compress=True)


def _read(token: str, owner: list[Any]) -> dict[str, Any] | None:
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("owner") != owner:
        return None
    return payload


def state_sign(*, connection: Connection, resource: str, record_id: str, state: RecordState) -> str:
    owner = _owner(connection, resource, record_id)
    return _sign(owner, {"record": state.record, "version": state.version})


def state_read(
    token: str, *, connection: Connection, resource: str, record_id: str
) -> RecordState | None:
    """The record an edit form opened on; None when the token is missing, tampered with,
    too old or made for another record."""
    payload = _read(token, _owner(connection, resource, record_id)) or {}
    record, version = payload.get("record"), payload.get("version")
    if not isinstance(record, dict) or not isinstance(version, str):
        return None
    return RecordState(record=record, version=version)


def fields_sign(*, connection: Connection, resource: str, fields: Sequence[RecordField]) -> str:
    shape = [[field.name, field.kind, list(field.choices)] for field in fields]
    return _sign(_owner(connection, resource, NEW_RECORD), {"fields": shape})


def fields_read(token: str, *, connection: Connection, resource: str) -> list[RecordField] | None:
    """The fields of a create form; None when the token is not a valid one for here."""
    payload = _read(token, _owner(connection, resource, NEW_RECORD)) or {}
    shape = payload.get("fields")
    if not isinstance(shape, list):
        return None
    return [
        RecordField(name=name, kind=kind, value=None, editable=True, choices=tuple(choices))
        for name, kind, choices in shape
    ]
