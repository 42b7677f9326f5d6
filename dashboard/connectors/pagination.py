"""Paginators: one small class per pagination dialect, built from a `PaginationSpec`.

A paginator is stateless and shared: it names the query parameters for a page, turns a
`next_token` into the next request, and reads a page out of a decoded answer. Walking a
collection page after page is guarded by a `WalkGuard`, which stops on a repeated token
and at `max_pages`.

Tokens are strings, opaque to the caller: the 1-based page number (`page_number`), the
offset of the next record (`limit_offset`), an absolute URL (`next_link`, `link_header`)
or the vendor's cursor (`cursor`). Page numbers given to and reported by paginators are
1-based whatever the vendor counts from.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from .spec import PaginationSpec, get_path

# Totals and page counts above this are refused as implausible (it is also the largest
# whole number a JSON double holds exactly).
MAX_COUNT = 2**53
MAX_DIGITS = len(str(MAX_COUNT))


class PaginationError(Exception):
    """A page that cannot be requested or read, or a walk that does not end."""


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    total: int | None
    page_count: int | None
    has_next: bool
    next_token: str | None
    page: int | None


class WalkGuard:
    """Follows one walk through a collection: no token twice, at most `max_pages` pages."""

    def __init__(self, max_pages: int) -> None:
        self._max_pages = max_pages
        self._seen: set[str] = set()
        self.pages = 1

    def check(self, token: str) -> None:
        """Call before following `token` to fetch one more page."""
        if token in self._seen:
            raise PaginationError(
                "the vendor sent the same next page token twice; stopped to avoid a loop"
            )
        if self.pages >= self._max_pages:
            raise PaginationError(f"stopped after {self._max_pages} pages (max_pages)")
        self._seen.add(token)
        self.pages += 1


class Paginator(ABC):
    """Base: page size, envelope reading and the has-next rules shared by every dialect.

    Whether more pages follow is decided by the first rule that applies: no records, no
    more; the flag at `has_next_path`; for link and cursor dialects, whether the answer
    names a next page; the page count; the total; otherwise a full page means more.
    """

    supports_random_access: ClassVar[bool] = False

    def __init__(self, spec: PaginationSpec) -> None:
        self.spec = spec

    def page_size(self, requested: int | None) -> int:
        """The page size to ask for: the default when not given, within 1..max_size."""
        if requested is None:
            return self.spec.default_size
        return max(1, min(requested, self.spec.max_size))

    @abstractmethod
    def first_params(self, *, page: int, page_size: int) -> dict[str, str]:
        """Query parameters for 1-based page `page`."""

    @abstractmethod
    def request_for(self, token: str, *, page_size: int) -> tuple[str | None, dict[str, str]]:
        """The URL (None: the resource's own) and query parameters for a `next_token`."""

    def walk_guard(self) -> WalkGuard:
        return WalkGuard(self.spec.max_pages)

    def parse(
        self,
        body: Any,
        headers: Mapping[str, str],
        *,
        page: int | None,
        page_size: int,
        params: Mapping[str, str],
        url: str | None = None,
    ) -> Page:
        """Read one page from a decoded answer.

        `page` is the 1-based page asked for when known (else it is read from `params`, the
        query sent, where the dialect allows), and `url` the address the page came from:
        relative next links are resolved against it.
        """
        records = self._records(body)
        page, offset = self._position(page, page_size, params)
        reply = _Reply(
            body=body,
            headers=headers,
            url=url,
            page=page,
            offset=offset,
            count=len(records),
            page_size=page_size,
            total=_count(body, self.spec.total_path),
            page_count=_count(body, self.spec.page_count_path),
        )
        token = self._next_token(reply)
        has_next = token is not None and self._has_next(reply)
        page_count = reply.page_count
        if page_count is None and reply.total is not None:
            page_count = math.ceil(reply.total / page_size)
        return Page(
            records=records,
            total=reply.total,
            page_count=page_count,
            has_next=has_next,
            next_token=token if has_next else None,
            page=page,
        )

    def _position(
        self, page: int | None, page_size: int, params: Mapping[str, str]
    ) -> tuple[int | None, int | None]:
        """The 1-based page number and the offset of the page's first record, when known."""
        if page is None:
            return None, None
        return page, (page - 1) * page_size

    @abstractmethod
    def _next_token(self, reply: _Reply) -> str | None:
        """The token of the following page, if there can be one."""

    def _has_next(self, reply: _Reply) -> bool:
        """Whether a following page exists, given that a token for it could be made."""
        if reply.count == 0:
            return False
        flag = _flag(reply.body, self.spec.has_next_path)
        if flag is not None:
            return flag
        if not self.supports_random_access:
            return True  # the answer named the next page
        if reply.page_count is not None and reply.page is not None:
            return reply.page < reply.page_count
        if reply.total is not None and reply.offset is not None:
            return reply.offset + reply.count < reply.total
        return reply.count >= reply.page_size

    def _records(self, body: Any) -> list[dict[str, Any]]:
        path = self.spec.records_path
        records = get_path(body, path)
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            where = f"at '{path}'" if path else "as the whole answer"
            raise PaginationError(f"expected a list of records {where}")
        return records

    def _size_params(self, page_size: int) -> dict[str, str]:
        """The page-size parameter; none when the vendor's page size is fixed (`""`/None)."""
        if not self.spec.size_param:
            return {}
        return {self.spec.size_param: str(page_size)}


@dataclass(frozen=True)
class _Reply:
    """One answer being read, with where it sits in the collection."""

    body: Any
    headers: Mapping[str, str]
    url: str | None
    page: int | None
    offset: int | None
    count: int
    page_size: int
    total: int | None
    page_count: int | None


class PageNumberPaginator(Paginator):
    """`?page=N&page_size=M`, pages counted from `first_page` (0 or 1)."""

    supports_random_access = True

    def first_params(self, *, page: int, page_size: int) -> dict[str, str]:
        if page < 1:
            raise PaginationError(f"page numbers start at 1, not {page}")
        vendor_page = page - 1 + self.spec.first_page
        return {self.spec.page_param: str(vendor_page), **self._size_params(page_size)}

    def request_for(self, token: str, *, page_size: int) -> tuple[str | None, dict[str, str]]:
        return None, self.first_params(page=_integer(token, "page token"), page_size=page_size)

    def _position(
        self, page: int | None, page_size: int, params: Mapping[str, str]
    ) -> tuple[int | None, int | None]:
        if page is None:
            sent = params.get(self.spec.page_param)
            vendor_page = self.spec.first_page if sent is None else _integer(sent, "page")
            page = vendor_page - self.spec.first_page + 1
        return super()._position(page, page_size, params)

    def _next_token(self, reply: _Reply) -> str | None:
        return None if reply.page is None else str(reply.page + 1)


class LimitOffsetPaginator(Paginator):
    """`?limit=M&offset=K`; the token is the offset of the next record."""

    supports_random_access = True

    def first_params(self, *, page: int, page_size: int) -> dict[str, str]:
        if page < 1:
            raise PaginationError(f"page numbers start at 1, not {page}")
        return self._params(offset=(page - 1) * page_size, page_size=page_size)

    def request_for(self, token: str, *, page_size: int) -> tuple[str | None, dict[str, str]]:
        return None, self._params(offset=_integer(token, "offset token"), page_size=page_size)

    def _params(self, *, offset: int, page_size: int) -> dict[str, str]:
        return {self.spec.limit_param: str(page_size), self.spec.offset_param: str(offset)}

    def _position(
        self, page: int | None, page_size: int, params: Mapping[str, str]
    ) -> tuple[int | None, int | None]:
        sent = params.get(self.spec.offset_param)
        offset = 0 if sent is None else _integer(sent, "offset")
        if page is None and offset % page_size == 0:
            page = offset // page_size + 1
        return page, offset

    def _next_token(self, reply: _Reply) -> str | None:
        return None if reply.offset is None else str(reply.offset + reply.count)


class _SequentialPaginator(Paginator):
    """Dialects where only the vendor's answer leads to the next page."""

    def first_params(self, *, page: int, page_size: int) -> dict[str, str]:
        if page != 1:
            raise PaginationError(
                f"this API cannot jump to page {page}; pages can only be followed from the first"
            )
        return self._size_params(page_size)


class NextLinkPaginator(_SequentialPaginator):
    """The answer holds the next page's URL at `next_path` (`{"next": "https://..."}`)."""

    def request_for(self, token: str, *, page_size: int) -> tuple[str | None, dict[str, str]]:
        return token, {}

    def _next_token(self, reply: _Reply) -> str | None:
        path = self.spec.next_path
        link = get_path(reply.body, path)
        if link is None or link == "":
            return None
        if not isinstance(link, str):
            raise PaginationError(f"expected a URL at '{path}'")
        return _absolute(link, reply.url)


class LinkHeaderPaginator(_SequentialPaginator):
    """The next page's URL is in the RFC 8288 `Link` header, with `rel="next"`."""

    def request_for(self, token: str, *, page_size: int) -> tuple[str | None, dict[str, str]]:
        return token, {}

    def _next_token(self, reply: _Reply) -> str | None:
        value = next((v for k, v in reply.headers.items() if k.lower() == "link"), "")
        link = parse_link_header(value).get("next")
        return None if link is None else _absolute(link, reply.url)


class CursorPaginator(_SequentialPaginator):
    """The answer holds a cursor at `next_path`, sent back as `cursor_param`."""

    def request_for(self, token: str, *, page_size: int) -> tuple[str | None, dict[str, str]]:
        return None, {**self._size_params(page_size), self.spec.cursor_param: token}

    def _next_token(self, reply: _Reply) -> str | None:
        path = self.spec.next_path
        cursor = get_path(reply.body, path)
        if cursor is None or cursor == "":
            return None
        if isinstance(cursor, bool) or not isinstance(cursor, str | int):
            raise PaginationError(f"expected a cursor (text) at '{path}'")
        return str(cursor)


PAGINATORS: dict[str, type[Paginator]] = {
    "page_number": PageNumberPaginator,
    "limit_offset": LimitOffsetPaginator,
    "next_link": NextLinkPaginator,
    "link_header": LinkHeaderPaginator,
    "cursor": CursorPaginator,
}


def make_paginator(spec: PaginationSpec) -> Paginator:
    return PAGINATORS[spec.style](spec)


# --- reading values ---------------------------------------------------------------------------


def _integer(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise PaginationError(f"the {what} '{value}' is not a whole number") from None


def _count(body: Any, path: str | None) -> int | None:
    """A non-negative whole number at `path` (numbers in strings are accepted); None if absent."""
    value = get_path(body, path)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= MAX_DIGITS:
        value = int(value)
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and 0 <= value <= MAX_COUNT and float(value).is_integer():
        return int(value)
    raise PaginationError(f"expected a whole number at '{path}' (at most {MAX_COUNT})")


def _flag(body: Any, path: str | None) -> bool | None:
    value = get_path(body, path)
    if value is None or isinstance(value, bool):
        return value
    raise PaginationError(f"expected true or false at '{path}'")


def _absolute(link: str, url: str | None) -> str:
    """`link` as an absolute http(s) URL, resolved against the page's `url` if relative."""
    try:
        resolved = httpx.URL(link) if url is None else httpx.URL(url).join(link)
    except httpx.InvalidURL:
        raise PaginationError(f"the next link '{link}' is not a valid URL") from None
    if resolved.scheme not in ("http", "https") or not resolved.host:
        if url is None and resolved.is_relative_url:
            raise PaginationError(f"the next link '{link}' is relative and the page URL is unknown")
        raise PaginationError(f"the next link '{link}' is not an http(s) URL")
    return str(resolved)


# --- RFC 8288 Link header ---------------------------------------------------------------------

_LINK = re.compile(
    r"""\s*<(?P<target>[^>]*)>
    (?P<params>(?:\s*;\s*[^\s;,=]+(?:\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^\s;,"]*))?)*)
    \s*(?:,|$)""",
    re.VERBOSE,
)
_LINK_PARAM = re.compile(r';\s*([^\s;,=]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;,"]*))?')


def parse_link_header(value: str) -> dict[str, str]:
    """Map each relation type (lower case) of a `Link` header to its target URI.

    `<https://a/?page=2>; rel="next", <https://a/?page=9>; rel="last prev"` gives
    `{"next": ..., "last": ..., "prev": ...}`. Relation types are matched without regard to
    case, quoted or not; the first link of a relation wins, and a link's first `rel` counts
    (RFC 8288, section 3.3). A part that cannot be read is skipped.
    """
    links: dict[str, str] = {}
    position = 0
    while position < len(value):
        match = _LINK.match(value, position)
        if match is None:
            comma = value.find(",", position)
            position = len(value) if comma == -1 else comma + 1
            continue
        position = match.end()
        for relation in _relations(match["params"]):
            links.setdefault(relation, match["target"].strip())
    return links


def _relations(params: str) -> list[str]:
    for name, raw in _LINK_PARAM.findall(params):
        if name.lower() == "rel":
            text = raw[1:-1] if raw.startswith('"') else raw
            return re.sub(r"\\(.)", r"\1", text).lower().split()
    return []
