"""Fixtures for engine tests against the vendor simulators over real sockets."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache

from dashboard.connectors.client import ClientOptions, VendorClient, close_sessions
from dashboard.connectors.spec import ConnectorSpec, merge_spec, parse_spec
from dashboard.demo import SIMULATOR_SECRETS
from dashboard.simulators import SimulatorHandle, start_simulator

# The collection with at least 10,000 records by default, per preset.
BIG = {
    "parsalink": "contacts",
    "parallax": "projects",
    "beacon": "subscribers",
    "linkit": "products",
    "atlas": "people",
}


def preset_environ(vendor: str, handle: SimulatorHandle) -> dict[str, str]:
    credentials = handle.credentials
    environ = {name: credentials[key] for name, key in SIMULATOR_SECRETS[vendor].items()}
    if vendor == "atlas":
        environ["ATLAS_ORG_UNIT"] = next(iter(handle.store["org-units"]))["id"]
    return environ


def preset_spec(vendor: str, handle: SimulatorHandle, **overrides: Any) -> ConnectorSpec:
    data = merge_spec({"preset": vendor, "base_url": handle.url}, overrides)
    return parse_spec(data, preset_environ(vendor, handle))


@pytest.fixture
def launch() -> Iterator[Callable[..., SimulatorHandle]]:
    handles: list[SimulatorHandle] = []

    def start(vendor: str, **options: Any) -> SimulatorHandle:
        options.setdefault("records", 230)
        handle = start_simulator(vendor, **options)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture
def client_for() -> Iterator[Callable[..., VendorClient]]:
    """A VendorClient with its own rate-budget cache and loopback allowed."""

    def make(spec: ConnectorSpec, **options: Any) -> VendorClient:
        options.setdefault("allow_private_hosts", True)
        options.setdefault("rate_limit_max_wait", 10.0)
        return VendorClient(
            spec, cache=LocMemCache(f"live-{uuid.uuid4()}", {}), options=ClientOptions(**options)
        )

    yield make
    close_sessions()
