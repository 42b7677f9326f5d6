"""Vendor error bodies and transport failures become one `VendorError` shape."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dashboard.connectors.errors import (
    HTML_PAGE_MESSAGE,
    MAX_TEXT,
    MAX_TEXT_LINE,
    UNKNOWN_OUTCOME_MESSAGE,
    RateLimited,
    VendorError,
    error_from_exception,
    error_from_response,
)

JSON = {"Content-Type": "application/json"}


def from_json(status: int, data: Any, **options: Any) -> VendorError:
    return error_from_response(status, JSON, json.dumps(data).encode(), **options)


# --- body shapes ----------------------------------------------------------------------------


def test_drf_detail() -> None:
    error = from_json(401, {"detail": "Authentication credentials were not provided."})

    assert error.kind == "http"
    assert error.status == 401
    assert error.message == "Authentication credentials were not provided."
    assert str(error) == error.message
    assert error.non_field_errors == ["Authentication credentials were not provided."]
    assert error.field_errors == {}


def test_drf_field_and_non_field_errors() -> None:
    error = from_json(
        400,
        {
            "email": ["This field is required."],
            "stage": "Value 'invalid_stage' is not a valid choice.",
            "non_field_errors": ["Email and phone cannot both be empty."],
        },
    )

    assert error.field_errors == {
        "email": ["This field is required."],
        "stage": ["Value 'invalid_stage' is not a valid choice."],
    }
    assert error.non_field_errors == ["Email and phone cannot both be empty."]
    assert error.message == "Email and phone cannot both be empty."


def test_drf_field_errors_only_use_the_status_message() -> None:
    error = from_json(400, {"email": ["This field is required."]})

    assert error.message == "The vendor rejected the request as invalid"
    assert error.non_field_errors == []


def test_drf_nested_field_errors_are_flattened() -> None:
    error = from_json(
        400, {"address": {"city": ["Required."]}, "items": [{}, {"sku": ["Unknown SKU."]}]}
    )

    assert error.field_errors == {"address.city": ["Required."], "items.1.sku": ["Unknown SKU."]}


def test_problem_details_with_an_errors_map() -> None:
    error = from_json(
        400,
        {
            "errors": {"Name": ["The 'name' field is required."]},
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
        },
    )

    assert error.message == "One or more validation errors occurred."
    assert error.field_errors == {"Name": ["The 'name' field is required."]}
    assert error.non_field_errors == []


def test_problem_details_detail_wins_over_title() -> None:
    error = from_json(
        409,
        {
            "type": "https://url-to-error/type/description",
            "title": "Conflict",
            "status": 409,
            "detail": "something exists with this name",
        },
    )

    assert error.message == "something exists with this name"
    assert error.non_field_errors == ["something exists with this name"]


def test_errors_list_of_strings() -> None:
    error = from_json(422, {"errors": ["Name can't be blank", "Email is invalid"]})

    assert error.message == "Name can't be blank; Email is invalid"
    assert error.non_field_errors == ["Name can't be blank", "Email is invalid"]


def test_errors_list_of_objects() -> None:
    error = from_json(
        422, {"errors": [{"field": "email", "message": "is invalid"}, {"message": "Try again."}]}
    )

    assert error.field_errors == {"email": ["is invalid"]}
    assert error.non_field_errors == ["Try again."]
    assert error.message == "Try again."


def test_code_error_details_with_a_field() -> None:
    error = from_json(
        400,
        {
            "code": 400,
            "error": "Validation failed",
            "details": {"field": "name_en", "message": "Name is required"},
        },
    )

    assert error.message == "Validation failed"
    assert error.field_errors == {"name_en": ["Name is required"]}
    assert error.code == "400"


def test_code_error_details_with_a_string() -> None:
    error = from_json(409, {"code": 409, "error": "Conflict", "details": "SKU already exists"})

    assert error.message == "Conflict: SKU already exists"
    assert error.non_field_errors == ["SKU already exists"]
    assert error.code == "409"


def test_code_error_details_with_a_list() -> None:
    error = from_json(
        422,
        {
            "code": 422,
            "error": "Validation failed",
            "details": [
                {"field": "name_en", "message": "Name is required"},
                {"field": "price", "message": "Must be positive"},
                {"field": "sku"},
            ],
        },
    )

    assert error.field_errors == {
        "name_en": ["Name is required"],
        "price": ["Must be positive"],
        "sku": ["Validation failed"],
    }


def test_error_message_with_field_details() -> None:
    error = from_json(
        422,
        {
            "error": "validation_failed",
            "message": "Name is required",
            "details": {"field": "name", "code": "required"},
        },
    )

    assert error.message == "Name is required"
    assert error.code == "validation_failed"
    assert error.field_errors == {"name": ["Name is required"]}
    assert error.non_field_errors == []


def test_error_message_without_details() -> None:
    error = from_json(
        403, {"error": "ou_not_selected", "message": "Select an organisational unit first"}
    )

    assert error.message == "Select an organisational unit first"
    assert error.code == "ou_not_selected"


def test_error_string_only_on_429_is_rate_limited() -> None:
    error = from_json(
        429,
        {"error": "Rate limit exceeded. Please try again in 60 seconds."},
        retry_after=60.0,
        reset_at=1_700_000_060.0,
    )

    assert isinstance(error, RateLimited)
    assert error.kind == "rate_limited"
    assert error.status == 429
    assert error.message == "Rate limit exceeded. Please try again in 60 seconds."
    assert error.retry_after == 60.0
    assert error.reset_at == 1_700_000_060.0


def test_error_that_is_a_machine_code_keeps_the_status_message() -> None:
    error = from_json(404, {"error": "not_found"})

    assert error.message == "Not found at the vendor"
    assert error.code == "not_found"


def test_a_named_shape_reads_only_that_shape() -> None:
    body = {"error": "Rate limit exceeded. Please try again in 60 seconds."}

    error = from_json(429, body, shape="problem_details")

    assert error.message == "Rate limited by the vendor"


def test_a_named_shape_reads_a_body_auto_would_read_otherwise() -> None:
    error = from_json(400, {"title": ["Too long."]}, shape="drf")

    assert error.field_errors == {"title": ["Too long."]}


def test_retry_after_is_kept_on_other_statuses() -> None:
    error = error_from_response(503, {}, b"", retry_after=5.0)

    assert not isinstance(error, RateLimited)
    assert error.retry_after == 5.0
    assert error.message == "The vendor had an internal error; try again"


# --- other bodies ---------------------------------------------------------------------------


def test_html_page_with_a_short_title() -> None:
    page = b"<html><head><title>502 Bad\n Gateway</title></head><body>nginx</body></html>"

    error = error_from_response(502, {"content-type": "text/html"}, page)

    assert error.message == "502 Bad Gateway"


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html><html><title>" + b"x" * 200 + b"</title></html>",
        b"<html><body><h1>Oops</h1></body></html>",
    ],
)
def test_html_page_without_a_usable_title(page: bytes) -> None:
    assert error_from_response(500, {}, page).message == HTML_PAGE_MESSAGE


def test_plain_text_first_line_is_clipped() -> None:
    body = ("Upstream failure " + "z" * 500 + "\nsecond line").encode()

    error = error_from_response(500, {"content-type": "text/plain"}, body)

    assert error.message.startswith("Upstream failure zzz")
    assert len(error.message) <= MAX_TEXT_LINE
    assert "second line" not in error.message


@pytest.mark.parametrize(
    "body",
    [b"", b"   \n", b'{"detail": "unterminated', b"[1, 2", b"42", b"null", b"{}"],
    ids=["empty", "blank", "malformed-object", "malformed-array", "number", "null", "empty-object"],
)
def test_unusable_bodies_give_the_status_message(body: bytes) -> None:
    error = error_from_response(404, JSON, body)

    assert error.message == "Not found at the vendor"
    assert error.field_errors == {}
    assert error.non_field_errors == []


def test_json_array_of_strings() -> None:
    error = from_json(400, ["This action is not allowed."])

    assert error.non_field_errors == ["This action is not allowed."]
    assert error.message == "This action is not allowed."


def test_json_string() -> None:
    assert from_json(400, "Bad filter").message == "Bad filter"


def test_vendor_text_is_clipped() -> None:
    error = from_json(400, {"detail": "word " * 400, "name": ["n" * 1000]})

    assert len(error.message) <= MAX_TEXT
    assert error.message.endswith("…")
    assert len(error.field_errors["name"][0]) <= MAX_TEXT


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "The vendor rejected the request as invalid"),
        (401, "The vendor rejected the credentials"),
        (403, "The vendor refused access to this resource"),
        (404, "Not found at the vendor"),
        (409, "The vendor reported a conflict"),
        (422, "The vendor could not process the data"),
        (429, "Rate limited by the vendor"),
        (500, "The vendor had an internal error; try again"),
        (504, "The vendor had an internal error; try again"),
        (405, "The vendor answered 405 Method Not Allowed"),
        (499, "The vendor answered with status 499"),
    ],
)
def test_status_messages(status: int, message: str) -> None:
    assert error_from_response(status, {}, b"").message == message


# --- exceptions -----------------------------------------------------------------------------

REQUEST = httpx.Request(
    "GET",
    "https://vendor.test/items?api_key=SECRET",
    extensions={"timeout": {"connect": 5.0, "read": 20.0, "write": 7.5, "pool": 1.0}},
)


@pytest.mark.parametrize(
    ("exception", "message"),
    [
        (httpx.ConnectTimeout, "The vendor could not be reached within 5 s"),
        (httpx.ReadTimeout, "The vendor did not answer within 20 s"),
        (httpx.WriteTimeout, "Sending the request to the vendor took longer than 7.5 s"),
        (httpx.PoolTimeout, "No connection to the vendor became free within 1 s"),
    ],
)
def test_timeouts_name_the_limit(exception: type[httpx.TimeoutException], message: str) -> None:
    error = error_from_exception(exception("timed out", request=REQUEST))

    assert error.kind == "timeout"
    assert error.message == message


def test_timeout_without_a_request() -> None:
    error = error_from_exception(httpx.ReadTimeout("timed out"))

    assert error.message == "The vendor did not answer in time"


def chained(outer: BaseException, cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise outer from inner
    except BaseException as raised:
        return raised


def test_dns_failure() -> None:
    error = error_from_exception(
        chained(httpx.ConnectError("boom", request=REQUEST), socket.gaierror(-2, "Name unknown"))
    )

    assert error.kind == "unreachable"
    assert error.message == "The vendor's host name could not be resolved"


def test_certificate_verification_failure() -> None:
    cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cause.verify_message = "self-signed certificate"

    error = error_from_exception(chained(httpx.ConnectError("boom", request=REQUEST), cause))

    assert error.kind == "tls"
    assert error.message == (
        "TLS handshake failed — the certificate could not be verified (self-signed certificate)"
    )


def test_bare_ssl_error() -> None:
    error = error_from_exception(ssl.SSLError(1, "oops"))

    assert error.kind == "tls"
    assert error.message.startswith("TLS handshake with the vendor failed")


@pytest.mark.parametrize(
    ("exception", "kind", "message"),
    [
        (
            httpx.RemoteProtocolError("Server disconnected"),
            "unreachable",
            "The vendor closed the connection without a proper answer",
        ),
        (httpx.ReadError("reset"), "unreachable", "The connection to the vendor broke off"),
        (
            httpx.DecodingError("bad gzip"),
            "invalid_response",
            "The vendor's answer could not be decoded",
        ),
        (ConnectionResetError(), "unreachable", "Could not connect to the vendor"),
        (ValueError("odd"), "unknown_outcome", UNKNOWN_OUTCOME_MESSAGE),
    ],
)
def test_other_failures(exception: BaseException, kind: str, message: str) -> None:
    error = error_from_exception(exception)

    assert (error.kind, error.message) == (kind, message)


def test_vendor_errors_pass_through() -> None:
    original = VendorError(kind="pagination", message="The vendor repeated a page")

    assert error_from_exception(original) is original


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.create_server(("127.0.0.1", 0))
    yield server
    server.close()


def request_error(url: str, timeout: float = 2.0) -> VendorError:
    with pytest.raises(httpx.TransportError) as caught:
        httpx.get(url, timeout=timeout)
    return error_from_exception(caught.value)


def test_real_refused_connection_hides_the_url(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    listener.close()

    error = request_error(f"http://127.0.0.1:{port}/?api_key=SECRET")

    assert error.kind == "unreachable"
    assert (
        error.message == "The vendor refused the connection (nothing is listening at that address)"
    )
    assert "SECRET" not in error.message


def test_real_read_timeout(listener: socket.socket) -> None:
    error = request_error(f"http://127.0.0.1:{listener.getsockname()[1]}/", timeout=0.2)

    assert error.kind == "timeout"
    assert error.message == "The vendor did not answer within 0.2 s"


def test_real_tls_failure_against_a_plain_http_server(listener: socket.socket) -> None:
    def answer_in_plain_http() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(1024)
            connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=answer_in_plain_http)
    thread.start()

    error = request_error(f"https://127.0.0.1:{listener.getsockname()[1]}/")
    thread.join()

    assert error.kind == "tls"
    assert error.message.startswith("TLS handshake with the vendor failed")
