"""Which columns a table shows: the spec's defaults, or an order inferred from the records.

Inferred order: the id first, then name-like fields, then other short values, then nested
values and long text, then timestamps last. Column names from a URL or a saved preference
are checked (`clean_columns`) but need not appear on the current page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from dashboard.connectors.spec import ResourceSpec

from .formatting import TRUNCATE_AT, as_datetime

MAX_DEFAULT_COLUMNS = 8
MAX_DEFAULT_TIMESTAMPS = 2
MAX_COLUMNS = 40
COLUMN_NAME = re.compile(r"[A-Za-z0-9_$@.-]{1,64}")
ACRONYMS = frozenset({"id", "sku", "url", "uuid", "api", "ip", "vat", "ou"})
NAME_WORDS = ("name", "title", "label", "subject", "email")
TIMESTAMP_WORDS = ("created", "updated", "modified", "deleted", "timestamp")
TIMESTAMP_SUFFIXES = ("_at", "_on", "_date", "_time", "At", "On", "Date", "Time")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

RANK_ID, RANK_NAME, RANK_SHORT, RANK_BULKY, RANK_TIME = range(5)


def label(field_name: str) -> str:
    """A header for a field: `firstName` and `first_name` both give "First name"."""
    words = _CAMEL.sub(" ", field_name).replace("_", " ").replace("-", " ").lower().split()
    text = " ".join(word.upper() if word in ACRONYMS else word for word in words)
    return text[:1].upper() + text[1:] if text else field_name


def clean_columns(names: Iterable[str]) -> list[str]:
    """Valid, distinct column names in order, at most `MAX_COLUMNS`."""
    wanted = (name.strip() for name in names)
    valid = [name for name in wanted if COLUMN_NAME.fullmatch(name)]
    return list(dict.fromkeys(valid))[:MAX_COLUMNS]


def sample(records: Sequence[dict[str, Any]], field_name: str) -> Any:
    """The field's first non-empty value in `records`, if any."""
    return next((r[field_name] for r in records if r.get(field_name) is not None), None)


def _is_timestamp(field_name: str, sample: Any) -> bool:
    lowered = field_name.lower()
    if lowered in TIMESTAMP_WORDS or field_name.endswith(TIMESTAMP_SUFFIXES):
        return True
    return isinstance(sample, str) and as_datetime(sample) is not None


def _rank(field_name: str, sample: Any, id_field: str) -> int:
    if field_name == id_field:
        return RANK_ID
    if _is_timestamp(field_name, sample):
        return RANK_TIME
    if isinstance(sample, dict | list) or (isinstance(sample, str) and len(sample) > TRUNCATE_AT):
        return RANK_BULKY
    if any(word in field_name.lower() for word in NAME_WORDS):
        return RANK_NAME
    return RANK_SHORT


def ordered_fields(
    records: Sequence[dict[str, Any]], *, id_field: str, extra: Iterable[str] = ()
) -> list[str]:
    """Every field of `records` (and `extra`) in display order; stable within a rank."""
    names = dict.fromkeys([*extra, *(key for record in records for key in record)])
    return sorted(names, key=lambda name: _rank(name, sample(records, name), id_field))


def default_columns(resource: ResourceSpec, records: Sequence[dict[str, Any]]) -> list[str]:
    """The spec's `columns`, else at most `MAX_DEFAULT_COLUMNS` inferred ones ending with up
    to `MAX_DEFAULT_TIMESTAMPS` timestamps; nested values and long text only when nothing
    else is left."""
    if resource.columns:
        return list(resource.columns)
    fields = ordered_fields(records, id_field=resource.id_field)
    ranks = {name: _rank(name, sample(records, name), resource.id_field) for name in fields}
    times = [name for name in fields if ranks[name] == RANK_TIME][:MAX_DEFAULT_TIMESTAMPS]
    compact = [name for name in fields if ranks[name] < RANK_BULKY]
    chosen = compact[: MAX_DEFAULT_COLUMNS - len(times)] + times
    return chosen or fields[:MAX_DEFAULT_COLUMNS]


def available_columns(
    resource: ResourceSpec, records: Sequence[dict[str, Any]], visible: Sequence[str]
) -> list[str]:
    """The visible columns in their order, then every other known field."""
    known = ordered_fields(records, id_field=resource.id_field, extra=resource.columns)
    return list(dict.fromkeys([*visible, *known]))


Move = tuple[str, int]


def arrange(chosen: Sequence[str], move: Move | None = None) -> list[str]:
    """The ticked columns in the order given, with `move` = (column, -1 up / +1 down)."""
    ordered = clean_columns(chosen)
    if move is not None and move[0] in ordered:
        index = ordered.index(move[0])
        target = index + move[1]
        if 0 <= target < len(ordered):
            ordered[index], ordered[target] = ordered[target], ordered[index]
    return ordered


def display_name(record: dict[str, Any], id_field: str) -> str:
    """A record's name for a heading: the first short text in a field named like a name
    (`NAME_WORDS`, in that order of preference), else its id."""
    for word in NAME_WORDS:
        for name, value in record.items():
            short = isinstance(value, str) and 0 < len(value) <= TRUNCATE_AT
            if short and name != id_field and word in name.lower():
                return value
    return str(record.get(id_field, ""))
