"""Session lifetime: signed out after a time without activity, and at an absolute limit.

`SESSION_IDLE_TIMEOUT` and `SESSION_ABSOLUTE_TIMEOUT` are in seconds; activity is noted to
the minute. The session cookie
and the stored session also expire after the idle timeout (`SESSION_COOKIE_AGE`), and
Django gives every sign-in a new session key.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# Activity is written to the session at most this often (seconds): a session write per
# request would cost every page a database write, for a precision no timeout needs.
TOUCH_INTERVAL = 60


def session_start(session: SessionBase, *, now: float | None = None) -> None:
    """Mark the moment of sign-in, from which the absolute limit counts."""
    moment = time.time() if now is None else now
    session[SIGNED_IN_AT] = moment
    session[LAST_SEEN_AT] = moment


def session_expiry_reason(session: SessionBase, *, now: float) -> str | None:
    """Why a signed-in session is over ("idle" or "absolute"), or None while it is valid."""
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT)
    if signed_in_at is None or last_seen_at is None:
        return None
    if now - signed_in_at > settings.SESSION_ABSOLUTE_TIMEOUT:
        return "absolute"
    if now - last_seen_at > settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    return None


def session_touch(session: SessionBase, *, now: float) -> None:
    """Record activity, at most once per `TOUCH_INTERVAL` (a session from before these
    checks starts counting now)."""
    session.setdefault(SIGNED_IN_AT, now)
    if now - session.get(LAST_SEEN_AT, 0) >= TOUCH_INTERVAL:
        session[LAST_SEEN_AT] = now
