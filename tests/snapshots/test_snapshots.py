"""Taking snapshots against every preset's simulator (tasks run at once here), their
bounds, cancelling, and what happens to a snapshot whose worker stopped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as database
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.browse.selectors import source_for
from dashboard.connections.services import connection_update
from dashboard.snapshots import services
from dashboard.snapshots.models import Snapshot, SnapshotRecord, Status

from .conftest import BIG, collection, take

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("vendor", sorted(BIG))
def test_a_snapshot_holds_every_record_of_the_collection_once(vendor, connection_to, simulators):
    connection = connection_to(vendor)
    resource = BIG[vendor]
    snapshot = take(connection, resource)
    expected = sorted(str(record["id"]) for record in collection(simulators[vendor], resource))
    stored = sorted(snapshot.rows.values_list("record_id", flat=True))
    assert snapshot.status == Status.COMPLETE, snapshot.error
    assert stored == expected
    assert snapshot.records == len(expected)
    max_size = source_for(connection=connection, resource=resource).client.spec.pagination.max_size
    assert snapshot.page_size == max_size
    assert snapshot.pages == -(-len(expected) // max_size) + (len(expected) % max_size == 0)
    assert snapshot.next_cursor == ""


def test_records_served_again_are_stored_and_counted_once_without_counting_the_snapshot(
    connection_to,
):
    snapshot = Snapshot.objects.create(
        connection=connection_to("linkit"), resource="products", status=Status.RUNNING
    )
    snapshot.records = services._insert(snapshot, "id", [{"id": f"r{n}"} for n in range(5)])
    again = [{"id": "r3"}, {"id": "r4"}, {"id": "r5"}, {"id": "r5", "name": "twice on a page"}]
    with CaptureQueriesContext(database) as queries:
        stored = services._insert(snapshot, "id", again)
    assert stored == snapshot.rows.count() == 6
    assert snapshot.rows.get(record_id="r5").data == {"id": "r5", "name": "twice on a page"}
    counts = [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"]]
    assert counts
    assert all(" IN (" in sql for sql in counts), "only the page's records are counted"


def test_a_new_snapshot_replaces_the_previous_one(connection_to):
    connection = connection_to("linkit")
    first = take(connection, "products")
    second = take(connection, "products")
    assert not Snapshot.objects.filter(pk=first.pk).exists()
    assert second.status == Status.COMPLETE
    assert SnapshotRecord.objects.filter(snapshot__connection=connection).count() == second.records


def test_a_collection_larger_than_the_limit_fails_clearly_and_keeps_nothing(
    connection_to, settings
):
    settings.SNAPSHOT_MAX_RECORDS = 50
    snapshot = take(connection_to("parallax"), "projects")
    assert snapshot.status == Status.FAILED
    assert "more than 50 records" in snapshot.error
    assert "SNAPSHOT_MAX_RECORDS" in snapshot.error
    assert not snapshot.rows.exists()


def test_vendor_errors_fail_the_snapshot_with_the_vendors_message(connection_to, simulators):
    simulators["linkit"].set_faults(fail_next={"status": 400, "count": 1})
    snapshot = take(connection_to("linkit"), "products")
    assert snapshot.status == Status.FAILED
    assert snapshot.error
    assert not snapshot.rows.exists()


def test_the_connection_takes_its_snapshots_with_it(connection_to):
    connection = connection_to("linkit")
    take(connection, "products")
    connection.delete()
    assert not Snapshot.objects.exists()
    assert not SnapshotRecord.objects.exists()


def _running(connection, *, pages: int, cursor: str, beat_seconds_ago: int) -> Snapshot:
    """A snapshot as a worker that died after `pages` pages left it."""
    return Snapshot.objects.create(
        connection=connection,
        resource="products",
        status=Status.RUNNING,
        page_size=100,
        pages=pages,
        next_cursor=cursor,
        heartbeat_at=timezone.now() - timedelta(seconds=beat_seconds_ago),
    )


def test_a_snapshot_whose_worker_stopped_resumes_from_its_last_page(connection_to, settings):
    settings.SNAPSHOT_HEARTBEAT_TIMEOUT = 60
    connection = connection_to("linkit")
    dead = _running(connection, pages=0, cursor="", beat_seconds_ago=61)
    recovered = services.snapshot_recover(snapshot=dead)  # runs again at once here
    assert recovered.status == Status.COMPLETE
    assert recovered.resumes == 1
    assert recovered.records == 120


def test_a_snapshot_with_a_recent_heartbeat_is_left_alone(connection_to, settings):
    settings.SNAPSHOT_HEARTBEAT_TIMEOUT = 60
    alive = _running(connection_to("linkit"), pages=1, cursor="2", beat_seconds_ago=5)
    assert services.snapshot_recover(snapshot=alive).status == Status.RUNNING


def test_a_snapshot_resumed_too_often_is_marked_failed(connection_to, settings):
    settings.SNAPSHOT_HEARTBEAT_TIMEOUT = 60
    settings.SNAPSHOT_MAX_RESUMES = 1
    dead = _running(connection_to("linkit"), pages=3, cursor="4", beat_seconds_ago=61)
    Snapshot.objects.filter(pk=dead.pk).update(resumes=1)
    dead.refresh_from_db()
    failed = services.snapshot_recover(snapshot=dead)
    assert failed.status == Status.FAILED
    assert "worker stopped" in failed.error
    assert "after 3 pages" in failed.error


def test_cancelling_a_queued_snapshot_ends_it_at_once(connection_to):
    connection = connection_to("linkit")
    queued = Snapshot.objects.create(connection=connection, resource="products")
    assert services.snapshot_cancel(snapshot=queued).status == Status.CANCELLED
    services.snapshot_run(snapshot_id=queued.pk)  # a worker picking it up later does nothing
    queued.refresh_from_db()
    assert queued.status == Status.CANCELLED
    assert not queued.rows.exists()


def test_cancelling_a_running_snapshot_stops_it_after_the_current_page(connection_to):
    connection = connection_to("linkit")
    running = _running(connection, pages=0, cursor="", beat_seconds_ago=0)
    services.snapshot_cancel(snapshot=running)
    Snapshot.objects.filter(pk=running.pk).update(status=Status.QUEUED)
    services.snapshot_run(snapshot_id=running.pk)
    running.refresh_from_db()
    assert running.status == Status.CANCELLED
    assert not running.rows.exists()


def test_the_max_age_is_a_setting_of_each_connection(connection_to, settings):
    connection = connection_to("linkit")
    assert connection.snapshot_max_age == settings.SNAPSHOT_MAX_AGE_MINUTES
    values = {
        "name": connection.name,
        "preset": connection.preset,
        "base_url": connection.base_url,
        "spec_toml": connection.spec_toml,
        "variables": connection.variables,
        "secrets": {},
        "read_only": connection.read_only,
    }
    connection_update(connection=connection, snapshot_max_age=15, **values)
    connection.refresh_from_db()
    assert connection.snapshot_max_age == 15
    connection_update(connection=connection, **values)  # not given: kept
    connection.refresh_from_db()
    assert connection.snapshot_max_age == 15


def test_a_snapshot_whose_worker_stopped_after_the_last_page_completes_without_refetching(
    connection_to, simulators, settings
):
    settings.SNAPSHOT_HEARTBEAT_TIMEOUT = 60
    connection = connection_to("linkit")
    walked = take(connection, "products")
    requests = simulators["linkit"].stats()["requests"]
    Snapshot.objects.filter(pk=walked.pk).update(
        status=Status.RUNNING, heartbeat_at=timezone.now() - timedelta(seconds=61)
    )
    walked.refresh_from_db()
    recovered = services.snapshot_recover(snapshot=walked)
    assert recovered.status == Status.COMPLETE
    assert recovered.records == recovered.rows.count() == 120
    assert simulators["linkit"].stats()["requests"] == requests
