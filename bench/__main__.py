"""`python -m bench` (`make bench`): run the measurements and write the report.

Every section is measured in one run: simulators in their own processes, the dashboard as
`make serve` runs it (gunicorn, Redis), then `manage.py fetch --all`, then snapshots taken by
`manage.py db_worker` and read back on SQLite and PostgreSQL. The report is
`bench/results/latest.md` and `latest.json` (or `--out`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import redis

from dashboard.simulators.process import SimulatorProcess

from . import closing, concurrent, fixes, overhead, snapshots, traversal, weight
from .report import Section, as_json, render_markdown
from .server import REDIS_URL, ROOT, Connection, Dashboard, dashboard
from .vendors import VENDORS, secrets_for, variables_for

SECTIONS = ("overhead", "concurrent", "traversal", "weight", "snapshots")
# The report's order: section 5 (profile and fixes) follows from section 1's figures.
ORDER = ("overhead", "concurrent", "traversal", "weight", "fixes", "snapshots")
RAISED_LIMIT = 1_000_000  # per minute: the overhead runs must never wait for a budget
BUDGET_CONNECTION = "budget-linkit"


def _connection(name: str, simulator: SimulatorProcess, spec_toml: str) -> Connection:
    return Connection(
        name=name,
        preset=simulator.vendor,
        base_url=simulator.url,
        spec_toml=spec_toml,
        variables=variables_for(simulator),
        secrets=secrets_for(simulator),
    )


@contextmanager
def _served(
    presets: list[str],
) -> Iterator[tuple[Dashboard, list[SimulatorProcess], SimulatorProcess]]:
    """One simulator per preset with a raised limit, one linkit at its documented limit, and
    the dashboard connected to all of them."""
    with ExitStack() as stack:
        fast = [
            stack.enter_context(
                SimulatorProcess(preset, records=1_000, limit=RAISED_LIMIT, window=60)
            )
            for preset in presets
        ]
        budgeted = stack.enter_context(SimulatorProcess("linkit", records=10_000))
        raised = traversal.rate_limit_toml(RAISED_LIMIT, 60)
        connections = [_connection(item.vendor, item, raised) for item in fast]
        connections.append(_connection(BUDGET_CONNECTION, budgeted, ""))
        yield stack.enter_context(dashboard(connections)), fast, budgeted


def _meta(started: float) -> dict[str, object]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "seconds": round(time.monotonic() - started, 1),
    }


def _require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        raise SystemExit(
            f"The bench needs Redis at {REDIS_URL} (`.ci/services` starts it)."
        ) from None


def main() -> None:
    cli = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    cli.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    cli.add_argument("--presets", nargs="+", choices=list(VENDORS), default=list(VENDORS))
    cli.add_argument("--samples", type=int, default=30, help="rounds per overhead row")
    cli.add_argument("--users", type=int, default=20)
    cli.add_argument("--seconds", type=int, default=60, help="length of the concurrent run")
    cli.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = cli.parse_args()
    _require_redis()
    started = time.monotonic()
    load = os.getloadavg()
    sections: list[Section] = []
    served = {"overhead", "weight", "concurrent"} & set(args.sections)
    if served:
        with _served(args.presets) as (server, fast, budgeted):
            if "overhead" in args.sections:
                sections.append(overhead.run(server, fast, args.samples))
            if "weight" in args.sections:
                sections.append(weight.run(server, "linkit", VENDORS["linkit"].resource))
            if "concurrent" in args.sections:
                sections.append(
                    concurrent.run(server, budgeted, BUDGET_CONNECTION, args.users, args.seconds)
                )
    if "traversal" in args.sections:
        sections.append(traversal.run(args.presets))
    if "snapshots" in args.sections:
        sections.append(snapshots.run())
    sections.extend(fixes.run(item) for item in list(sections) if item.key == "overhead")
    sections.sort(key=lambda section: ORDER.index(section.key))
    sections.append(closing.run(sections))
    meta = _meta(started) | {"load_average_at_start": [round(value, 2) for value in load]}
    args.out.mkdir(parents=True, exist_ok=True)
    preface = [
        f"Measured {meta['date']} at commit `{meta['commit']}` on {meta['cpus']} CPUs, "
        f"Python {meta['python']}, in {meta['seconds']} s; load average at the start "
        f"{', '.join(map(str, meta['load_average_at_start']))}. Regenerate with `make bench`.",
        "Each numbered section is one module of `bench/` returning a `report.Section`.",
    ]
    (args.out / "latest.md").write_text(render_markdown("Benchmarks", preface, sections))
    (args.out / "latest.json").write_text(json.dumps(as_json(meta, sections), indent=2) + "\n")
    print(f"wrote {args.out / 'latest.md'} and latest.json in {meta['seconds']} s")


if __name__ == "__main__":
    main()
