"""Formatting vendor values and choosing columns."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import timezone

from dashboard.browse.columns import arrange, clean_columns, default_columns, display_name, label
from dashboard.browse.formatting import cell, node, user_timezone
from dashboard.connectors.spec import ResourceSpec


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (None, "empty", "—"),
        ("", "empty", "—"),
        ([], "empty", "—"),
        (True, "bool", "Yes"),
        (False, "bool", "No"),
        (0, "number", "0"),
        (1234567, "number", "1,234,567"),
        (240588.08, "number", "240,588.08"),
        ("Olivia", "text", "Olivia"),
        ("<script>alert(1)</script>", "text", "<script>alert(1)</script>"),
        (["vip", "beta"], "nested", "vip, beta"),
        ([{"a": 1}, {"a": 2}], "nested", "2 items"),
        ({"plan": "free", "score": 1}, "nested", "2 fields: plan, score"),
        ("2024-01-13T10:49:18Z", "datetime", "2024-01-13 10:49"),
        ("2025-05-26T09:13:18.407Z", "datetime", "2025-05-26 09:13"),
        ("2024-01-13", "text", "2024-01-13"),
    ],
)
def test_cells_are_formatted_by_type(value, kind, text):
    with timezone.override("UTC"):
        formatted = cell(value)
    assert (formatted.kind, formatted.text) == (kind, text)


def test_dates_are_shown_in_the_active_zone_with_the_raw_value_on_hover():
    with timezone.override("America/New_York"):
        formatted = cell("2024-01-13T10:49:18Z")
    assert formatted.text == "2024-01-13 05:49"
    assert formatted.title == "2024-01-13T10:49:18Z (shown in America/New_York)"
    assert formatted.iso == "2024-01-13T10:49:18+00:00"


def test_long_text_is_cut_with_the_whole_kept():
    text = "word " * 40
    formatted = cell(text)
    assert formatted.kind == "long"
    assert formatted.text.endswith("…")
    assert len(formatted.text) <= 81
    assert formatted.full == text


@pytest.mark.parametrize(
    ("cookie", "zone"), [("Asia/Tokyo", "Asia/Tokyo"), ("Mars/Base", "UTC"), ("", "UTC")]
)
def test_the_browser_time_zone_cookie_is_used_when_valid(cookie, zone):
    request = RequestFactory().get("/", HTTP_COOKIE=f"tz={cookie}")
    with user_timezone(request) as name:
        assert name == zone
        assert timezone.get_current_timezone_name() == zone


def test_record_trees_show_objects_lists_and_tables():
    tree = node({"id": 1, "tags": ["a"], "lines": [{"sku": "X", "qty": 2}], "meta": {"k": None}})
    kinds = {key: child.kind for key, child in tree.items}
    assert kinds == {"id": "scalar", "tags": "list", "lines": "table", "meta": "object"}
    lines = dict(tree.items)["lines"]
    assert lines.columns == ("sku", "qty")
    assert lines.rows[0][1].cell.text == "2"


def test_very_deep_values_end_as_text():
    deep: dict = {"v": 1}
    for _ in range(10):
        deep = {"d": deep}
    leaf = node(deep)
    for _ in range(6):
        leaf = leaf.items[0][1]
    assert leaf.kind == "scalar"
    assert '"v": 1' in leaf.cell.full


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("firstName", "First name"),
        ("updated_at", "Updated at"),
        ("id", "ID"),
        ("sku", "SKU"),
        ("client_id", "Client ID"),
        ("pageSize", "Page size"),
    ],
)
def test_labels(name, text):
    assert label(name) == text


def test_inferred_columns_put_ids_first_names_next_and_timestamps_last():
    resource = ResourceSpec(name="things", path="/things")
    records = [
        {
            "updated": "2024-01-01T00:00:00Z",
            "notes": "x" * 200,
            "meta": {"a": 1},
            "status": "ok",
            "title": "T",
            "id": 1,
            "createdAt": "2023-01-01T00:00:00Z",
            "count": 3,
        }
    ]
    assert default_columns(resource, records) == [
        "id",
        "title",
        "status",
        "count",
        "updated",
        "createdAt",
    ]
    assert default_columns(ResourceSpec(name="t", path="/t", columns=["b", "a"]), records) == [
        "b",
        "a",
    ]


def test_columns_from_outside_are_checked_and_arranged():
    assert clean_columns(["id", "id", "bad name", "", "a.b", "x" * 65]) == ["id", "a.b"]
    assert arrange(["a", "b", "c"], ("c", -1)) == ["a", "c", "b"]
    assert arrange(["a", "b", "c"], ("a", -1)) == ["a", "b", "c"]
    assert arrange(["a", "b"], ("zzz", 1)) == ["a", "b"]


def test_display_name_prefers_a_name_to_the_id():
    assert display_name({"id": "7", "email": "a@b.c", "name": "Ann"}, "id") == "Ann"
    assert display_name({"id": "7", "email": "a@b.c", "name": ""}, "id") == "a@b.c"
    assert display_name({"id": "7", "count": 2}, "id") == "7"
