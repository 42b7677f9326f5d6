"""Paginators on answers shaped like the seed vendors' documentation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dashboard.connectors.pagination import (
    CursorPaginator,
    LimitOffsetPaginator,
    LinkHeaderPaginator,
    NextLinkPaginator,
    Page,
    PageNumberPaginator,
    PaginationError,
    Paginator,
    make_paginator,
    parse_link_header,
)
from dashboard.connectors.spec import PaginationSpec

URL = "https://api.example.com/api/contacts/"


def paginator(style: str, **options: Any) -> Paginator:
    return make_paginator(PaginationSpec(style=style, **options))


def records(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"id": str(i)} for i in range(start, start + count)]


def parse(p: Paginator, body: Any, *, headers: Any = None, **kwargs: Any) -> Page:
    kwargs.setdefault("page", 1)
    kwargs.setdefault("page_size", 25)
    kwargs.setdefault("params", {})
    return p.parse(body, headers or {}, url=URL, **kwargs)


# --- the factory and page sizes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "options", "cls", "random_access"),
    [
        ("page_number", {}, PageNumberPaginator, True),
        ("limit_offset", {}, LimitOffsetPaginator, True),
        ("next_link", {"next_path": "next"}, NextLinkPaginator, False),
        ("link_header", {}, LinkHeaderPaginator, False),
        ("cursor", {"next_path": "next_cursor"}, CursorPaginator, False),
    ],
)
def test_make_paginator_picks_the_dialect(style, options, cls, random_access):
    made = paginator(style, **options)
    assert type(made) is cls
    assert made.supports_random_access is random_access


@pytest.mark.parametrize(("requested", "size"), [(None, 25), (10, 10), (0, 1), (-3, 1), (999, 100)])
def test_page_size_defaults_and_clamps(requested, size):
    assert paginator("page_number").page_size(requested) == size


# --- first_params and request_for -----------------------------------------------------------


def test_page_number_params_one_based():
    p = paginator("page_number", size_param="pageSize")
    assert p.first_params(page=1, page_size=10) == {"page": "1", "pageSize": "10"}
    assert p.first_params(page=3, page_size=10) == {"page": "3", "pageSize": "10"}
    assert p.request_for("4", page_size=10) == (None, {"page": "4", "pageSize": "10"})


def test_page_number_params_zero_based_without_size_param():
    p = paginator("page_number", first_page=0, size_param=None, page_param="p")
    assert p.first_params(page=1, page_size=10) == {"p": "0"}
    assert p.request_for("3", page_size=10) == (None, {"p": "2"})


@pytest.mark.parametrize("style", ["page_number", "cursor"])
def test_an_empty_size_param_means_a_fixed_page_size(style):
    p = paginator(style, size_param="", next_path="next")
    assert "" not in p.first_params(page=1, page_size=50)


def test_page_numbers_start_at_one():
    with pytest.raises(PaginationError, match="start at 1"):
        paginator("page_number").first_params(page=0, page_size=10)
    with pytest.raises(PaginationError, match="start at 1"):
        paginator("limit_offset").first_params(page=0, page_size=10)


def test_limit_offset_params():
    p = paginator("limit_offset")
    assert p.first_params(page=1, page_size=20) == {"limit": "20", "offset": "0"}
    assert p.first_params(page=3, page_size=20) == {"limit": "20", "offset": "40"}
    assert p.request_for("55", page_size=20) == (None, {"limit": "20", "offset": "55"})


@pytest.mark.parametrize(
    ("style", "options"),
    [("next_link", {"next_path": "next"}), ("link_header", {}), ("cursor", {"next_path": "c"})],
)
def test_sequential_dialects_only_start_at_page_one(style, options):
    p = paginator(style, **options)
    assert p.first_params(page=1, page_size=50) == {"page_size": "50"}
    with pytest.raises(PaginationError, match="cannot jump to page 2"):
        p.first_params(page=2, page_size=50)


def test_link_tokens_are_requested_as_given():
    assert paginator("next_link", next_path="next").request_for(URL + "?page=2", page_size=5) == (
        URL + "?page=2",
        {},
    )
    assert paginator("link_header").request_for(URL + "?page=2", page_size=5) == (
        URL + "?page=2",
        {},
    )


def test_cursor_request():
    p = paginator("cursor", next_path="meta.next", cursor_param="after", size_param="limit")
    assert p.request_for("abc", page_size=30) == (None, {"limit": "30", "after": "abc"})


def test_bad_tokens_are_refused():
    with pytest.raises(PaginationError, match="page token 'x' is not a whole number"):
        paginator("page_number").request_for("x", page_size=10)
    with pytest.raises(PaginationError, match="offset token"):
        paginator("limit_offset").request_for("1.5", page_size=10)


# --- seed 000: ParsaLink, DRF count/next/previous/results -----------------------------------


def drf(count: int, next_url: str | None, results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": count, "next": next_url, "previous": None, "results": results}


def test_drf_next_link():
    p = paginator("next_link", next_path="next", total_path="count", size_param="page_size")
    body = drf(142, "https://api.parsalink.io/api/contacts/?page=2", records(25))

    page = parse(p, body)

    assert page.records == records(25)
    assert page.total == 142
    assert page.page_count == 6
    assert page.has_next is True
    assert page.next_token == "https://api.parsalink.io/api/contacts/?page=2"
    assert page.page == 1


def test_drf_last_page():
    p = paginator("next_link", next_path="next", total_path="count")
    page = parse(p, drf(142, None, records(17)), page=None)
    assert (page.has_next, page.next_token, page.page) == (False, None, None)


def test_relative_next_link_is_resolved_against_the_page_url():
    p = paginator("next_link", next_path="next")
    page = parse(p, drf(60, "?page=3", records(25)))
    assert page.next_token == URL + "?page=3"
    page = parse(p, drf(60, "/api/contacts/?page=3", records(25)))
    assert page.next_token == URL + "?page=3"


def test_relative_next_link_needs_the_page_url():
    p = paginator("next_link", next_path="next")
    with pytest.raises(PaginationError, match="relative and the page URL is unknown"):
        p.parse(drf(60, "/api/contacts/?page=3", records(25)), {}, page=1, page_size=25, params={})


def test_next_link_must_be_http():
    p = paginator("next_link", next_path="next")
    with pytest.raises(PaginationError, match="not an http"):
        parse(p, drf(60, "ftp://files.example.com/contacts", records(25)))


def test_drf_on_page_numbers():
    p = paginator("page_number", total_path="count")
    assert parse(p, drf(142, "ignored", records(25)), page=5).has_next is True
    last = parse(p, drf(142, None, records(17)), page=6)
    assert (last.has_next, last.page_count, last.next_token) == (False, 6, None)


# --- seed 001: Parallax count/total/page/total_pages/page_size/results ----------------------


def parallax(page: int, total: int = 151, size: int = 10) -> dict[str, Any]:
    total_pages = -(-total // size)
    count = size if page < total_pages else total - size * (total_pages - 1)
    return {
        "count": count,
        "total": total,
        "page": page,
        "total_pages": total_pages,
        "page_size": size,
        "results": records(count, start=(page - 1) * size),
    }


def test_parallax_page_numbers():
    p = paginator(
        "page_number",
        size_param="pageSize",
        default_size=500,
        max_size=500,
        records_path="results",
        total_path="total",
        page_count_path="total_pages",
    )
    assert p.first_params(page=2, page_size=10) == {"page": "2", "pageSize": "10"}

    middle = parse(p, parallax(2), page=2, page_size=10)
    assert (middle.total, middle.page_count, middle.page) == (151, 16, 2)
    assert (middle.has_next, middle.next_token) == (True, "3")

    last = parse(p, parallax(16), page=16, page_size=10)
    assert len(last.records) == 1
    assert (last.has_next, last.next_token) == (False, None)


# --- seed 002: data + pagination.page_count -------------------------------------------------


def test_data_with_pagination_page_count():
    p = paginator(
        "page_number", size_param=None, records_path="data", page_count_path="pagination.page_count"
    )
    body = {"data": records(25), "pagination": {"page_count": 3}}

    first = parse(p, body, page=None, params={"page": "1"})
    assert (first.page, first.page_count, first.total, first.has_next) == (1, 3, None, True)
    assert p.request_for(first.next_token or "", page_size=25) == (None, {"page": "2"})

    last = parse(p, body, page=None, params={"page": "3"})
    assert (last.page, last.has_next) == (3, False)


# --- seed 003: Linkit data/count/total_count/page/limit/has_next/meta -----------------------


def linkit(has_next: bool, count: int) -> dict[str, Any]:
    return {
        "data": records(count),
        "count": count,
        "total_count": 1234,
        "page": 1,
        "limit": 25,
        "has_next": has_next,
        "meta": {},
    }


def test_linkit_has_next_flag_wins():
    p = paginator(
        "page_number",
        size_param="limit",
        records_path="data",
        total_path="total_count",
        has_next_path="has_next",
    )
    assert p.first_params(page=2, page_size=100) == {"page": "2", "limit": "100"}
    # The flag is believed over the total and over a short page.
    assert parse(p, linkit(True, 10)).has_next is True
    stopped = parse(p, linkit(False, 25))
    assert (stopped.has_next, stopped.next_token, stopped.total) == (False, None, 1234)


# --- seed 004: data/total/page/limit --------------------------------------------------------


def test_seed_004_total_decides():
    p = paginator("page_number", size_param="limit", records_path="data", total_path="total")
    body = {"data": records(25), "total": 150, "page": 5, "limit": 25}

    page5 = parse(p, body, page=5)
    assert (page5.has_next, page5.next_token, page5.page_count) == (True, "6", 6)

    page6 = parse(p, {**body, "page": 6}, page=6)
    assert (page6.has_next, page6.next_token) == (False, None)


# --- 0-based page numbers -------------------------------------------------------------------


def test_zero_based_page_numbers_round_trip():
    p = paginator("page_number", first_page=0, records_path="data", page_count_path="pages")
    params = p.first_params(page=1, page_size=2)
    assert params["page"] == "0"

    first = parse(p, {"data": records(2), "pages": 2}, page=None, page_size=2, params=params)
    assert (first.page, first.has_next, first.next_token) == (1, True, "2")

    _, params = p.request_for(first.next_token or "", page_size=2)
    assert params["page"] == "1"
    second = parse(p, {"data": records(2), "pages": 2}, page=None, page_size=2, params=params)
    assert (second.page, second.has_next) == (2, False)


# --- limit/offset ---------------------------------------------------------------------------


def test_limit_offset_uses_the_offset_sent():
    p = paginator("limit_offset", total_path="count")
    params = {"limit": "25", "offset": "50"}

    page = parse(p, drf(80, None, records(25)), page=None, params=params)
    assert (page.page, page.has_next, page.next_token) == (3, True, "75")

    _, params = p.request_for("75", page_size=25)
    last = parse(p, drf(80, None, records(5)), page=None, params=params)
    assert (last.page, last.has_next) == (4, False)

    unaligned = parse(p, drf(80, None, records(20)), page=None, params={"offset": "60"})
    assert (unaligned.page, unaligned.has_next) == (None, False)


def test_limit_offset_without_total_stops_on_a_short_page():
    p = paginator("limit_offset")
    params = {"limit": "10", "offset": "0"}
    assert parse(p, drf(0, None, records(10)), page_size=10, params=params).next_token == "10"
    assert parse(p, drf(0, None, records(9)), page_size=10, params=params).has_next is False


def test_limit_offset_refuses_a_non_numeric_offset():
    with pytest.raises(PaginationError, match="offset 'x'"):
        parse(paginator("limit_offset"), drf(0, None, []), params={"offset": "x"})


# --- Link header ----------------------------------------------------------------------------


def test_link_header_paginator():
    p = paginator("link_header", records_path="")
    headers = httpx.Headers(
        {
            "Link": f'<{URL}?page=3>; rel="next", <{URL}?page=9>; rel="last", <{URL}?page=1>; rel=prev'
        }
    )
    page = parse(p, records(25), headers=headers)
    assert (page.has_next, page.next_token) == (True, f"{URL}?page=3")

    last = parse(p, records(25), headers={"link": f'<{URL}?page=1>; rel="first"'})
    assert (last.has_next, last.next_token) == (False, None)
    assert parse(p, records(25), headers={}).has_next is False


def test_link_header_relative_target():
    p = paginator("link_header", records_path="items")
    page = parse(
        p, {"items": records(3)}, headers={"Link": '</api/contacts/?cursor=z>; rel="next"'}
    )
    assert page.next_token == URL + "?cursor=z"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('<https://a.test/?p=2>; rel="next"', {"next": "https://a.test/?p=2"}),
        ("<https://a.test/?p=2>; rel=next", {"next": "https://a.test/?p=2"}),
        ("<https://a.test/?p=2>;rel=NEXT", {"next": "https://a.test/?p=2"}),
        ('<https://a.test/?p=2> ; rel = "next"', {"next": "https://a.test/?p=2"}),
        (
            '<https://a.test/?p=2>; rel="next last"',
            {"next": "https://a.test/?p=2", "last": "https://a.test/?p=2"},
        ),
        (
            '<https://a.test/?p=1>; rel="prev", <https://a.test/?p=3>; rel="next"',
            {"prev": "https://a.test/?p=1", "next": "https://a.test/?p=3"},
        ),
        (
            '<https://a.test/?a=1,2>; title="x, <y>; rel=prev"; rel="next"',
            {"next": "https://a.test/?a=1,2"},
        ),
        (
            '<https://a.test/?p=2>; rel="next"; rel="prev"',
            {"next": "https://a.test/?p=2"},
        ),
        (
            '<https://a.test/?p=2>; rel="next", <https://a.test/?p=7>; rel="next"',
            {"next": "https://a.test/?p=2"},
        ),
        ('garbage, <https://a.test/?p=2>; rel="next"', {"next": "https://a.test/?p=2"}),
        ("<https://a.test/?p=2>; type=text/html", {}),
        ("", {}),
    ],
)
def test_parse_link_header(header, expected):
    assert parse_link_header(header) == expected


# --- cursor ---------------------------------------------------------------------------------


def test_cursor_pages():
    p = paginator("cursor", next_path="meta.next_cursor", records_path="data")
    first = parse(p, {"data": records(25), "meta": {"next_cursor": "c2"}})
    assert (first.has_next, first.next_token) == (True, "c2")

    numeric = parse(p, {"data": records(25), "meta": {"next_cursor": 1700}}, page=None)
    assert numeric.next_token == "1700"

    for end in (None, ""):
        last = parse(p, {"data": records(25), "meta": {"next_cursor": end}}, page=None)
        assert (last.has_next, last.next_token) == (False, None)


def test_cursor_must_be_text():
    p = paginator("cursor", next_path="next", records_path="data")
    with pytest.raises(PaginationError, match="expected a cursor"):
        parse(p, {"data": records(1), "next": {"id": 3}})


# --- has_next derivation order --------------------------------------------------------------


def test_empty_page_always_ends():
    p = paginator("page_number", records_path="data", has_next_path="more", total_path="t")
    page = parse(p, {"data": [], "more": True, "t": 500})
    assert (page.has_next, page.next_token) == (False, None)
    cursor = paginator("cursor", next_path="next", records_path="data")
    assert parse(cursor, {"data": [], "next": "again"}).has_next is False


def test_flag_beats_the_next_link():
    p = paginator("next_link", next_path="next", has_next_path="more")
    body = {"results": records(25), "next": URL + "?page=2", "more": False}
    assert parse(p, body).has_next is False


def test_flag_without_a_link_cannot_continue():
    p = paginator("next_link", next_path="next", has_next_path="more")
    assert parse(p, {"results": records(25), "next": None, "more": True}).has_next is False


def test_link_presence_beats_counts():
    p = paginator("next_link", next_path="next", total_path="count", page_count_path="pages")
    body = {"results": records(5), "next": URL + "?page=9", "count": 5, "pages": 1}
    assert parse(p, body).has_next is True


def test_page_count_beats_total():
    p = paginator("page_number", total_path="total", page_count_path="pages")
    assert parse(p, {"results": records(25), "total": 25, "pages": 2}).has_next is True
    assert parse(p, {"results": records(25), "total": 999, "pages": 1}).has_next is False


def test_total_beats_a_full_page():
    p = paginator("page_number", total_path="total")
    assert parse(p, {"results": records(25), "total": 25}).has_next is False
    assert parse(p, {"results": records(3), "total": 30}).has_next is True


def test_without_metadata_a_full_page_means_more():
    p = paginator("page_number")
    assert parse(p, {"results": records(25)}, page=2).next_token == "3"
    assert parse(p, {"results": records(24)}, page=2).has_next is False


def test_numbers_in_strings_are_read():
    p = paginator("page_number", total_path="total")
    assert parse(p, {"results": records(25), "total": "40"}).total == 40


# --- walking --------------------------------------------------------------------------------


def test_walk_guard_stops_on_a_repeated_token():
    guard = paginator("cursor", next_path="next").walk_guard()
    guard.check("a")
    guard.check("b")
    with pytest.raises(PaginationError, match="same next page token twice"):
        guard.check("a")


def test_walk_guard_caps_the_pages():
    guard = paginator("page_number", max_pages=3).walk_guard()
    guard.check("2")
    guard.check("3")
    assert guard.pages == 3
    with pytest.raises(PaginationError, match="stopped after 3 pages"):
        guard.check("4")


def test_walking_a_drf_collection_ends():
    p = paginator("next_link", next_path="next", total_path="count")
    pages = {
        URL: drf(5, URL + "?page=2", records(2)),
        URL + "?page=2": drf(5, URL + "?page=3", records(2, 2)),
        URL + "?page=3": drf(5, None, records(1, 4)),
    }
    guard = p.walk_guard()
    url, seen = URL, []
    while True:
        page = p.parse(pages[url], {}, page=None, page_size=2, params={}, url=url)
        seen.extend(page.records)
        if not page.has_next or page.next_token is None:
            break
        guard.check(page.next_token)
        url, _ = p.request_for(page.next_token, page_size=2)
    assert seen == records(5)
    assert guard.pages == 3


# --- malformed envelopes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "body", "message"),
    [
        ({}, {"data": []}, "expected a list of records at 'results'"),
        ({}, {"results": {"id": 1}}, "expected a list of records at 'results'"),
        ({}, {"results": [1, 2]}, "expected a list of records at 'results'"),
        ({"records_path": "data.items"}, {"data": []}, "at 'data.items'"),
        ({"records_path": ""}, {"results": []}, "expected a list of records as the whole answer"),
        ({"total_path": "total"}, {"results": [], "total": "many"}, "number at 'total'"),
        ({"total_path": "total"}, {"results": [], "total": -1}, "number at 'total'"),
        ({"total_path": "total"}, {"results": [], "total": True}, "number at 'total'"),
        ({"page_count_path": "p.n"}, {"results": [], "p": {"n": 2.5}}, "number at 'p.n'"),
        ({"has_next_path": "more"}, {"results": records(1), "more": "yes"}, "true or false"),
    ],
)
def test_malformed_envelopes(options, body, message):
    with pytest.raises(PaginationError, match=message):
        parse(paginator("page_number", **options), body)


def test_body_list_is_accepted_with_an_empty_records_path():
    page = parse(paginator("page_number", records_path=""), records(3))
    assert page.records == records(3)


def test_next_link_must_be_text():
    with pytest.raises(PaginationError, match="expected a URL at 'next'"):
        parse(paginator("next_link", next_path="next"), {"results": records(1), "next": 2})
