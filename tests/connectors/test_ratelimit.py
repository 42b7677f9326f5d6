"""Rate-limit headers and the shared budget: deterministic, with a fake clock and sleep."""

from __future__ import annotations

import random
import threading
from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import cache
from typing import Any
from uuid import uuid4

import httpx
import pytest
import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from dashboard.connectors.errors import RateLimited
from dashboard.connectors.ratelimit import (
    FALLBACK_BLOCK,
    SLOTS_PER_WINDOW,
    Budget,
    Cache,
    RateLimitSnapshot,
    parse_retry_after,
    read_rate_limit,
)
from dashboard.connectors.spec import TRANSIT_ALLOWANCE, RateLimitSpec

REDIS_URL = "redis://127.0.0.1:6379/15"
NOW = 1_700_000_000.0


class FakeClock:
    """A clock that only moves when the budget sleeps (or a test says so)."""

    def __init__(self, start: float = NOW) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@cache
def redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def locmem_factory() -> Callable[[], Cache]:
    """Caches sharing one fresh local-memory store, as `caches["default"]` in each thread."""
    name = f"ratelimit-{uuid4().hex}"
    return lambda: LocMemCache(name, {"OPTIONS": {"MAX_ENTRIES": 100_000}})


def redis_factory() -> Callable[[], Cache]:
    """Separate Redis connections, as separate worker processes would have."""
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return lambda: RedisCache(REDIS_URL, {})


@pytest.fixture(params=["locmem", "redis"])
def cache_factory(request: pytest.FixtureRequest) -> Callable[[], Cache]:
    return locmem_factory() if request.param == "locmem" else redis_factory()


@pytest.fixture
def shared_cache(cache_factory: Callable[[], Cache]) -> Cache:
    return cache_factory()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_budget(
    cache: Cache, clock: FakeClock, *, max_wait: float = 0.0, key: str | None = None, **spec: Any
) -> Budget:
    return Budget(
        cache=cache,
        key=key or f"test-{uuid4().hex}",
        spec=RateLimitSpec(**spec),
        max_wait=max_wait,
        clock=clock,
        sleep=clock.sleep,
    )


def busiest_interval(times: list[float], window: float) -> int:
    """The most requests in any closed interval of length `window` (less float noise)."""
    ordered = sorted(times)
    return max(
        bisect_right(ordered, start + window - 1e-9) - index for index, start in enumerate(ordered)
    )


def take(budget: Budget, count: int, *, write: bool = False) -> None:
    for _ in range(count):
        budget.acquire(write=write)


# --- the documented limit -------------------------------------------------------------------


def back_to_back(cache: Cache, *, limit: int, window: float, offset: float) -> list[float]:
    """The admission times of requests sent one after another for five windows."""
    clock = FakeClock(NOW + offset)
    budget = make_budget(cache, clock, max_wait=10 * window, requests=limit, window=window)
    times = []
    while clock.now < NOW + offset + 5 * window:
        budget.acquire()
        times.append(clock.now)
    return times


def assert_limit_kept_at_full_pace(times: list[float], *, limit: int, window: float) -> None:
    assert busiest_interval(times, window) == limit
    # The budget gives up one slot and the transit allowance per window, nothing more.
    pace = window / (window + window / SLOTS_PER_WINDOW + TRANSIT_ALLOWANCE)
    assert len(times) >= 0.99 * pace * limit * 5


@pytest.mark.parametrize("offset", [0.0, 0.37, 0.999, 29.5])
@pytest.mark.parametrize(("limit", "window"), [(100, 60.0), (300, 60.0), (5, 1.0), (7, 10.0)])
def test_back_to_back_requests_never_exceed_the_limit_and_keep_the_pace(
    offset: float, limit: int, window: float
) -> None:
    times = back_to_back(locmem_factory()(), limit=limit, window=window, offset=offset)

    assert_limit_kept_at_full_pace(times, limit=limit, window=window)


