"""Writes to a person's own account."""

from __future__ import annotations

from typing import Any


def user_update(*, user: Any, full_name: str) -> Any:
    user.full_name = full_name.strip()
    user.save(update_fields=["full_name"])
    return user
