"""Fixtures for the team tests: a team with one member per role, and another team."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from dashboard.connections import services as connection_services
from dashboard.connections.models import Connection
from dashboard.teams.models import Membership, Role, Team

PASSWORD = "a-long-pass-phrase-42"


@pytest.fixture
def team() -> Team:
    return Team.objects.create(name="Operations", slug="ops")


@pytest.fixture
def other_team() -> Team:
    return Team.objects.create(name="Elsewhere", slug="elsewhere")


@pytest.fixture
def member_of(team: Team, django_user_model: Any) -> Callable[..., Membership]:
    """Make a user with a role in a team (the `team` fixture unless `in_team` is given)."""

    def make(email: str, role: Role = Role.VIEWER, in_team: Team | None = None) -> Membership:
        user = django_user_model.objects.filter(email=email).first()
        if user is None:
            user = django_user_model.objects.create_user(email=email, password=PASSWORD)
        return Membership.objects.create(team=in_team or team, user=user, role=role)

    return make


@pytest.fixture
def owner(member_of: Callable[..., Membership]) -> Membership:
    return member_of("owner@example.com", Role.OWNER)


@pytest.fixture
def admin(member_of: Callable[..., Membership]) -> Membership:
    return member_of("admin@example.com", Role.ADMIN)


@pytest.fixture
def editor(member_of: Callable[..., Membership]) -> Membership:
    return member_of("editor@example.com", Role.EDITOR)


@pytest.fixture
def viewer(member_of: Callable[..., Membership]) -> Membership:
    return member_of("viewer@example.com", Role.VIEWER)


@pytest.fixture
def as_member() -> Callable[[Membership], Client]:
    """A test client signed in as the membership's user (a fresh client each call)."""

    def sign_in(membership: Membership) -> Client:
        client = Client()
        client.force_login(membership.user)
        return client

    return sign_in


@pytest.fixture
def connection(team: Team) -> Connection:
    """A connection to nowhere (nothing here calls the vendor)."""
    return connection_services.connection_create(
        team=team,
        name="Linkit",
        preset="linkit",
        base_url="http://127.0.0.1:9",
        spec_toml="",
        variables={},
        secrets={"LINKIT_API_KEY": "lk_test_key_1234"},
    )
