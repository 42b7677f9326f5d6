"""A misbehaving vendor never breaks the page: every fault the simulators can inject ends in
a 200 page shell with a banner in plain words, no traceback and no secret."""

from __future__ import annotations

import re
import time
from html import unescape

import pytest
from django.test import override_settings

from dashboard.connections.models import Connection

from .conftest import table_url
from .html import grid, text_of

pytestmark = pytest.mark.django_db

NO_RETRIES = "[rate_limit]\nmax_retries = 0\n"


def secrets_of(handle) -> list[str]:
    return [value for value in handle.credentials.values() if len(value) >= 8]


def assert_shell(response, handle, *, partial: bool = False) -> str:
    """The page (or partial) rendered normally, with an alert, and nothing it must hide."""
    html = response.content.decode()
    assert response.status_code == 200
    assert ("<html" in html) is not partial
    assert 'role="alert"' in html
    assert "Traceback" not in html
    for secret in secrets_of(handle):
        assert secret not in html
    return html


def banner_titles(html: str) -> list[str]:
    return [
        unescape(title) for title in re.findall(r"<strong data-banner-title>(.*?)</strong>", html)
    ]


def test_rejected_credentials_ask_for_an_update(viewer_client, connection_to, simulators):
    connection = connection_to("linkit", LINKIT_API_KEY="lk_live_wrong_key_0000")
    html = assert_shell(viewer_client.get(table_url(connection, "products")), simulators["linkit"])
    assert banner_titles(html) == ["Credentials rejected: update the connection."]
    assert "Ask a team admin to update it." in html
    assert "/edit/" not in html  # only admins may edit connections
    assert "lk_live_wrong_key_0000" not in html
    assert grid(html).rows == []
    connection.refresh_from_db()
    assert connection.last_error.startswith("The vendor rejected the credentials")


def test_admins_get_a_link_to_update_the_connection(admin_client, connection_to, simulators):
    connection = connection_to("parsalink", PARSALINK_PASSWORD="not-the-password")
    html = assert_shell(
        admin_client.get(table_url(connection, "contacts")), simulators["parsalink"]
    )
    assert banner_titles(html) == ["Credentials rejected: update the connection."]
    assert f'href="/t/ops/connections/{connection.slug}/edit/"' in html
    assert "not-the-password" not in html


@pytest.mark.parametrize(
    ("status", "body", "title"),
    [
        (403, "vendor", "The vendor refused access."),
        (404, "vendor", "Not found at the vendor."),
        (500, "vendor", "Vendor error, try again."),
        (500, "html", "Vendor error, try again."),
        (502, "malformed", "Vendor error, try again."),
        (503, "empty", "Vendor error, try again."),
        (400, "text", "The vendor rejected the request."),
    ],
)
def test_vendor_errors_show_a_plain_banner(
    status, body, title, viewer_client, connection_to, simulators
):
    connection = connection_to("parallax", spec_toml=NO_RETRIES)
    simulators["parallax"].set_faults(fail_next={"status": status, "count": 1, "body": body})
    html = assert_shell(
        viewer_client.get(table_url(connection, "projects")), simulators["parallax"]
    )
    assert banner_titles(html) == [title]
    assert "<!DOCTYPE html><html><head><title>" not in html.split('id="table"', 1)[1]
    assert ("Try again</a>" in html) is (status >= 500)
    connection.refresh_from_db()
    assert connection.last_error_at is not None


def test_an_htmx_request_gets_the_banner_in_the_partial(viewer_client, connection_to, simulators):
    connection = connection_to("parallax", spec_toml=NO_RETRIES)
    simulators["parallax"].set_faults(fail_next={"status": 500, "count": 1, "body": "html"})
    response = viewer_client.get(table_url(connection, "projects"), HTTP_HX_REQUEST="true")
    html = assert_shell(response, simulators["parallax"], partial=True)
    assert banner_titles(html) == ["Vendor error, try again."]


@override_settings(VENDOR_READ_TIMEOUT=0.2)
def test_a_slow_vendor_times_out_with_a_banner(viewer_client, connection_to, simulators):
    connection = connection_to("atlas")
    simulators["atlas"].set_faults(latency_ms=800)
    html = assert_shell(viewer_client.get(table_url(connection, "people")), simulators["atlas"])
    assert banner_titles(html) == ["The vendor did not answer in time."]
    assert "did not answer within 0.2 s" in html


