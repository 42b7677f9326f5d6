"""What a record form says about a failed write, and the HTTP status it answers with.

Built on browse's `Banner` (and its template), reading only the engine's `VendorError`.
Every failure keeps the user's input; the banner says whether anything was saved.
"""

from __future__ import annotations

import time
from http import HTTPStatus

from dashboard.browse.banners import Banner, error_banner, seconds_text
from dashboard.connections.services import describe_error
from dashboard.connectors.errors import RateLimited, VendorError

KEPT = "Your input is kept below."
INVALID_FORM = Banner(
    "bad", "Please correct the fields marked below.", "Nothing was sent to the vendor."
)
NOTHING_CHANGED = Banner("info", "Nothing changed, so nothing was sent to the vendor.")


def is_validation(error: VendorError) -> bool:
    return error.kind == "http" and (
        error.status in (HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY)
        or bool(error.field_errors)
    )


def is_conflict(error: VendorError) -> bool:
    return error.kind == "http" and error.status in (
        HTTPStatus.CONFLICT,
        HTTPStatus.PRECONDITION_FAILED,
    )


def about_the_data(error: VendorError) -> bool:
    """Whether the vendor's messages are about what was entered: they go on the form (on
    their fields, or above them), not in the banner."""
    return is_validation(error) or is_conflict(error)


def vendor_messages(error: VendorError) -> list[str]:
    """Every message of the vendor's answer as one list (for pages without fields)."""
    fields = [f"{name}: {text}" for name, texts in error.field_errors.items() for text in texts]
    return [*fields, *error.non_field_errors] or [error.message]


def write_status(error: VendorError) -> int:
    """422 for the vendor's validation errors, 409 for its conflicts, 429 for a rate limit,
    502 for everything else the vendor (or the way to it) did."""
    if isinstance(error, RateLimited):
        return HTTPStatus.TOO_MANY_REQUESTS
    if is_conflict(error):
        return HTTPStatus.CONFLICT
    if is_validation(error):
        return HTTPStatus.UNPROCESSABLE_ENTITY
    return HTTPStatus.BAD_GATEWAY


def read_status(error: VendorError) -> int:
    """429 for a rate limit, 404 when the vendor has no such record, else 502."""
    if isinstance(error, RateLimited):
        return HTTPStatus.TOO_MANY_REQUESTS
    if error.kind == "http" and error.status == HTTPStatus.NOT_FOUND:
        return HTTPStatus.NOT_FOUND
    return HTTPStatus.BAD_GATEWAY


def read_banner(error: VendorError) -> Banner:
    """Why the record could not be read to open a form (browse's wording)."""
    return error_banner(error, edit_url=None, now=time.time())


def _rate_limited(error: RateLimited, now: float) -> Banner:
    retry_at = error.retry_at(now=now)
    return Banner(
        "warn",
        "Rate limited: nothing was saved.",
        describe_error(error),
        f"{KEPT} Save again once the vendor's budget has reset.",
        retry_at=retry_at,
        wait=seconds_text(retry_at - now) if retry_at is not None else "",
    )


def write_banner(
    error: VendorError, *, reload_url: str, reload_label: str = "Reload the record"
) -> Banner:
    """The banner over a form whose write failed; `reload_url` shows the vendor's data afresh.

    For validation errors and conflicts the vendor's words are shown with the form (see
    `about_the_data`), so the banner only says what happened."""
    if error.kind == "unknown_outcome":
        return Banner(
            "warn",
            "The outcome is unknown: the change may or may not have been made.",
            describe_error(error),
            f"{KEPT} Check the vendor's data before saving again.",
            action_label=reload_label,
            action_url=reload_url,
        )
    if isinstance(error, RateLimited):
        return _rate_limited(error, time.time())
    if is_validation(error):
        return Banner(
            "bad",
            "The vendor rejected the change: nothing was saved.",
            advice=f"{KEPT} Correct the fields marked and save again.",
        )
    if is_conflict(error):
        return Banner("bad", "The vendor reported a conflict: nothing was saved.", advice=KEPT)
    found = read_banner(error)
    return Banner(found.level, found.title, found.detail, KEPT)
