"""Reads for snapshots: what a table's snapshot is (serving, stale, being taken), and the
records of a snapshot sorted, filtered and searched over the whole collection."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import connections
from django.db.models import Expression, F, FloatField, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Collate
from django.utils import timezone

from dashboard.browse.query import ListingQuery, Sort
from dashboard.connections.models import Connection
from dashboard.connectors.client import Listing
from dashboard.connectors.ratelimit import RateLimitSnapshot

from .filters import parse_condition
from .keys import text_key
from .models import ACTIVE, Snapshot, SnapshotRecord, Status

# Text compares by code point on every database (as Python compares strings).
BINARY_COLLATIONS = {"sqlite": "BINARY", "postgresql": "C"}
ORDER_CACHE_SECONDS = 300


@dataclass(frozen=True)
class TableSnapshot:
    """A table's snapshots: `serving` (complete and younger than the connection's limit),
    `latest` complete one (perhaps too old), the one being taken, and the last attempt
    that failed or was cancelled after the latest complete one."""

    serving: Snapshot | None
    latest: Snapshot | None
    active: Snapshot | None
    ended: Snapshot | None


def table_snapshot(*, connection: Connection, resource: str) -> TableSnapshot:
    snapshots = Snapshot.objects.filter(connection=connection, resource=resource)
    latest = snapshots.filter(status=Status.COMPLETE).order_by("-finished_at").first()
    active = snapshots.filter(status__in=ACTIVE).order_by("-created_at").first()
    ended = snapshots.filter(status__in=[Status.FAILED, Status.CANCELLED])
    if latest is not None:
        ended = ended.filter(created_at__gt=latest.created_at)
    oldest_allowed = timezone.now() - timedelta(minutes=connection.snapshot_max_age)
    serving = (
        latest if latest and latest.finished_at and latest.finished_at > oldest_allowed else None
    )
    return TableSnapshot(
        serving=serving,
        latest=latest,
        active=active,
        ended=ended.order_by("-created_at").first() if active is None else None,
    )


def _binary(expression: Expression | F) -> Collate:
    vendor = connections[SnapshotRecord.objects.db].vendor
    return Collate(expression, BINARY_COLLATIONS.get(vendor, "C"))


def _number(name: str) -> Cast:
    return Cast(KeyTextTransform(name, "numbers"), FloatField())


def _text(name: str) -> Collate:
    return _binary(KeyTextTransform(name, "texts"))


def snapshot_rows(
    snapshot: Snapshot,
    *,
    sort: Sort | None = None,
    filters: Mapping[str, str] | None = None,
    search: str = "",
    choices: Mapping[str, object] | None = None,
) -> QuerySet[SnapshotRecord]:
    """The snapshot's records matching `filters` (`dashboard.snapshots.filters`) and the
    `search` (in any field), sorted by `sort`: numbers and dates by value, then text by code
    point, missing values last; ties by record id. Unsorted: in the vendor's order."""
    rows = SnapshotRecord.objects.filter(snapshot=snapshot)
    for index, (name, value) in enumerate((filters or {}).items()):
        condition = parse_condition(
            name, value, kind=snapshot.kinds.get(name), has_choices=name in (choices or {})
        )
        number, text = f"n{index}", f"t{index}"
        rows = rows.alias(**{number: _number(name), text: _text(name)})
        if condition.op == "range":
            if condition.low is not None:
                rows = rows.filter(**{f"{number}__gte": condition.low})
            if condition.high is not None:
                rows = rows.filter(**{f"{number}__lte": condition.high})
        elif condition.op == "equals" and condition.number is not None:
            rows = rows.filter(**{number: condition.number})
        elif condition.op == "equals":
            rows = rows.filter(**{text: condition.text})
        else:
            rows = rows.filter(**{f"{text}__contains": condition.text})
    if search:
        rows = rows.filter(search__contains=text_key(search))
    if sort is None:
        return rows.order_by("position")
    number, text = _number(sort.field), _text(sort.field)
    direction = "desc" if sort.descending else "asc"
    return rows.order_by(
        getattr(number, direction)(nulls_last=True),
        getattr(text, direction)(nulls_last=True),
        _binary(F("record_id")).asc(),
    )


def in_vendor_order(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The record with its fields in the order the vendor gave them (PostgreSQL's `jsonb`
    keeps keys in an order of its own)."""
    return {name: record[name] for name in fields if name in record} | record


def ordered_ids(snapshot: Snapshot, rows: QuerySet[SnapshotRecord]) -> list[int]:
    """The ids of `rows` in order, kept in the cache for the snapshot as it is now (an edit
    changes its `version`): sorting a large snapshot reads every row once, and the next
    pages of the same view then read only their own rows."""
    query = hashlib.sha256(str(rows.query).encode()).hexdigest()[:32]
    key = f"snapshots:order:{snapshot.pk}:{snapshot.version}:{query}"
    order = cache.get(key)
    if order is None:
        order = list(rows.values_list("pk", flat=True))
        cache.set(key, order, ORDER_CACHE_SECONDS)
    return order


def snapshot_page(snapshot: Snapshot, query: ListingQuery) -> Listing:
    """One numbered page of the whole collection as `query` sorts, filters and searches it."""
    rows = snapshot_rows(
        snapshot,
        sort=query.sort,
        filters=query.filters,
        search=query.search,
        choices=query.resource.choices,
    )
    order = ordered_ids(snapshot, rows)
    total = len(order)
    size = query.page_size
    page_count = max(1, -(-total // size))
    start = (query.page - 1) * size
    wanted = order[start : start + size]
    found = dict(SnapshotRecord.objects.filter(pk__in=wanted).values_list("pk", "data"))
    records = [in_vendor_order(found[pk], snapshot.fields) for pk in wanted if pk in found]
    return Listing(
        resource=snapshot.resource,
        records=records,
        page=query.page,
        page_size=size,
        total=total,
        page_count=page_count,
        has_next=query.page < page_count,
        next_token=None,
        rate_limit=RateLimitSnapshot(),
        sorted_by_vendor=query.sort is not None,
        filtered_by_vendor=frozenset(query.filters),
        searched_by_vendor=bool(query.search),
    )