def test_back_to_back_requests_on_redis() -> None:
    times = back_to_back(redis_factory()(), limit=100, window=60.0, offset=0.37)

    assert_limit_kept_at_full_pace(times, limit=100, window=60.0)


@pytest.mark.parametrize("seed", range(4))
def test_irregular_requests_never_exceed_the_limit(seed: int) -> None:
    rng = random.Random(seed)
    clock = FakeClock(NOW + rng.random() * 60)
    budget = make_budget(locmem_factory()(), clock, max_wait=120, requests=50, window=60)
    times = []
    for _ in range(600):
        clock.now += rng.expovariate(1.0) if rng.random() < 0.7 else 0.0
        budget.acquire()
        times.append(clock.now)

    assert busiest_interval(times, 60) <= 50


def test_a_full_budget_fails_fast_without_max_wait(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock, requests=3, window=60)
    take(budget, 3)

    with pytest.raises(RateLimited) as caught:
        budget.acquire()

    assert caught.value.retry_after == pytest.approx(62.0)
    assert caught.value.reset_at == pytest.approx(NOW + 62.0)
    assert caught.value.status is None
    assert "try again in 62 s" in caught.value.message
    assert clock.sleeps == []


def test_a_full_budget_waits_when_max_wait_allows(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock, max_wait=62, requests=3, window=60)
    take(budget, 3)

    budget.acquire()

    assert clock.sleeps == [pytest.approx(62.0)]


def test_a_request_a_full_window_later_is_still_held_back(
    shared_cache: Cache, clock: FakeClock
) -> None:
    budget = make_budget(shared_cache, clock, requests=1, window=60)
    budget.acquire()
    clock.now += 60

    with pytest.raises(RateLimited):
        budget.acquire()
    clock.now += 1
    with pytest.raises(RateLimited):
        budget.acquire()  # still inside the transit allowance
    clock.now += TRANSIT_ALLOWANCE + 1
    budget.acquire()


def test_the_spec_sets_the_transit_allowance(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock, requests=1, window=60, transit_allowance=5)
    budget.acquire()
    clock.now += 60 + 1 + TRANSIT_ALLOWANCE + 1  # past the default allowance
    with pytest.raises(RateLimited):
        budget.acquire()
    clock.now += 5
    budget.acquire()


def test_writes_have_their_own_budget_when_documented(
    shared_cache: Cache, clock: FakeClock
) -> None:
    budget = make_budget(shared_cache, clock, requests=300, write_requests=100)
    take(budget, 100, write=True)

    with pytest.raises(RateLimited):
        budget.acquire(write=True)
    take(budget, 300)
    with pytest.raises(RateLimited):
        budget.acquire()
    assert budget.state(write=True).remaining == 0


