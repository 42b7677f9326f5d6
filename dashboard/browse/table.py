"""The table a template renders: headers with sort links, formatted rows, filter chips,
honesty notes, pagination and the column and filter choices, all computed here so that
templates only lay them out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from dashboard.connectors.client import Listing

from .columns import available_columns, default_columns, label, sample
from .formatting import Cell, cell, record_id_of
from .query import ListingQuery

PAGE_WINDOW = 2
EN_DASH = "\N{EN DASH}"
BOOLEAN_CHOICES = ("true", "false")


@dataclass(frozen=True)
class Header:
    field: str
    label: str
    sort_url: str
    sort_hint: str
    aria_sort: str


@dataclass(frozen=True)
class Row:
    record_id: str
    url: str | None
    cells: tuple[Cell, ...]
    actions: bool = False  # the table has an actions column
    edit_url: str | None = None

    @property
    def html(self) -> SafeString:
        """The row's `<tr>`, the first cell linking to the record. Built here, like
        `Cell.html`, because a template loop over every cell was most of the time a large
        page took to render. Every value is escaped."""
        cells = []
        for index, item in enumerate(self.cells):
            inner = item.html
            if index == 0 and self.url:
                inner = (
                    f'<a href="{escape(self.url)}" title="Open {escape(self.record_id)}">'
                    f"<bdi>{escape(item.text)}</bdi></a>"
                )
            cells.append(f'<td class="cell-{escape(item.kind)}">{inner}</td>')
        if self.actions:
            edit = (
                f'<a href="{escape(self.edit_url)}" aria-label="Edit {escape(self.record_id)}">'
                "Edit</a>"
                if self.edit_url
                else ""
            )
            cells.append(f'<td class="row-actions">{edit}</td>')
        return mark_safe(f"<tr>{''.join(cells)}</tr>")  # noqa: S308 (values escaped)


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str
    scope: str


@dataclass(frozen=True)
class PageLink:
    number: int | None
    url: str = ""
    current: bool = False


@dataclass(frozen=True)
class Pagination:
    summary: str
    page: int
    page_count: int | None
    previous_url: str | None
    next_url: str | None
    pages: tuple[PageLink, ...]
    can_jump: bool


@dataclass(frozen=True)
class FilterField:
    name: str
    label: str
    value: str
    choices: tuple[str, ...]
    by_vendor: bool


@dataclass(frozen=True)
class ColumnChoice:
    name: str
    label: str
    visible: bool
    first: bool
    last: bool


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[Header, ...]
    rows: tuple[Row, ...]
    fetched: int
    chips: tuple[Chip, ...]
    clear_url: str
    notes: tuple[str, ...]
    pagination: Pagination
    filters: tuple[FilterField, ...]
    columns: tuple[ColumnChoice, ...]
    size_choices: tuple[int, ...]
    page_size: int
    actions: bool = False

    @property
    def matched_note(self) -> str:
        """How many fetched rows survived the filters applied on this page."""
        if len(self.rows) == self.fetched:
            return ""
        return f"{len(self.rows)} of {self.fetched} rows on this page match"

    @property
    def summary(self) -> str:
        """One line for screen readers after each update."""
        sorted_by = next((h for h in self.headers if h.aria_sort), None)
        order = f", sorted by {sorted_by.label} {sorted_by.aria_sort}" if sorted_by else ""
        shown = f"{len(self.rows)} rows shown" if self.rows else "No rows shown"
        return f"{self.caption}: {shown}, {self.pagination.summary}{order}."


def _header(query: ListingQuery, name: str) -> Header:
    text = label(name)
    current = query.sort if query.sort and query.sort.field == name else None
    if current is None:
        hint, aria = f"Sort by {text} ascending", ""
    elif not current.descending:
        hint, aria = f"Sort by {text} descending", "ascending"
    else:
        hint, aria = f"Stop sorting by {text}", "descending"
    return Header(
        field=name, label=text, sort_url=query.sort_url(name), sort_hint=hint, aria_sort=aria
    )


def _row(
    record: dict[str, Any],
    columns: list[str],
    id_field: str,
    record_url: Callable[[str], str | None],
    edit_url: Callable[[str], str | None] | None,
) -> Row:
    record_id = record_id_of(record, id_field)
    return Row(
        record_id=record_id,
        url=record_url(record_id) if record_id else None,
        cells=tuple(cell(record.get(name)) for name in columns),
        actions=edit_url is not None,
        edit_url=edit_url(record_id) if edit_url and record_id else None,
    )


def _chips(query: ListingQuery) -> tuple[Chip, ...]:
    chips = []
    if query.search:
        scope = "vendor" if query.vendor_searches else "this page"
        chips.append(Chip(f"Search: {query.search}", query.without_search_url(), scope))
    vendor = query.vendor_filters()
    for name, value in query.filters.items():
        by_vendor = name in vendor
        text = f"{label(name)} = {value}" if by_vendor else f"{label(name)}: {value}"
        chips.append(
            Chip(text, query.without_filter_url(name), "vendor" if by_vendor else "this page")
        )
    return tuple(chips)


def _notes(query: ListingQuery) -> tuple[str, ...]:
    notes = []
    sort = query.page_sort
    if sort is not None:
        reason = (
            "this vendor cannot sort"
            if query.client.spec.sort is None
            else f"the vendor cannot sort by {label(sort.field)}"
        )
        notes.append(f"Sorted within this page — {reason}.")
    page_filters = query.page_filters()
    if page_filters:
        names = ", ".join(label(name) for name in page_filters)
        notes.append(
            f"Filtered within this page — the vendor cannot filter by {names}; "
            "other pages may hold more matches."
        )
    if query.search and not query.vendor_searches:
        notes.append(
            "Searched within this page — this vendor has no search; "
            "other pages may hold more matches."
        )
    return tuple(notes)


def page_links(current: int, page_count: int, url: Callable[[int], str]) -> tuple[PageLink, ...]:
    """The first and last pages and those around `current`, with a gap (`number` None)
    wherever numbers are skipped."""
    wanted = {1, page_count, *range(current - PAGE_WINDOW, current + PAGE_WINDOW + 1)}
    numbers = sorted(number for number in wanted if 1 <= number <= page_count)
    links: list[PageLink] = []
    for number in numbers:
        if links and links[-1].number is not None and number - links[-1].number > 1:
            links.append(PageLink(number=None))
        links.append(PageLink(number, url(number), number == current))
    return tuple(links)


def _range(query: ListingQuery, listing: Listing) -> str:
    """`1-25 of 120` (with an en dash) where pages are numbered; walk-only vendors decide their own page
    lengths, so only the page and its count are certain there."""
    count = len(listing.records)
    total = f" of {listing.total:,}" if listing.total is not None else ""
    if count == 0:
        return f"no records on this page{total}"
    if not query.random_access:
        noun = "record" if count == 1 else "records"
        return f"page {query.page}: {count:,} {noun}{total}"
    offset = (query.page - 1) * query.page_size
    return f"{offset + 1:,}{EN_DASH}{offset + count:,}{total}"


def _pagination(query: ListingQuery, listing: Listing) -> Pagination:
    page_count = listing.page_count if query.random_access else None
    has_next = listing.has_next if page_count is None else query.page < page_count
    return Pagination(
        summary=_range(query, listing),
        page=query.page,
        page_count=page_count,
        previous_url=query.previous_url(),
        next_url=query.next_url(listing.next_token) if has_next else None,
        pages=page_links(query.page, page_count, query.page_url)
        if page_count and page_count > 1
        else (),
        can_jump=query.random_access,
    )


def _choices(query: ListingQuery, name: str, records: list[dict[str, Any]]) -> tuple[str, ...]:
    """The spec's choices for a field; true/false for a field holding booleans."""
    if name in query.resource.choices:
        return tuple(query.resource.choices[name])
    return BOOLEAN_CHOICES if isinstance(sample(records, name), bool) else ()


