"""Reads of the audit trail, always within one team: the filtered list, the filters'
choices, and one record's history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from dashboard.browse.formatting import plain_text
from dashboard.browse.selectors import has_own_page
from dashboard.connections.models import Connection
from dashboard.teams.models import Team

from .diffs import ChangeRow, change_rows
from .models import AuditEntry, Outcome

RECORD_HISTORY_LIMIT = 20
OUTCOME_LEVELS = {
    Outcome.OK: "ok",
    Outcome.UNKNOWN: "warn",
    Outcome.FAILED: "bad",
    Outcome.DENIED: "bad",
}
DELETED = "record.delete"


@dataclass(frozen=True)
class FilterChoices:
    """The values the team's entries hold, for the filter menus."""

    users: list[str]
    connections: list[str]
    resources: list[str]
    actions: list[str]


@dataclass(frozen=True)
class AuditFilters:
    user: str = ""
    connection: str = ""
    resource: str = ""
    action: str = ""
    outcome: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class AuditRow:
    """An entry as the audit table shows it: its changes as rows, its details as notes, a
    link to the record when it may still exist, and its outcome's badge level."""

    entry: AuditEntry
    changes: list[ChangeRow]
    notes: list[str]
    record_url: str | None

    @property
    def level(self) -> str:
        return OUTCOME_LEVELS.get(self.entry.outcome, "")

    @property
    def utc_time(self) -> str:
        return self.entry.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _distinct(entries: QuerySet[AuditEntry], field: str) -> list[str]:
    values = entries.exclude(**{field: ""}).order_by(field).values_list(field, flat=True)
    return list(values.distinct())


def audit_filter_choices(*, team: Team) -> FilterChoices:
    entries = AuditEntry.objects.filter(team=team)
    return FilterChoices(
        users=_distinct(entries, "actor_email"),
        connections=_distinct(entries, "connection_slug"),
        resources=_distinct(entries, "resource"),
        actions=_distinct(entries, "action"),
    )


def _day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the active time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(*, team: Team, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The team's entries, newest first, narrowed by `filters` (dates in the active zone,
    both ends included)."""
    exact = {
        "actor_email": filters.user,
        "connection_slug": filters.connection,
        "resource": filters.resource,
        "action": filters.action,
        "outcome": filters.outcome,
    }
    entries = AuditEntry.objects.filter(team=team, **{k: v for k, v in exact.items() if v})
    if filters.since:
        entries = entries.filter(created_at__gte=_day_start(filters.since))
    if filters.until:
        entries = entries.filter(created_at__lt=_day_start(filters.until + timedelta(days=1)))
    return entries.select_related("connection")


def _record_url(entry: AuditEntry) -> str | None:
    linkable = (
        entry.connection is not None
        and bool(entry.resource and entry.record_id)
        and entry.action != DELETED
        and has_own_page(entry.record_id)
    )
    if not linkable:
        return None
    return reverse(
        "browse:record",
        args=[entry.team_slug, entry.connection_slug, entry.resource, entry.record_id],
    )


def _notes(entry: AuditEntry) -> list[str]:
    return [f"{key}: {plain_text(value)}" for key, value in (entry.details or {}).items()]


def audit_rows(entries: Iterable[AuditEntry]) -> list[AuditRow]:
    return [
        AuditRow(
            entry=entry,
            changes=change_rows(entry.changes),
            notes=_notes(entry),
            record_url=_record_url(entry),
        )
        for entry in entries
    ]


def record_history(
    *, connection: Connection, resource: str, record_id: str, limit: int = RECORD_HISTORY_LIMIT
) -> list[AuditRow]:
    """The latest attempts to change one record through the dashboard."""
    entries = AuditEntry.objects.filter(
        connection=connection, resource=resource, record_id=record_id
    ).select_related("connection")
    return audit_rows(entries[:limit])
