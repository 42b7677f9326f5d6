"""Vendor call statistics: counters per minute, percentiles from the latency histogram."""

import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache

from dashboard.connectors.stats import WINDOW_MINUTES, VendorStats


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stats():
    clock = Clock()
    recorder = VendorStats(cache=LocMemCache(f"s-{uuid.uuid4()}", {}), account="a", clock=clock)
    recorder.clock = clock
    return recorder


def test_counts_calls_errors_and_429s(stats):
    for status in (200, 200, 404, 429, None):
        stats.record(status=status, duration_ms=30)
    summary = stats.summary()
    assert (summary.calls, summary.errors, summary.rate_limited) == (5, 3, 1)
    assert summary.minutes[-1].calls == 5
    assert len(summary.minutes) == WINDOW_MINUTES


def test_percentiles_come_from_the_histogram(stats):
    for _ in range(90):
        stats.record(status=200, duration_ms=40)
    for _ in range(9):
        stats.record(status=200, duration_ms=700)
    stats.record(status=200, duration_ms=5000)
    summary = stats.summary()
    assert summary.p50_ms == 50
    assert summary.p95_ms == 800
    assert summary.p99_ms == 800
    assert stats.summary().busiest_minute == 100


def test_only_the_last_hour_counts(stats):
    stats.record(status=200, duration_ms=10)
    stats.clock.now += WINDOW_MINUTES * 60
    stats.record(status=500, duration_ms=10)
    summary = stats.summary()
    assert (summary.calls, summary.errors) == (1, 1)


def test_no_calls_no_percentiles(stats):
    summary = stats.summary()
    assert summary.calls == 0
    assert summary.p50_ms is None
