"""Cheap per-account vendor call statistics over the last hour, kept in the shared cache.

Every call increments a few counters in its minute's bucket (atomic `incr` on Redis): calls,
errors (status ≥ 400 or no answer), 429s, and one latency histogram bin. A summary reads the
last 60 buckets with one `get_many` and estimates latency percentiles from the histogram
(the upper edge of the bin holding the percentile, so never better than the truth below
12.8 s; slower calls all report 12.8 s).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WINDOW_MINUTES = 60
# Upper edges of the latency bins, in milliseconds; the last bin is open-ended.
LATENCY_EDGES_MS = (25, 50, 100, 200, 400, 800, 1600, 3200, 6400, 12800)
COUNTERS = ("calls", "errors", "rate_limited")
TTL = (WINDOW_MINUTES + 5) * 60


@dataclass(frozen=True)
class Minute:
    start: float  # epoch seconds
    calls: int
    errors: int
    rate_limited: int


@dataclass(frozen=True)
class StatsSummary:
    calls: int
    errors: int
    rate_limited: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    minutes: list[Minute]

    @property
    def busiest_minute(self) -> int:
        return max((minute.calls for minute in self.minutes), default=0)


class VendorStats:
    def __init__(self, *, cache: Any, account: str, clock: Callable[[], float] = time.time):
        self._cache = cache
        self._account = account
        self._clock = clock

    def _key(self, minute: int, name: str) -> str:
        return f"vstats:{self._account}:{minute}:{name}"

    def _bump(self, key: str) -> None:
        """One round trip in the usual case (the minute's counter exists)."""
        try:
            self._cache.incr(key)
        except ValueError:  # the first call of this minute (or two racing to be first)
            if not self._cache.add(key, 1, TTL):
                self._cache.incr(key)

    def record(self, *, status: int | None, duration_ms: float) -> None:
        minute = int(self._clock() // 60)
        self._bump(self._key(minute, "calls"))
        if status is None or status >= 400:
            self._bump(self._key(minute, "errors"))
        if status == 429:
            self._bump(self._key(minute, "rate_limited"))
        latency_bin = bisect.bisect_left(LATENCY_EDGES_MS, duration_ms)
        self._bump(self._key(minute, f"latency{latency_bin}"))

    def summary(self) -> StatsSummary:
        current = int(self._clock() // 60)
        minutes = range(current - WINDOW_MINUTES + 1, current + 1)
        names = [*COUNTERS, *(f"latency{i}" for i in range(len(LATENCY_EDGES_MS) + 1))]
        values = self._cache.get_many([self._key(m, n) for m in minutes for n in names])

        def count(minute: int, name: str) -> int:
            return int(values.get(self._key(minute, name), 0))

        series = [Minute(m * 60.0, *(count(m, name) for name in COUNTERS)) for m in minutes]
        histogram = [
            sum(count(m, f"latency{i}") for m in minutes) for i in range(len(LATENCY_EDGES_MS) + 1)
        ]
        return StatsSummary(
            calls=sum(m.calls for m in series),
            errors=sum(m.errors for m in series),
            rate_limited=sum(m.rate_limited for m in series),
            p50_ms=_percentile(histogram, 0.50),
            p95_ms=_percentile(histogram, 0.95),
            p99_ms=_percentile(histogram, 0.99),
            minutes=series,
        )


def _percentile(histogram: list[int], fraction: float) -> float | None:
    total = sum(histogram)
    if not total:
        return None
    rank = fraction * total
    seen = 0
    for index, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            return float(LATENCY_EDGES_MS[min(index, len(LATENCY_EDGES_MS) - 1)])
    return float(LATENCY_EDGES_MS[-1])
