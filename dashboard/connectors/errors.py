"""One error shape for everything that can go wrong while talking to a vendor.

Banners and forms read only `VendorError`: `message` is the one line a banner shows;
`field_errors` map the vendor's field names to messages; `non_field_errors` are the general
messages the vendor listed (a form shows them, or `message` when there are none, above the
fields). Vendor text is clipped to `MAX_TEXT` characters and the message never contains
request headers or credentials.

`error_from_response` reads the error body dialects of `ErrorSpec.shape`;
`error_from_exception` turns transport failures (timeouts, refused connections, TLS) into
plain words.
"""

from __future__ import annotations

import html
import json
import re
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal, TypedDict, Unpack

import httpcore
import httpx

from .redaction import redact_registered

ErrorKind = Literal[
    "http",
    "timeout",
    "unreachable",
    "tls",
    "too_large",
    "invalid_response",
    "blocked",
    "rate_limited",
    "pagination",
    "unknown_outcome",
]
Shape = Literal[
    "auto", "drf", "problem_details", "errors_list", "code_error_details", "error_message"
]

MAX_TEXT = 300
MAX_TEXT_LINE = 200
MAX_TITLE = 120
MAX_NAME = 100  # field names and machine codes

STATUS_MESSAGES = {
    400: "The vendor rejected the request as invalid",
    401: "The vendor rejected the credentials",
    403: "The vendor refused access to this resource",
    404: "Not found at the vendor",
    409: "The vendor reported a conflict",
    422: "The vendor could not process the data",
    429: "Rate limited by the vendor",
}
SERVER_ERROR_MESSAGE = "The vendor had an internal error; try again"
HTML_PAGE_MESSAGE = "The vendor returned an HTML error page"

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_MACHINE_CODE = re.compile(r"[a-z0-9]+(?:[_.-][a-z0-9]+)*")


class ErrorDetails(TypedDict, total=False):
    status: int | None
    field_errors: dict[str, list[str]]
    non_field_errors: list[str]
    retry_after: float | None
    code: str | None


class VendorError(Exception):
    """A vendor call that failed; `kind` says how, `message` says it in plain words."""

    def __init__(
        self,
        *,
        kind: ErrorKind,
        message: str,
        status: int | None = None,
        field_errors: dict[str, list[str]] | None = None,
        non_field_errors: list[str] | None = None,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.field_errors = field_errors or {}
        self.non_field_errors = non_field_errors or []
        self.retry_after = retry_after
        self.code = code

    def __str__(self) -> str:
        return self.message

    def scrub(self, secrets: Iterable[str]) -> None:
        """Replace any of `secrets`, or of the registered credentials and login tokens, that
        the vendor echoed back in its text."""
        words = [secret for secret in secrets if len(secret) >= 4]

        def clean(text: str) -> str:
            for word in words:
                text = text.replace(word, "[redacted]")
            return redact_registered(text)

        self.message = clean(self.message)
        self.args = (self.message,)
        self.non_field_errors = [clean(text) for text in self.non_field_errors]
        self.field_errors = {
            field: [clean(text) for text in texts] for field, texts in self.field_errors.items()
        }


class RateLimited(VendorError):
    """The vendor (status 429) or the shared budget refused; `reset_at` is epoch seconds."""

    def __init__(
        self,
        *,
        message: str = STATUS_MESSAGES[429],
        reset_at: float | None = None,
        **details: Unpack[ErrorDetails],
    ) -> None:
        super().__init__(kind="rate_limited", message=message, **details)
        self.reset_at = reset_at

    def retry_at(self, *, now: float) -> float | None:
        """When the request may be tried again (epoch seconds), if known."""
        if self.reset_at is not None:
            return self.reset_at
        return None if self.retry_after is None else now + self.retry_after


# --- responses ------------------------------------------------------------------------------


@dataclass
class _Parsed:
    """What one body said: a headline, field errors, general messages, a machine code."""

    summary: str | None = None
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    non_field_errors: list[str] = field(default_factory=list)
    code: str | None = None


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    shape: Shape = "auto",
    retry_after: float | None = None,
    reset_at: float | None = None,
) -> VendorError:
    """The `VendorError` for an error response; a 429 gives `RateLimited`."""
    parsed = _parse_body(_header(headers, "content-type"), body, shape)
    message = parsed.summary or "; ".join(parsed.non_field_errors) or default_message(status)
    details = ErrorDetails(
        status=status,
        field_errors=parsed.field_errors,
        non_field_errors=parsed.non_field_errors,
        retry_after=retry_after,
        code=parsed.code,
    )
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return RateLimited(message=_clip(message), reset_at=reset_at, **details)
    return VendorError(kind="http", message=_clip(message), **details)


