"""The CSP watch that every end-to-end page carries (see `conftest.page`) sees a violation
when there is one: an inline script injected into a dashboard page is refused and reported."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browse.conftest import connect, table_url

from .support import chromium_missing, signed_in, watch_csp

pytestmark = [
    pytest.mark.skipif(chromium_missing(), reason="/usr/bin/chromium is missing (CI is not set)"),
    pytest.mark.django_db(transaction=True),
]


def test_an_inline_script_is_refused_and_reported(
    browser: Browser, user: Any, team: Any, live_server: Any, e2e_simulators: dict[str, Any]
) -> None:
    connection = connect(team, "linkit", e2e_simulators["linkit"])
    context = signed_in(browser, user, live_server.url)
    page = context.new_page()
    violations = watch_csp(page)
    page.goto(live_server.url + table_url(connection, "products"))
    expect(page.locator("table.data tbody tr").first).to_be_visible()
    assert not violations
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "document.body.dataset.injected = 'yes'";
                document.body.append(script);
            }"""
        )
    expect(page.locator("body")).not_to_have_attribute("data-injected", "yes")
    context.close()
    assert any("script-src" in text for text in violations), violations
