"""Recent pages come from the cache for BROWSE_CACHE_TTL seconds; refresh, a write
(`invalidate_resource`) or a change to the connection asks the vendor again."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from dashboard.browse.cache import invalidate_resource
from dashboard.connections import services

from .conftest import table_url
from .html import grid

pytestmark = pytest.mark.django_db


def vendor_calls(handle) -> int:
    return handle.stats()["by_path"].get("/api/v1/products", 0)


@pytest.fixture
def linkit(connection_to):
    return connection_to("linkit")


def test_a_repeated_view_is_served_from_the_cache(viewer_client, linkit, simulators):
    url = table_url(linkit, "products", "?sort=price")
    first = viewer_client.get(url).content.decode()
    assert "Fetched just now" in first
    second = viewer_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert re.search(r"Fetched \d+ s ago", second)
    assert grid(second).rows == grid(first).rows
    assert vendor_calls(simulators["linkit"]) == 1


def test_on_page_work_does_not_need_another_vendor_call(viewer_client, linkit, simulators):
    """Sorting a field the vendor cannot sort, and filtering on the page, reuse the page."""
    viewer_client.get(table_url(linkit, "products"))
    viewer_client.get(table_url(linkit, "products", "?sort=name_ar&f.sku=SKU-0001"))
    assert vendor_calls(simulators["linkit"]) == 1
    viewer_client.get(table_url(linkit, "products", "?sort=price"))
    assert vendor_calls(simulators["linkit"]) == 2


def test_refresh_bypasses_the_cache_without_staying_in_the_url(viewer_client, linkit, simulators):
    url = table_url(linkit, "products")
    viewer_client.get(url)
    response = viewer_client.get(url + "?refresh=1", HTTP_HX_REQUEST="true")
    assert vendor_calls(simulators["linkit"]) == 2
    assert "Fetched just now" in response.content.decode()
    assert response["HX-Push-Url"] == url
    assert 'id="refresh" href="/t/ops/c/linkit/products/?refresh=1"' in response.content.decode()


@override_settings(BROWSE_CACHE_TTL=0)
def test_a_zero_ttl_always_asks_the_vendor(viewer_client, linkit, simulators):
    viewer_client.get(table_url(linkit, "products"))
    viewer_client.get(table_url(linkit, "products"))
    assert vendor_calls(simulators["linkit"]) == 2


def test_invalidate_resource_forgets_that_resources_pages(viewer_client, linkit, simulators):
    viewer_client.get(table_url(linkit, "products"))
    viewer_client.get(table_url(linkit, "orders"))
    invalidate_resource(linkit, "products")
    viewer_client.get(table_url(linkit, "products"))
    viewer_client.get(table_url(linkit, "orders"))
    assert vendor_calls(simulators["linkit"]) == 2
    assert simulators["linkit"].stats()["by_path"]["/api/v1/orders"] == 1


def test_editing_the_connection_starts_afresh(viewer_client, linkit, simulators):
    viewer_client.get(table_url(linkit, "products"))
    services.connection_update(
        connection=linkit,
        name="Linkit EU",
        preset="linkit",
        base_url=linkit.base_url,
        spec_toml="",
        variables={},
        secrets={},
        read_only=False,
    )
    viewer_client.get(table_url(linkit, "products"))
    assert vendor_calls(simulators["linkit"]) == 2


def test_a_failing_vendor_shows_the_last_good_page(viewer_client, connection_to, simulators):
    connection = connection_to("parallax", spec_toml="[rate_limit]\nmax_retries = 0\n")
    url = table_url(connection, "projects", "?size=10")
    rows = grid(viewer_client.get(url).content.decode()).rows
    simulators["parallax"].set_faults(fail_next={"status": 503, "count": 1, "body": "html"})
    html = viewer_client.get(url + "&refresh=1").content.decode()
    assert grid(html).rows == rows
    assert "Vendor error, try again." in html
    assert "Showing a copy fetched" in html
