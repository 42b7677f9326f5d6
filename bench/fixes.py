"""What profiling found and what was changed: this run's overhead figures next to a baseline
run (`results/baseline.json`, the same measurement before the change)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .report import Section, Table

BASELINE = Path(__file__).with_name("results") / "baseline.json"

FINDINGS = [
    "Profiled with cProfile (the view called in-process through Django's test client, "
    "production settings, Redis) on a 100-row linkit page served from the cache: about 45% "
    "of the time was template rendering, and most of that the row loop, one "
    '`{% include "browse/_cell.html" %}` per cell (800 for 100 rows of 8 columns).',
    "Change: `Cell.html` and `Row.html` (dashboard/browse/formatting.py, table.py) build the "
    "same markup in Python with `html.escape` on every value; `table.html` renders "
    "`{{ row.html }}` per row and `_cell.html` (still used by the record, conflict and audit "
    "pages) is `{{ cell.html }}`. The HTML is byte-for-byte what the templates produced "
    "(checked on every value of the five simulators' data, and by tests/browse/test_markup.py).",
    "Second change: the record link of every row was a `reverse()` per row; the table's "
    "address is now reversed once and each id quoted as `reverse()` quotes it "
    "(dashboard/browse/views.py `_record_url`; tests compare both for awkward ids).",
    "Measured in-process (no HTTP, one request at a time): rendering 100 linkit rows went "
    "from 18.6 ms (the old loop with its include per cell) to 2.2 ms (`{{ row.html }}`); a "
    "cached 100-row linkit partial from 43 ms to 29 ms, a cached 500-row parallax partial "
    "from 68 ms to 47 ms.",
    "What remains of a cached 100-row partial (about 29 ms in-process on this machine): the "
    "rest of the template (toolbar, filter and column menus, pager, base) about 8 ms, "
    "building the table (formatting 800 cells, each date in the user's time zone) about "
    "6 ms, the connection and its client (credentials decrypted, spec read) about 2 ms, the "
    "cache read about 2 ms, and the middleware (session read, and its save on every request "
    "for the idle timeout; authentication; the request log line) the rest. None of these is "
    "one small, safe fix: a cached partial under 5 ms would need the rendered HTML cached "
    "per user and table state.",
]


def _medians(section: dict[str, Any]) -> dict[tuple[str, int, int], dict[str, float]]:
    found = {}
    for item in section["data"]["results"]:
        if "skipped" in item:
            continue
        ms = item["ms"]
        found[(item["preset"], item["latency_ms"], item["rows"])] = {
            "partial": ms["partial"]["median"],
            "cached": ms["cached"]["median"],
            "overhead": item["overhead_ms"],
        }
    return found


def run(overhead: Section) -> Section:
    baseline = json.loads(BASELINE.read_text())
    before = _medians(baseline["sections"]["overhead"])
    after = _medians({"data": overhead.data})
    rows = [
        (
            *key,
            before[key]["partial"],
            after[key]["partial"],
            before[key]["overhead"],
            after[key]["overhead"],
            before[key]["cached"],
            after[key]["cached"],
        )
        for key in after
        if key in before
    ]
    return Section(
        key="fixes",
        title="5. Profile and fixes",
        intro=(
            f"Before: the overhead measurement of a run at commit "
            f"`{baseline['meta']['commit']}` (`bench/results/baseline.json`, load average "
            f"{baseline['meta']['load_average_at_start'][0]} at its start); after: this run. "
            "Medians in ms."
        ),
        tables=[
            Table(
                headers=(
                    "preset",
                    "latency ms",
                    "rows",
                    "(b) before",
                    "(b) after",
                    "(b)-(a) before",
                    "(b)-(a) after",
                    "(d) before",
                    "(d) after",
                ),
                rows=rows,
            )
        ],
        notes=FINDINGS,
        data={"baseline_commit": baseline["meta"]["commit"], "rows": rows},
    )
