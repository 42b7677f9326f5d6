"""Sorting, filtering and searching a whole snapshot equal a reference computed in Python
over the records the vendor serves."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from dashboard.browse.query import Sort
from dashboard.browse.selectors import source_for
from dashboard.snapshots.selectors import snapshot_rows

from .conftest import take

pytestmark = pytest.mark.django_db

ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
DECIMAL = re.compile(r"-?\d+(\.\d+)?")


def number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if DECIMAL.fullmatch(text):
            return float(text)
        if ISO.match(text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    return None


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).casefold()
    return "" if value is None else str(value).casefold()


def reference_sort(records: list[dict], field: str, descending: bool, id_field: str) -> list[str]:
    """Numbers (and dates) by value, then text, then missing values; ties by id."""
    rows = sorted(records, key=lambda r: str(r[id_field]))
    rows.sort(key=lambda r: text(r.get(field)), reverse=descending)
    rows.sort(key=lambda r: number(r.get(field)) or 0.0, reverse=descending)
    rows.sort(
        key=lambda r: (
            0 if number(r.get(field)) is not None else 1 if r.get(field) is not None else 2
        )
    )
    return [str(r[id_field]) for r in rows]


def ids(rows) -> list[str]:
    return list(rows.values_list("record_id", flat=True))


@pytest.fixture
def products(connection_to):
    """A snapshot of Linkit's products and the records the vendor serves."""
    connection = connection_to("linkit")
    snapshot = take(connection, "products")
    client = source_for(connection=connection, resource="products").client
    return snapshot, list(client.iter_all("products"))


@pytest.mark.parametrize(
    "field", ["price", "stock", "created", "name_en", "is_enabled", "barcode", "description"]
)
@pytest.mark.parametrize("descending", [False, True])
def test_sorting_the_whole_collection_matches_python(products, field, descending):
    snapshot, records = products
    rows = snapshot_rows(snapshot, sort=Sort(field, descending))
    assert ids(rows) == reference_sort(records, field, descending, "id")


def test_missing_values_sort_last_both_ways(connection_to):
    connection = connection_to("beacon")
    snapshot = take(connection, "subscribers")
    for descending in (False, True):
        rows = list(snapshot_rows(snapshot, sort=Sort("no_such_field", descending)))
        assert [row.record_id for row in rows] == sorted((row.record_id for row in rows), key=str)
    # Nested values sort by their text as the vendor wrote them (keys in the vendor's order).
    client = source_for(connection=connection, resource="subscribers").client
    expected = reference_sort(list(client.iter_all("subscribers")), "custom_fields", False, "id")
    assert ids(snapshot_rows(snapshot, sort=Sort("custom_fields"))) == expected


def _matching(records, predicate) -> list[str]:
    return sorted(str(r["id"]) for r in records if predicate(r))


@pytest.mark.parametrize(
    ("filters", "predicate"),
    [
        ({"name_en": "X1"}, lambda r: "x1" in text(r.get("name_en"))),
        ({"is_enabled": "false"}, lambda r: r.get("is_enabled") is False),
        (
            {"price": "100..500"},
            lambda r: number(r.get("price")) is not None and 100 <= number(r["price"]) <= 500,
        ),
        (
            {"stock": "..50"},
            lambda r: number(r.get("stock")) is not None and number(r["stock"]) <= 50,
        ),
        (
            {"created": "2024-01-01..2024-06-30"},
            lambda r: (
                number(r.get("created")) is not None
                and datetime(2024, 1, 1, tzinfo=UTC).timestamp()
                <= number(r["created"])
                < datetime(2024, 7, 1, tzinfo=UTC).timestamp()
            ),
        ),
        ({"category": "=beauty"}, lambda r: text(r.get("category")) == "beauty"),
        (
            {"price": "50..", "category": "=beauty"},
            lambda r: (number(r.get("price")) or 0) >= 50 and text(r.get("category")) == "beauty",
        ),
    ],
)
def test_filters_over_the_whole_collection_match_python(products, filters, predicate):
    snapshot, records = products
    expected = _matching(records, predicate)
    assert expected, "the reference must find something"
    assert sorted(ids(snapshot_rows(snapshot, filters=filters))) == expected


@pytest.mark.parametrize("needle", ["Shampoo", "<script>", "东京", "x6", "=hyperlink"])
def test_search_covers_every_text_field_like_python(products, needle):
    snapshot, records = products
    wanted = needle.casefold()
    expected = _matching(records, lambda r: any(wanted in text(v) for v in r.values()))
    assert sorted(ids(snapshot_rows(snapshot, search=needle))) == expected


def test_sort_filter_and_search_together(products):
    snapshot, records = products
    kept = [
        r
        for r in records
        if r.get("is_enabled") is True and any("a" in text(v) for v in r.values())
    ]
    rows = snapshot_rows(
        snapshot, sort=Sort("price", True), filters={"is_enabled": "true"}, search="A"
    )
    assert ids(rows) == reference_sort(kept, "price", True, "id")