def default_message(status: int) -> str:
    """Plain words for a status when the body says nothing usable."""
    if status in STATUS_MESSAGES:
        return STATUS_MESSAGES[status]
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return SERVER_ERROR_MESSAGE
    try:
        return f"The vendor answered {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"The vendor answered with status {status}"


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((value for key, value in headers.items() if key.lower() == name), "")


def _parse_body(content_type: str, body: bytes, shape: Shape) -> _Parsed:
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return _Parsed()
    if "json" in content_type.lower() or text[0] in "{[":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return _Parsed()
        return _parse_json(data, shape)
    if "html" in content_type.lower() or text[0] == "<":
        return _Parsed(summary=_html_title(text))
    return _Parsed(summary=_clip(text.splitlines()[0], MAX_TEXT_LINE))


def _html_title(page: str) -> str:
    match = _TITLE.search(page)
    title = " ".join(html.unescape(match.group(1)).split()) if match else ""
    return title if 0 < len(title) <= MAX_TITLE else HTML_PAGE_MESSAGE


def _parse_json(data: Any, shape: Shape) -> _Parsed:
    if isinstance(data, str):
        return _Parsed(summary=_text(data))
    if isinstance(data, list):
        fields, general = _read_items(data, fallback=None)
        return _Parsed(field_errors=fields, non_field_errors=general)
    if not isinstance(data, dict):
        return _Parsed()
    return _PARSERS[_recognise(data) if shape == "auto" else shape](data)


def _recognise(data: dict[str, Any]) -> Shape:
    """The shape of an error object, most specific first; DRF takes whatever is left."""
    if isinstance(data.get("title"), str) or isinstance(data.get("type"), str):
        return "problem_details"
    if isinstance(data.get("message"), str) or isinstance(data.get("error_description"), str):
        return "error_message"
    if isinstance(data.get("error"), str):
        return "code_error_details"
    if isinstance(data.get("errors"), list):
        return "errors_list"
    return "drf"


def _drf(data: dict[str, Any]) -> _Parsed:
    """`{"detail": "..."}`, `{"field": ["..."], "non_field_errors": ["..."]}`."""
    general_keys = ("detail", "non_field_errors")
    fields = _flatten({key: value for key, value in data.items() if key not in general_keys})
    general = [text for key in general_keys for text in _texts(data.get(key))]
    return _Parsed(field_errors=fields, non_field_errors=general)


def _problem_details(data: dict[str, Any]) -> _Parsed:
    """RFC 9110 problem details: `title`, `detail`, and an `errors` map or list."""
    fields, general = _read_errors(data.get("errors"))
    detail = _text(data.get("detail"))
    return _Parsed(
        summary=detail or _text(data.get("title")),
        field_errors=fields,
        non_field_errors=[detail, *general] if detail else general,
        code=_code(data.get("code")),
    )


def _errors_list(data: dict[str, Any]) -> _Parsed:
    """`{"errors": ["...", {"field": "...", "message": "..."}]}`."""
    fields, general = _read_errors(data.get("errors"))
    return _Parsed(field_errors=fields, non_field_errors=general, code=_code(data.get("code")))


