"""Writes for browsing: a user's column choice per connection and resource."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.base_user import AbstractBaseUser

from dashboard.connections.models import Connection

from .columns import clean_columns
from .models import ColumnPreference


def column_preference_save(
    *, user: AbstractBaseUser, connection: Connection, resource: str, columns: Sequence[str]
) -> list[str]:
    """Remember `columns` (checked, at least one) for the user; returns what was saved."""
    cleaned = clean_columns(columns)
    if not cleaned:
        raise ValueError("Choose at least one column.")
    ColumnPreference.objects.update_or_create(
        user=user, connection=connection, resource=resource, defaults={"columns": cleaned}
    )
    return cleaned


def column_preference_clear(
    *, user: AbstractBaseUser, connection: Connection, resource: str
) -> None:
    """Back to the default columns."""
    ColumnPreference.objects.filter(user=user, connection=connection, resource=resource).delete()
