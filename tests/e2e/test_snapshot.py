"""A snapshot in a real headless Chromium with a real task worker: the progress bar shows
while the worker walks the collection, then sorting a column orders the whole collection
(Parallax cannot sort, so without the snapshot only the page would be sorted)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard.simulators import start_simulator
from tests.browse.conftest import connect, table_url
from tests.snapshots.conftest import collection
from tests.snapshots.worker import start_worker

from .support import chromium_missing

pytestmark = [
    pytest.mark.skipif(chromium_missing(), reason="/usr/bin/chromium is missing (CI is not set)"),
    pytest.mark.django_db(transaction=True),
]

RECORDS = 400
SNAPSHOT_WAIT_MS = 90_000  # a bound for a busy machine, not a measurement


@pytest.fixture
def slow_parallax():
    handle = start_simulator("parallax", records=RECORDS, latency_ms=150)
    yield handle
    handle.stop()


@pytest.fixture
def worker(settings):
    settings.TASKS = settings.WORKER_TASKS
    process = start_worker()
    yield process
    process.terminate()
    process.wait(timeout=30)


def test_a_snapshot_with_a_progress_bar_then_a_sort_over_the_whole_collection(
    page, team, live_server, slow_parallax, worker
):
    connection = connect(
        team,
        "parallax",
        slow_parallax,
        spec_toml="[pagination]\ndefault_size = 25\nmax_size = 25\n",
    )
    page.goto(live_server.url + table_url(connection, "projects", "?size=10&cols=id,name,budget"))
    expect(page.locator("#snapshot-panel")).to_contain_text("This vendor cannot sort or filter")

    page.get_by_role("button", name="Take a snapshot").click()
    progress = page.get_by_role("progressbar")
    expect(progress).to_be_visible()
    expect(page.locator("#snapshot-status")).to_contain_text(re.compile(r"pages? fetched"))
    expect(page.get_by_role("button", name="Cancel snapshot")).to_be_visible()

    expect(page.locator("#snapshot-note")).to_contain_text(
        f"{RECORDS} records · snapshot taken", timeout=SNAPSHOT_WAIT_MS
    )
    expect(progress).to_have_count(0)

    page.locator("th", has_text="Budget").get_by_role("link").click()
    expect(page.locator("th", has_text="Budget")).to_have_attribute("aria-sort", "ascending")
    cheapest = min(collection(slow_parallax, "projects"), key=lambda record: record["budget"])
    first_id = page.locator("#table tbody tr:first-child td:first-child")
    expect(first_id).to_have_text(cheapest["id"])
    expect(page.locator("#table")).to_contain_text(f"1\N{EN DASH}10 of {RECORDS}")
    expect(page.locator(".note")).to_have_count(0)  # nothing sorted "within this page"
