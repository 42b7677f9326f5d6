"""Edits made through the dashboard change the snapshot's copy of the record at once."""

from __future__ import annotations

import pytest

from dashboard.browse.query import Sort
from dashboard.browse.selectors import source_for
from dashboard.records import services
from dashboard.records.selectors import record_state
from dashboard.snapshots.selectors import snapshot_rows
from dashboard.teams.models import Membership, Role
from tests.browse.html import grid

from .conftest import RECORDS, table_url, take

pytestmark = pytest.mark.django_db


@pytest.fixture
def linkit(simulators, connection_to):
    """A connection to Linkit's simulator, whose data is regenerated afterwards."""
    yield connection_to("linkit")
    simulators["linkit"].configure(records=RECORDS)


@pytest.fixture
def editor(member_of):
    user = member_of("editor@example.com", Role.EDITOR)
    return Membership.objects.get(user=user)


def test_an_update_changes_the_snapshot_copy_at_once(linkit, editor, viewer_client):
    snapshot = take(linkit, "products")
    source = source_for(connection=linkit, resource="products")
    first = snapshot.rows.order_by("position").first()
    priciest = table_url(linkit, "products", "?sort=-price&cols=id,price")
    assert grid(viewer_client.get(priciest).content.decode()).column("ID")[0] != first.record_id
    state = record_state(source=source, record_id=first.record_id)
    services.record_update(
        actor=editor,
        source=source,
        record_id=first.record_id,
        original=state.record,
        changes={"price": 999999.5},
        version=state.version,
    )
    first.refresh_from_db()
    assert first.data["price"] == 999999.5
    assert first.data["name_en"] == state.record["name_en"]
    top = snapshot_rows(snapshot, sort=Sort("price", descending=True)).first()
    assert top.record_id == first.record_id
    assert snapshot.rows.count() == snapshot.records == 120
    assert grid(viewer_client.get(priciest).content.decode()).column("ID")[0] == first.record_id


def test_created_and_deleted_records_join_and_leave_the_snapshot(linkit, editor):
    snapshot = take(linkit, "products")
    source = source_for(connection=linkit, resource="products")
    created = services.record_create(
        actor=editor,
        source=source,
        values={"name_en": "Snapshot tea", "sku": "SKU-SNAP-1", "price": 1.5},
    )
    found = snapshot_rows(snapshot, search="snapshot tea")
    assert [row.record_id for row in found] == [created["id"]]
    services.record_delete(actor=editor, source=source, record_id=created["id"])
    assert not snapshot_rows(snapshot, search="snapshot tea").exists()
    snapshot.refresh_from_db()
    assert snapshot.records == snapshot.rows.count() == 120
