"""A process-wide set of secret values, so that logs can scrub them wherever they appear.

The client registers every credential it is given (and tokens it obtains are never logged);
the logging filter in `dashboard.core.observability` replaces any registered value, and any
credential-bearing header, with `[redacted]`.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable

MIN_LENGTH = 4
# Login tokens come and go: only the most recent are kept (a log line could quote one that
# is still valid); credentials stay for the life of the process.
MAX_TOKENS = 256
_SECRETS: set[str] = set()
_TOKENS: OrderedDict[str, None] = OrderedDict()
_LOCK = threading.Lock()
_PATTERN: re.Pattern[str] | None = None

# `Authorization: Bearer abc`, `X-API-KEY: abc`, `"password": "abc"` and similar.
CREDENTIAL_SHAPES = re.compile(
    r"(?i)(authorization|x-api-key|api[-_]?key|password|secret|token|access|refresh)"
    r"""(["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|token)\s+)?[^\s"',;}]+"""
)


def register_secrets(values: Iterable[str]) -> None:
    """Credentials, hidden from every log line from now on."""
    fresh = {value for value in values if len(value) >= MIN_LENGTH} - _SECRETS
    if fresh:
        with _LOCK:
            _SECRETS.update(fresh)
            _compile()


def register_tokens(values: Iterable[str]) -> None:
    """Tokens a login or refresh obtained; the oldest are forgotten past `MAX_TOKENS`."""
    fresh = [value for value in values if len(value) >= MIN_LENGTH and value not in _TOKENS]
    if fresh:
        with _LOCK:
            _TOKENS.update(dict.fromkeys(fresh))
            while len(_TOKENS) > MAX_TOKENS:
                _TOKENS.popitem(last=False)
            _compile()


def _compile() -> None:
    global _PATTERN
    ordered = sorted(_SECRETS | set(_TOKENS), key=len, reverse=True)
    _PATTERN = re.compile("|".join(re.escape(value) for value in ordered))


def redact_registered(text: str) -> str:
    """`text` with every registered secret (credentials, tokens) hidden."""
    pattern = _PATTERN
    return pattern.sub("[redacted]", text) if pattern is not None else text


def redact(text: str) -> str:
    """`text` with registered secrets and credential-looking `name: value` pairs hidden."""
    return CREDENTIAL_SHAPES.sub(r"\1\2[redacted]", redact_registered(text))
