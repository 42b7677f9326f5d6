"""`ListingQuery`: reading the query string once, splitting the work between the vendor
and the page, and building every link of the table."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.http import QueryDict

from dashboard.browse.query import ListingQuery, Sort
from dashboard.connectors.client import VendorClient
from dashboard.connectors.spec import merge_spec, parse_spec

SECRETS = {
    "LINKIT_API_KEY": "k",
    "PARALLAX_API_KEY": "k",
    "PARSALINK_EMAIL": "e",
    "PARSALINK_PASSWORD": "p",
    "BEACON_API_KEY": "k",
}


def query(preset: str, text: str = "", resource: str | None = None, **spec: Any) -> ListingQuery:
    data = merge_spec({"preset": preset, "base_url": "https://vendor.example"}, spec)
    client = VendorClient(parse_spec(data, SECRETS), cache=LocMemCache("query-tests", {}))
    chosen = client.spec.resource(resource) if resource else client.spec.resources[0]
    return ListingQuery(QueryDict(text), client=client, resource=chosen)


def test_reads_the_whole_state_once():
    q = query("linkit", "q=  lamp  shade &f.status=x&f.is_enabled=true&sort=-price&size=50&page=3")
    assert q.search == "lamp shade"
    assert q.filters == {"is_enabled": "true", "status": "x"}
    assert q.sort == Sort("price", descending=True)
    assert (q.page, q.page_size) == (3, 50)


@pytest.mark.parametrize(
    ("text", "page", "size"),
    [
        ("page=0&size=0", 1, 20),
        ("page=-2&size=abc", 1, 20),
        ("size=5000", 1, 100),
        ("page=9e9", 1, 20),
    ],
)
def test_bad_numbers_fall_back_and_sizes_stay_within_the_vendor_maximum(text, page, size):
    q = query("linkit", text)
    assert (q.page, q.page_size) == (page, size)


def test_a_fixed_page_size_cannot_be_changed():
    q = query("beacon", "size=10")
    assert q.page_size == 50
    assert q.size_choices() == []


def test_size_choices_are_bounded_by_the_maximum():
    assert query("linkit").size_choices() == [10, 20, 25, 50, 100]
    assert query("parallax").size_choices() == [10, 25, 50, 100, 200, 500]


def test_the_vendor_does_what_its_spec_allows_and_the_page_the_rest():
    q = query("linkit", "q=tea&f.is_enabled=true&f.sku=SKU&sort=name_en")
    request = q.vendor_request()
    assert request.sort == "name_en"
    assert request.filters == (("is_enabled", "true"),)
    assert request.search == "tea"
    assert q.page_filters() == {"sku": "SKU"}
    assert q.page_sort is None

    cannot = query("parallax", "q=tea&f.status=active&sort=-name")
    request = cannot.vendor_request()
    assert (request.sort, request.filters, request.search) == (None, (), None)
    assert cannot.page_sort == Sort("name", descending=True)


def test_refine_filters_searches_and_sorts_the_page_deterministically():
    q = query("parallax", "q=ok&f.status=act&sort=-budget")
    records = [
        {"id": "c", "status": "active", "budget": 5, "note": "OK"},
        {"id": "b", "status": "active", "budget": None, "note": "ok"},
        {"id": "a", "status": "Active", "budget": 5, "note": "fine, ok"},
        {"id": "d", "status": "archived", "budget": 9, "note": "ok"},
        {"id": "e", "status": "active", "budget": 7, "note": "no"},
    ]
    assert [row["id"] for row in q.refine(records)] == ["c", "a", "b"]


def test_sorting_cycles_ascending_descending_off_and_starts_over():
    q = query("linkit", "sort=price&page=4&q=x")
    assert q.sort_url("price") == "?q=x&sort=-price"
    assert q.sort_url("stock") == "?q=x&sort=stock"
    assert query("linkit", "sort=-price").sort_url("price") == ""


def test_links_keep_the_state_and_change_one_thing():
    q = query("linkit", "q=tea&f.status=x&sort=-price&size=50&page=2&cols=id,sku")
    assert q.get_query_string() == "?q=tea&f.status=x&sort=-price&size=50&page=2&cols=id%2Csku"
    assert q.page_url(3) == "?q=tea&f.status=x&sort=-price&size=50&page=3&cols=id%2Csku"
    assert q.page_url(1) == "?q=tea&f.status=x&sort=-price&size=50&cols=id%2Csku"
    assert q.without_filter_url("status") == "?q=tea&sort=-price&size=50&cols=id%2Csku"
    assert q.without_search_url() == "?f.status=x&sort=-price&size=50&cols=id%2Csku"
    assert q.clear_url() == "?sort=-price&size=50&cols=id%2Csku"
    assert q.get_query_string(refresh="1").endswith("&refresh=1")
    assert "refresh" not in query("linkit", "refresh=1").get_query_string()


def test_state_fields_carry_the_state_into_forms():
    q = query("linkit", "q=tea&f.status=x&sort=-price&page=2")
    assert q.state_fields("q") == [("f.status", "x"), ("sort", "-price")]
    assert q.state_fields("f.") == [("q", "tea"), ("sort", "-price")]
    assert ("page", "2") not in q.state_fields()


def test_junk_parameters_are_ignored():
    q = query("linkit", "sort=<script>&f.<x>=1&cols=id,<b>,id,sku&f.status=")
    assert q.sort is None
    assert q.filters == {}
    assert q.chosen_columns == ["id", "sku"]


def test_saved_columns_apply_when_the_url_names_none():
    data = merge_spec({"preset": "linkit", "base_url": "https://vendor.example"}, {})
    client = VendorClient(parse_spec(data, SECRETS), cache=LocMemCache("query-saved", {}))
    resource = client.spec.resources[0]
    saved = ListingQuery(QueryDict(""), client=client, resource=resource, saved_columns=["sku"])
    assert saved.chosen_columns == ["sku"]
    assert saved.get_query_string() == "?cols=sku"
    chosen = ListingQuery(
        QueryDict("cols=id"), client=client, resource=resource, saved_columns=["sku"]
    )
    assert chosen.chosen_columns == ["id"]


WALK = {"pagination": {"style": "next_link", "next_path": "next", "size_param": "limit"}}


def test_walk_only_paginators_carry_a_trail_of_cursors():
    first = query("parsalink", "page=7", **WALK)
    assert (first.page, first.cursor) == (1, None)  # no page numbers without a cursor
    assert first.previous_url() is None
    second_url = first.next_url("https://vendor.example/api/contacts/?offset=25")
    assert (
        second_url
        == "?page=2&cursor=https%3A%2F%2Fvendor.example%2Fapi%2Fcontacts%2F%3Foffset%3D25"
    )

    second = query("parsalink", second_url[1:], **WALK)
    assert second.vendor_request().cursor == "https://vendor.example/api/contacts/?offset=25"
    third = query("parsalink", second.next_url("C3")[1:], **WALK)
    assert (third.page, third.cursor, third.trail) == (
        3,
        "C3",
        ["https://vendor.example/api/contacts/?offset=25"],
    )
    assert third.previous_url() == second_url
    assert second.previous_url() == ""
    assert third.next_url(None) is None


def test_a_new_search_forgets_the_cursor():
    q = query("parsalink", "page=3&cursor=C3&trail=C2&q=x", **WALK)
    assert q.sort_url("email") == "?q=x&sort=email"
    assert q.without_search_url() == ""


def test_page_filters_match_choices_and_numbers_exactly_and_text_by_words():
    q = query("beacon", "f.status=Subscribed&f.score=1&f.name=ann")
    records = [
        {"id": 1, "status": "subscribed", "score": 1, "name": "Joanna"},
        {"id": 2, "status": "unsubscribed", "score": 1, "name": "Ann"},
        {"id": 3, "status": "subscribed", "score": 11, "name": "Ann"},
        {"id": 4, "status": "subscribed", "score": 1, "name": "Bob"},
    ]
    assert [row["id"] for row in q.refine(records)] == [1]
