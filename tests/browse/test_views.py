"""The table and record pages over HTTP, for every preset against its simulator: full pages
and HTMX partials, rows, pagination, sorting and filtering (by the vendor or honestly on
the page), escaping, record details, column preferences, the sidebar."""

from __future__ import annotations

import re

import pytest
from django.utils.html import escape

from dashboard.browse.models import ColumnPreference
from dashboard.simulators import VENDORS

from .conftest import BIG, RECORDS, record_url, table_url
from .html import grid, text_of

pytestmark = pytest.mark.django_db

# The default page size of each preset (Parallax's 500 shows every record).
PAGE_SIZE = {"parsalink": 25, "parallax": 500, "beacon": 50, "linkit": 20, "atlas": 25}


def shown(vendor: str) -> int:
    return min(PAGE_SIZE[vendor], RECORDS)


@pytest.mark.parametrize("vendor", VENDORS)
def test_full_page_lists_the_first_page(vendor, viewer_client, connection_to):
    connection = connection_to(vendor)
    response = viewer_client.get(table_url(connection, BIG[vendor]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" in html
    assert 'id="browse-search"' in html
    table = grid(html)
    assert len(table.rows) == shown(vendor)
    assert table.headers[0] == "ID"
    assert text_of(html, "range")[0].startswith(f"1\N{EN DASH}{shown(vendor)} of {RECORDS}")
    assert 'role="alert"' not in html
    assert "API budget:" in html
    assert f'aria-current="page">{connection.name}' not in html  # the resource is current


@pytest.mark.parametrize("vendor", VENDORS)
def test_htmx_request_gets_only_the_table_and_the_url_to_push(vendor, viewer_client, connection_to):
    connection = connection_to(vendor)
    url = table_url(connection, BIG[vendor], "?page=2&size=10")
    response = viewer_client.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="table-status" hx-swap-oob="innerHTML">')
    assert 'id="table"' in html
    size = 10 if vendor != "beacon" else 50  # Beacon's page size is fixed
    assert len(grid(html).rows) == size
    assert text_of(html, "range")[0].startswith(f"{size + 1}\N{EN DASH}{2 * size} of {RECORDS}")
    assert response["HX-Push-Url"] == table_url(
        connection, BIG[vendor], "?page=2" if vendor == "beacon" else "?size=10&page=2"
    )
    assert "HX-Request" in response["Vary"]


def test_history_is_not_pushed_twice_for_the_same_state(viewer_client, connection_to):
    connection = connection_to("linkit")
    url = table_url(connection, "products", "?sort=price")
    response = viewer_client.get(
        url, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver" + url
    )
    assert response["HX-Push-Url"] == "false"


def test_page_numbers_when_the_page_count_is_known(viewer_client, connection_to):
    connection = connection_to("atlas")
    html = viewer_client.get(table_url(connection, "people", "?page=3")).content.decode()
    assert 'aria-label="Page 3, current"' in html
    for number in (1, 2, 4, 5):
        assert f'aria-label="Page {number}"' in html
    assert 'rel="prev" href="/t/ops/c/atlas/people/?page=2"' in html
    assert 'rel="next" href="/t/ops/c/atlas/people/?page=4"' in html
    assert 'id="jump"' in html
    assert 'max="5"' in html


def test_walk_only_pagination_offers_next_and_previous_only(viewer_client, connection_to):
    """ParsaLink followed through its `next` links: no page count, no jump, and previous
    goes back along the trail of cursors."""
    spec = '[pagination]\nstyle = "next_link"\nnext_path = "next"\nsize_param = "limit"\n'
    connection = connection_to("parsalink", spec_toml=spec)
    first = viewer_client.get(table_url(connection, "contacts", "?size=10")).content.decode()
    assert 'id="jump"' not in first
    assert 'aria-label="Page 1' not in first
    next_href = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "cursor=" in next_href
    assert "page=2" in next_href

    second = viewer_client.get(next_href).content.decode()
    assert text_of(second, "range")[0] == "page 2: 10 records of 120"
    assert grid(second).rows[0] != grid(first).rows[0]
    third_href = re.search(r'rel="next" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    third = viewer_client.get(third_href).content.decode()
    assert "Page 3" in third
    assert ">Next \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}</a>" in third
    previous = re.search(r'rel="prev" href="([^"]+)"', third).group(1).replace("&amp;", "&")
    assert grid(viewer_client.get(previous).content.decode()).rows == grid(second).rows


def test_linkit_sorts_by_the_vendor(viewer_client, connection_to, simulators):
    connection = connection_to("linkit")
    html = viewer_client.get(table_url(connection, "products", "?sort=-price")).content.decode()
    table = grid(html)
    prices = [float(text.replace(",", "")) for text in table.column("Price")]
    highest = max(record["price"] for record in simulators["linkit"].store["products"])
    assert prices == sorted(prices, reverse=True)
    assert prices[0] == highest  # the whole collection was sorted, not just a page
    assert table.sorted_by == {"Price": "descending"}
    assert "Sorted within this page" not in html
    assert 'href="/t/ops/c/linkit/products/"' in html  # a third click: unsorted


def test_linkit_sorts_a_field_it_cannot_on_the_page_and_says_so(viewer_client, connection_to):
    connection = connection_to("linkit")
    html = viewer_client.get(table_url(connection, "products", "?sort=name_ar")).content.decode()
    assert "Sorted within this page — the vendor cannot sort by Name ar." in html
    names = grid(html).column("Name ar")
    assert names == sorted(names, key=str.casefold)


@pytest.mark.parametrize("vendor", ["parsalink", "parallax", "beacon", "atlas"])
def test_vendors_without_sorting_sort_the_page_and_say_so(vendor, viewer_client, connection_to):
    connection = connection_to(vendor)
    html = viewer_client.get(table_url(connection, BIG[vendor], "?sort=-id")).content.decode()
    table = grid(html)
    assert "Sorted within this page — this vendor cannot sort." in html
    assert table.sorted_by == {"ID": "descending"}
    assert len(table.rows) == shown(vendor)
    ids = table.column("ID")
    key = int if vendor == "beacon" else str.casefold
    assert [key(i.replace(",", "")) for i in ids] == sorted(
        (key(i.replace(",", "")) for i in ids), reverse=True
    )


def test_linkit_filters_and_searches_through_the_vendor(viewer_client, connection_to):
    connection = connection_to("linkit")
    query = "?f.is_enabled=false&q=Shampoo"
    html = viewer_client.get(table_url(connection, "products", query)).content.decode()
    table = grid(html)
    assert table.rows
    assert set(table.column("Is enabled")) == {"No"}
    assert all("Shampoo" in name for name in table.column("Name en"))
    chips = text_of(html, "chip")
    assert "Search: Shampoo \N{MULTIPLICATION SIGN}" in chips
    assert "Is enabled = false \N{MULTIPLICATION SIGN}" in chips
    assert 'aria-label="Remove Is enabled = false"' in html
    assert "within this page" not in html
    assert 'href="/t/ops/c/linkit/products/?q=Shampoo"' in html  # remove the filter chip
    assert 'class="clear" href="/t/ops/c/linkit/products/"' in html


def test_parallax_filters_and_searches_the_page_and_says_so(viewer_client, connection_to):
    connection = connection_to("parallax")
    query = "?f.status=active&q=Cloud"
    html = viewer_client.get(table_url(connection, "projects", query)).content.decode()
    table = grid(html)
    assert table.rows
    assert set(table.column("Status")) == {"active"}
    assert all("cloud" in " ".join(row).lower() for row in table.rows)
    assert "Filtered within this page — the vendor cannot filter by Status" in html
    assert "Searched within this page — this vendor has no search" in html
    assert f"{len(table.rows)} of {RECORDS} rows on this page match" in html
    assert "Status: active this page" in text_of(html, "chip")


def test_page_size_is_bounded_by_the_vendor_maximum(viewer_client, connection_to):
    connection = connection_to("atlas")
    html = viewer_client.get(table_url(connection, "people", "?size=100000")).content.decode()
    assert len(grid(html).rows) == 100
    options = re.findall(r'<option value="(\d+)"', html)
    assert max(map(int, options)) == 100


def test_hostile_vendor_strings_render_as_text(viewer_client, connection_to):
    connection = connection_to("beacon")
    html = viewer_client.get(table_url(connection, "subscribers")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert re.findall(r'<script src="([^"]+)"', html) == [
        f"/static/{name}"
        for name in (
            "vendor/htmx/htmx-2.0.11.min.js",
            "js/app.js",
            "js/countdown.js",
            "js/table.js",
            "js/export.js",
        )
    ]
    assert len(re.findall(r"<script", html)) == 5


def test_values_are_formatted_by_type(viewer_client, connection_to, client):
    connection = connection_to("beacon")
    client.cookies["tz"] = "Asia/Tokyo"
    html = viewer_client.get(table_url(connection, "subscribers")).content.decode()
    first = grid(html).rows[0]
    headers = grid(html).headers
    assert first[headers.index("Tags")] == "vip"
    assert first[headers.index("Updated at")] == "2024-01-10 15:53"  # 06:53 UTC in Tokyo
    assert 'title="2024-01-10T06:53:51Z (shown in Asia/Tokyo)"' in html
    assert "times in Asia/Tokyo" in html


def test_long_text_is_truncated_with_the_full_text_available(
    viewer_client, connection_to, simulators
):
    connection = connection_to("beacon")
    html = viewer_client.get(
        table_url(connection, "campaigns", "?cols=id,content")
    ).content.decode()
    content = next(iter(simulators["beacon"].store["campaigns"]))["content"]
    assert len(content) > 80
    assert '<details class="long"><summary>' in html
    assert escape(content) in html  # in full, as text


@pytest.mark.parametrize("vendor", VENDORS)
def test_record_detail_shows_every_field(vendor, viewer_client, connection_to, simulators):
    connection = connection_to(vendor)
    record = next(iter(simulators[vendor].store[BIG[vendor]]))
    response = viewer_client.get(record_url(connection, BIG[vendor], str(record["id"])))
    html = response.content.decode()
    assert response.status_code == 200
    for name in record:
        assert f"<dt>{name}</dt>" in html
    assert "Raw answer (JSON)" in html
    assert "<script>alert" not in html


def test_record_detail_renders_nested_values(viewer_client, connection_to):
    connection = connection_to("beacon")
    html = viewer_client.get(record_url(connection, "subscribers", "1")).content.decode()
    assert '<dt>custom_fields</dt><dd><dl class="fields"><dt>company</dt>' in html
    assert '<dt>tags</dt><dd><ol class="values"><li>vip</li></ol></dd>' in html.replace(
        "<bdi>", ""
    ).replace("</bdi>", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_rows_link_to_their_records(viewer_client, connection_to, simulators):
    connection = connection_to("parallax")
    html = viewer_client.get(table_url(connection, "projects", "?size=10")).content.decode()
    first = next(iter(simulators["parallax"].store["projects"]))["id"]
    assert f'href="{record_url(connection, "projects", first)}"' in html


def test_a_resource_without_details_has_no_record_links(viewer_client, connection_to):
    connection = connection_to("atlas")
    html = viewer_client.get(table_url(connection, "org-units")).content.decode()
    assert len(grid(html).rows) == 3
    assert "Open " not in html


def test_columns_are_inferred_when_the_spec_names_none(viewer_client, connection_to):
    connection = connection_to("atlas")
    headers = grid(viewer_client.get(table_url(connection, "devices")).content.decode()).headers
    assert headers[0] == "ID"
    assert headers[1] == "Name"
    assert headers[-2:] == ["Created at", "Updated at"]
    assert len(headers) == 8


def test_columns_in_the_url_choose_and_order_the_table(viewer_client, connection_to):
    connection = connection_to("linkit")
    url = table_url(connection, "products", "?cols=sku,price,id")
    html = viewer_client.get(url).content.decode()
    assert grid(html).headers == ["SKU", "Price", "ID"]
    assert "cols=sku%2Cprice%2Cid" in html  # every link keeps them


def test_column_choice_is_saved_and_remembered(viewer_client, viewer, connection_to):
    connection = connection_to("linkit")
    url = table_url(connection, "products", "?sort=price")
    response = viewer_client.post(url, {"cols": ["sku", "price", "stock"], "move": "up:price"})
    assert response.status_code == 302
    assert response["Location"] == table_url(
        connection, "products", "?sort=price&cols=price%2Csku%2Cstock"
    )
    saved = ColumnPreference.objects.get(user=viewer, connection=connection, resource="products")
    assert saved.columns == ["price", "sku", "stock"]

    later = viewer_client.get(table_url(connection, "products")).content.decode()
    assert grid(later).headers == ["Price", "SKU", "Stock"]
    assert "cols=price%2Csku%2Cstock" in later

    viewer_client.post(table_url(connection, "products"), {"reset": "1"})
    assert not ColumnPreference.objects.filter(user=viewer).exists()
    assert grid(viewer_client.get(table_url(connection, "products")).content.decode()).headers[
        :2
    ] == ["ID", "Name en"]


def test_column_change_over_htmx_returns_the_table_and_pushes_the_url(viewer_client, connection_to):
    connection = connection_to("linkit")
    response = viewer_client.post(
        table_url(connection, "products"), {"cols": ["name_en", "sku"]}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert grid(html).headers == ["Name en", "SKU"]
    assert '<details class="menu" open>' in html
    assert response["HX-Push-Url"] == table_url(connection, "products", "?cols=name_en%2Csku")


def test_sidebar_lists_connections_and_resources(viewer_client, connection_to):
    linkit = connection_to("linkit")
    connection_to("atlas")
    html = viewer_client.get(table_url(linkit, "orders")).content.decode()
    sidebar = html[
        html.index('class="sidebar"') : html.index("</nav>", html.index('class="sidebar"'))
    ]
    assert 'href="/t/ops/c/atlas/people/"' in sidebar
    assert 'href="/t/ops/c/atlas/devices/"' in sidebar
    assert 'href="/t/ops/c/linkit/orders/" aria-current="page">Orders</a>' in sidebar
    assert sidebar.count('aria-current="page"') == 1
