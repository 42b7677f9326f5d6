"""Fixtures for the connections tests: users, teams and connections."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.cache import caches

from dashboard.connections import services
from dashboard.connections.models import Connection
from dashboard.connectors.client import close_sessions
from dashboard.teams.models import Membership, Role, Team

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
KEY_C = Fernet.generate_key().decode()
SECRET = "lk_live_do_not_leak_9c1e4f2a"
OTHER_SECRET = "lk_live_replacement_77b3d0e5"


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    """Each test starts with an empty cache (rate budgets, locks) and no pooled sessions."""
    caches["default"].clear()
    yield
    close_sessions()
    caches["default"].clear()


@pytest.fixture
def make_user(django_user_model: Any) -> Callable[..., Any]:
    def make(email: str) -> Any:
        return django_user_model.objects.create_user(email=email, password="pw-12345678")

    return make


@pytest.fixture
def team() -> Team:
    return Team.objects.create(name="Operations", slug="ops")


@pytest.fixture
def member_of(team: Team, make_user: Callable[..., Any]) -> Callable[..., Any]:
    def make(email: str, role: Role = Role.VIEWER, in_team: Team | None = None) -> Any:
        user = make_user(email)
        Membership.objects.create(team=in_team or team, user=user, role=role)
        return user

    return make


def linkit_settings(**overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "name": "Linkit",
        "preset": "linkit",
        "base_url": "http://127.0.0.1:8704",
        "spec_toml": "",
        "variables": {},
        "secrets": {"LINKIT_API_KEY": SECRET},
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def connection(team: Team) -> Connection:
    return services.connection_create(team=team, **linkit_settings())
