"""`manage.py fetch`: read a vendor collection from a TOML connector spec, as JSON lines."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.connectors.client import Listing, VendorClient
from dashboard.connectors.errors import VendorError
from dashboard.connectors.factory import client_options, make_client
from dashboard.connectors.spec import SpecError, load_spec_file
from dashboard.core.cli import add_query_arguments


class Command(BaseCommand):
    help = (
        "Fetch records from a vendor API described by a TOML connector spec. Records go to "
        "stdout as JSON lines; a summary goes to stderr. Vendor errors exit with status 2."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--spec", required=True, help="path of a TOML connector spec")
        parser.add_argument("--resource", required=True, help="resource name from the spec")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--page", type=int, default=1, help="page number (default 1)")
        which.add_argument("--all", action="store_true", help="every page, in order")
        parser.add_argument("--page-size", type=int, help="records per page")
        add_query_arguments(
            parser,
            filter_help="a vendor-side field filter (repeatable)",
            search_help="the vendor's text search",
        )
        parser.add_argument(
            "--max-wait",
            type=float,
            default=120.0,
            help="seconds to wait for the rate budget before giving up (default 120)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            spec = load_spec_file(options["spec"])
        except SpecError as exc:
            raise CommandError(str(exc), returncode=2) from None
        client = make_client(spec, options=client_options(rate_limit_max_wait=options["max_wait"]))
        try:
            self._run(client, options)
        except (VendorError, SpecError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        finally:
            self._summary(client, time.monotonic() - started)

    def _run(self, client: VendorClient, options: dict[str, Any]) -> None:
        query = {
            "page_size": options["page_size"],
            "sort": options["sort"],
            "filters": dict(options["filter"]),
            "search": options["search"],
        }
        pages: Any
        if options["all"]:
            pages = client.iter_pages(options["resource"], **query)
        else:
            pages = [client.list_page(options["resource"], page=options["page"], **query)]
        for listing in pages:
            self._write(listing)

    def _write(self, listing: Listing) -> None:
        lines = (json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in listing.records)
        for line in lines:
            self.stdout.write(line)
        self.stdout.flush()

    def _summary(self, client: VendorClient, seconds: float) -> None:
        stats = client.stats
        self.stderr.write(
            f"records={stats.records} pages={stats.pages} requests={stats.requests} "
            f"rate_limited={stats.rate_limited} retries={stats.retries} seconds={seconds:.2f}"
        )
