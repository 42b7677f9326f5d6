"""Rate limiters keyed by account. Every hit counts, including the ones that are refused."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Protocol


@dataclass(frozen=True)
class RateState:
    """The outcome of one hit, with what a vendor reports in its headers."""

    allowed: bool
    limit: int
    remaining: int
    used: int
    reset_at: float
    retry_after: int

    def refused(self, retry_after: int) -> RateState:
        """This state turned into a refusal that clears in `retry_after` seconds."""
        return replace(
            self,
            allowed=False,
            remaining=0,
            retry_after=retry_after,
            reset_at=time.time() + retry_after,
        )

    @property
    def reset_epoch(self) -> int:
        return math.ceil(self.reset_at)


class Limiter(Protocol):
    peak: int

    def hit(self, key: str) -> RateState: ...


class WindowCounter:
    """Counts hits per key in fixed windows that open on the first hit after the last one closed."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.peak = 0
        self._windows: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, now: float) -> tuple[float, int]:
        """Count one hit; return when the current window closes and how many hits it holds."""
        start, count = self._windows.get(key, (now, 0))
        if now >= start + self.window:
            start, count = now, 0
        count += 1
        self._windows[key] = (start, count)
        self.peak = max(self.peak, count)
        return start + self.window, count


class FixedWindow:
    """`limit` requests per `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self._counter = WindowCounter(window)

    @property
    def peak(self) -> int:
        return self._counter.peak

    def hit(self, key: str) -> RateState:
        now = time.time()
        reset_at, count = self._counter.hit(key, now)
        return RateState(
            allowed=count <= self.limit,
            limit=self.limit,
            remaining=max(0, self.limit - count),
            used=min(count, self.limit),
            reset_at=reset_at,
            retry_after=max(1, math.ceil(reset_at - now)),
        )


class TokenBucket:
    """`limit` tokens refilled per `window` seconds into a bucket of `burst`, which starts full.

    A refused request takes no token (the bucket never goes below empty); it still counts in
    `peak`, the most requests seen in one `window`.
    """

    def __init__(self, limit: int, window: float, burst: int) -> None:
        self.limit = limit
        self.burst = burst
        self.rate = limit / window
        self._counter = WindowCounter(window)
        self._buckets: dict[str, tuple[float, float]] = {}

    @property
    def peak(self) -> int:
        return self._counter.peak

    def hit(self, key: str) -> RateState:
        now = time.time()
        _, count = self._counter.hit(key, now)
        tokens, then = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        allowed = tokens >= 1
        if allowed:
            tokens -= 1
        self._buckets[key] = (tokens, now)
        return RateState(
            allowed=allowed,
            limit=self.limit,
            remaining=math.floor(tokens),
            used=count,
            reset_at=now + (self.burst - tokens) / self.rate,
            retry_after=0 if allowed else max(1, math.ceil((1 - tokens) / self.rate)),
        )
