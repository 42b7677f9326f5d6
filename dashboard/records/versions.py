"""Version markers and field differences, for conflict detection and the audit trail.

A marker names the state of a record when a form opened: the vendor's ETag when it sent one,
else the spec's `version_field` (`updatedAt`, `modified_date`, ...), else a hash of the whole
record. Markers of different kinds never compare equal, so a vendor that stops sending an
ETag looks like a change (a needless stop is better than a silent overwrite).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.connectors.spec import ResourceSpec

ABSENT: Any = object()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


def version_marker(resource: ResourceSpec, record: Mapping[str, Any], etag: str | None) -> str:
    if etag:
        return f"etag:{etag}"
    if resource.version_field and record.get(resource.version_field) is not None:
        return f"field:{_canonical(record[resource.version_field])}"
    return f"hash:{hashlib.sha256(_canonical(record).encode()).hexdigest()}"


@dataclass(frozen=True)
class FieldChange:
    """One field whose value differs; `ABSENT` on a side where the field is missing."""

    name: str
    before: Any
    after: Any

    def as_audit(self) -> dict[str, Any]:
        """`{"before": ..., "after": ...}` without the absent side."""
        sides = {"before": self.before, "after": self.after}
        return {side: value for side, value in sides.items() if value is not ABSENT}


def differences(
    before: Mapping[str, Any], after: Mapping[str, Any], names: Iterable[str] | None = None
) -> list[FieldChange]:
    """The fields (all of both records, or only `names`) whose values differ, in order."""
    wanted = dict.fromkeys([*before, *after] if names is None else names)
    changes = []
    for name in wanted:
        old, new = before.get(name, ABSENT), after.get(name, ABSENT)
        if old is ABSENT and new is ABSENT:
            continue
        if old is ABSENT or new is ABSENT or _canonical(old) != _canonical(new):
            changes.append(FieldChange(name, old, new))
    return changes


def audit_changes(changes: Iterable[FieldChange]) -> dict[str, dict[str, Any]]:
    return {change.name: change.as_audit() for change in changes}
