"""The write services over `httpx.MockTransport`: exactly what is sent (PATCH the changes,
PUT the whole record), ETags as version markers, no retries, unknown outcomes, refusals,
and the audit entry of every attempt."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import PermissionDenied

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.browse.selectors import Source
from dashboard.connections import services as connection_services
from dashboard.connections.models import Connection
from dashboard.connectors.client import ClientOptions, VendorClient
from dashboard.connectors.errors import VendorError
from dashboard.records import services
from dashboard.records.selectors import record_state
from dashboard.teams.models import Membership, Role, Team

pytestmark = pytest.mark.django_db

PRODUCT = {
    "id": "p1",
    "name_en": "Tea",
    "sku": "SKU-1",
    "price": 4.5,
    "stock": 3,
    "created": "2024-01-01T00:00:00.000Z",
    "updated": "2024-02-01T00:00:00.000Z",
}
STOCK = {
    "id": "s1",
    "product_id": "p1",
    "location": "riyadh",
    "quantity": 10,
    "reserved": 2,
    "reorder_level": 7,
    "created": "2024-01-01T00:00:00.000Z",
    "updated": "2024-02-01T00:00:00.000Z",
}
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def connection(team: Team) -> Connection:
    return connection_services.connection_create(
        team=team,
        name="Linkit",
        preset="linkit",
        base_url="http://127.0.0.1:9",
        spec_toml="",
        variables={},
        secrets={"LINKIT_API_KEY": "lk_test_key_1234"},
    )


@pytest.fixture
def editor_membership(team: Team, member_of: Callable[..., Any]) -> Membership:
    return Membership.objects.get(user=member_of("editor@example.com", Role.EDITOR), team=team)


class Vendor:
    """Records every request; answers GETs with `record` (and `etag`), writes with `write`."""

    def __init__(self, record: dict[str, Any], write: Handler | None = None) -> None:
        self.record = dict(record)
        self.etag: str | None = None
        self.requests: list[httpx.Request] = []
        self.write = write or self._merge

    def _merge(self, request: httpx.Request) -> httpx.Response:
        self.record |= json.loads(request.content)
        return httpx.Response(200, json=self.record)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET":
            headers = {"ETag": self.etag} if self.etag else {}
            return httpx.Response(200, json=self.record, headers=headers)
        return self.write(request)

    def sent(self, method: str) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.method == method]


def source_for(connection: Connection, resource: str, vendor: Vendor) -> Source:
    spec = connection_services.connection_spec(connection=connection)
    client = VendorClient(
        spec,
        cache=LocMemCache(f"records-{uuid.uuid4()}", {}),
        options=ClientOptions(allow_private_hosts=True),
        transport=httpx.MockTransport(vendor),
    )
    return Source(connection=connection, client=client, resource=spec.resource(resource))


def opened(source: Source, record_id: str) -> tuple[dict[str, Any], str]:
    state = record_state(source=source, record_id=record_id)
    return state.record, state.version


def test_patch_sends_only_the_changed_fields_and_audits_before_and_after(
    connection, editor_membership
):
    vendor = Vendor(PRODUCT)
    source = source_for(connection, "products", vendor)
    original, version = opened(source, "p1")

    saved = services.record_update(
        actor=editor_membership,
        source=source,
        record_id="p1",
        original=original,
        changes={"name_en": "Green tea"},
        version=version,
    )

    assert saved["name_en"] == "Green tea"
    assert vendor.sent("PATCH") == [{"name_en": "Green tea"}]
    entry = AuditEntry.objects.get(action="record.update")
    assert entry.outcome == Outcome.OK
    assert entry.vendor_status == 200
    assert entry.changes == {"name_en": {"before": "Tea", "after": "Green tea"}}
    assert (entry.connection, entry.resource, entry.record_id) == (connection, "products", "p1")
    assert entry.actor == editor_membership.user
    assert entry.team == connection.team


def test_put_sends_the_whole_record_with_the_changes_but_no_read_only_fields(
    connection, editor_membership
):
    vendor = Vendor(STOCK)
    source = source_for(connection, "inventory", vendor)
    original, version = opened(source, "s1")

    services.record_update(
        actor=editor_membership,
        source=source,
        record_id="s1",
        original=original,
        changes={"quantity": 12},
        version=version,
    )

    assert vendor.sent("PUT") == [
        {
            "product_id": "p1",
            "location": "riyadh",
            "quantity": 12,
            "reserved": 2,
            "reorder_level": 7,
        }
    ]


def test_an_etag_marks_the_version_and_a_new_one_stops_the_save(connection, editor_membership):
    vendor = Vendor(PRODUCT)
    vendor.etag = '"v1"'
    source = source_for(connection, "products", vendor)
    original, version = opened(source, "p1")
    assert version == 'etag:"v1"'
    vendor.etag = '"v2"'  # same fields, a new version

    with pytest.raises(services.RecordConflict) as stopped:
        services.record_update(
            actor=editor_membership,
            source=source,
            record_id="p1",
            original=original,
            changes={"name_en": "Green tea"},
            version=version,
        )

    assert stopped.value.changes == []
    assert stopped.value.current.version == 'etag:"v2"'
    assert vendor.sent("PATCH") == []
    entry = AuditEntry.objects.get(action="record.update")
    assert entry.outcome == Outcome.FAILED
    assert entry.vendor_message == services.CONFLICT_MESSAGE


def test_a_failed_write_is_not_retried_and_is_audited_with_the_vendors_answer(
    connection, editor_membership
):
    unavailable = httpx.Response(503, json={"code": 503, "error": "Service unavailable"})
    vendor = Vendor(PRODUCT, write=lambda request: unavailable)
    source = source_for(connection, "products", vendor)
    original, version = opened(source, "p1")

    with pytest.raises(VendorError):
        services.record_update(
            actor=editor_membership,
            source=source,
            record_id="p1",
            original=original,
            changes={"price": 5},
            version=version,
        )

    assert len(vendor.sent("PATCH")) == 1
    entry = AuditEntry.objects.get(action="record.update")
    assert (entry.outcome, entry.vendor_status) == (Outcome.FAILED, 503)
    assert entry.vendor_message == "Service unavailable"
    assert entry.changes == {"price": {"before": 4.5, "after": 5}}


def test_a_timeout_after_sending_is_an_unknown_outcome(connection, editor_membership):
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    vendor = Vendor(PRODUCT, write=time_out)
    source = source_for(connection, "products", vendor)
    original, version = opened(source, "p1")

    with pytest.raises(VendorError) as failed:
        services.record_update(
            actor=editor_membership,
            source=source,
            record_id="p1",
            original=original,
            changes={"price": 5},
            version=version,
        )

    assert failed.value.kind == "unknown_outcome"
    assert len(vendor.sent("PATCH")) == 1
    entry = AuditEntry.objects.get(action="record.update")
    assert entry.outcome == Outcome.UNKNOWN
    assert "may or may not" in entry.vendor_message


def test_create_and_delete_audit_the_whole_record(connection, editor_membership):
    created = PRODUCT | {"id": "p2"}
    vendor = Vendor(PRODUCT, write=lambda request: httpx.Response(201, json=created))
    source = source_for(connection, "products", vendor)

    services.record_create(actor=editor_membership, source=source, values={"name_en": "Tea"})
    vendor.write = lambda request: httpx.Response(204)
    services.record_delete(actor=editor_membership, source=source, record_id="p1")

    create, delete = AuditEntry.objects.filter(action__startswith="record.").order_by("id")
    assert (create.action, create.record_id, create.vendor_status) == ("record.create", "p2", 201)
    assert create.changes["name_en"] == {"after": "Tea"}
    assert (delete.action, delete.record_id, delete.vendor_status) == ("record.delete", "p1", 204)
    assert delete.changes["sku"] == {"before": "SKU-1"}


def test_services_refuse_viewers_and_read_only_connections_without_calling_the_vendor(
    connection, team, member_of
):
    viewer = Membership.objects.get(user=member_of("viewer@example.com"), team=team)
    editor = Membership.objects.get(user=member_of("e@example.com", Role.EDITOR), team=team)
    vendor = Vendor(PRODUCT)
    source = source_for(connection, "products", vendor)
    with pytest.raises(PermissionDenied):
        services.record_create(actor=viewer, source=source, values={"name_en": "x"})
    connection.read_only = True
    with pytest.raises(PermissionDenied):
        services.record_delete(actor=editor, source=source, record_id="p1")
    assert vendor.requests == []
