"""Writes for snapshots: start, run (the background walk), cancel, recover from a dead
worker, and keep the copy in step with edits made through the dashboard.

The walk reuses the engine's `VendorClient.iter_pages` at the largest page size the vendor
allows, paying for every request from the account's shared rate budget. Each page is stored
in one transaction together with the token of the next page and a heartbeat: a worker that
dies leaves a snapshot that `snapshot_recover` resumes from its last stored page (or marks
failed after `SNAPSHOT_MAX_RESUMES` resumes), never a silently partial one.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from dashboard.browse.formatting import record_id_of
from dashboard.browse.selectors import Source, source_for
from dashboard.connections.models import Connection
from dashboard.connections.services import connection_client, describe_error
from dashboard.connectors.client import Listing
from dashboard.connectors.errors import VendorError

from .keys import kind_of, record_keys
from .models import ACTIVE, Snapshot, SnapshotRecord, Status

logger = logging.getLogger("dashboard.snapshots")

ERROR_MAX_LENGTH = Snapshot._meta.get_field("error").max_length or 0
TOO_LARGE = (
    "This collection holds more than {limit:,} records, the most a snapshot may hold "
    "(setting SNAPSHOT_MAX_RECORDS); nothing was kept."
)
WORKER_GONE = (
    "The background worker stopped while taking this snapshot (after {pages:,} pages) and "
    "it could not be resumed; take a new one."
)


def snapshot_start(*, source: Source, user: AbstractBaseUser | None) -> Snapshot:
    """Queue a snapshot of `source`'s collection, or return the one already being taken."""
    from .tasks import take_snapshot

    with transaction.atomic():
        active = (
            Snapshot.objects.select_for_update()
            .filter(connection=source.connection, resource=source.resource.name, status__in=ACTIVE)
            .first()
        )
        if active is not None:
            return active
        snapshot = Snapshot.objects.create(
            connection=source.connection,
            resource=source.resource.name,
            requested_by=user if user is not None and user.is_authenticated else None,
            page_size=source.client.spec.pagination.max_size,
        )
    take_snapshot.enqueue(snapshot.pk)
    snapshot.refresh_from_db()
    return snapshot


def snapshot_cancel(*, snapshot: Snapshot) -> Snapshot:
    """Stop a snapshot: at once when it waits for a worker, else after the current page."""
    with transaction.atomic():
        locked = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
        if locked.status == Status.QUEUED:
            _finish(locked, Status.CANCELLED)
        elif locked.status == Status.RUNNING:
            locked.cancel_requested = True
            locked.save(update_fields=["cancel_requested"])
    return Snapshot.objects.get(pk=snapshot.pk)


def _heartbeat_limit() -> datetime:
    return timezone.now() - timedelta(seconds=settings.SNAPSHOT_HEARTBEAT_TIMEOUT)


def snapshot_looks_abandoned(snapshot: Snapshot) -> bool:
    """Whether `snapshot`, as read, is running without a recent heartbeat (a cheap check
    before `snapshot_recover`, which checks again under a lock)."""
    heartbeat = snapshot.heartbeat_at
    return (
        snapshot.status == Status.RUNNING
        and heartbeat is not None
        and (heartbeat < _heartbeat_limit())
    )


def snapshot_recover(*, snapshot: Snapshot) -> Snapshot:
    """A running snapshot without a heartbeat for `SNAPSHOT_HEARTBEAT_TIMEOUT` seconds lost
    its worker: queue it again to resume from its last stored page, or fail it."""
    from .tasks import take_snapshot

    limit = _heartbeat_limit()
    with transaction.atomic():
        stale = (
            Snapshot.objects.select_for_update()
            .filter(pk=snapshot.pk, status=Status.RUNNING, heartbeat_at__lt=limit)
            .first()
        )
        if stale is None:
            return snapshot
        if stale.resumes >= settings.SNAPSHOT_MAX_RESUMES or stale.cancel_requested:
            failed = stale.cancel_requested is False
            _finish(stale, Status.FAILED if failed else Status.CANCELLED, _worker_gone(stale))
            return stale
        stale.status = Status.QUEUED
        stale.resumes += 1
        stale.save(update_fields=["status", "resumes"])
    logger.warning("snapshot %s resumed after its worker stopped", stale.pk)
    take_snapshot.enqueue(stale.pk)
    return Snapshot.objects.get(pk=stale.pk)