def test_writes_use_their_own_window(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(
        shared_cache, clock, max_wait=100, requests=10, write_requests=1, write_window=30
    )
    take(budget, 2, write=True)

    assert clock.sleeps == [pytest.approx(31.0)]


def test_writes_count_against_the_read_budget_otherwise(
    shared_cache: Cache, clock: FakeClock
) -> None:
    budget = make_budget(shared_cache, clock, requests=5)
    take(budget, 3)
    take(budget, 2, write=True)

    with pytest.raises(RateLimited):
        budget.acquire(write=True)
    with pytest.raises(RateLimited):
        budget.acquire()


def test_no_documented_limit_means_no_local_counting(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock)

    take(budget, 1000)
    take(budget, 1000, write=True)

    assert clock.sleeps == []


def test_budgets_with_the_same_key_share_one_count(
    cache_factory: Callable[[], Cache], clock: FakeClock
) -> None:
    key = f"account-{uuid4().hex}"
    first, second = (make_budget(cache_factory(), clock, key=key, requests=4) for _ in range(2))
    other = make_budget(cache_factory(), clock, requests=4)
    take(first, 2)
    take(second, 2)

    with pytest.raises(RateLimited):
        first.acquire()
    other.acquire()


# --- corrections from responses -------------------------------------------------------------


def test_a_429_blocks_every_budget_of_the_account_until_retry_after(
    cache_factory: Callable[[], Cache], clock: FakeClock
) -> None:
    key = f"account-{uuid4().hex}"
    observer = make_budget(cache_factory(), clock, key=key, requests=100)
    waiter = make_budget(cache_factory(), clock, key=key, requests=100, max_wait=60)
    observer.observe(RateLimitSnapshot(retry_after=30.0), status=429)

    with pytest.raises(RateLimited) as caught:
        observer.acquire()
    waiter.acquire()

    assert caught.value.retry_after == pytest.approx(30.0)
    assert clock.sleeps == [pytest.approx(30.0)]


def test_a_429_without_hints_blocks_briefly(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock, max_wait=5)
    budget.observe(None, status=429)

    budget.acquire()

    assert clock.sleeps == [pytest.approx(FALLBACK_BLOCK)]


def test_a_429_with_a_reset_time_blocks_until_then(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock, max_wait=60)
    budget.observe(RateLimitSnapshot(limit=100, remaining=0, reset_at=NOW + 12), status=429)

    budget.acquire()

    assert clock.sleeps == [pytest.approx(12.0)]


def test_nothing_remaining_blocks_until_the_reset(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock, requests=100)
    budget.observe(RateLimitSnapshot(limit=100, remaining=0, reset_at=NOW + 20), status=200)

    with pytest.raises(RateLimited) as caught:
        budget.acquire()
    clock.now += 20
    budget.acquire()

    assert caught.value.retry_after == pytest.approx(20.0)
    assert caught.value.reset_at == pytest.approx(NOW + 20)


def test_a_reset_beyond_the_window_is_capped(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock, requests=100, window=60)
    budget.observe(RateLimitSnapshot(remaining=0, reset_at=NOW + 1_700_000_000), status=200)

    with pytest.raises(RateLimited) as caught:
        budget.acquire()

    assert caught.value.retry_after == pytest.approx(60.0)


def test_requests_remaining_do_not_block(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock)
    budget.observe(RateLimitSnapshot(limit=100, remaining=1, reset_at=NOW + 20), status=200)
    budget.observe(None, status=503)

    budget.acquire()


def test_a_shorter_block_does_not_cut_a_longer_one(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock)
    budget.observe(RateLimitSnapshot(retry_after=30.0), status=429)
    budget.observe(RateLimitSnapshot(retry_after=5.0), status=429)

    with pytest.raises(RateLimited) as caught:
        budget.acquire()

    assert caught.value.retry_after == pytest.approx(30.0)


def test_a_write_429_does_not_block_reads_with_separate_budgets(
    shared_cache: Cache, clock: FakeClock
) -> None:
    budget = make_budget(shared_cache, clock, requests=300, write_requests=100)
    budget.observe(RateLimitSnapshot(retry_after=30.0), status=429, write=True)

    budget.acquire()
    with pytest.raises(RateLimited):
        budget.acquire(write=True)


# --- state ----------------------------------------------------------------------------------


def test_state_from_local_counting(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock, requests=10, window=60)
    assert budget.state() == RateLimitSnapshot(limit=10, remaining=10)

    take(budget, 3)
    clock.now += 5

    assert budget.state() == RateLimitSnapshot(limit=10, remaining=7, reset_at=NOW + 62)


def test_state_prefers_the_last_reported_budget_while_current(
    shared_cache: Cache, clock: FakeClock
) -> None:
    budget = make_budget(shared_cache, clock, requests=10, window=60)
    budget.acquire()
    budget.observe(RateLimitSnapshot(limit=300, remaining=0, reset_at=NOW + 20), status=200)

    assert budget.state() == RateLimitSnapshot(
        limit=300, remaining=0, reset_at=NOW + 20, retry_after=pytest.approx(20.0)
    )
    clock.now += 20
    assert budget.state() == RateLimitSnapshot(limit=10, remaining=9, reset_at=NOW + 62)


def test_state_without_a_documented_limit(shared_cache: Cache, clock: FakeClock) -> None:
    budget = make_budget(shared_cache, clock)
    assert budget.state() == RateLimitSnapshot()

    budget.observe(RateLimitSnapshot(limit=100, remaining=40), status=200)
    assert budget.state() == RateLimitSnapshot(limit=100, remaining=40)

    clock.now += 60
    assert budget.state() == RateLimitSnapshot()


# --- many threads, one budget ---------------------------------------------------------------


def hammer(cache_factory: Callable[[], Cache], *, limit: int, threads: int = 8) -> int:
    """Requests admitted when `threads` budgets (one cache client each) race for `limit`."""
    key = f"hammer-{uuid4().hex}"
    spec = RateLimitSpec(requests=limit, window=60)
    admitted: list[int] = []
    start = threading.Barrier(threads)

    def worker() -> None:
        budget = Budget(cache=cache_factory(), key=key, spec=spec, max_wait=0)
        start.wait()
        for _ in range(40):
            try:
                budget.acquire()
            except RateLimited:
                continue
            admitted.append(1)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return len(admitted)


def test_threads_on_local_memory_never_exceed_the_limit() -> None:
    assert hammer(locmem_factory(), limit=50) == 50


def test_threads_on_redis_never_exceed_the_limit() -> None:
    assert hammer(redis_factory(), limit=50) == 50


# --- headers --------------------------------------------------------------------------------

DEFAULT = RateLimitSpec()
HTTP_DATE = format_datetime(datetime.fromtimestamp(NOW + 90, UTC), usegmt=True)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        (HTTP_DATE, 90.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("-5", None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("Wed, 32 Foo 2015 99:99:99 GMT", None),
    ],
)
def test_parse_retry_after(value: str, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def test_x_ratelimit_headers_with_a_unix_reset() -> None:
    headers = httpx.Headers(
        {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "247",
            "X-RateLimit-Reset": "1700000060",
        }
    )

    assert read_rate_limit(headers, DEFAULT, now=NOW) == RateLimitSnapshot(
        limit=300, remaining=247, reset_at=1_700_000_060.0
    )


@pytest.mark.parametrize(
    ("kind", "value", "reset_at"),
    [
        ("auto", "30", NOW + 30),
        ("auto", "1700000060", 1_700_000_060.0),
        ("seconds", "30", NOW + 30),
        ("unix", "1700000060.5", 1_700_000_060.5),
    ],
)
def test_reset_kinds(kind: str, value: str, reset_at: float) -> None:
    spec = RateLimitSpec(reset_kind=kind)

    snapshot = read_rate_limit({"x-ratelimit-reset": value}, spec, now=NOW)

    assert snapshot == RateLimitSnapshot(reset_at=reset_at)


def test_used_header_gives_remaining() -> None:
    spec = RateLimitSpec(limit_header="X-Limit", remaining_header=None, used_header="X-Used")

    assert read_rate_limit({"X-Limit": "100", "X-Used": "30"}, spec, now=NOW) == (
        RateLimitSnapshot(limit=100, remaining=70)
    )
    assert read_rate_limit({"X-Limit": "100", "X-Used": "130"}, spec, now=NOW) == (
        RateLimitSnapshot(limit=100, remaining=0)
    )


def test_used_header_without_a_limit_header_uses_the_documented_limit() -> None:
    spec = RateLimitSpec(requests=100, remaining_header=None, used_header="X-Used")

    assert read_rate_limit({"X-Used": "99"}, spec, now=NOW) == RateLimitSnapshot(remaining=1)


def test_the_first_readable_retry_after_header_wins() -> None:
    spec = RateLimitSpec(retry_after_headers=["X-Retry-In", "X-Wait", "Retry-After"])
    headers = {"X-Retry-In": "later", "X-Wait": "7", "Retry-After": "60"}

    assert read_rate_limit(headers, spec, now=NOW) == RateLimitSnapshot(retry_after=7.0)


def test_retry_after_as_an_http_date() -> None:
    snapshot = read_rate_limit({"Retry-After": HTTP_DATE}, DEFAULT, now=NOW)

    assert snapshot == RateLimitSnapshot(retry_after=90.0)


@pytest.mark.parametrize(
    "headers",
    [
        {"RateLimit-Limit": "100", "RateLimit-Remaining": "50", "RateLimit-Reset": "30"},
        {"RateLimit-Limit": "100, 100;w=60", "RateLimit-Remaining": "50", "RateLimit-Reset": "30"},
        {"RateLimit": "limit=100, remaining=50, reset=30", "RateLimit-Policy": "100;w=60"},
        {"RateLimit": '"default";r=50;t=30', "RateLimit-Policy": '"default";q=100;w=60'},
        {"ratelimit": "default;r=50;t=30", "ratelimit-policy": "default;q=100;w=60"},
    ],
    ids=["draft-6", "draft-6-policy", "draft-7", "draft-8", "draft-8-tokens"],
)
def test_ietf_fields(headers: dict[str, str]) -> None:
    assert read_rate_limit(headers, DEFAULT, now=NOW) == RateLimitSnapshot(
        limit=100, remaining=50, reset_at=NOW + 30
    )


def test_ietf_policies_report_the_tightest() -> None:
    headers = {
        "RateLimit": '"daily";r=900;t=3600, "burst";r=5;t=1',
        "RateLimit-Policy": '"burst";q=10;w=1, "daily";q=1000;w=86400',
    }

    assert read_rate_limit(headers, DEFAULT, now=NOW) == RateLimitSnapshot(
        limit=10, remaining=5, reset_at=NOW + 1
    )


def test_spec_headers_win_over_ietf_fields() -> None:
    headers = {"X-RateLimit-Remaining": "7", "RateLimit": '"default";r=50;t=30'}

    assert read_rate_limit(headers, DEFAULT, now=NOW) == RateLimitSnapshot(
        remaining=7, reset_at=NOW + 30
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "application/json"},
        {
            "X-RateLimit-Limit": "lots",
            "X-RateLimit-Remaining": "-1",
            "X-RateLimit-Reset": "soon",
            "Retry-After": "whenever",
        },
        {"RateLimit": 'garbage;;==, ";r=x', "RateLimit-Policy": ",,;"},
        {"RateLimit": "limit=many, remaining=, reset=-3"},
        {
            "RateLimit-Limit": "\uff11\uff10\uff10",
            "RateLimit-Remaining": "5.5",
            "RateLimit-Reset": "1e3",
        },
    ],
    ids=[
        "none",
        "unrelated",
        "malformed-x",
        "malformed-items",
        "malformed-dictionary",
        "odd-numbers",
    ],
)
def test_nothing_readable_gives_none(headers: dict[str, str]) -> None:
    assert read_rate_limit(headers, DEFAULT, now=NOW) is None


def test_headers_are_case_insensitive_in_plain_mappings() -> None:
    headers = {"x-ratelimit-limit": "100", "X-RATELIMIT-REMAINING": "3"}

    assert read_rate_limit(headers, DEFAULT, now=NOW) == RateLimitSnapshot(limit=100, remaining=3)


def test_a_spec_without_header_names_reads_only_ietf_and_retry_after() -> None:
    spec = RateLimitSpec(
        limit_header=None, remaining_header=None, reset_header=None, retry_after_headers=[]
    )
    headers = {"X-RateLimit-Limit": "100", "Retry-After": "5", "RateLimit-Remaining": "4"}

    assert read_rate_limit(headers, spec, now=NOW) == RateLimitSnapshot(remaining=4)
