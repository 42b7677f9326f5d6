"""Concurrent users: Locust against the production server and one simulator held to its
documented rate limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from dashboard.simulators.process import SimulatorProcess

from .report import Section, Table, Target
from .server import ROOT, SESSION_COOKIE, WORKERS, Dashboard
from .stats import Summary
from .vendors import VENDORS

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
LATENCY_MS = 50
SPAWN_PER_S = 4  # users arrive over a few seconds, not all in the same instant
KIND_LABELS = {
    "uncached": "table, fresh from the vendor",
    "cached": "table, from the cache",
    "record": "record page (always the vendor)",
    "banner": "answered with a banner (budget or vendor error)",
    "other": "other",
    "error": "connection error",
}


def run(
    dashboard: Dashboard, simulator: SimulatorProcess, connection: str, users: int, seconds: int
) -> Section:
    vendor = VENDORS[simulator.vendor]
    httpx.post(f"{simulator.url}/__sim__/reset").raise_for_status()
    httpx.post(
        f"{simulator.url}/__sim__/faults", json={"latency_ms": LATENCY_MS}
    ).raise_for_status()
    sessions = [dashboard.session() for _ in range(users)]
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as folder:
        out = Path(folder) / "samples.json"
        env = os.environ | {
            "BENCH_TABLE": dashboard.table_path(connection, vendor.resource),
            "BENCH_SORTABLE": ",".join(vendor.sortable),
            "BENCH_SESSIONS": ",".join(sessions),
            "BENCH_COOKIE": SESSION_COOKIE,
            "BENCH_OUT": str(out),
        }
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(SPAWN_PER_S),
                "--run-time",
                f"{seconds}s",
                "--stop-timeout",
                "10",
                "--host",
                dashboard.url,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=seconds + 60,
        )
        result = json.loads(out.read_text())
    vendor_stats = simulator.stats()
    return _section(result, vendor_stats, vendor.preset, vendor.documented_limit, users, seconds)


def _section(
    result: dict, vendor_stats: dict, preset: str, limit: int, users: int, seconds: int
) -> Section:
    samples = result["samples"]
    every = Summary.of([item["ms"] for item in samples])
    by_kind = {
        kind: Summary.of([item["ms"] for item in samples if item["kind"] == kind])
        for kind in KIND_LABELS
        if any(item["kind"] == kind for item in samples)
    }
    errors = sum(1 for item in samples if item["status"] >= 500 or item["kind"] == "error")
    rate = len(samples) / seconds
    uncached = by_kind.get("uncached")
    bound = LATENCY_MS + 100
    data = {
        "users": users,
        "seconds": seconds,
        "vendor_latency_ms": LATENCY_MS,
        "requests": len(samples),
        "requests_per_s": rate,
        "ms": every.as_dict(),
        "ms_by_kind": {kind: summary.as_dict() for kind, summary in by_kind.items()},
        "dashboard_5xx": errors,
        "vendor": {
            key: vendor_stats.get(key) for key in ("requests", "rate_limited", "max_in_window")
        },
        "vendor_documented_limit_per_minute": limit,
        "locust": result["locust"],
    }
    return Section(
        key="concurrent",
        title="2. Concurrent users",
        intro=(
            f"{users} Locust users ({SPAWN_PER_S} arriving per second) for {seconds} s against "
            f"gunicorn ({WORKERS} workers, Redis cache) and "
            f"one {preset} simulator held to its documented budget ({limit} reads per minute) "
            f"with {LATENCY_MS} ms latency. Each user (signed in beforehand) opens the table, then "
            "every 3-7 s (think time) goes to a random page, sorts, filters, or opens a record: "
            "weights 4:2:2:2. Times in ms as Locust measured them."
        ),
        tables=[
            Table(
                headers=("requests", "requests/s", "p50", "p95", "p99", "dashboard 5xx"),
                rows=[(len(samples), rate, every.median, every.p95, every.p99, errors)],
            ),
            Table(
                headers=("answer", "count", "p50", "p95", "p99"),
                rows=[
                    (KIND_LABELS[kind], summary.count, summary.median, summary.p95, summary.p99)
                    for kind, summary in by_kind.items()
                ],
            ),
            Table(
                headers=(
                    "vendor requests",
                    "vendor 429s",
                    "most in one vendor window",
                    "documented limit",
                ),
                rows=[
                    (
                        vendor_stats.get("requests"),
                        vendor_stats.get("rate_limited"),
                        vendor_stats.get("max_in_window"),
                        limit,
                    )
                ],
            ),
        ],
        targets=[
            Target(
                "concurrent: vendor 429s",
                "0",
                str(vendor_stats.get("rate_limited")),
                vendor_stats.get("rate_limited") == 0,
            ),
            Target("concurrent: dashboard 5xx", "0", str(errors), errors == 0),
            Target(
                "concurrent: p95 of uncached table pages",
                f"≤ {bound} ms (vendor latency + 100 ms)",
                f"{uncached.p95:.1f} ms" if uncached else "none measured",
                uncached.p95 <= bound if uncached else None,
            ),
        ],
        notes=[
            "The busiest vendor window held "
            f"{vendor_stats.get('max_in_window')} of the {limit} requests allowed: "
            + (
                "the rate budget was reached, so some pages waited for it."
                if (vendor_stats.get("max_in_window") or 0) >= limit * 0.95
                else "the rate budget was never reached, so no page waited for it."
            ),
            "Load tool, server, Redis and simulator share the machine's CPUs.",
        ],
        data=data,
    )