def _code_error_details(data: dict[str, Any]) -> _Parsed:
    """`{"code": 400, "error": "Validation failed", "details": {...} | [...] | "..."}`."""
    error = _text(data.get("error"))
    machine_code = _machine_code(error)
    headline = None if machine_code else error
    fields, general = _read_details(data.get("details"), fallback=headline)
    return _Parsed(
        summary=": ".join([headline, *general]) if headline else None,
        field_errors=fields,
        non_field_errors=general,
        code=machine_code or _code(data.get("code")),
    )


def _error_message(data: dict[str, Any]) -> _Parsed:
    """`{"error": "validation_failed", "message": "...", "details": {"field", "code"}}`."""
    message = _text(data.get("message")) or _text(data.get("error_description"))
    fields, general = _read_details(data.get("details"), fallback=message)
    return _Parsed(
        summary=message,
        field_errors=fields,
        non_field_errors=general,
        code=_machine_code(_text(data.get("error"))) or _code(data.get("code")),
    )


_PARSERS: dict[Shape, Callable[[dict[str, Any]], _Parsed]] = {
    "drf": _drf,
    "problem_details": _problem_details,
    "errors_list": _errors_list,
    "code_error_details": _code_error_details,
    "error_message": _error_message,
}


def _read_errors(value: Any) -> tuple[dict[str, list[str]], list[str]]:
    """An `errors` member: a map of field -> messages, or a list of strings or objects."""
    if isinstance(value, dict):
        return _flatten(value), []
    if isinstance(value, list):
        return _read_items(value, fallback=None)
    return {}, _texts(value)


def _read_details(value: Any, *, fallback: str | None) -> tuple[dict[str, list[str]], list[str]]:
    """A `details` member: one object, a list of objects, or a string."""
    if value is None:
        return {}, []
    return _read_items(value if isinstance(value, list) else [value], fallback=fallback)


def _read_items(
    items: list[Any], *, fallback: str | None
) -> tuple[dict[str, list[str]], list[str]]:
    """Strings are general messages; objects carry `field` and `message` (or `detail`).

    A field object without a message gets `fallback` (the body's own message).
    """
    fields: dict[str, list[str]] = {}
    general: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            general.extend(_texts(item))
            continue
        message = _text(item.get("message")) or _text(item.get("detail"))
        name = _text(item.get("field"))
        if name and (text := message or fallback):
            fields.setdefault(name, []).append(text)
        elif message:
            general.append(message)
    return fields, general


