"""Vendor values as table cells and record trees, formatted by type.

Everything here is plain text in small dataclasses: templates escape it, and `Cell.html`
escapes every value it puts in its markup (`html.escape`, what Django's `escape` does); so
whatever a vendor sends (`<script>`, `"><img onerror>`) renders as text.
Dates are shown in the active time zone (`user_timezone`), with the raw value kept for a
`title`.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe

TIMEZONE_COOKIE = "tz"
TRUNCATE_AT = 80
SUMMARY_KEYS = 4
MAX_DEPTH = 6
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

CellKind = Literal["empty", "bool", "number", "datetime", "text", "long", "nested"]


@dataclass(frozen=True)
class Cell:
    """One formatted value: `text` to show, `title` for hover, `full` for long text."""

    kind: CellKind
    text: str
    title: str = ""
    full: str = ""
    iso: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind == "number"

    @property
    def html(self) -> SafeString:
        """The cell's markup (`browse/_cell.html`), built here rather than by a template:
        a large page has thousands of cells, and rendering each through the template engine
        (or `format_html`) was most of the time a table took. Every value is escaped."""
        text = escape(self.text)
        if self.kind == "datetime":
            markup = (
                f'<time datetime="{escape(self.iso)}" title="{escape(self.title)}">{text}</time>'
            )
        elif self.kind == "long":
            markup = (
                f'<details class="long"><summary><bdi>{text}</bdi></summary>'
                f'<div class="full-text"><bdi>{escape(self.full)}</bdi></div></details>'
            )
        elif self.kind == "bool":
            markup = f'<span class="flag flag-{escape(self.title)}">{text}</span>'
        elif self.kind == "empty":
            markup = f'<span class="muted" title="{escape(self.title)}">\N{EM DASH}</span>'
        elif self.kind in ("nested", "number"):
            markup = f'<span title="{escape(self.title)}"><bdi>{text}</bdi></span>'
        else:
            markup = f"<bdi>{text}</bdi>"
        return mark_safe(markup)  # noqa: S308 (every value in it is escaped)


@dataclass(frozen=True)
class Node:
    """A record value for the detail page: a scalar `cell`, an object's `items`, a list's
    `items` (keys empty), or a list of objects as a table (`columns`, `rows`)."""

    kind: Literal["scalar", "object", "list", "table"]
    cell: Cell | None = None
    items: tuple[tuple[str, Node], ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Node, ...], ...] = ()


@contextmanager
def user_timezone(request: HttpRequest) -> Iterator[str]:
    """Activate the browser's time zone (the `tz` cookie `table.js` sets) for formatting;
    the deployment's `TIME_ZONE` when it is missing or unknown. Yields its name."""
    name = request.COOKIES.get(TIMEZONE_COOKIE, "")
    try:
        zone = zoneinfo.ZoneInfo(name) if name else None
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        zone = None
    with timezone.override(zone or timezone.get_default_timezone()):
        yield timezone.get_current_timezone_name()


def plain_text(value: Any) -> str:
    """The text a value is searched and filtered by."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def as_datetime(value: str) -> datetime | None:
    """An ISO 8601 date and time (naive ones are taken as UTC); None for anything else."""
    if not _ISO_DATETIME.match(value):
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def _number(value: int | float) -> Cell:
    return Cell(kind="number", text=f"{value:,}", title=repr(value))


def _text(value: str) -> Cell:
    moment = as_datetime(value)
    if moment is not None:
        local = timezone.localtime(moment)
        zone = timezone.get_current_timezone_name()
        return Cell(
            kind="datetime",
            text=local.strftime(DATETIME_FORMAT),
            title=f"{value} (shown in {zone})",
            iso=moment.isoformat(),
        )
    if len(value) > TRUNCATE_AT or "\n" in value:
        short = " ".join(value.split())[:TRUNCATE_AT].rstrip()
        return Cell(kind="long", text=f"{short}…", full=value)
    return Cell(kind="text", text=value)


def _summary(value: dict[str, Any] | list[Any]) -> Cell:
    raw = json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, dict):
        keys = list(value)
        named = ", ".join(keys[:SUMMARY_KEYS]) + (", …" if len(keys) > SUMMARY_KEYS else "")
        noun = "field" if len(keys) == 1 else "fields"
        return Cell(kind="nested", text=f"{len(keys)} {noun}: {named}", title=raw[:500])
    if all(not isinstance(item, dict | list) for item in value):
        joined = ", ".join(plain_text(item) for item in value)
        if len(joined) <= TRUNCATE_AT:
            return Cell(kind="nested", text=joined, title=raw[:500])
    noun = "item" if len(value) == 1 else "items"
    return Cell(kind="nested", text=f"{len(value)} {noun}", title=raw[:500])


def cell(value: Any) -> Cell:
    """A table cell for any JSON value."""
    if value is None or value == "" or value == [] or value == {}:
        return Cell(kind="empty", text="—", title="empty")
    if isinstance(value, bool):
        return Cell(kind="bool", text="Yes" if value else "No", title=plain_text(value))
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, dict | list):
        return _summary(value)
    return _text(str(value))


def node(value: Any, depth: int = 0) -> Node:
    """A detail-page tree for any JSON value; deeper than `MAX_DEPTH` shows JSON text."""
    if depth >= MAX_DEPTH and isinstance(value, dict | list) and value:
        text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
        return Node(kind="scalar", cell=Cell(kind="long", text=text[:TRUNCATE_AT], full=text))
    if isinstance(value, dict) and value:
        items = tuple((str(key), node(inner, depth + 1)) for key, inner in value.items())
        return Node(kind="object", items=items)
    if isinstance(value, list) and value:
        if all(isinstance(item, dict) for item in value):
            return _table(value, depth)
        return Node(kind="list", items=tuple(("", node(item, depth + 1)) for item in value))
    return Node(kind="scalar", cell=cell(value))


def _table(records: list[dict[str, Any]], depth: int) -> Node:
    columns = tuple(dict.fromkeys(key for record in records for key in record))
    rows = tuple(
        tuple(node(record.get(column), depth + 1) for column in columns) for record in records
    )
    return Node(kind="table", columns=columns, rows=rows)


def record_id_of(record: Mapping[str, Any], id_field: str) -> str:
    """A record's id as text, the same everywhere (tables, snapshots, edits, the audit
    trail); "" when the vendor gave none (absent or null)."""
    return plain_text(record.get(id_field))
