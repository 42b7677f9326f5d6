"""`ListingQuery`: a table's whole state, read once from the query string.

Like the admin's `ChangeList`, it reads the request once (page, page size, sort, filters,
search, the cursor trail of walk-only paginators, columns), decides what the vendor does
and what is done on the fetched page (the vendor sorts, filters and searches when its spec
says it can; otherwise the rows of the page are), and owns `get_query_string` so that every
link and form carries the complete state: the URL is the state.

Parameters: `q` search, `f.<field>` filters, `sort` (`field` or `-field`), `size`, `page`,
`cursor` + `trail` (walk-only paginators: the token of this page and of the pages before
it), `cols` (comma-separated columns), `refresh=1` (bypass the cache; never kept in links).

With `whole_collection` (a fresh snapshot serves the table) the source does everything: it
sorts, filters and searches the whole collection, and pages are numbered.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict

from dashboard.connectors.client import VendorClient
from dashboard.connectors.spec import ResourceSpec

from .columns import COLUMN_NAME, clean_columns
from .formatting import plain_text

SEARCH_VAR = "q"
FILTER_PREFIX = "f."
SORT_VAR = "sort"
SIZE_VAR = "size"
PAGE_VAR = "page"
CURSOR_VAR = "cursor"
TRAIL_VAR = "trail"
COLUMNS_VAR = "cols"
REFRESH_VAR = "refresh"
POSITION_VARS = (PAGE_VAR, CURSOR_VAR, TRAIL_VAR)

MAX_TEXT = 200
MAX_TOKEN = 2000
MAX_PAGE = 1_000_000
MAX_TRAIL = 50
SIZE_CHOICES = (10, 25, 50, 100, 200, 500)

Changes = str | Sequence[str] | None


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool = False

    @property
    def param(self) -> str:
        return f"-{self.field}" if self.descending else self.field

    @property
    def direction(self) -> str:
        return "descending" if self.descending else "ascending"

    @classmethod
    def parse(cls, text: str) -> Sort | None:
        name = text.strip().removeprefix("-")
        if not COLUMN_NAME.fullmatch(name):
            return None
        return cls(field=name, descending=text.strip().startswith("-"))


@dataclass(frozen=True)
class VendorRequest:
    """Exactly what is asked of the vendor: the arguments of `VendorClient.list_page`."""

    page: int
    page_size: int
    cursor: str | None
    sort: str | None
    filters: tuple[tuple[str, str], ...]
    search: str | None

    def kwargs(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "page_size": self.page_size,
            "cursor": self.cursor,
            "sort": self.sort,
            "filters": dict(self.filters) or None,
            "search": self.search,
        }

    def token(self) -> str:
        """A stable text for cache keys."""
        return json.dumps(self.kwargs(), sort_keys=True)


def _text(params: QueryDict, name: str, limit: int = MAX_TEXT) -> str:
    return " ".join(params.get(name, "").split())[:limit]


def _number(params: QueryDict, name: str) -> int | None:
    value = params.get(name, "").strip()
    return min(int(value), MAX_PAGE) if value.isascii() and value.isdigit() else None


class ListingQuery:
    """The state of one resource table, and every URL that changes it."""

    def __init__(
        self,
        params: QueryDict,
        *,
        client: VendorClient,
        resource: ResourceSpec,
        saved_columns: Sequence[str] | None = None,
        whole_collection: bool = False,
    ) -> None:
        self.client = client
        self.resource = resource
        self.whole_collection = whole_collection
        self.pagination = client.spec.pagination
        self.random_access = whole_collection or client.paginator.supports_random_access
        self.search = _text(params, SEARCH_VAR)
        self.filters = self._read_filters(params)
        self.sort = Sort.parse(params.get(SORT_VAR, ""))
        self.page_size = self._read_page_size(params)
        self.cursor, self.trail = self._read_cursor(params)
        self.page = self._read_page(params)
        self.url_columns = clean_columns(
            name for value in params.getlist(COLUMNS_VAR) for name in value.split(",")
        )
        self.chosen_columns = self.url_columns or clean_columns(saved_columns or ())
        self.refresh = params.get(REFRESH_VAR) == "1"

    # --- reading ----------------------------------------------------------------------

    @staticmethod
    def _read_filters(params: QueryDict) -> dict[str, str]:
        filters = {}
        for key in sorted(params):
            name = key.removeprefix(FILTER_PREFIX)
            value = _text(params, key)
            if key.startswith(FILTER_PREFIX) and COLUMN_NAME.fullmatch(name) and value:
                filters[name] = value
        return filters

    @property
    def page_size_adjustable(self) -> bool:
        """Whether the source takes a page size (`limit_offset` always does)."""
        if self.whole_collection:
            return True
        return self.pagination.style == "limit_offset" or bool(self.pagination.size_param)

    @property
    def max_page_size(self) -> int:
        return max(SIZE_CHOICES) if self.whole_collection else self.pagination.max_size

    def _read_page_size(self, params: QueryDict) -> int:
        requested = _number(params, SIZE_VAR) if self.page_size_adjustable else None
        if self.whole_collection:
            return min(requested or self.pagination.default_size, self.max_page_size)
        return self.client.paginator.page_size(requested or None)

    def _read_cursor(self, params: QueryDict) -> tuple[str | None, list[str]]:
        if self.random_access:
            return None, []
        cursor = params.get(CURSOR_VAR, "")[:MAX_TOKEN] or None
        trail = [token[:MAX_TOKEN] for token in params.getlist(TRAIL_VAR) if token]
        return cursor, (trail[-MAX_TRAIL:] if cursor else [])

    def _read_page(self, params: QueryDict) -> int:
        if not self.random_access and self.cursor is None:
            return 1
        return max(1, _number(params, PAGE_VAR) or 1)

    # --- who does what ------------------------------------------------------------------

    @property
    def vendor_sort(self) -> Sort | None:
        """The sort the source does (the vendor, or a snapshot)."""
        if self.sort and self.whole_collection:
            return self.sort
        if self.sort and self.client.can_sort(self.resource, self.sort.field):
            return self.sort
        return None

    @property
    def page_sort(self) -> Sort | None:
        return self.sort if self.sort and self.vendor_sort is None else None

    def source_filters(self, name: str) -> bool:
        """Whether the source (the vendor, or a snapshot) filters by this field."""
        return self.whole_collection or name in self.resource.filterable

    def vendor_filters(self) -> dict[str, str]:
        return {k: v for k, v in self.filters.items() if self.source_filters(k)}

    def page_filters(self) -> dict[str, str]:
        return {k: v for k, v in self.filters.items() if not self.source_filters(k)}

    @property
    def vendor_searches(self) -> bool:
        """Whether the source (the vendor, or a snapshot) searches."""
        if self.whole_collection:
            return True
        return bool(self.client.spec.search_param and self.resource.searchable)

    def vendor_request(self) -> VendorRequest:
        return VendorRequest(
            page=self.page if self.random_access else 1,
            page_size=self.page_size,
            cursor=self.cursor,
            sort=self.vendor_sort.param if self.vendor_sort else None,
            filters=tuple(sorted(self.vendor_filters().items())),
            search=(self.search or None) if self.vendor_searches else None,
        )

    # --- what is done on the fetched page -----------------------------------------------

    def refine(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The fetched rows after the filters, search and sort the vendor could not do."""
        rows = [record for record in records if self._matches(record)]
        sort = self.page_sort
        if sort is None:
            return rows
        present = [row for row in rows if row.get(sort.field) is not None]
        missing = [row for row in rows if row.get(sort.field) is None]
        id_field = self.resource.id_field
        present.sort(
            key=lambda row: (_sort_key(row[sort.field]), plain_text(row.get(id_field))),
            reverse=sort.descending,
        )
        return present + missing

    def _matches(self, record: dict[str, Any]) -> bool:
        for name, wanted in self.page_filters().items():
            if not self._filter_matches(name, record.get(name), wanted):
                return False
        if self.search and not self.vendor_searches:
            needle = self.search.casefold()
            return any(needle in plain_text(value).casefold() for value in record.values())
        return True

    def _filter_matches(self, name: str, value: Any, wanted: str) -> bool:
        """On the page: text contains the wanted words; choices, booleans and numbers must
        equal them (without regard to case)."""
        text = plain_text(value).casefold()
        exact = name in self.resource.choices or not isinstance(value, str)
        return text == wanted.casefold() if exact else wanted.casefold() in text

    # --- the URL ------------------------------------------------------------------------

    def params(self) -> dict[str, str | list[str]]:
        """The current state as canonical query parameters (defaults left out)."""
        state: dict[str, str | list[str]] = {}
        if self.search:
            state[SEARCH_VAR] = self.search
        for name, value in self.filters.items():
            state[FILTER_PREFIX + name] = value
        if self.sort:
            state[SORT_VAR] = self.sort.param
        if self.page_size != self.pagination.default_size:
            state[SIZE_VAR] = str(self.page_size)
        if self.page > 1:
            state[PAGE_VAR] = str(self.page)
        if self.cursor:
            state[CURSOR_VAR] = self.cursor
            state[TRAIL_VAR] = list(self.trail)
        if self.chosen_columns:
            state[COLUMNS_VAR] = ",".join(self.chosen_columns)
        return state

    def get_query_string(self, **changes: Changes) -> str:
        """`?…` for the current state with `changes` applied (None removes a parameter);
        "" when nothing is left.

        Filters are `f.<field>` keys: `get_query_string(**{"f.status": None})`.
        """
        state = self.params()
        for key, value in changes.items():
            if value is None or value == [] or value == "":
                state.pop(key, None)
            else:
                state[key] = value if isinstance(value, str) else list(value)
        return "?" + urlencode(state, doseq=True) if state else ""

    def restart(self, **changes: Changes) -> str:
        """The query string for a changed selection: back to the first page."""
        return self.get_query_string(**dict.fromkeys(POSITION_VARS), **changes)

    def state_fields(self, *omit: str) -> list[tuple[str, str]]:
        """Hidden form fields carrying the state, without the parameters named in `omit`
        (`f.` omits every filter) and always without the position."""
        fields = []
        for key, value in self.params().items():
            skipped = key in omit or (FILTER_PREFIX in omit and key.startswith(FILTER_PREFIX))
            if skipped or key in POSITION_VARS:
                continue
            fields.extend((key, item) for item in ([value] if isinstance(value, str) else value))
        return fields

    # --- links --------------------------------------------------------------------------

    def sort_url(self, field_name: str) -> str:
        """Ascending, then descending, then unsorted."""
        current = self.sort if self.sort and self.sort.field == field_name else None
        if current is None:
            following: str | None = field_name
        elif not current.descending:
            following = f"-{field_name}"
        else:
            following = None
        return self.restart(**{SORT_VAR: following})

    def page_url(self, number: int) -> str:
        return self.get_query_string(**{PAGE_VAR: str(number) if number > 1 else None})

    def next_url(self, next_token: str | None) -> str | None:
        """The following page: a page number, or for walk-only paginators its token."""
        if self.random_access:
            return self.page_url(self.page + 1)
        if not next_token:
            return None
        trail = [*self.trail, self.cursor] if self.cursor else []
        return self.get_query_string(
            **{PAGE_VAR: str(self.page + 1), CURSOR_VAR: next_token, TRAIL_VAR: trail}
        )

    def previous_url(self) -> str | None:
        if self.page <= 1:
            return None
        if self.random_access:
            return self.page_url(self.page - 1)
        if not self.trail:
            return self.get_query_string(**dict.fromkeys(POSITION_VARS))
        return self.get_query_string(
            **{
                PAGE_VAR: str(self.page - 1),
                CURSOR_VAR: self.trail[-1],
                TRAIL_VAR: self.trail[:-1],
            }
        )

    def first_url(self) -> str:
        return self.get_query_string(**dict.fromkeys(POSITION_VARS))

    def without_filter_url(self, name: str) -> str:
        return self.restart(**{FILTER_PREFIX + name: None})

    def without_search_url(self) -> str:
        return self.restart(**{SEARCH_VAR: None})

    def clear_url(self) -> str:
        filters = {FILTER_PREFIX + name: None for name in self.filters}
        return self.restart(**{SEARCH_VAR: None}, **filters)

    def size_choices(self) -> list[int]:
        """Page sizes offered, none beyond the vendor's maximum; empty when fixed."""
        if not self.page_size_adjustable:
            return []
        limit = self.max_page_size
        sizes = {size for size in SIZE_CHOICES if size <= limit}
        return sorted(sizes | {self.pagination.default_size, limit, self.page_size})


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers before text before anything else; text without regard to case."""
    if isinstance(value, int | float):
        return (0, float(value))
    if isinstance(value, str):
        return (1, value.casefold())
    return (2, plain_text(value))
