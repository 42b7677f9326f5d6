"""The table over a snapshot, the snapshot panel (take, follow, cancel) and who may use
them, over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.audit.models import AuditEntry
from dashboard.snapshots.models import Snapshot, Status
from dashboard.teams.models import Membership, Role, Team
from tests.browse.html import grid

from .conftest import collection, table_url, take

pytestmark = pytest.mark.django_db


def snapshot_url(name, connection, resource):
    return reverse(f"snapshots:{name}", args=[connection.team.slug, connection.slug, resource])


def test_a_fresh_snapshot_sorts_the_whole_collection_in_the_table(
    viewer_client, connection_to, simulators
):
    connection = connection_to("parallax")  # a vendor that cannot sort
    take(connection, "projects")
    records = collection(simulators["parallax"], "projects")
    page = viewer_client.get(
        table_url(connection, "projects", "?sort=-budget&size=10&cols=id,budget")
    )
    html = page.content.decode()
    assert page.status_code == 200
    top = max(records, key=lambda record: record["budget"])
    assert grid(html).column("ID")[0] == top["id"]
    assert len(grid(html).rows) == 10
    assert f"{len(records)} records · snapshot taken" in html
    assert "Sorted within this page" not in html
    assert "whole collection" in html


def test_a_filter_and_search_cover_the_whole_collection(viewer_client, connection_to, simulators):
    connection = connection_to("parallax")
    take(connection, "projects")
    records = collection(simulators["parallax"], "projects")
    expected = sorted(r["id"] for r in records if r["status"] == "completed")
    page = viewer_client.get(
        table_url(connection, "projects", "?f.status=completed&size=500&cols=id,status")
    )
    assert sorted(grid(page.content.decode()).column("ID")) == expected


def test_a_snapshot_older_than_the_connection_allows_gives_live_pages_and_a_prompt(
    viewer_client, connection_to
):
    connection = connection_to("parallax")
    snapshot = take(connection, "projects")
    connection.snapshot_max_age = 5
    connection.save()
    Snapshot.objects.filter(pk=snapshot.pk).update(
        finished_at=timezone.now() - timedelta(minutes=6)
    )
    html = viewer_client.get(table_url(connection, "projects", "?sort=budget")).content.decode()
    assert "older than this connection allows (5 min)" in html
    assert "Refresh snapshot" in html
    assert "Sorted within this page" in html


def test_taking_a_snapshot_from_the_panel(viewer_client, connection_to):
    connection = connection_to("linkit")
    response = viewer_client.post(
        snapshot_url("take", connection, "products"), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "120 records</strong> · snapshot taken" in html
    snapshot = Snapshot.objects.get()
    assert snapshot.status == Status.COMPLETE
    assert snapshot.requested_by.email == "viewer@example.com"
    assert AuditEntry.objects.filter(action="snapshot.take", resource="products").exists()


def test_looking_at_the_panel_resumes_a_snapshot_whose_worker_stopped(
    viewer_client, connection_to, settings
):
    settings.SNAPSHOT_HEARTBEAT_TIMEOUT = 60
    connection = connection_to("linkit")
    dead = Snapshot.objects.create(
        connection=connection,
        resource="products",
        status=Status.RUNNING,
        page_size=100,
        heartbeat_at=timezone.now() - timedelta(seconds=61),
    )
    html = viewer_client.get(snapshot_url("panel", connection, "products")).content.decode()
    dead.refresh_from_db()
    assert (dead.status, dead.resumes) == (Status.COMPLETE, 1)  # tasks run at once here
    assert f"{dead.records} records" in html


def test_the_panel_shows_progress_while_a_snapshot_is_taken(viewer_client, connection_to):
    connection = connection_to("linkit")
    now = timezone.now()
    Snapshot.objects.create(
        connection=connection,
        resource="products",
        status=Status.RUNNING,
        page_size=100,
        pages=3,
        records=300,
        total=1200,
        started_at=now - timedelta(seconds=30),
        heartbeat_at=now,
        budget_remaining=57,
    )
    html = viewer_client.get(snapshot_url("panel", connection, "products")).content.decode()
    assert '<progress id="snapshot-progress" max="100" value="25"' in html
    assert 'role="status" aria-live="polite"' in html
    assert "3 pages fetched · 300 of 1,200 records · 57 requests left in the budget" in html
    assert "about 1 min 30 s to go" in html
    assert 'hx-trigger="every 1s"' in html
    html = viewer_client.post(
        snapshot_url("cancel", connection, "products"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "stopping…" in html
    assert Snapshot.objects.get().cancel_requested
    actions = list(AuditEntry.objects.values_list("action", "actor_email"))
    assert ("snapshot.cancel", "viewer@example.com") in actions


@pytest.fixture
def stranger_client(client, make_user):
    other = Team.objects.create(name="Elsewhere", slug="elsewhere")
    person = make_user("stranger@example.com")
    Membership.objects.create(team=other, user=person, role=Role.OWNER)
    client.force_login(person)
    return client


def test_another_team_cannot_start_see_or_cancel_a_snapshot(stranger_client, connection_to):
    connection = connection_to("linkit")
    take(connection, "products")
    for name in ("take", "cancel"):
        assert stranger_client.post(snapshot_url(name, connection, "products")).status_code == 404
    assert stranger_client.get(snapshot_url("panel", connection, "products")).status_code == 404
    assert Snapshot.objects.count() == 1


def test_a_restricted_connection_hides_its_snapshots_from_other_members(
    client, member_of, connection_to
):
    connection = connection_to("linkit")
    connection.restricted = True
    connection.save()
    client.force_login(member_of("outsider@example.com", Role.EDITOR))
    assert client.post(snapshot_url("take", connection, "products")).status_code == 404
    assert client.get(snapshot_url("panel", connection, "products")).status_code == 404
    assert not Snapshot.objects.exists()


def test_the_panel_says_why_the_last_snapshot_failed(viewer_client, connection_to, settings):
    settings.SNAPSHOT_MAX_RECORDS = 10
    connection = connection_to("linkit")
    take(connection, "products")
    html = viewer_client.get(snapshot_url("panel", connection, "products")).content.decode()
    assert "The last snapshot failed: This collection holds more than 10 records" in html
    assert "Take a snapshot" in html


def test_a_queued_snapshot_waits_for_a_worker(viewer_client, connection_to):
    connection = connection_to("linkit")
    Snapshot.objects.create(connection=connection, resource="products")
    html = viewer_client.get(snapshot_url("panel", connection, "products")).content.decode()
    assert "Waiting for a background worker…" in html
    assert "<progress" in html
