"""Fixtures for the snapshot and export tests: browse's simulators, connections and members,
plus the reference collections the simulators hold."""

from __future__ import annotations

from typing import Any

from dashboard.browse.selectors import source_for
from dashboard.connections.models import Connection
from dashboard.simulators import SimulatorHandle
from dashboard.snapshots import services
from dashboard.snapshots.models import Snapshot
from tests.browse.conftest import (
    BIG,
    RECORDS,
    _fresh_state,
    admin_client,
    connection_to,
    make_user,
    member_of,
    simulators,
    table_url,
    team,
    viewer,
    viewer_client,
)

__all__ = [
    "BIG",
    "RECORDS",
    "_fresh_state",
    "admin_client",
    "connection_to",
    "make_user",
    "member_of",
    "simulators",
    "table_url",
    "team",
    "viewer",
    "viewer_client",
]


def collection(handle: SimulatorHandle, resource: str) -> list[dict[str, Any]]:
    """The records the vendor serves for `resource`: Atlas only those of the first
    organisational unit, the one the test connections select."""
    records = list(handle.store[resource])
    if handle.vendor == "atlas":
        unit = next(iter(handle.store["org-units"]))["id"]
        records = [record for record in records if record.get("org_unit_id") == unit]
    return records


def take(connection: Connection, resource: str, user: Any = None) -> Snapshot:
    """Take a snapshot (tasks run at once in the tests) and return it as it ended."""
    source = source_for(connection=connection, resource=resource)
    snapshot = services.snapshot_start(source=source, user=user)
    snapshot.refresh_from_db()
    return snapshot
