"""A snapshot taken by a real `db_worker` process that is killed mid-walk: the snapshot is
never left silently partial; it resumes from its last stored page in a new worker and ends
with every record once."""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.browse.selectors import source_for
from dashboard.simulators import start_simulator
from dashboard.snapshots import services
from dashboard.snapshots.models import Snapshot, Status
from tests.browse.conftest import connect

from .conftest import collection
from .worker import start_worker

pytestmark = pytest.mark.django_db(transaction=True)

RECORDS = 600
PAGE = 20
WAIT = 90  # seconds at most for a worker to make progress (a bound, not a measurement)


def wait_for(condition, process) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            output = process.stdout.read().decode() if process.poll() is not None else ""
            pytest.fail(f"the worker made no progress (exit {process.poll()}): {output[-2000:]}")
        time.sleep(0.1)


@pytest.fixture
def slow_linkit():
    handle = start_simulator("linkit", records=RECORDS, latency_ms=60)
    yield handle
    handle.stop()


def test_a_worker_killed_mid_snapshot_leaves_a_snapshot_that_resumes(team, slow_linkit, settings):
    settings.TASKS = settings.WORKER_TASKS
    connection = connect(
        team, "linkit", slow_linkit, spec_toml=f"[pagination]\nmax_size = {PAGE}\n"
    )
    source = source_for(connection=connection, resource="products")
    worker = start_worker()
    try:
        snapshot = services.snapshot_start(source=source, user=None)
        stored_pages = lambda: Snapshot.objects.get(pk=snapshot.pk).pages >= 3  # noqa: E731
        wait_for(stored_pages, worker)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)

    dead = Snapshot.objects.get(pk=snapshot.pk)
    assert dead.status == Status.RUNNING, "nothing ran after the kill"
    assert dead.records < RECORDS
    assert dead.rows.count() == dead.records == dead.pages * PAGE, "only whole pages stored"
    assert dead.next_cursor, "it knows where to go on"

    # Time passes without a heartbeat: whoever looks next finds it stale and resumes it.
    Snapshot.objects.filter(pk=dead.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.SNAPSHOT_HEARTBEAT_TIMEOUT + 1)
    )
    resumed = services.snapshot_recover(snapshot=dead)
    assert (resumed.status, resumed.resumes) == (Status.QUEUED, 1)

    again = start_worker("--batch")
    try:
        assert again.wait(timeout=WAIT) == 0, again.stdout.read().decode()[-2000:]
    finally:
        if again.poll() is None:
            again.kill()
            again.wait(timeout=30)
    done = Snapshot.objects.get(pk=snapshot.pk)
    assert done.status == Status.COMPLETE, done.error
    expected = sorted(str(record["id"]) for record in collection(slow_linkit, "products"))
    assert sorted(done.rows.values_list("record_id", flat=True)) == expected
    assert done.records == RECORDS


def test_a_worker_stopped_at_once_hands_its_snapshot_back_to_the_queue(team, slow_linkit, settings):
    settings.TASKS = settings.WORKER_TASKS
    connection = connect(
        team,
        "linkit",
        slow_linkit,
        spec_toml=f"[pagination]\ndefault_size = {PAGE}\nmax_size = {PAGE}\n",
    )
    source = source_for(connection=connection, resource="products")
    worker = start_worker()
    try:
        snapshot = services.snapshot_start(source=source, user=None)
        wait_for(lambda: Snapshot.objects.get(pk=snapshot.pk).pages >= 2, worker)
        worker.send_signal(signal.SIGTERM)  # finish the task first …
        time.sleep(0.5)
        worker.send_signal(signal.SIGTERM)  # … no: stop now
        worker.wait(timeout=WAIT)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
    handed_back = Snapshot.objects.get(pk=snapshot.pk)
    assert handed_back.status == Status.QUEUED
    assert 0 < handed_back.records < RECORDS

    again = start_worker("--batch")
    try:
        assert again.wait(timeout=WAIT) == 0, again.stdout.read().decode()[-2000:]
    finally:
        if again.poll() is None:
            again.kill()
            again.wait(timeout=30)
    done = Snapshot.objects.get(pk=snapshot.pk)
    assert done.status == Status.COMPLETE, done.error
    assert done.records == done.rows.count() == RECORDS
