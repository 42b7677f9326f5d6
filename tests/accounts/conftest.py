"""Fixtures for the account tests: a person who can sign in."""

from __future__ import annotations

from typing import Any

import pytest

PASSWORD = "a-long-pass-phrase-42"


@pytest.fixture
def person(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(
        email="person@example.com", password=PASSWORD, full_name="Pat Person"
    )


def sign_in(
    client: Any, email: str = "person@example.com", password: str = PASSWORD, **extra: Any
) -> Any:
    """Post the sign-in form as a browser would."""
    return client.post("/accounts/login/", {"username": email, "password": password}, **extra)