def test_an_unreachable_vendor_is_explained(viewer_client, connection_to, simulators):
    connection = connection_to("beacon")
    Connection.objects.filter(pk=connection.pk).update(base_url="http://127.0.0.1:9")
    connection.refresh_from_db()
    html = assert_shell(
        viewer_client.get(table_url(connection, "subscribers")), simulators["beacon"]
    )
    assert banner_titles(html) == ["The vendor could not be reached."]


def test_a_429_with_retry_after_counts_down_and_holds_the_controls(
    viewer_client, connection_to, simulators
):
    connection = connection_to("parallax")
    simulators["parallax"].set_faults(storm_429=1, storm_retry_after=30)
    before = time.time()
    html = assert_shell(
        viewer_client.get(table_url(connection, "projects")), simulators["parallax"]
    )
    assert banner_titles(html) == ["Rate limited: waiting for the vendor's budget to reset."]
    retry_at = int(re.search(r'data-retry-at="(\d+)"', html).group(1)) / 1000
    assert before + 29 <= retry_at <= time.time() + 31
    assert re.search(r"data-countdown>(30|29) s<", html)
    assert re.search(r'id="browse-search"[^>]*inert', html)
    assert "data-wait-until=" in html
    assert simulators["parallax"].stats()["rate_limited"] == 1  # no retry into the storm


def test_a_429_keeps_showing_the_cached_page_marked_with_its_age(
    viewer_client, connection_to, simulators
):
    connection = connection_to("parallax")
    url = table_url(connection, "projects", "?size=10")
    assert len(grid(viewer_client.get(url).content.decode()).rows) == 10
    simulators["parallax"].set_faults(storm_429=1, storm_retry_after=30)
    html = assert_shell(viewer_client.get(url + "&refresh=1"), simulators["parallax"])
    assert len(grid(html).rows) == 10
    rate_limited, stale = banner_titles(html)
    assert rate_limited == "Rate limited: waiting for the vendor's budget to reset."
    assert re.fullmatch(r"Showing a copy fetched [01] s ago\.", stale)
    assert re.search(r'class="table-body" data-budget-controls inert', html)


def test_an_exhausted_budget_waits_instead_of_asking(viewer_client, connection_to, simulators):
    connection = connection_to("linkit", spec_toml="[rate_limit]\nrequests = 2\n")
    url = table_url(connection, "products")
    first = viewer_client.get(url).content.decode()
    assert "The vendor's request budget is running low." in banner_titles(first)
    assert "1 of 2 requests left" in first

    second = viewer_client.get(url + "?refresh=1").content.decode()
    assert "The vendor's request budget is used up." in banner_titles(second)
    assert "data-retry-at=" in second

    requests = simulators["linkit"].stats()["requests"]
    third = assert_shell(viewer_client.get(url + "?refresh=1"), simulators["linkit"])
    assert banner_titles(third)[0] == "Rate limited: waiting for the vendor's budget to reset."
    assert "Showing a copy fetched" in third
    assert simulators["linkit"].stats()["requests"] == requests  # the vendor was not asked


def test_unreadable_credentials_are_reported_without_a_vendor_call(
    admin_client, connection_to, simulators
):
    connection = connection_to("linkit")
    Connection.objects.filter(pk=connection.pk).update(secrets_encrypted="gAAAAA-not-a-token")
    html = assert_shell(admin_client.get(table_url(connection, "products")), simulators["linkit"])
    assert banner_titles(html) == ["Credentials unreadable: re-enter them."]
    assert "Update the connection</a>" in html
    assert simulators["linkit"].stats()["requests"] == 0


def test_invalid_settings_are_reported(viewer_client, connection_to, simulators):
    connection = connection_to("linkit")
    Connection.objects.filter(pk=connection.pk).update(spec_toml="[pagination]\nmax_size = 0\n")
    html = assert_shell(viewer_client.get(table_url(connection, "products")), simulators["linkit"])
    assert banner_titles(html) == ["This connection's settings are invalid."]
    assert "pagination.max_size" in html
    assert "Ask a team admin to fix them." in html


def test_a_bad_filter_value_is_the_vendors_complaint_not_a_crash(
    viewer_client, connection_to, simulators
):
    connection = connection_to("linkit")
    html = viewer_client.get(table_url(connection, "orders", "?f.status=nonsense")).content.decode()
    assert grid(html).rows == [["No records here."]]
    assert "Status = nonsense" in " ".join(text_of(html, "chip"))
