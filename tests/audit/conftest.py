"""Fixtures for the audit tests: a team with members, a connection, and signed-in clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from dashboard.connections import services
from dashboard.connections.models import Connection
from dashboard.teams.models import Role, Team
from tests.connections.conftest import (
    SECRET,
    _fresh_state,
    linkit_settings,
    make_user,
    member_of,
    team,
)

__all__ = ["SECRET", "_fresh_state", "make_user", "member_of", "team"]


@pytest.fixture
def admin(member_of: Callable[..., Any]) -> Any:
    return member_of("admin@example.com", Role.ADMIN)


@pytest.fixture
def admin_client(admin: Any) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def connection(team: Team) -> Connection:
    return services.connection_create(team=team, **linkit_settings())
