"""Overhead ratio: a raw GET of a vendor page against the dashboard showing the same page."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import closing

import httpx

from dashboard.simulators.process import SimulatorProcess

from .report import Section, Table, Target
from .server import Dashboard
from .stats import Summary, ratio
from .vendors import VENDORS, raw_client

LATENCIES_MS = (0, 50)
PAGE_SIZES = (100, 500)
WARM_UP = 8  # rounds before measuring each row
# Partials per connection before the first row: every gunicorn worker loads its templates,
# signs in to the vendor and opens its connection pool.
FIRST_WARM_UP = 24
KINDS = {
    "raw": "(a) raw httpx GET",
    "partial": "(b) HTMX partial",
    "page": "(c) full page",
    "cached": "(d) cached partial",
}
FRESH = "Fetched just now"
HTMX = {"HX-Request": "true"}


def timed(get: Callable[[], httpx.Response], expect: str | None, absent: str | None) -> float:
    started = time.perf_counter()
    response = get()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url} answered {response.status_code}")
    if expect is not None and expect not in response.text:
        raise RuntimeError(f"{response.request.url}: {expect!r} is not in the answer")
    if absent is not None and absent in response.text:
        raise RuntimeError(f"{response.request.url}: {absent!r} is in the answer")
    return elapsed


def measure(
    dashboard: Dashboard, simulator: SimulatorProcess, rows: int, samples: int
) -> dict[str, Summary]:
    """Interleaved rounds of (a), (b), (c), (d) so that drift and noise hit all four alike."""
    vendor = VENDORS[simulator.vendor]
    table = dashboard.table_path(simulator.vendor, vendor.resource)
    size = {"size": str(rows)} if vendor.preset != "beacon" else {}
    raw = dict(vendor.page_params(rows))
    fresh = {**size, "refresh": "1"}
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with closing(raw_client(simulator)) as vendor_client, closing(dashboard.signed_in()) as browser:
        kinds: dict[str, Callable[[], float]] = {
            "raw": lambda: timed(lambda: vendor_client.get(vendor.path, params=raw), None, None),
            "partial": lambda: timed(
                lambda: browser.get(table, params=fresh, headers=HTMX), FRESH, None
            ),
            "page": lambda: timed(lambda: browser.get(table, params=fresh), FRESH, None),
            "cached": lambda: timed(
                lambda: browser.get(table, params=size, headers=HTMX), "Fetched", FRESH
            ),
        }
        for _ in range(WARM_UP):
            for run in kinds.values():
                run()
        for _ in range(samples):
            for kind, run in kinds.items():
                timings[kind].append(run())
    return {kind: Summary.of(values) for kind, values in timings.items()}


def _set_latency(simulator: SimulatorProcess, latency_ms: int) -> None:
    httpx.post(
        f"{simulator.url}/__sim__/faults", json={"latency_ms": latency_ms}
    ).raise_for_status()


def run(dashboard: Dashboard, simulators: Sequence[SimulatorProcess], samples: int) -> Section:
    rows_out: list[list[object]] = []
    data: list[dict[str, object]] = []
    with closing(dashboard.signed_in()) as browser:
        for simulator in simulators:
            table = dashboard.table_path(simulator.vendor, VENDORS[simulator.vendor].resource)
            for _ in range(FIRST_WARM_UP):
                browser.get(table, params={"refresh": "1"}, headers=HTMX).raise_for_status()
    for simulator in simulators:
        vendor = VENDORS[simulator.vendor]
        for latency in LATENCIES_MS:
            _set_latency(simulator, latency)
            for size in PAGE_SIZES:
                if size > vendor.max_size and size != PAGE_SIZES[0]:
                    data.append(
                        {
                            "preset": vendor.preset,
                            "latency_ms": latency,
                            "requested_rows": size,
                            "skipped": f"the vendor's page-size maximum is {vendor.max_size}",
                        }
                    )
                    continue
                rows = min(size, vendor.max_size)
                summaries = measure(dashboard, simulator, rows, samples)
                raw, partial = summaries["raw"].median, summaries["partial"].median
                entry = {
                    "preset": vendor.preset,
                    "latency_ms": latency,
                    "requested_rows": size,
                    "rows": rows,
                    "ms": {kind: summary.as_dict() for kind, summary in summaries.items()},
                    "partial_over_raw": ratio(partial, raw),
                    "page_over_raw": ratio(summaries["page"].median, raw),
                    "overhead_ms": partial - raw,
                }
                data.append(entry)
                rows_out.append(
                    [
                        vendor.preset,
                        latency,
                        rows,
                        *(
                            f"{summaries[kind].median:.1f} / {summaries[kind].p95:.1f}"
                            for kind in KINDS
                        ),
                        entry["partial_over_raw"],
                        entry["page_over_raw"],
                        entry["overhead_ms"],
                    ]
                )
            _set_latency(simulator, 0)
    return Section(
        key="overhead",
        title="1. Overhead ratio",
        intro=(
            f"Each simulator runs in its own process with 1,000 records and a raised rate limit "
            f"(the bench measures latency here, not the budget). {samples} interleaved rounds of "
            f"(a) to (d) per row after {WARM_UP} warm-up rounds; times in ms, median / p95, as seen "
            "by one client over loopback HTTP. (b) and (c) ask with `refresh=1`, so the vendor "
            "is called every time; (d) is the same partial served from the dashboard's cache "
            "(Redis). Ratios and the overhead (b)-(a) use medians."
        ),
        tables=[
            Table(
                headers=(
                    "preset",
                    "latency ms",
                    "rows",
                    *KINDS.values(),
                    "(b)/(a)",
                    "(c)/(a)",
                    "(b)-(a) ms",
                ),
                rows=rows_out,
            )
        ],
        targets=_targets(data),
        notes=[
            f"{item['preset']}: no {item['requested_rows']}-row page ({item['skipped']})."
            for item in data
            if "skipped" in item and item["latency_ms"] == LATENCIES_MS[0]
        ]
        + [
            "beacon's page size is fixed at 50 by the vendor: its “100-row” line is 50 rows.",
        ],
        data={"samples": samples, "results": data},
    )


def _targets(data: list[dict[str, object]]) -> list[Target]:
    measured = [item for item in data if "skipped" not in item]

    def worst(
        name: str, goal: str, limit: float, pick: Callable[[dict[str, object]], bool], key: str
    ) -> Target:
        chosen = {
            f"{item['preset']} {item['latency_ms']} ms {item['rows']} rows": float(item[key])  # type: ignore[arg-type]
            for item in measured
            if pick(item)
        }
        if not chosen:
            return Target(name, goal, "no such page", None)
        top = max(chosen, key=chosen.__getitem__)
        best = min(chosen, key=chosen.__getitem__)
        text = f"worst {chosen[top]:.2f} ({top}), best {chosen[best]:.2f} ({best})"
        return Target(name, goal, text, chosen[top] <= limit)

    def cached(item: dict[str, object]) -> float:
        return item["ms"]["cached"]["median"]  # type: ignore[index]

    for item in measured:
        item["cached_median_ms"] = cached(item)
    return [
        worst(
            "(b)/(a) at 50 ms, 100 rows",
            "≤ 1.10",
            1.10,
            lambda item: item["latency_ms"] == 50 and item["requested_rows"] == 100,
            "partial_over_raw",
        ),
        worst(
            "overhead (b)-(a), 100 rows, 0 ms",
            "≤ 15 ms median",
            15.0,
            lambda item: item["latency_ms"] == 0 and item["requested_rows"] == 100,
            "overhead_ms",
        ),
        worst(
            "overhead (b)-(a), 500 rows, 0 ms",
            "≤ 40 ms median",
            40.0,
            lambda item: item["latency_ms"] == 0 and item["requested_rows"] == 500,
            "overhead_ms",
        ),
        worst(
            "cached partial (d)",
            "≤ 5 ms median",
            5.0,
            lambda item: True,
            "cached_median_ms",
        ),
    ]
