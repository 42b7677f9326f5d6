"""Start simulators in daemon threads and drive them from Python."""

from __future__ import annotations

import ipaddress
import os
import threading
from collections.abc import Mapping
from typing import Any

from .atlas import Atlas
from .beacon import Beacon
from .faults import Faults
from .linkit import Linkit
from .parallax import Parallax
from .parsalink import ParsaLink
from .simulator import Simulator
from .store import Store
from .vendor import Config, Vendor
from .wire import Server

DIALECTS: dict[str, type[Vendor]] = {
    dialect.name: dialect for dialect in (ParsaLink, Parallax, Beacon, Linkit, Atlas)
}


class SimulatorHandle:
    """A simulator serving in a daemon thread; the in-process twin of its control API."""

    def __init__(self, vendor: str, simulator: Simulator, server: Server) -> None:
        self.vendor = vendor
        self._simulator = simulator
        self._server = server
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True, name=vendor
        )
        self._thread.start()

    @property
    def credentials(self) -> dict[str, str]:
        return dict(self._simulator.vendor.credentials)

    @property
    def store(self) -> Store:
        """The collections by name; iterate one for its records in storage order."""
        return self._simulator.vendor.store

    def set_faults(self, **switches: Any) -> dict[str, Any]:
        with self._simulator.lock:
            return self._simulator.set_faults(switches)

    def configure(self, **settings: Any) -> dict[str, Any]:
        with self._simulator.lock:
            return self._simulator.configure(settings)

    def reset(self) -> None:
        with self._simulator.lock:
            self._simulator.reset()

    def stats(self) -> dict[str, Any]:
        with self._simulator.lock:
            return self._simulator.snapshot()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_simulator(
    vendor: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    records: int = 10_000,
    seed: int = 1,
    limit: int | None = None,
    window: float | None = None,
    write_limit: int | None = None,
    burst: int | None = None,
    access_ttl: float | None = None,
    credentials: Mapping[str, str] | None = None,
    **faults: Any,
) -> SimulatorHandle:
    """Start the `vendor` simulator on `host:port` (0: a free port) and return its handle.

    `faults` are the switches of `POST /__sim__/faults` (latency_ms=..., storm_429=...).
    Credentials are the vendor's defaults, overridden by `SIM_<VENDOR>_<KEY>` environment
    variables, overridden by `credentials`.
    """
    if vendor not in DIALECTS:
        raise ValueError(f"unknown vendor {vendor!r}; choose from {', '.join(DIALECTS)}")
    if not _is_loopback(host):
        raise ValueError(f"simulators listen on an IPv4 loopback address only, not {host!r}")
    dialect = DIALECTS[vendor]
    config = Config()
    config.update(
        {
            "records": records,
            "seed": seed,
            "limit": limit,
            "window": window,
            "write_limit": write_limit,
            "burst": burst,
            "access_ttl": access_ttl,
        }
    )
    switches = Faults()
    switches.update(faults)
    simulator = Simulator(dialect(config, demo_credentials(vendor, credentials)), switches)
    return SimulatorHandle(vendor, simulator, Server((host, port), simulator))


def demo_credentials(vendor: str, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The vendor's demo credentials after environment and explicit overrides."""
    defaults = DIALECTS[vendor].default_credentials
    unknown = set(overrides or {}) - set(defaults)
    if unknown:
        raise ValueError(f"{vendor} has no credential {', '.join(sorted(unknown))}")
    from_env = {
        key: os.environ[variable]
        for key in defaults
        if (variable := f"SIM_{vendor.upper()}_{key.upper()}") in os.environ
    }
    return {**defaults, **from_env, **(overrides or {})}


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False
