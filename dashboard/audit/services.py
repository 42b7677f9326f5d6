"""Writing the audit trail."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from dashboard.core.observability import request_id_var
from dashboard.teams.models import Team

from .models import VENDOR_MESSAGE_MAX_LENGTH, AuditEntry, Outcome

if TYPE_CHECKING:
    from dashboard.connections.models import Connection

REDACTED = "[redacted]"
# Keys whose values are never written, at any depth of `details` and `changes`.
SECRET_KEY_PATTERN = re.compile(r"pass|secret|token|key|credential|authorization", re.IGNORECASE)
TARGET_MAX_LENGTH = AuditEntry._meta.get_field("target").max_length or 0
RECORD_ID_MAX_LENGTH = AuditEntry._meta.get_field("record_id").max_length or 0
NO_REQUEST_ID = "-"

# One changed field: {"before": value, "after": value}; a side may be absent (create, delete).
Changes = Mapping[str, Mapping[str, Any]]


def _scrubbed(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if SECRET_KEY_PATTERN.search(str(key)) else _scrubbed(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return value


def _scrubbed_changes(changes: Changes) -> dict[str, dict[str, Any]]:
    """Each side of a change scrubbed; both sides redacted for a secret-looking field."""
    return {
        str(name): {
            side: REDACTED if SECRET_KEY_PATTERN.search(str(name)) else _scrubbed(value)
            for side, value in change.items()
        }
        for name, change in changes.items()
    }


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    team: Team | None,
    action: str,
    target: str = "",
    outcome: str = Outcome.OK,
    details: Mapping[str, Any] | None = None,
    connection: Connection | None = None,
    resource: str = "",
    record_id: str = "",
    changes: Changes | None = None,
    vendor_status: int | None = None,
    vendor_message: str = "",
) -> AuditEntry:
    """Append one entry, with the id of the request being served.

    Values under secret-looking keys in `details`, and both sides of a secret-looking field
    in `changes`, are redacted.
    """
    user = actor if actor is not None and actor.is_authenticated else None
    request_id = request_id_var.get()
    return AuditEntry.objects.create(
        actor=user,
        actor_email=getattr(user, "email", "") if user is not None else "",
        team=team,
        team_slug=team.slug if team is not None else "",
        action=action,
        target=target[:TARGET_MAX_LENGTH],
        outcome=outcome,
        details=_scrubbed(details or {}),
        connection=connection,
        connection_slug=connection.slug if connection is not None else "",
        resource=resource,
        record_id=record_id[:RECORD_ID_MAX_LENGTH],
        changes=_scrubbed_changes(changes) if changes is not None else None,
        vendor_status=vendor_status,
        vendor_message=vendor_message[:VENDOR_MESSAGE_MAX_LENGTH],
        request_id="" if request_id == NO_REQUEST_ID else request_id,
    )
