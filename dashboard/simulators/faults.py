"""Fault injection: switches a test flips at run time to make a simulator misbehave."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from .wire import JSON, Response, phrase

BODY_KINDS = ("vendor", "html", "malformed", "empty", "text")
MEGABYTE = 1024 * 1024


@dataclass
class Failure:
    """Answer the next `count` API requests with `status` and a body of the given kind."""

    status: int
    count: int = 1
    body: str = "vendor"

    @classmethod
    def parse(cls, value: Mapping[str, Any]) -> Failure:
        if (
            not isinstance(value, Mapping)
            or "status" not in value
            or set(value) - {"status", "count", "body"}
        ):
            raise ValueError("fail_next takes an object with status and optional count, body")
        failure = cls(**value)
        if not _is_int(failure.status) or not 400 <= failure.status <= 599:
            raise ValueError("fail_next.status must be an HTTP error status (400-599)")
        if not _is_int(failure.count) or failure.count < 1:
            raise ValueError("fail_next.count must be a positive integer")
        if failure.body not in BODY_KINDS:
            raise ValueError(f"fail_next.body must be one of {', '.join(BODY_KINDS)}")
        return failure

    def render(self, vendor_error: Callable[[int], Response]) -> Response:
        reason = phrase(self.status)
        match self.body:
            case "vendor":
                return vendor_error(self.status)
            case "html":
                page = (
                    f"<!DOCTYPE html><html><head><title>{self.status} {reason}</title></head>"
                    f"<body><center><h1>{self.status} {reason}</h1></center><hr>"
                    "<center>nginx</center></body></html>"
                )
                return Response(self.status, page.encode(), {"Content-Type": "text/html"})
            case "malformed":
                return Response(self.status, b'{"detail": "upstream fail', {"Content-Type": JSON})
            case "empty":
                return Response(self.status, b"", {"Content-Type": JSON})
            case _:
                text = f"{self.status} {reason}: upstream connect error\n".encode()
                return Response(self.status, text, {"Content-Type": "text/plain"})


@dataclass
class Faults:
    latency_ms: int = 0
    storm_429: int = 0
    storm_retry_after: int = 1
    fail_next: Failure | None = None
    slow_body_ms: int = 0
    oversized_body_mb: float = 0
    foreign_next_link: str | None = None
    redirect_to: str | None = None

    def update(self, changes: Mapping[str, Any]) -> None:
        """Apply a subset of switches; raises ValueError (changing nothing) on a bad one."""
        known = {spec.name for spec in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown fault switch: {', '.join(unknown)}")
        parsed = {name: _parse(name, value) for name, value in changes.items()}
        for name, value in parsed.items():
            setattr(self, name, value)

    def clear(self) -> None:
        for spec in fields(self):
            setattr(self, spec.name, spec.default)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def take_redirect(self) -> str | None:
        target, self.redirect_to = self.redirect_to, None
        return target

    def take_failure(self) -> Failure | None:
        failure = self.fail_next
        if failure is not None:
            failure.count -= 1
            if failure.count == 0:
                self.fail_next = None
        return failure

    def take_storm(self) -> bool:
        if self.storm_429 <= 0:
            return False
        self.storm_429 -= 1
        return True

    def take_oversize(self) -> int:
        """The size in bytes the next list response must reach (0: no padding)."""
        size, self.oversized_body_mb = self.oversized_body_mb, 0
        return int(size * MEGABYTE)


def _parse(name: str, value: Any) -> Any:
    if name == "fail_next":
        return None if value is None else Failure.parse(value)
    if name in ("foreign_next_link", "redirect_to"):
        if value is None:
            return None
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise ValueError(f"{name} must be an absolute http(s) URL or null")
        return value.rstrip("/") if name == "foreign_next_link" else value
    if name == "oversized_body_mb":
        if not _is_number(value) or value < 0:
            raise ValueError(f"{name} must be a non-negative number")
        return float(value)
    minimum = 1 if name == "storm_retry_after" else 0
    if not _is_int(value) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
