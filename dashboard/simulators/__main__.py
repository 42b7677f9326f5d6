"""Command line: `python -m dashboard.simulators --vendor all` serves simulators until stopped."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from . import VENDORS, SimulatorHandle, start_simulator


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m dashboard.simulators", description="Serve vendor API simulators."
    )
    cli.add_argument(
        "--vendor",
        action="extend",
        nargs="+",
        choices=[*VENDORS, "all"],
        help="vendors to start (default: all)",
    )
    cli.add_argument("--host", default="127.0.0.1", help="an IPv4 loopback address")
    cli.add_argument(
        "--port-base",
        type=int,
        default=8701,
        help="a vendor listens on port-base + its position in "
        f"{', '.join(VENDORS)}; 0 picks free ports",
    )
    settings = cli.add_argument_group("settings")
    settings.add_argument("--records", type=int, default=10_000)
    settings.add_argument("--seed", type=int, default=1)
    settings.add_argument("--limit", type=int, help="requests per window (reads for linkit)")
    settings.add_argument("--window", type=float, help="rate-limit window in seconds")
    settings.add_argument("--write-limit", type=int, help="linkit writes per window")
    settings.add_argument("--burst", type=int, help="atlas bucket size")
    settings.add_argument("--access-ttl", type=float, help="token lifetime in seconds")
    settings.add_argument(
        "--credential",
        action="append",
        default=[],
        metavar="VENDOR.KEY=VALUE",
        help="override a demo credential, e.g. parallax.api_key=secret",
    )
    faults = cli.add_argument_group("faults")
    faults.add_argument("--latency-ms", type=int, default=0)
    faults.add_argument("--storm-429", type=int, default=0)
    faults.add_argument("--slow-body-ms", type=int, default=0)
    faults.add_argument("--oversized-body-mb", type=float, default=0)
    faults.add_argument("--foreign-next-link", metavar="URL")
    faults.add_argument("--redirect-to", metavar="URL")
    faults.add_argument("--fail-status", type=int, help="answer the first requests with this")
    faults.add_argument("--fail-count", type=int, default=1)
    faults.add_argument("--fail-body", default="vendor")
    return cli


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    chosen = args.vendor or ["all"]
    names = VENDORS if "all" in chosen else tuple(name for name in VENDORS if name in chosen)
    overrides = _credential_overrides(args.credential)
    switches: dict[str, Any] = {
        "latency_ms": args.latency_ms,
        "storm_429": args.storm_429,
        "slow_body_ms": args.slow_body_ms,
        "oversized_body_mb": args.oversized_body_mb,
        "foreign_next_link": args.foreign_next_link,
        "redirect_to": args.redirect_to,
    }
    if args.fail_status:
        switches["fail_next"] = {
            "status": args.fail_status,
            "count": args.fail_count,
            "body": args.fail_body,
        }
    handles: list[SimulatorHandle] = []
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        for name in names:
            handle = start_simulator(
                name,
                host=args.host,
                port=args.port_base + VENDORS.index(name) if args.port_base else 0,
                records=args.records,
                seed=args.seed,
                limit=args.limit,
                window=args.window,
                write_limit=args.write_limit,
                burst=args.burst,
                access_ttl=args.access_ttl,
                credentials=overrides.get(name),
                **switches,
            )
            handles.append(handle)
            print(f"{name} {handle.url} credentials: {json.dumps(handle.credentials)}", flush=True)
        while not stop.wait(0.2):
            pass
    except (OSError, ValueError) as exc:
        print(f"simulators: {exc}", file=sys.stderr)
        return 2
    finally:
        for handle in handles:
            handle.stop()
    return 0


def _credential_overrides(items: Sequence[str]) -> dict[str, dict[str, str]]:
    overrides: dict[str, dict[str, str]] = {}
    for item in items:
        target, separator, value = item.partition("=")
        vendor, _, key = target.partition(".")
        if not separator or vendor not in VENDORS or not key:
            raise SystemExit(f"--credential expects VENDOR.KEY=VALUE, got {item!r}")
        overrides.setdefault(vendor, {})[key] = value
    return overrides


if __name__ == "__main__":
    sys.exit(main())
