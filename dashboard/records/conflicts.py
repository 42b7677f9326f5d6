"""A conflict as the form shows it: what changed at the vendor, and the marker to overwrite."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.audit.diffs import ChangeRow, change_rows

from .services import RecordConflict
from .versions import audit_changes


@dataclass(frozen=True)
class ConflictView:
    rows: list[ChangeRow]
    version: str


def conflict_view(conflict: RecordConflict) -> ConflictView:
    return ConflictView(
        rows=change_rows(audit_changes(conflict.changes)), version=conflict.current.version
    )
