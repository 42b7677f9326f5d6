"""Exports of a table's current view (all pages of it, with its sort, filters, search and
columns) as CSV or JSON Lines, streamed: from the table's snapshot while one serves it, else
live from the vendor within the rate budget.

CSV is safe to open in a spreadsheet: a cell starting with `=`, `+`, `-`, `@`, a tab, a
carriage return or a line feed gets a leading `'` so it is never read as a formula; nested
values are written as JSON; UTF-8 with a header row.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from dashboard.audit.models import Outcome
from dashboard.audit.services import audit_record
from dashboard.browse.columns import default_columns, label
from dashboard.browse.query import ListingQuery
from dashboard.browse.selectors import Source
from dashboard.teams.models import Team

from .selectors import in_vendor_order, snapshot_rows, table_snapshot
from .services import walking_source

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
SAMPLE_SIZE = 50
CHUNK_SIZE = 2000


class ExportRefused(Exception):
    """The view cannot be exported as asked (the message says why and what to do)."""


@dataclass
class Export:
    """What an export writes: its columns, its records (read lazily) and where they come
    from (`snapshot` or `live`)."""

    columns: list[str]
    records: Iterator[dict[str, Any]]
    origin: str
    total: int | None


def csv_cell(value: Any) -> str:
    """A value as spreadsheet-safe CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # a number stays a number: -5 is no formula
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def plan_export(
    *,
    source: Source,
    params: QueryDict,
    saved_columns: Sequence[str] | None = None,
    max_wait: float,
    live_limit: int | None = None,
) -> Export:
    """The export of the table view `params` describes; raises ExportRefused. A live export
    waits up to `max_wait` seconds for the rate budget at a time, and is refused when the
    vendor counts more than `live_limit` records."""
    state = table_snapshot(connection=source.connection, resource=source.resource.name)
    serving = state.serving
    query = ListingQuery(
        params,
        client=source.client,
        resource=source.resource,
        saved_columns=saved_columns,
        whole_collection=serving is not None,
    )
    if serving is not None:
        rows = snapshot_rows(
            serving,
            sort=query.sort,
            filters=query.filters,
            search=query.search,
            choices=query.resource.choices,
        )
        records: Iterator[dict[str, Any]] = (
            in_vendor_order(record, serving.fields)
            for record in rows.values_list("data", flat=True).iterator(chunk_size=CHUNK_SIZE)
        )
        origin, total = "snapshot", rows.count()
    else:
        if query.page_sort is not None:
            raise ExportRefused(
                f"The vendor cannot sort by {label(query.page_sort.field)}: take a snapshot "
                "to export the whole collection sorted that way, or export it unsorted."
            )
        request = query.vendor_request()
        live = walking_source(source=source, max_wait=max_wait)
        pages = live.client.iter_pages(
            live.resource.name,
            sort=request.sort,
            filters=dict(request.filters) or None,
            search=request.search,
        )
        first = next(pages)
        if live_limit is not None and (first.total or 0) > live_limit:
            raise ExportRefused(
                f"The vendor counts {first.total:,} records, more than a live export streams "
                f"({live_limit:,}): take a snapshot and export it, or use manage.py export."
            )
        rest = (record for listing in pages for record in query.refine(listing.records))
        records = itertools.chain(query.refine(first.records), rest)
        refined = bool(query.page_filters()) or (bool(query.search) and not query.vendor_searches)
        origin, total = "live", None if refined else first.total
    sample = list(itertools.islice(records, SAMPLE_SIZE))
    columns = query.chosen_columns or default_columns(query.resource, sample)
    return Export(
        columns=columns, records=itertools.chain(sample, records), origin=origin, total=total
    )


def audit_export(
    export: Export, *, fmt: str, actor: Any, team: Team, source: Source, target: str
) -> Callable[[int, bool], None]:
    """The `finished` callback of `stream` that writes the export's audit entry."""

    def finished(count: int, complete: bool) -> None:
        audit_record(
            actor=actor,
            team=team,
            action="records.export",
            target=target,
            outcome=Outcome.OK if complete else Outcome.FAILED,
            connection=source.connection,
            resource=source.resource.name,
            details={
                "format": fmt,
                "origin": export.origin,
                "records": count,
                "columns": export.columns,
                "complete": complete,
            },
        )

    return finished


class _Line:
    """A file-like object for `csv.writer` that hands back what is written."""

    def write(self, value: str) -> str:
        return value


def stream(export: Export, fmt: str, *, finished: Callable[[int, bool], None]) -> Iterator[str]:
    """The export's text, piece by piece; `finished(records, complete)` runs at the end,
    however it ends (an interrupted download, a vendor error)."""
    count = 0
    complete = False
    try:
        if fmt == "csv":
            writer = csv.writer(_Line())
            yield writer.writerow([csv_cell(name) for name in export.columns])
            for record in export.records:
                yield writer.writerow([csv_cell(record.get(name)) for name in export.columns])
                count += 1
        else:
            for record in export.records:
                row = {name: record.get(name) for name in export.columns}
                yield json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
                count += 1
        complete = True
    finally:
        finished(count, complete)