def _worker_gone(snapshot: Snapshot) -> str:
    return WORKER_GONE.format(pages=snapshot.pages)


def _finish(snapshot: Snapshot, status: Status, error: str = "") -> None:
    """End a snapshot; only a complete one keeps its records."""
    snapshot.status = status
    snapshot.error = error[:ERROR_MAX_LENGTH]
    snapshot.finished_at = timezone.now()
    snapshot.save(update_fields=["status", "error", "finished_at"])
    if status != Status.COMPLETE:
        SnapshotRecord.objects.filter(snapshot=snapshot).delete()


def _claim(snapshot_id: int) -> Snapshot | None:
    """Take a queued snapshot for this worker; None when another took it or it ended."""
    now = timezone.now()
    claimed = Snapshot.objects.filter(pk=snapshot_id, status=Status.QUEUED).update(
        status=Status.RUNNING, heartbeat_at=now
    )
    if not claimed:
        return None
    snapshot = Snapshot.objects.get(pk=snapshot_id)
    if snapshot.started_at is None:
        snapshot.started_at = now
        snapshot.save(update_fields=["started_at"])
    return snapshot


def snapshot_run(*, snapshot_id: int) -> None:
    """The background walk: fetch and store every page from `next_cursor` on."""
    snapshot = _claim(snapshot_id)
    if snapshot is None:
        return
    # Pages stored and no next one: the last page was stored before the worker stopped.
    walked = snapshot.pages > 0 and not snapshot.next_cursor
    try:
        source = walking_source(
            source=source_for(connection=snapshot.connection, resource=snapshot.resource),
            max_wait=settings.SNAPSHOT_RATE_LIMIT_MAX_WAIT,
        )
        pages = source.client.iter_pages(
            snapshot.resource, page_size=snapshot.page_size, cursor=snapshot.next_cursor or None
        )
        for listing in () if walked else pages:
            if not _store_page(snapshot, source, listing):
                return
    except VendorError as error:
        _finish(snapshot, Status.FAILED, describe_error(error))
        return
    except (KeyboardInterrupt, SystemExit):
        _requeue(snapshot)
        raise
    except BaseException:
        _finish(snapshot, Status.FAILED, "The snapshot stopped on an unexpected error.")
        raise
    with transaction.atomic():
        _finish(snapshot, Status.COMPLETE)
        older = Snapshot.objects.filter(
            connection=snapshot.connection, resource=snapshot.resource
        ).exclude(status__in=ACTIVE)
        older.exclude(pk=snapshot.pk).delete()


def _requeue(snapshot: Snapshot) -> None:
    """The worker is being stopped: the next worker resumes from the last stored page."""
    from .tasks import take_snapshot

    Snapshot.objects.filter(pk=snapshot.pk, status=Status.RUNNING).update(status=Status.QUEUED)
    take_snapshot.enqueue(snapshot.pk)


def walking_source(*, source: Source, max_wait: float) -> Source:
    """`source` with a client that waits up to `max_wait` seconds for the rate budget, as a
    walk over a whole collection may (a snapshot, an export); a table page fails fast."""
    client = connection_client(connection=source.connection, rate_limit_max_wait=max_wait)
    return Source(connection=source.connection, client=client, resource=source.resource)


def _store_page(snapshot: Snapshot, source: Source, listing: Listing) -> bool:
    """Store one page with the progress it makes; False when the walk must stop."""
    limit = settings.SNAPSHOT_MAX_RECORDS
    with transaction.atomic():
        current = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
        if current.status != Status.RUNNING:
            return False
        if current.cancel_requested:
            _finish(current, Status.CANCELLED)
            return False
        too_many = (listing.total or 0) > limit or current.records + len(listing.records) > limit
        if too_many:
            _finish(current, Status.FAILED, TOO_LARGE.format(limit=limit))
            return False
        stored = _insert(current, source.resource.id_field, listing.records)
        budget = listing.rate_limit
        current.pages += 1
        current.records = stored
        current.total = listing.total if listing.total is not None else current.total
        current.next_cursor = (listing.next_token or "") if listing.has_next else ""
        current.heartbeat_at = timezone.now()
        current.budget_limit = budget.limit
        current.budget_remaining = budget.remaining
        current.kinds = _kinds(current.kinds, listing.records)
        current.fields = list(
            dict.fromkeys([*current.fields, *(key for record in listing.records for key in record)])
        )
        current.save()
    snapshot.refresh_from_db()
    return True


