"""Fixtures for the connections tests: users, teams, connections and a tiny vendor server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.cache import caches

from dashboard.connections import services
from dashboard.connections.models import Connection
from dashboard.connectors.client import close_sessions
from dashboard.teams.models import Membership, Role, Team

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
KEY_C = Fernet.generate_key().decode()
SECRET = "lk_live_do_not_leak_9c1e4f2a"
OTHER_SECRET = "lk_live_replacement_77b3d0e5"


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    """Each test starts with an empty cache (rate budgets, locks) and no pooled sessions."""
    caches["default"].clear()
    yield
    close_sessions()
    caches["default"].clear()


@pytest.fixture
def make_user(django_user_model: Any) -> Callable[..., Any]:
    def make(email: str) -> Any:
        return django_user_model.objects.create_user(email=email, password="pw-12345678")

    return make


@pytest.fixture
def team() -> Team:
    return Team.objects.create(name="Operations", slug="ops")


@pytest.fixture
def member_of(team: Team, make_user: Callable[..., Any]) -> Callable[..., Any]:
    def make(email: str, role: Role = Role.VIEWER, in_team: Team | None = None) -> Any:
        user = make_user(email)
        Membership.objects.create(team=in_team or team, user=user, role=role)
        return user

    return make


def linkit_settings(**overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "name": "Linkit",
        "preset": "linkit",
        "base_url": "http://127.0.0.1:8704",
        "spec_toml": "",
        "variables": {},
        "secrets": {"LINKIT_API_KEY": SECRET},
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def connection(team: Team) -> Connection:
    return services.connection_create(team=team, **linkit_settings())


class VendorServer:
    """A local HTTP server answering like Parallax (`X-API-KEY`, problem details)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.answer: tuple[int, dict[str, str], dict[str, Any]] | None = None
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                status, headers, body = server.respond(self.headers.get("X-API-KEY"))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def respond(self, key: str | None) -> tuple[int, dict[str, str], dict[str, Any]]:
        if self.answer is not None:
            return self.answer
        if key != self.key:
            return 401, {}, {"title": "Unauthorized", "status": 401, "detail": "Invalid API key"}
        return 200, {}, {"results": [{"id": 1}], "total": 10000, "total_pages": 10000}

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def vendor() -> Iterator[VendorServer]:
    server = VendorServer(SECRET)
    yield server
    server.close()
