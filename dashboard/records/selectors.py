"""Reads for record forms: a record with its version marker, and an example record that
types the fields of a new one. Both go through browse's reads (record health, page cache)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from dashboard.browse.query import ListingQuery
from dashboard.browse.selectors import Source, page_for, record_for

from .versions import version_marker


@dataclass(frozen=True)
class RecordState:
    """A record as the vendor has it now, and the marker of that state."""

    record: dict[str, Any]
    version: str


def record_state(*, source: Source, record_id: str) -> RecordState:
    """Fetch one record (raises VendorError) and mark its version: the ETag the vendor sent
    with it, else the spec's version field, else a hash."""
    record = record_for(source=source, record_id=record_id)
    answer = source.client.last_answer
    etag = answer.etag if answer is not None else None
    return RecordState(record=record, version=version_marker(source.resource, record, etag))


def example_record(*, source: Source) -> dict[str, Any] | None:
    """The first record of the table's first page (usually cached), or None when the
    resource cannot be listed, is empty, or the vendor fails."""
    if not source.resource.allows("list"):
        return None
    query = ListingQuery(
        QueryDict(), client=source.client, resource=source.resource, saved_columns=None
    )
    result = page_for(source=source, request=query.vendor_request())
    if result.listing is None or not result.listing.records:
        return None
    return result.listing.records[0]
