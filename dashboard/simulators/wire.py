"""HTTP plumbing shared by every simulator: parsed requests, responses and the threaded server."""

from __future__ import annotations

import json
import socketserver
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

JSON = "application/json"
TRICKLE_CHUNKS = 10


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes = b""
    origin: str = ""

    @classmethod
    def parse(cls, method: str, target: str, headers: Message, body: bytes) -> Request:
        parts = urlsplit(target)
        return cls(
            method=method,
            path=unquote(parts.path),
            query_string=parts.query,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=headers,
            body=body,
            origin=f"http://{headers.get('Host', '')}",
        )

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> Any:
        """The decoded JSON body; an empty body reads as `{}`. Raises ValueError when malformed."""
        if not self.body.strip():
            return {}
        return json.loads(self.body)

    @property
    def url(self) -> str:
        """The absolute URL of this request, on `origin`."""
        return f"{self.origin}{self.path}" + (f"?{self.query_string}" if self.query_string else "")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    listing: bool = False
    trickle_ms: int = 0


def json_response(
    status: int, payload: Any, headers: Mapping[str, str] | None = None, *, listing: bool = False
) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, body, {"Content-Type": JSON, **(headers or {})}, listing=listing)


def phrase(status: int) -> str:
    """The reason phrase of `status` ("Error" for a code Python does not know)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def no_content() -> Response:
    return Response(204)


def redirect(status: int, location: str) -> Response:
    return Response(status, headers={"Location": location})


class Server(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server that hands every parsed request to `app`."""

    daemon_threads = True
    # socketserver's default backlog is 5: a burst of new connections beyond that has its
    # SYNs dropped and retried a second later, a delay no real vendor's server adds.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: Callable[[Request], Response]) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on a slow resolver.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "simulator"
    sys_version = ""
    timeout = 60
    server: Server

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Bad Content-Length")
            return
        body = self.rfile.read(length) if length > 0 else b""
        request = Request.parse(self.command, self.path, self.headers, body)
        response = self.server.app(request)
        try:
            self._send(response)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if not response.trickle_ms:
            self.wfile.write(response.body)
            return
        step = -(-len(response.body) // TRICKLE_CHUNKS) or 1
        pause = response.trickle_ms / 1000 / TRICKLE_CHUNKS
        for start in range(0, max(len(response.body), 1), step):
            time.sleep(pause)
            self.wfile.write(response.body[start : start + step])
            self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        return
