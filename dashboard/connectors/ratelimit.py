"""Vendors' rate-limit headers, and one shared request budget per vendor account.

`read_rate_limit` reads what a response says about the budget: the headers a
`RateLimitSpec` names (`X-RateLimit-*`, a used-count header, `Retry-After` and the like) and
the IETF fields (`RateLimit-Limit/-Remaining/-Reset` of drafts 0-6, the `RateLimit`
dictionary of draft 7, `RateLimit` + `RateLimit-Policy` items of drafts 8 and later).

`Budget` keeps the documented limit across every thread and worker process through a
Django cache, and is corrected by what responses report (see its docstring).
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC
from itertools import accumulate
from typing import Any, Protocol

from dashboard.connectors.errors import RateLimited
from dashboard.connectors.spec import RateLimitSpec

SLOTS_PER_WINDOW = 60
EPOCH_THRESHOLD = 1e9
FALLBACK_BLOCK = 1.0
MIN_WAIT = 0.001
READ = "read"
WRITE = "write"

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class RateLimitSnapshot:
    """What is known about a budget: `reset_at` is epoch seconds, `retry_after` seconds."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    retry_after: float | None = None


# --- headers --------------------------------------------------------------------------------


def parse_retry_after(value: str, *, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` value (delay seconds or an HTTP date); never
    negative; `None` when the value cannot be read."""
    text = value.strip()
    if _NUMBER.fullmatch(text):
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - now)


def read_rate_limit(
    headers: Mapping[str, str], spec: RateLimitSpec, *, now: float
) -> RateLimitSnapshot | None:
    """The budget a response reports, or `None` when it reports nothing.

    The spec's headers win over the IETF fields; malformed values are ignored.
    """
    fields = {name.lower(): value for name, value in headers.items()}
    ietf = _ietf(fields, now)
    limit = _first(_int(_field(fields, spec.limit_header)), ietf.limit)
    snapshot = RateLimitSnapshot(
        limit=limit,
        remaining=_first(_remaining(fields, spec, limit), ietf.remaining),
        reset_at=_first(_reset_at(fields, spec, now), ietf.reset_at),
        retry_after=_retry_after(fields, spec.retry_after_headers, now),
    )
    return None if snapshot == RateLimitSnapshot() else snapshot


def _field(fields: Mapping[str, str], name: str | None) -> str | None:
    return fields.get(name.lower()) if name else None


def _first[T](*values: T | None) -> T | None:
    return next((value for value in values if value is not None), None)


def _int(value: str | None) -> int | None:
    text = value.strip() if value is not None else ""
    return int(text) if text.isascii() and text.isdigit() else None


def _number(value: str | None) -> float | None:
    text = value.strip() if value is not None else ""
    return float(text) if _NUMBER.fullmatch(text) else None


def _remaining(fields: Mapping[str, str], spec: RateLimitSpec, limit: int | None) -> int | None:
    remaining = _int(_field(fields, spec.remaining_header))
    used = _int(_field(fields, spec.used_header))
    total = _first(limit, spec.requests)
    if remaining is None and used is not None and total is not None:
        return max(0, total - used)
    return remaining


def _reset_at(fields: Mapping[str, str], spec: RateLimitSpec, now: float) -> float | None:
    value = _number(_field(fields, spec.reset_header))
    if value is None:
        return None
    is_epoch = spec.reset_kind == "unix" or (spec.reset_kind == "auto" and value > EPOCH_THRESHOLD)
    return value if is_epoch else now + value


def _retry_after(fields: Mapping[str, str], names: Iterable[str], now: float) -> float | None:
    """The first header of `names` that is present and readable."""
    values = (_field(fields, name) for name in names)
    return _first(*(parse_retry_after(value, now=now) for value in values if value is not None))


def _ietf(fields: Mapping[str, str], now: float) -> RateLimitSnapshot:
    if "ratelimit" in fields:
        return _structured(fields["ratelimit"], fields.get("ratelimit-policy", ""), now)
    return RateLimitSnapshot(
        limit=_int(_first_member(fields.get("ratelimit-limit"))),
        remaining=_int(_first_member(fields.get("ratelimit-remaining"))),
        reset_at=_delay(_first_member(fields.get("ratelimit-reset")), now),
    )


def _structured(value: str, policy: str, now: float) -> RateLimitSnapshot:
    """Draft 7 `limit=100, remaining=50, reset=30`, or draft 8+ `"name";r=50;t=30` items
    whose quota `q` comes from the `RateLimit-Policy` item of the same name; with several
    items the one with the fewest remaining wins."""
    items = _items(value)
    pairs = [name.partition("=") for name, _ in items]
    dictionary = {key.strip().lower(): inner for key, separator, inner in pairs if separator}
    if dictionary:
        return RateLimitSnapshot(
            limit=_int(dictionary.get("limit")),
            remaining=_int(dictionary.get("remaining")),
            reset_at=_delay(dictionary.get("reset"), now),
        )
    quotas = {name: _int(params.get("q")) for name, params in _items(policy)}
    readable = [
        (remaining, name, params)
        for name, params in items
        if (remaining := _int(params.get("r"))) is not None
    ]
    if not readable:
        return RateLimitSnapshot()
    remaining, name, params = min(readable, key=lambda item: item[0])
    return RateLimitSnapshot(
        limit=quotas.get(name), remaining=remaining, reset_at=_delay(params.get("t"), now)
    )


def _items(value: str) -> list[tuple[str, dict[str, str]]]:
    """A structured-field list as (name, parameters); names and values lose their quotes."""
    items = []
    for member in value.split(","):
        name, *params = member.split(";")
        pairs = (param.partition("=") for param in params)
        items.append(
            (
                name.strip().strip('"'),
                {key.strip().lower(): inner.strip().strip('"') for key, _, inner in pairs},
            )
        )
    return items


def _first_member(value: str | None) -> str | None:
    """`100` from `100, 100;w=60` (drafts before 7 could append the policy)."""
    return value.split(",")[0].split(";")[0] if value is not None else None


def _delay(value: str | None, now: float) -> float | None:
    seconds = _number(value)
    return now + seconds if seconds is not None else None


# --- the shared budget ----------------------------------------------------------------------


class Cache(Protocol):
    """The part of Django's cache API the budget relies on (`incr` must be atomic)."""

    def add(self, key: str, value: Any, timeout: int) -> bool: ...
    def get(self, key: str) -> Any: ...
    def set(self, key: str, value: Any, timeout: int) -> None: ...
    def get_many(self, keys: Iterable[str]) -> dict[str, Any]: ...
    def incr(self, key: str) -> int: ...
    def decr(self, key: str) -> int: ...


@dataclass(frozen=True)
class _Window:
    limit: int
    seconds: float
    allowance: float  # the spec's `transit_allowance`

    @property
    def slot(self) -> float:
        return self.seconds / SLOTS_PER_WINDOW

    @property
    def guard_slots(self) -> int:
        return math.ceil(self.allowance / self.slot)

    @property
    def ttl(self) -> int:
        """Long enough for a slot to stay readable while it is counted."""
        return _ttl(self.seconds + (2 + self.guard_slots) * self.slot)

    def index(self, now: float) -> int:
        return math.floor(now / self.slot)

    def counted(self, now: float) -> range:
        """The slots a request at `now` counts, oldest first: the window's, the slot before
        them (the current slot is only partly inside the window), the transit guard, and the
        next one (another process whose clock is already there)."""
        current = self.index(now)
        return range(current - SLOTS_PER_WINDOW - self.guard_slots, current + 2)

    def leaves_count(self, index: int) -> float:
        """When slot `index` stops being counted."""
        return (index + SLOTS_PER_WINDOW + 1 + self.guard_slots) * self.slot


class Budget:
    """One vendor account's request budget, shared through a Django cache.

    The documented limit (`spec.requests` per `spec.window`; writes use `spec.write_requests`
    per `spec.write_window` when set, else they count against the same budget) is kept as a
    sliding window of `SLOTS_PER_WINDOW` slots, one cache counter each (`_Window.counted`
    says which slots a request counts), so no `window`-long interval ever holds more than
    the limit, whatever the vendor's window alignment (fixed, sliding or token bucket).
    The cost is one slot plus `spec.transit_allowance`: sustained throughput is
    `limit * window / (window + slot + allowance)`, 97.6% of the limit for 60-second windows.

    `spec.burst` is not used: keeping to the sustained rate never exceeds a burst limit,
    while spending a burst could (the conservative reading).

    Responses correct the budget through `observe`: a 429, or a response reporting no
    requests remaining, blocks every thread and process until `Retry-After` or the reported
    reset (1 s when neither is given). With no documented limit only such blocks apply.

    Counting is atomic across processes when the cache's `incr` is (Redis, Memcached, and
    local memory within one process): a request increments its slot (`add` then `incr`),
    reads the window with one `get_many`, and undoes the increment (`decr`) if the sum is
    over the limit, so two racing requests never both get the last place.
    """

    def __init__(
        self,
        *,
        cache: Cache,
        key: str,
        spec: RateLimitSpec,
        max_wait: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._cache = cache
        self._key = key
        self._spec = spec
        self._max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._windows = _windows(spec)
        self._horizon = max(spec.window, spec.write_window or 0.0)

    def acquire(self, *, write: bool = False) -> None:
        """Reserve one request, waiting up to `max_wait`; else raise `RateLimited`."""
        scope = self._scope(write)
        deadline = self._clock() + self._max_wait
        while True:
            now = self._clock()
            wait = self._try_acquire(scope, now)
            if wait is None:
                return
            if now + wait > deadline:
                raise RateLimited(
                    message=f"This vendor account's request budget is used up; try again in {math.ceil(wait)} s",
                    retry_after=wait,
                    reset_at=now + wait,
                )
            self._sleep(wait)

    def observe(
        self, snapshot: RateLimitSnapshot | None, *, status: int, write: bool = False
    ) -> None:
        """Correct the budget from a response (`write` as given to `acquire`)."""
        now = self._clock()
        scope = self._scope(write)
        if snapshot is not None:
            observation = {
                "at": now,
                "limit": snapshot.limit,
                "remaining": snapshot.remaining,
                "reset_at": snapshot.reset_at,
            }
            self._cache.set(self._observed_key(scope), observation, _ttl(self._horizon))
        until = _blocked_until(snapshot, status, now, self._horizon)
        if until is not None:
            self._block(scope, until, now)

    def state(self, *, write: bool = False) -> RateLimitSnapshot:
        """The best knowledge for banners: the last reported budget while it is current,
        else local counting; `retry_after` while requests are blocked."""
        scope = self._scope(write)
        window = self._windows.get(scope)
        now = self._clock()
        counted = window.counted(now) if window else range(0)
        slots = self._slot_keys(scope, counted)
        values = self._cache.get_many([self._observed_key(scope), self._blocked_key(scope), *slots])
        blocked = _wait_until(values.get(self._blocked_key(scope)), now)
        observed = self._current_observation(values.get(self._observed_key(scope)), now)
        if observed is not None:
            return replace(observed, retry_after=blocked)
        if window is None:
            return RateLimitSnapshot(retry_after=blocked)
        counts = [int(values.get(key, 0)) for key in slots]
        used = sum(counts)
        oldest = next((index for index, count in zip(counted, counts, strict=True) if count), None)
        return RateLimitSnapshot(
            limit=window.limit,
            remaining=max(0, window.limit - used),
            reset_at=window.leaves_count(oldest) if oldest is not None else None,
            retry_after=blocked,
        )

    def _scope(self, write: bool) -> str:
        return WRITE if write and WRITE in self._windows else READ

    def _try_acquire(self, scope: str, now: float) -> float | None:
        """Take a place now (`None`) or say how many seconds to wait."""
        blocked_key = self._blocked_key(scope)
        window = self._windows.get(scope)
        if window is None:
            return _wait_until(self._cache.get(blocked_key), now)
        current = self._slot_key(scope, window.index(now))
        self._cache.add(current, 0, window.ttl)
        self._cache.incr(current)
        counted = window.counted(now)
        slots = self._slot_keys(scope, counted)
        values = self._cache.get_many([blocked_key, *slots])
        counts = [int(values.get(key, 0)) for key in slots]
        blocked = _wait_until(values.get(blocked_key), now)
        full = _window_wait(window, counted, counts, now)
        if blocked is None and full is None:
            return None
        self._cache.decr(current)
        return max(blocked or 0.0, full or 0.0)

    def _block(self, scope: str, until: float, now: float) -> None:
        """Block `scope` until `until`, unless it is already blocked for longer."""
        key = self._blocked_key(scope)
        current = self._cache.get(key)
        if isinstance(current, int | float) and current >= until:
            return
        self._cache.set(key, until, _ttl(until - now))

    def _current_observation(self, value: Any, now: float) -> RateLimitSnapshot | None:
        if not isinstance(value, dict):
            return None
        reset_at = value.get("reset_at")
        expires = reset_at if reset_at is not None else value.get("at", 0.0) + self._horizon
        if expires <= now:
            return None
        return RateLimitSnapshot(
            limit=value.get("limit"), remaining=value.get("remaining"), reset_at=reset_at
        )

    def _slot_keys(self, scope: str, indexes: range) -> list[str]:
        return [self._slot_key(scope, index) for index in indexes]

    def _slot_key(self, scope: str, index: int) -> str:
        return f"{self._key}:{scope}:{index}"

    def _blocked_key(self, scope: str) -> str:
        return f"{self._key}:{scope}:blocked"

    def _observed_key(self, scope: str) -> str:
        return f"{self._key}:{scope}:observed"


def _windows(spec: RateLimitSpec) -> dict[str, _Window]:
    windows = {}
    if spec.requests is not None:
        windows[READ] = _Window(spec.requests, spec.window, spec.transit_allowance)
    if spec.write_requests is not None:
        windows[WRITE] = _Window(
            spec.write_requests, spec.write_window or spec.window, spec.transit_allowance
        )
    return windows


def _window_wait(window: _Window, counted: range, counts: list[int], now: float) -> float | None:
    """Seconds until enough counted requests (oldest first) leave for one more to fit."""
    excess = sum(counts) - window.limit
    if excess <= 0:
        return None
    slot = next(
        index for index, total in zip(counted, accumulate(counts), strict=True) if total >= excess
    )
    return max(MIN_WAIT, window.leaves_count(slot) - now)


def _blocked_until(
    snapshot: RateLimitSnapshot | None, status: int, now: float, horizon: float
) -> float | None:
    """Until when a response says to stop: after a 429 or when nothing remains.

    A reported reset is trusted up to `horizon` ahead (a misread reset must not block for
    years); `Retry-After` is honoured as given.
    """
    exhausted = status == 429 or (snapshot is not None and snapshot.remaining == 0)
    if not exhausted:
        return None
    if snapshot is not None and snapshot.retry_after is not None:
        return now + snapshot.retry_after
    if snapshot is not None and snapshot.reset_at is not None and snapshot.reset_at > now:
        return min(snapshot.reset_at, now + horizon)
    return now + FALLBACK_BLOCK


def _wait_until(until: Any, now: float) -> float | None:
    if isinstance(until, int | float) and until > now:
        return max(MIN_WAIT, until - now)
    return None


def _ttl(seconds: float) -> int:
    """A cache timeout in whole seconds, never zero (Redis drops keys with timeout 0)."""
    return max(1, math.ceil(seconds)) + 1
