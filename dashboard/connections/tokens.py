"""Login tokens kept with the connection, and a login lock shared by every worker process.

`ConnectionTokenStore` and `CacheTokenLock` implement the engine's `TokenStore` and
`TokenLock` protocols (`dashboard.connectors.auth`), so a `login_bearer` connection logs in
once for all processes and keeps its access and refresh tokens encrypted in the database.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from django.conf import settings
from django.core.cache import caches

from dashboard.connectors.auth import Tokens
from dashboard.connectors.errors import VendorError

from .crypto import CredentialsUnreadable, decrypt_json, encrypt_json
from .models import Connection

POLL_SECONDS = 0.05


class ConnectionTokenStore:
    """A connection's login tokens, encrypted in `Connection.tokens_encrypted`.

    Unreadable or malformed tokens load as None: the engine then logs in again.
    """

    def __init__(self, connection_id: int) -> None:
        self.connection_id = connection_id

    def _rows(self) -> Any:
        return Connection.objects.filter(pk=self.connection_id)

    def load(self) -> Tokens | None:
        stored = self._rows().values_list("tokens_encrypted", flat=True).first()
        if not stored:
            return None
        try:
            data = decrypt_json(stored)
            return Tokens(
                access=str(data["access"]),
                refresh=data.get("refresh") or None,
                expires_at=float(data["expires_at"]),
            )
        except (CredentialsUnreadable, KeyError, TypeError, ValueError):
            return None

    def save(self, tokens: Tokens) -> None:
        """One UPDATE of the tokens column only, so concurrent writes of other fields stay."""
        data = {"access": tokens.access, "refresh": tokens.refresh, "expires_at": tokens.expires_at}
        self._rows().update(tokens_encrypted=encrypt_json(data))


class TokenLockTimeout(VendorError):
    """Another process held the login lock for longer than we were willing to wait."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            kind="timeout",
            message=(
                f"Another request was logging in to this vendor and did not finish within "
                f"{seconds:g} s; try again."
            ),
        )


def _login_seconds() -> float:
    """An upper bound on a login or refresh: two vendor calls, each paying for the budget."""
    per_call = (
        settings.VENDOR_CONNECT_TIMEOUT
        + settings.VENDOR_READ_TIMEOUT
        + settings.VENDOR_RATE_LIMIT_MAX_WAIT
    )
    return 2 * per_call + 5


class CacheTokenLock:
    """A `TokenLock` across processes through Django's default cache.

    Taking the lock is an atomic `cache.add` of a random owner token, retried every
    `poll` seconds for at most `wait` seconds (then `TokenLockTimeout`). The key expires
    after `timeout` seconds so a crashed holder cannot block logins for ever; release
    deletes it only while this holder still owns it.
    """

    def __init__(
        self,
        key: str,
        *,
        timeout: float | None = None,
        wait: float | None = None,
        poll: float = POLL_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key = key
        self.timeout = math.ceil(timeout if timeout is not None else _login_seconds())
        self.wait = wait if wait is not None else float(self.timeout)
        self.poll = poll
        self._sleep = sleep

    def __call__(self) -> AbstractContextManager[object]:
        return self._held()

    @contextmanager
    def _held(self) -> Iterator[None]:
        cache = caches["default"]
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + self.wait
        while not cache.add(self.key, owner, self.timeout):
            if time.monotonic() >= deadline:
                raise TokenLockTimeout(self.wait)
            self._sleep(self.poll)
        try:
            yield
        finally:
            if cache.get(self.key) == owner:
                cache.delete(self.key)
