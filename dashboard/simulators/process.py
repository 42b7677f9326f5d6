"""A simulator in its own process, for measurements the caller's threads must not disturb
(rate-limit timing, benchmarks): the same settings as `start_simulator`, driven through the
command line and the `/__sim__/` control API."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from typing import Any

from .simulator import CONTROL_PREFIX


class SimulatorProcess:
    """`python -m dashboard.simulators --vendor <vendor> ...` with its URL and credentials."""

    def __init__(self, vendor: str, **settings: Any) -> None:
        self.vendor = vendor
        arguments = [
            argument
            for name, value in settings.items()
            if value is not None
            for argument in (f"--{name.replace('_', '-')}", str(value))
        ]
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dashboard.simulators",
                "--vendor",
                vendor,
                "--port-base",
                "0",
                *arguments,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self._process.stdout.readline() if self._process.stdout else ""
        name, url, _, credentials = line.split(" ", 3) if line else ("", "", "", "")
        if name != vendor:
            self.stop()
            raise RuntimeError(f"the {vendor} simulator did not start: {line!r}")
        self.url = url
        self.credentials: dict[str, str] = json.loads(credentials)

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}{CONTROL_PREFIX}stats", timeout=10) as response:
            return json.load(response)

    def stop(self) -> None:
        self._process.terminate()
        self._process.communicate(timeout=10)

    def __enter__(self) -> SimulatorProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