def _filters(
    query: ListingQuery, visible: list[str], records: list[dict[str, Any]]
) -> tuple[FilterField, ...]:
    """The vendor's filterable fields first, then the visible columns (filtered on the page),
    then any other field filtered through the URL."""
    names = dict.fromkeys([*query.resource.filterable, *visible, *query.filters])
    return tuple(
        FilterField(
            name=name,
            label=label(name),
            value=query.filters.get(name, ""),
            choices=_choices(query, name, records),
            by_vendor=query.source_filters(name),
        )
        for name in names
    )


def _column_choices(names: list[str], visible: list[str]) -> tuple[ColumnChoice, ...]:
    return tuple(
        ColumnChoice(
            name=name,
            label=label(name),
            visible=name in visible,
            first=name == visible[0] if visible else False,
            last=name == visible[-1] if visible else False,
        )
        for name in names
    )


def build_table(
    *,
    query: ListingQuery,
    listing: Listing,
    caption: str,
    record_url: Callable[[str], str | None],
    edit_url: Callable[[str], str | None] | None = None,
) -> Table:
    """Everything the table template shows for one fetched page; with `edit_url`, an
    actions column with an Edit link per row."""
    resource = query.resource
    columns = query.chosen_columns or default_columns(resource, listing.records)
    rows = query.refine(listing.records)
    return Table(
        caption=caption,
        headers=tuple(_header(query, name) for name in columns),
        rows=tuple(
            _row(record, columns, resource.id_field, record_url, edit_url) for record in rows
        ),
        actions=edit_url is not None,
        fetched=len(listing.records),
        chips=_chips(query),
        clear_url=query.clear_url(),
        notes=_notes(query),
        pagination=_pagination(query, listing),
        filters=_filters(query, columns, listing.records),
        columns=_column_choices(available_columns(resource, listing.records, columns), columns),
        size_choices=tuple(query.size_choices()),
        page_size=query.page_size,
    )
