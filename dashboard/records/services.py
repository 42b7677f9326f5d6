"""Record writes through the vendor: create, update and delete, each one audited.

Every attempt leaves one audit entry, written in a transaction as soon as its outcome is
known: the vendor's answer (or failure: status and normalised message), the fields with
their before and after values, the request id. A write is sent once and never retried (the
engine pays for it from the write budget); a write whose outcome is unknown raises
`VendorError(kind="unknown_outcome")` and is audited as such. After a successful write the
cached pages of the resource are dropped and the resource's snapshots get the record's new
copy (or lose a deleted one) at once.

Updates are checked for conflicts first: the record is fetched again, and when its version
marker differs from the one the form opened with, nothing is sent and `RecordConflict`
says what changed. PATCH sends the changed fields; PUT sends the whole record (as the vendor
has it now) with the changes laid over it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from dashboard.audit.models import Outcome
from dashboard.audit.services import audit_record
from dashboard.browse.cache import invalidate_resource
from dashboard.browse.formatting import record_id_of
from dashboard.browse.selectors import Source, vendor_record_id
from dashboard.connections.services import describe_error
from dashboard.connectors.errors import VendorError
from dashboard.snapshots.services import snapshot_record_removed, snapshot_record_saved
from dashboard.teams.models import Membership

from .fields import is_read_only
from .permissions import (
    EDITING_ROLE,
    Action,
    require_spec_allows,
    require_writable,
)
from .selectors import RecordState, record_state
from .versions import FieldChange, audit_changes, differences

UNKNOWN_RECORD_ID = ""
CONFLICT_MESSAGE = "Stopped: the record changed at the vendor since the form was opened."


class RecordConflict(Exception):
    """The record changed at the vendor since the form opened; nothing was sent."""

    def __init__(self, *, current: RecordState, changes: list[FieldChange]) -> None:
        super().__init__("The record changed since the form was opened.")
        self.current = current
        self.changes = changes


def _check(actor: Membership, source: Source, action: Action) -> None:
    """The view checked these already; a service never trusts that it did."""
    if not actor.has_role(EDITING_ROLE):
        raise PermissionDenied("Changing records needs the editor role.")
    require_writable(source.connection)
    require_spec_allows(source.resource, action)


@dataclass(frozen=True)
class _Outcome:
    """How an attempt ended, as the audit trail records it: the vendor's status and its
    normalised message, and the messages it gave about the data (`errors`)."""

    outcome: Outcome
    status: int | None = None
    message: str = ""
    errors: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def success(cls, source: Source) -> _Outcome:
        answer = source.client.last_answer
        return cls(Outcome.OK, answer.status if answer is not None else None)

    @classmethod
    def failure(cls, error: VendorError) -> _Outcome:
        unknown = error.kind == "unknown_outcome"
        errors = {
            "field_errors": error.field_errors,
            "non_field_errors": error.non_field_errors,
        }
        return cls(
            Outcome.UNKNOWN if unknown else Outcome.FAILED,
            error.status,
            describe_error(error),
            {name: value for name, value in errors.items() if value},
        )


STOPPED_BY_CONFLICT = _Outcome(Outcome.FAILED, message=CONFLICT_MESSAGE)


def _audit(
    *,
    actor: Membership,
    source: Source,
    action: Action,
    record_id: str,
    result: _Outcome,
    changes: Mapping[str, Mapping[str, Any]],
    details: Mapping[str, Any] | None = None,
) -> None:
    resource = source.resource.name
    with transaction.atomic():
        audit_record(
            actor=actor.user,
            team=actor.team,
            action=f"record.{action}",
            target=f"{source.connection.slug}/{resource}/{record_id}",
            outcome=result.outcome,
            details={**result.errors, **(details or {})},
            connection=source.connection,
            resource=resource,
            record_id=record_id,
            changes=changes,
            vendor_status=result.status,
            vendor_message=result.message,
        )


def _fetch(actor: Membership, source: Source, action: Action, record_id: str) -> RecordState:
    """The record as it is now; a failure to read it is audited as a failed attempt."""
    try:
        return record_state(source=source, record_id=record_id)
    except VendorError as error:
        _audit(
            actor=actor,
            source=source,
            action=action,
            record_id=record_id,
            result=_Outcome.failure(error),
            changes={},
            details={"stage": "reading the record before writing"},
        )
        raise


def _snapshot_saved(source: Source, record: dict[str, Any]) -> None:
    snapshot_record_saved(
        connection=source.connection,
        resource=source.resource.name,
        id_field=source.resource.id_field,
        record=record,
    )


def _created(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: {"after": value} for name, value in values.items()}


def _sides(
    names: Mapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    return audit_changes(FieldChange(name, before.get(name), after.get(name)) for name in names)


def _send[T](
    actor: Membership,
    source: Source,
    action: Action,
    record_id: str,
    changes: Mapping[str, Mapping[str, Any]],
    write: Callable[[], T],
) -> T:
    """Send one write to the vendor (never retried). A refusal is audited with `changes`
    and raised; a success forgets the resource's cached pages."""
    try:
        result = write()
    except VendorError as error:
        _audit(
            actor=actor,
            source=source,
            action=action,
            record_id=record_id,
            result=_Outcome.failure(error),
            changes=changes,
        )
        raise
    invalidate_resource(source.connection, source.resource.name)
    return result


