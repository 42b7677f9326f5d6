"""Fixtures for the browsing tests: one small simulator per vendor, connections to them,
signed-in members, and helpers to fetch and read table pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.urls import reverse

from dashboard.connections import services
from dashboard.connections.models import Connection
from dashboard.connectors.client import close_sessions
from dashboard.simulators import VENDORS, SimulatorHandle, start_simulator
from dashboard.teams.models import Role, Team
from tests.connections.conftest import make_user, member_of, team
from tests.integration.conftest import BIG, preset_environ

__all__ = ["BIG", "make_user", "member_of", "team"]

RECORDS = 120
VARIABLES = ("ATLAS_ORG_UNIT",)


@pytest.fixture(scope="session")
def simulators() -> Iterator[dict[str, SimulatorHandle]]:
    handles = {vendor: start_simulator(vendor, records=RECORDS) for vendor in VENDORS}
    yield handles
    for handle in handles.values():
        handle.stop()


@pytest.fixture(autouse=True)
def _fresh_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """An empty cache (pages, rate budgets), no pooled sessions, simulators without faults."""
    caches["default"].clear()
    yield
    close_sessions()
    caches["default"].clear()
    if "simulators" in request.fixturenames:
        for handle in request.getfixturevalue("simulators").values():
            handle.reset()


def connect(
    team: Team, vendor: str, handle: SimulatorHandle, *, spec_toml: str = "", **secrets: str
) -> Connection:
    """A saved connection to a simulator; `secrets` override its credentials."""
    environ = preset_environ(vendor, handle)
    variables = {name: environ.pop(name) for name in VARIABLES if name in environ}
    return services.connection_create(
        team=team,
        name=vendor.title(),
        preset=vendor,
        base_url=handle.url,
        spec_toml=spec_toml,
        variables=variables,
        secrets=environ | secrets,
    )


@pytest.fixture
def connection_to(team: Team, simulators: dict[str, SimulatorHandle]) -> Callable[..., Connection]:
    def make(vendor: str, **options: Any) -> Connection:
        return connect(team, vendor, simulators[vendor], **options)

    return make


@pytest.fixture
def viewer(member_of: Callable[..., Any]) -> Any:
    return member_of("viewer@example.com", Role.VIEWER)


@pytest.fixture
def viewer_client(client: Any, viewer: Any) -> Any:
    client.force_login(viewer)
    return client


@pytest.fixture
def admin_client(client: Any, member_of: Callable[..., Any]) -> Any:
    client.force_login(member_of("admin@example.com", Role.ADMIN))
    return client


def table_url(connection: Connection, resource: str, query: str = "") -> str:
    path = reverse("browse:table", args=[connection.team.slug, connection.slug, resource])
    return path + query


def record_url(connection: Connection, resource: str, record_id: str) -> str:
    return reverse(
        "browse:record", args=[connection.team.slug, connection.slug, resource, record_id]
    )