def _insert(snapshot: Snapshot, id_field: str, records: list[dict[str, Any]]) -> int:
    """Store records once each (a record seen again replaces its copy); the count stored.

    Only this page's records are looked up to count the ones stored before: counting the
    whole snapshot on every page made a walk's cost grow with the square of its size."""
    rows: dict[str, SnapshotRecord] = {}
    for offset, record in enumerate(records):
        position = snapshot.records + offset
        record_id = record_id_of(record, id_field) or f"#{position}"
        rows[record_id] = _row(snapshot, position, record_id, record)
    seen_before = SnapshotRecord.objects.filter(snapshot=snapshot, record_id__in=list(rows))
    again = seen_before.count()
    SnapshotRecord.objects.bulk_create(
        list(rows.values()),
        update_conflicts=True,
        unique_fields=["snapshot", "record_id"],
        update_fields=["data", "numbers", "texts", "search"],
    )
    return snapshot.records + len(rows) - again


def _row(
    snapshot: Snapshot, position: int, record_id: str, record: dict[str, Any]
) -> SnapshotRecord:
    numbers, texts, search = record_keys(record)
    return SnapshotRecord(
        snapshot=snapshot,
        position=position,
        record_id=record_id,
        data=record,
        numbers=numbers,
        texts=texts,
        search=search,
    )


def _kinds(known: Mapping[str, str], records: list[dict[str, Any]]) -> dict[str, str]:
    """Each field's kind: the most common one on the first page where it has a value."""
    kinds = dict(known)
    for name in dict.fromkeys(key for record in records for key in record if key not in known):
        seen = Counter(kind for record in records if (kind := kind_of(record.get(name))))
        if seen:
            kinds[name] = seen.most_common(1)[0][0]
    return kinds


# --- edits through the dashboard ------------------------------------------------------------


def _copies(connection: Connection, resource: str) -> list[Snapshot]:
    return list(
        Snapshot.objects.filter(
            connection=connection, resource=resource, status__in=[*ACTIVE, Status.COMPLETE]
        )
    )


def snapshot_record_saved(
    *, connection: Connection, resource: str, id_field: str, record: dict[str, Any]
) -> None:
    """A record created or changed through the dashboard: its copy in the snapshots of the
    resource changes at once (a new record joins a complete snapshot at the end)."""
    record_id = record_id_of(record, id_field)
    if not record_id:
        return
    for snapshot in _copies(connection, resource):
        with transaction.atomic():
            locked = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
            existing = SnapshotRecord.objects.filter(snapshot=locked, record_id=record_id).first()
            if existing is None and locked.status != Status.COMPLETE:
                continue  # the walk has not reached it yet, or will not see it
            position = existing.position if existing is not None else _next_position(locked)
            row = _row(locked, position, record_id, record)
            row.pk = existing.pk if existing is not None else None
            row.save()
            locked.version += 1
            locked.records += 1 if existing is None else 0
            locked.save(update_fields=["records", "version"])


def _next_position(snapshot: Snapshot) -> int:
    last = SnapshotRecord.objects.filter(snapshot=snapshot).order_by("-position").first()
    return last.position + 1 if last is not None else 0


def snapshot_record_removed(*, connection: Connection, resource: str, record_id: str) -> None:
    """A record deleted through the dashboard leaves the snapshots of the resource."""
    for snapshot in _copies(connection, resource):
        with transaction.atomic():
            locked = Snapshot.objects.select_for_update().get(pk=snapshot.pk)
            removed, _ = SnapshotRecord.objects.filter(
                snapshot=locked, record_id=record_id
            ).delete()
            if removed:
                locked.records = max(0, locked.records - removed)
                locked.version += 1
                locked.save(update_fields=["records", "version"])