def record_create(
    *, actor: Membership, source: Source, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Create a record from `values`; returns the vendor's record. Raises VendorError."""
    _check(actor, source, "create")
    created = _send(
        actor,
        source,
        "create",
        UNKNOWN_RECORD_ID,
        _created(values),
        lambda: source.client.create(source.resource.name, values),
    )
    _snapshot_saved(source, created)
    _audit(
        actor=actor,
        source=source,
        action="create",
        record_id=record_id_of(created, source.resource.id_field) or UNKNOWN_RECORD_ID,
        result=_Outcome.success(source),
        changes=_created(created),
    )
    return created


def _payload(source: Source, current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict:
    if source.resource.update_method == "PATCH":
        return dict(changes)
    resource = source.resource
    writable = {name: value for name, value in current.items() if not is_read_only(resource, name)}
    return writable | dict(changes)


def record_update(
    *,
    actor: Membership,
    source: Source,
    record_id: str,
    original: Mapping[str, Any],
    changes: Mapping[str, Any],
    version: str,
) -> dict[str, Any]:
    """Apply `changes` (field -> new value) to a record the user saw as `original` at
    `version`; returns the vendor's record. Raises RecordConflict or VendorError."""
    _check(actor, source, "update")
    current = _fetch(actor, source, "update", record_id)
    if current.version != version:
        behind_our_back = differences(original, current.record)
        _audit(
            actor=actor,
            source=source,
            action="update",
            record_id=record_id,
            result=STOPPED_BY_CONFLICT,
            changes=_sides(changes, current.record, changes),
            details={"changed_at_the_vendor": [change.name for change in behind_our_back]},
        )
        raise RecordConflict(current=current, changes=behind_our_back)
    payload = _payload(source, current.record, changes)
    updated = _send(
        actor,
        source,
        "update",
        record_id,
        _sides(changes, current.record, changes),
        lambda: source.client.update(source.resource.name, vendor_record_id(record_id), payload),
    )
    _snapshot_saved(source, {**current.record, **changes, **updated})
    _audit(
        actor=actor,
        source=source,
        action="update",
        record_id=record_id,
        result=_Outcome.success(source),
        changes=_sides(changes, current.record, {**changes, **updated}),
    )
    return updated


def record_delete(*, actor: Membership, source: Source, record_id: str) -> dict[str, Any]:
    """Delete a record; returns its last state (read just before). Raises VendorError."""
    _check(actor, source, "delete")
    current = _fetch(actor, source, "delete", record_id)
    removed = {name: {"before": value} for name, value in current.record.items()}
    _send(
        actor,
        source,
        "delete",
        record_id,
        removed,
        lambda: source.client.delete(source.resource.name, vendor_record_id(record_id)),
    )
    snapshot_record_removed(
        connection=source.connection, resource=source.resource.name, record_id=record_id
    )
    _audit(
        actor=actor,
        source=source,
        action="delete",
        record_id=record_id,
        result=_Outcome.success(source),
        changes=removed,
    )
    return current.record
