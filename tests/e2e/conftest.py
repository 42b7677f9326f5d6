"""End-to-end fixtures: simulators, a live dashboard (pytest-django's `live_server`) and
Debian's headless Chromium through Playwright's sync API."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches
from playwright.sync_api import Browser, Page, sync_playwright

from dashboard.connections.models import Connection
from dashboard.connectors.client import close_sessions
from dashboard.simulators import SimulatorHandle, start_simulator
from dashboard.teams.models import Membership, Role, Team
from tests.browse.conftest import connect, table_url

from .support import launch, signed_in, watch_csp

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made
# from the tests themselves are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

E2E_VENDORS = ("linkit", "parallax")
RECORDS = 120


@pytest.fixture(scope="session")
def e2e_simulators() -> Iterator[dict[str, SimulatorHandle]]:
    handles = {vendor: start_simulator(vendor, records=RECORDS) for vendor in E2E_VENDORS}
    yield handles
    for handle in handles.values():
        handle.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def team(transactional_db: Any) -> Team:
    return Team.objects.create(name="Operations", slug="ops")


@pytest.fixture
def user(team: Team, django_user_model: Any) -> Any:
    person = django_user_model.objects.create_user(email="e2e@example.com", password="pw-12345678")
    Membership.objects.create(team=team, user=person, role=Role.VIEWER)
    return person


@pytest.fixture(autouse=True)
def _fresh_state(e2e_simulators: dict[str, SimulatorHandle]) -> Iterator[None]:
    caches["default"].clear()
    yield
    close_sessions()
    caches["default"].clear()
    for handle in e2e_simulators.values():
        handle.reset()


@pytest.fixture
def page(browser: Browser, user: Any, live_server: Any) -> Iterator[Page]:
    """A signed-in page; the test fails if the page meets any CSP violation on the way."""
    context = signed_in(browser, user, live_server.url)
    tab = context.new_page()
    violations = watch_csp(tab)
    yield tab
    context.close()
    assert not violations, f"Content Security Policy violations: {violations}"


@pytest.fixture
def open_table(
    page: Page, team: Team, live_server: Any, e2e_simulators: dict[str, SimulatorHandle]
) -> Callable[..., Connection]:
    """Connect to a vendor's simulator and open one of its tables in the browser."""

    def go(vendor: str, resource: str, query: str = "") -> Connection:
        connection = connect(team, vendor, e2e_simulators[vendor])
        page.goto(live_server.url + table_url(connection, resource, query))
        return connection

    return go