def _flatten(errors: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field errors keyed as the vendor wrote them; nested ones as `address.city`, `items.0`."""
    fields: dict[str, list[str]] = {}
    for name, value in errors.items():
        for path, texts in _walk(_clip(str(name), MAX_NAME), value):
            fields.setdefault(path, []).extend(texts)
    return fields


def _walk(path: str, value: Any) -> Iterator[tuple[str, list[str]]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(f"{path}.{key}", inner)
    elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        for index, inner in enumerate(value):
            yield from _walk(f"{path}.{index}", inner)
    elif texts := _texts(value):
        yield path, texts


def _texts(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [text for item in items if (text := _text(item))]


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return _clip(value) or None


def _machine_code(text: str | None) -> str | None:
    """`text` when it reads like a code (`validation_failed`) rather than a sentence."""
    return text if text and _MACHINE_CODE.fullmatch(text) else None


def _code(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return _clip(str(value), MAX_NAME) or None


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    """Whitespace collapsed and at most `limit` characters, so vendor text stays short."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- exceptions -----------------------------------------------------------------------------

_TIMEOUT_MESSAGES: tuple[tuple[type[httpx.TimeoutException], str, str], ...] = (
    (httpx.ConnectTimeout, "connect", "The vendor could not be reached within {}"),
    (httpx.ReadTimeout, "read", "The vendor did not answer within {}"),
    (httpx.WriteTimeout, "write", "Sending the request to the vendor took longer than {}"),
    (httpx.PoolTimeout, "pool", "No connection to the vendor became free within {}"),
)
_FAILURES: tuple[tuple[type[BaseException], ErrorKind, str], ...] = (
    (
        httpx.RemoteProtocolError,
        "unreachable",
        "The vendor closed the connection without a proper answer",
    ),
    (httpx.ProxyError, "unreachable", "The proxy refused to connect to the vendor"),
    (
        httpx.UnsupportedProtocol,
        "unreachable",
        "The vendor address must start with http:// or https://",
    ),
    (httpx.NetworkError, "unreachable", "The connection to the vendor broke off"),
    (httpx.TransportError, "unreachable", "The connection to the vendor failed"),
    (httpx.DecodingError, "invalid_response", "The vendor's answer could not be decoded"),
    (httpx.TooManyRedirects, "invalid_response", "The vendor redirected too many times"),
    (OSError, "unreachable", "Could not connect to the vendor"),
)
UNKNOWN_OUTCOME_MESSAGE = (
    "The request to the vendor failed unexpectedly; it may or may not have taken effect"
)


class BlockedAddress(httpcore.ConnectError):
    """A connection refused by the outbound fence as it was being opened (`fences`)."""


def error_from_exception(exc: BaseException) -> VendorError:
    """The `VendorError` for a failure before any response (timeouts, connections, TLS)."""
    if isinstance(exc, VendorError):
        return exc
    if blocked := _cause(exc, BlockedAddress):
        return VendorError(kind="blocked", message=str(blocked))
    if isinstance(exc, ssl.SSLError | httpx.ConnectError) and (tls := _cause(exc, ssl.SSLError)):
        return VendorError(kind="tls", message=_tls_message(tls))
    if isinstance(exc, httpx.TimeoutException):
        return VendorError(kind="timeout", message=_timeout_message(exc))
    if isinstance(exc, httpx.ConnectError):
        return VendorError(kind="unreachable", message=_connect_message(exc))
    for failure, kind, message in _FAILURES:
        if isinstance(exc, failure):
            return VendorError(kind=kind, message=message)
    return VendorError(kind="unknown_outcome", message=UNKNOWN_OUTCOME_MESSAGE)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _cause[E: BaseException](exc: BaseException, kind: type[E]) -> E | None:
    """The first exception of `kind` in the chain of causes, `exc` included."""
    return next((cause for cause in _causes(exc) if isinstance(cause, kind)), None)


def _tls_message(exc: ssl.SSLError) -> str:
    """OpenSSL's reason when it gave one (the attributes are absent on hand-made errors)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        message = "TLS handshake failed — the certificate could not be verified"
        reason = getattr(exc, "verify_message", None)
    else:
        message = "TLS handshake with the vendor failed"
        code = getattr(exc, "reason", None)
        reason = code.replace("_", " ").lower() if code else None
    return f"{message} ({_clip(reason, MAX_TITLE)})" if reason else message


def _timeout_message(exc: httpx.TimeoutException) -> str:
    for timeout, phase, message in _TIMEOUT_MESSAGES:
        if isinstance(exc, timeout) and (seconds := _timeout_seconds(exc, phase)) is not None:
            return message.format(f"{seconds:g} s")
    return "The vendor did not answer in time"


def _timeout_seconds(exc: httpx.TimeoutException, phase: str) -> float | None:
    try:
        timeouts = exc.request.extensions.get("timeout")
    except RuntimeError:
        return None
    seconds = timeouts.get(phase) if isinstance(timeouts, dict) else None
    return float(seconds) if isinstance(seconds, int | float) else None


def _connect_message(exc: httpx.ConnectError) -> str:
    if _cause(exc, socket.gaierror):
        return "The vendor's host name could not be resolved"
    if _cause(exc, ConnectionRefusedError):
        return "The vendor refused the connection (nothing is listening at that address)"
    return "Could not connect to the vendor"
