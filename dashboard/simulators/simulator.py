"""One running simulator: the request pipeline around a vendor dialect, plus the control API.

Pipeline for an API request: statistics, latency, redirect and failure faults, public endpoints
(logins), authentication, the rate limiter (which counts the request whatever the outcome), the
429 storm, then the vendor's routing. Oversized and slow bodies are applied to the response.
The control API under `/__sim__/` is unauthenticated and never counted.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .faults import Faults
from .vendor import Reply, Vendor
from .wire import Request, Response, json_response, redirect

CONTROL_PREFIX = "/__sim__/"
CREDENTIAL_HEADERS = ("Authorization", "X-API-KEY")


@dataclass
class Stats:
    requests: int = 0
    rate_limited: int = 0
    by_path: Counter[str] = field(default_factory=Counter)
    auth_headers_seen: deque[str] = field(default_factory=lambda: deque(maxlen=20))

    def record(self, request: Request) -> None:
        self.requests += 1
        self.by_path[request.path] += 1
        self.auth_headers_seen.extend(
            value for name in CREDENTIAL_HEADERS if (value := request.header(name)) is not None
        )


class Simulator:
    def __init__(self, vendor: Vendor, faults: Faults) -> None:
        self.vendor = vendor
        self.faults = faults
        self.stats = Stats()
        self.lock = threading.Lock()
        self._control: dict[tuple[str, str], Callable[[Any], Any]] = {
            ("GET", "stats"): lambda _: self.snapshot(),
            ("GET", "faults"): lambda _: self.faults.as_dict(),
            ("POST", "faults"): self.set_faults,
            ("POST", "reset"): lambda _: self.reset(),
            ("GET", "config"): lambda _: self.vendor.settings(),
            ("POST", "config"): self.configure,
        }

    def __call__(self, request: Request) -> Response:
        if request.path.startswith(CONTROL_PREFIX):
            return self.control(request)
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000)
        with self.lock:
            response = self._api(request)
            padded_size = self.faults.take_oversize() if response.listing else 0
            response.trickle_ms = self.faults.slow_body_ms
        if len(response.body) < padded_size:
            response.body += b" " * (padded_size - len(response.body))
        return response

    # --- control ------------------------------------------------------------------------------

    def control(self, request: Request) -> Response:
        action = self._control.get((request.method, request.path[len(CONTROL_PREFIX) :]))
        if action is None:
            return json_response(404, {"error": "unknown control endpoint"})
        try:
            body = request.json()
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            with self.lock:
                return json_response(200, action(body))
        except ValueError as exc:
            return json_response(400, {"error": str(exc)})

    def set_faults(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        self.faults.update(changes)
        return self.faults.as_dict()

    def configure(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        self.vendor.reconfigure(changes)
        return self.vendor.settings()

    def reset(self) -> dict[str, Any]:
        """Clear faults, statistics and rate-limit counters."""
        self.faults.clear()
        self.stats = Stats()
        self.vendor.limiters = self.vendor.make_limiters()
        return {"reset": True}

    def snapshot(self) -> dict[str, Any]:
        peaks = {scope: limiter.peak for scope, limiter in self.vendor.limiters.items()}
        return {
            "requests": self.stats.requests,
            "rate_limited": self.stats.rate_limited,
            "max_in_window": max(peaks.values(), default=0),
            "max_in_window_by_scope": peaks,
            "by_path": dict(self.stats.by_path),
            "auth_headers_seen": list(self.stats.auth_headers_seen),
        }

    # --- API ----------------------------------------------------------------------------------

    def _api(self, request: Request) -> Response:
        self.stats.record(request)
        request.origin = self.faults.foreign_next_link or request.origin
        target = self.faults.take_redirect()
        if target:
            return redirect(302, target)
        failure = self.faults.take_failure()
        if failure:
            return failure.render(self.vendor.error)
        try:
            return self._authorized(request)
        except Reply as reply:
            return reply.response

    def _authorized(self, request: Request) -> Response:
        public = self.vendor.public(request)
        if public is not None:
            return public
        account = self.vendor.authenticate(request)
        state = self.vendor.limiter(request).hit(account)
        if self.faults.take_storm():
            state = state.refused(self.faults.storm_retry_after)
        if not state.allowed:
            self.stats.rate_limited += 1
            return self.vendor.throttled(state)
        try:
            response = self.vendor.dispatch(request, account)
        except Reply as reply:
            response = reply.response
        response.headers.update(self.vendor.rate_headers(state))
        return response
