"""A process-wide set of secret values, so that logs can scrub them wherever they appear.

The client registers every credential it is given (and tokens it obtains are never logged);
the logging filter in `dashboard.core.observability` replaces any registered value, and any
credential-bearing header, with `[redacted]`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

MIN_LENGTH = 4
_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_PATTERN: re.Pattern[str] | None = None

# `Authorization: Bearer abc`, `X-API-KEY: abc`, `"password": "abc"` and similar.
CREDENTIAL_SHAPES = re.compile(
    r"(?i)(authorization|x-api-key|api[-_]?key|password|secret|token|access|refresh)"
    r"""(["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|token)\s+)?[^\s"',;}]+"""
)


def register_secrets(values: Iterable[str]) -> None:
    global _PATTERN
    fresh = {value for value in values if len(value) >= MIN_LENGTH} - _SECRETS
    if not fresh:
        return
    with _LOCK:
        _SECRETS.update(fresh)
        ordered = sorted(_SECRETS, key=len, reverse=True)
        _PATTERN = re.compile("|".join(re.escape(value) for value in ordered))


def redact_registered(text: str) -> str:
    """`text` with every registered secret (credentials, tokens) hidden."""
    pattern = _PATTERN
    return pattern.sub("[redacted]", text) if pattern is not None else text


def redact(text: str) -> str:
    """`text` with registered secrets and credential-looking `name: value` pairs hidden."""
    return CREDENTIAL_SHAPES.sub(r"\1\2[redacted]", redact_registered(text))
