"""What the table says about problems and the rate budget, in plain words.

Banners read only the engine's normalised `VendorError` (and `describe_error` for the
vendor's own words) plus the shared budget's `RateLimitSnapshot`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from django.conf import settings

from dashboard.connections.services import describe_error
from dashboard.connectors.errors import RateLimited, VendorError
from dashboard.connectors.ratelimit import RateLimitSnapshot

from .selectors import SourceUnavailable

Level = Literal["bad", "warn", "info"]


@dataclass(frozen=True)
class Banner:
    level: Level
    title: str
    detail: str = ""
    advice: str = ""
    action_label: str = ""
    action_url: str = ""
    retry_at: float | None = None
    wait: str = ""
    retryable: bool = False

    @property
    def role(self) -> str:
        return "alert" if self.level != "info" else "status"

    @property
    def retry_at_ms(self) -> int | None:
        return None if self.retry_at is None else int(self.retry_at * 1000)


def seconds_text(seconds: float) -> str:
    """`42 s`, `3 min 5 s`, `2 h 10 min`."""
    whole = max(0, math.ceil(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _edit_action(edit_url: str | None) -> dict[str, str]:
    return {"action_label": "Update the connection", "action_url": edit_url} if edit_url else {}


def _status_banner(error: VendorError, edit_url: str | None) -> Banner:
    detail = describe_error(error)
    status = error.status or 0
    if status == 401:
        return Banner(
            "bad",
            "Credentials rejected: update the connection.",
            detail,
            "The vendor did not accept this connection's key or login."
            + ("" if edit_url else " Ask a team admin to update it."),
            **_edit_action(edit_url),
        )
    if status == 403:
        return Banner(
            "bad",
            "The vendor refused access.",
            detail,
            "The vendor account behind this connection may not be allowed to read this "
            "resource; its owner can grant access at the vendor.",
        )
    if status == 404:
        return Banner(
            "bad",
            "Not found at the vendor.",
            detail,
            "The record or resource may have been deleted, or the connection's address or "
            "paths may be wrong.",
        )
    if status >= 500:
        return Banner(
            "bad", "Vendor error, try again.", detail, "The vendor had a problem.", retryable=True
        )
    return Banner("bad", "The vendor rejected the request.", detail, "Change the query and retry.")


RETRYABLE_KINDS = frozenset({"timeout", "unreachable", "invalid_response"})
_KIND_BANNERS: dict[str, tuple[str, str]] = {
    "timeout": (
        "The vendor did not answer in time.",
        "Try again; if it keeps happening the vendor is slow or down.",
    ),
    "unreachable": (
        "The vendor could not be reached.",
        "Check the connection's address, or try again later.",
    ),
    "tls": ("A secure connection to the vendor failed.", "Check the connection's address."),
    "too_large": ("The vendor's answer was too large.", "Choose a smaller page size."),
    "invalid_response": (
        "The vendor's answer could not be read.",
        "Try again; if it persists, the connection's spec may not match this vendor.",
    ),
    "pagination": ("This page cannot be reached.", "Go back to the first page."),
    "blocked": ("The request was refused for safety.", "Check the connection's address."),
}


def error_banner(error: VendorError, *, edit_url: str | None, now: float) -> Banner:
    """A banner for any vendor failure; `edit_url` only for users who may edit."""
    if isinstance(error, RateLimited):
        return rate_limited_banner(error, now=now)
    if error.kind == "http":
        return _status_banner(error, edit_url)
    title, advice = _KIND_BANNERS.get(error.kind, ("The vendor call failed.", "Try again."))
    retryable = error.kind in RETRYABLE_KINDS
    return Banner("bad", title, describe_error(error), advice, retryable=retryable)


def unavailable_banner(problem: SourceUnavailable, *, edit_url: str | None) -> Banner:
    if problem.kind == "credentials_unreadable":
        return Banner(
            "bad",
            "Credentials unreadable: re-enter them.",
            "The stored credentials cannot be decrypted with the configured keys.",
            "" if edit_url else "Ask a team admin to re-enter them.",
            **_edit_action(edit_url),
        )
    return Banner(
        "bad",
        "This connection's settings are invalid.",
        problem.detail,
        "" if edit_url else "Ask a team admin to fix them.",
        **_edit_action(edit_url),
    )


def rate_limited_banner(error: RateLimited, *, now: float) -> Banner:
    retry_at = error.retry_at(now=now)
    return Banner(
        "warn",
        "Rate limited: waiting for the vendor's budget to reset.",
        describe_error(error),
        "The table's controls wait until then, so no more requests are refused.",
        retry_at=retry_at,
        wait=seconds_text(retry_at - now) if retry_at is not None else "",
    )


@dataclass(frozen=True)
class Budget:
    """The connection's shared request budget, as the table shows it."""

    limit: int | None
    remaining: int | None
    reset_at: float | None
    blocked_until: float | None
    now: float

    @property
    def known(self) -> bool:
        return self.limit is not None or self.remaining is not None

    @property
    def blocked(self) -> bool:
        return self.blocked_until is not None and self.blocked_until > self.now

    @property
    def low(self) -> bool:
        if self.blocked or self.remaining is None or not self.limit:
            return False
        return self.remaining <= max(1, self.limit * settings.BROWSE_LOW_BUDGET_RATIO)

    @property
    def resets_in(self) -> str:
        if self.reset_at is None or self.reset_at <= self.now:
            return ""
        return seconds_text(self.reset_at - self.now)

    @property
    def blocked_until_ms(self) -> int | None:
        return int(self.blocked_until * 1000) if self.blocked_until is not None else None

    @property
    def waits_for(self) -> str:
        return seconds_text(self.blocked_until - self.now) if self.blocked_until else ""


def budget_for(snapshot: RateLimitSnapshot, *, error: VendorError | None, now: float) -> Budget:
    """The budget now: blocked after a 429, while the budget refuses, or when nothing is
    left before the reset."""
    candidates = []
    if snapshot.retry_after is not None:
        candidates.append(now + snapshot.retry_after)
    if snapshot.remaining == 0 and snapshot.reset_at is not None:
        candidates.append(snapshot.reset_at)
    if isinstance(error, RateLimited):
        candidates.append(error.retry_at(now=now) or now)
    blocked = max((moment for moment in candidates if moment > now), default=None)
    return Budget(
        limit=snapshot.limit,
        remaining=snapshot.remaining,
        reset_at=snapshot.reset_at,
        blocked_until=blocked,
        now=now,
    )


def budget_banner(budget: Budget, *, error: VendorError | None) -> Banner | None:
    """The countdown while blocked (unless the error banner already is one), or a warning
    when little is left."""
    if budget.blocked and not isinstance(error, RateLimited):
        return Banner(
            "warn",
            "The vendor's request budget is used up.",
            f"It resets in {budget.waits_for}.",
            "The table's controls wait until then, so no requests are refused.",
            retry_at=budget.blocked_until,
            wait=budget.waits_for,
        )
    if budget.low:
        reset = f" It resets in {budget.resets_in}." if budget.resets_in else ""
        return Banner(
            "warn",
            "The vendor's request budget is running low.",
            f"{budget.remaining} of {budget.limit} requests left.{reset}",
            "Everyone using this vendor account shares it; browse sparingly until it resets.",
        )
    return None


def stale_banner(age: float) -> Banner:
    return Banner(
        "info",
        f"Showing a copy fetched {seconds_text(age)} ago.",
        "The vendor could not be asked just now; the rows below may be out of date.",
    )
