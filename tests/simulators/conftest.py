"""Fixtures for the simulator tests: start a simulator, get an authorised httpx client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dashboard.simulators import SimulatorHandle, start_simulator

from .support import SMALL, Connect, Launch, authorize, http_client


@pytest.fixture
def launch() -> Iterator[Launch]:
    handles: list[SimulatorHandle] = []

    def start(vendor: str, **options: Any) -> SimulatorHandle:
        options.setdefault("records", SMALL)
        handle = start_simulator(vendor, **options)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture
def connect(launch: Launch) -> Iterator[Connect]:
    clients: list[httpx.Client] = []

    def open_client(vendor: str, **options: Any) -> tuple[SimulatorHandle, httpx.Client]:
        handle = launch(vendor, **options)
        client = http_client(handle)
        clients.append(client)
        authorize(handle, client)
        return handle, client

    yield open_client
    for client in clients:
        client.close()
