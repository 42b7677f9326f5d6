"""Shared by the end-to-end tests and `make screenshots`: Debian's Chromium through
Playwright, and a signed-in browser context for a Django user."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright

from dashboard.browse.formatting import TIMEZONE_COOKIE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1360, "height": 860}
TIME_ZONE = "Europe/Berlin"


def chromium_missing() -> bool:
    """True when the tests must be skipped: no Chromium here and not in CI (where a missing
    browser is a failure, not a skip)."""
    return not CHROMIUM.exists() and not os.environ.get("CI")


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def signed_in(browser: Browser, user: Any, base_url: str) -> BrowserContext:
    """A browser context signed in as `user`, in `TIME_ZONE` (the browser's zone and the
    cookie `table.js` would set)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(viewport=VIEWPORT, timezone_id=TIME_ZONE, locale="en-GB")
    context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url},
            {"name": TIMEZONE_COOKIE, "value": TIME_ZONE, "url": base_url},
        ]
    )
    return context


def watch_csp(page: Page) -> list[str]:
    """Collect the Content Security Policy violations Chromium reports on `page`'s console
    (it reports every refused script, style, frame or connection there)."""
    violations: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", note)
    return violations
