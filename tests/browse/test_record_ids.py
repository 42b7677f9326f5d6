"""Record ids as the vendor gives them, and as one segment of a dashboard URL."""

from __future__ import annotations

import pytest
from django.http import Http404

from dashboard.browse.formatting import record_id_of
from dashboard.browse.selectors import has_own_page, vendor_record_id


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"id": 0}, "0"),
        ({"id": 17}, "17"),
        ({"id": "ab"}, "ab"),
        ({"id": True}, "true"),
        ({"id": None}, ""),
        ({}, ""),
    ],
)
def test_a_missing_or_null_id_is_empty_not_none(record, expected):
    assert record_id_of(record, "id") == expected


@pytest.mark.parametrize(
    ("record_id", "own_page"),
    [("abc", True), ("0", True), ("a b", True), ("", False), ("a/b", False), (".", False)],
)
def test_only_single_segment_ids_have_a_page(record_id, own_page):
    assert has_own_page(record_id) is own_page


def test_ids_are_quoted_for_the_vendor_and_dot_segments_refused():
    assert vendor_record_id("a/b?c#d%") == "a%2Fb%3Fc%23d%25"
    with pytest.raises(Http404):
        vendor_record_id("..")
