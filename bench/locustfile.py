"""Locust users browsing one table of the dashboard: pages, sorting, filtering, records.

Started by `bench/concurrent.py` with the settings in `BENCH_*` environment variables (the
table, its sortable fields, signed-in session cookies, where to write). Every
answer is classified (fresh from the vendor, from the cache, a record page, with a banner)
and its time kept; at exit the samples and Locust's own totals go to `BENCH_OUT` as JSON.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from typing import Any

from locust import HttpUser, between, events, task

TABLE = os.environ.get("BENCH_TABLE", "/")
SORTABLE = [name for name in os.environ.get("BENCH_SORTABLE", "").split(",") if name]
FILTERS = {"f.is_enabled": ["true", "false"]}
PAGES = int(os.environ.get("BENCH_PAGES", "50"))
ROW_LINK = re.compile(r'<a href="(' + re.escape(TABLE) + r'[^"/]+/)" title="Open')
# Sessions signed in beforehand (password hashing is deliberately slow: signing 20 users in
# at once would load the server for seconds and is not browsing).
SESSIONS = os.environ.get("BENCH_SESSIONS", "").split(",")
COOKIE = os.environ.get("BENCH_COOKIE", "sessionid")
_next_session = itertools.count()

samples: list[dict[str, Any]] = []


def classify(name: str, text: str) -> str:
    if 'class="banner ' in text:
        return "banner"
    if name == "record":
        return "record"
    if "Fetched just now" in text:
        return "uncached"
    if "Fetched " in text:
        return "cached"
    return "other"


@events.request.add_listener
def _keep(
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    **_: Any,
) -> None:
    status = getattr(response, "status_code", 0) or 0
    text = getattr(response, "text", "") or ""
    samples.append(
        {
            "name": name,
            "ms": response_time,
            "status": status,
            "kind": classify(name, text) if exception is None else "error",
        }
    )


@events.quitting.add_listener
def _write(environment: Any, **_: Any) -> None:
    total = environment.stats.total
    summary = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.total_rps,
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "duration_s": (total.last_request_timestamp or 0) - total.start_time,
    }
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump({"locust": summary, "samples": samples}, out)


class Browser(HttpUser):
    """A person reading a table: a few seconds between clicks."""

    wait_time = between(3, 7)

    def on_start(self) -> None:
        self.state: dict[str, str] = {}
        self.records: list[str] = []
        session = SESSIONS[next(_next_session) % len(SESSIONS)]
        self.client.cookies.set(COOKIE, session)
        self._table("table page", htmx=False)

    def _table(self, name: str, *, htmx: bool = True) -> None:
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.client.get(TABLE, params=self.state, headers=headers, name=name)
        found = ROW_LINK.findall(response.text or "")
        if found:
            self.records = found

    @task(4)
    def page(self) -> None:
        self.state["page"] = str(random.randint(1, PAGES))
        self._table("partial: page")

    @task(2)
    def sort(self) -> None:
        if SORTABLE:
            self.state["sort"] = random.choice(["", "-"]) + random.choice(SORTABLE)
        self.state.pop("page", None)
        self._table("partial: sort")

    @task(2)
    def filter(self) -> None:
        for key, values in FILTERS.items():
            choice = random.choice([*values, ""])
            if choice:
                self.state[key] = choice
            else:
                self.state.pop(key, None)
        self.state.pop("page", None)
        self._table("partial: filter")

    @task(2)
    def record(self) -> None:
        if self.records:
            self.client.get(random.choice(self.records), name="record")
