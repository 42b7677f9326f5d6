"""Create, update and delete records through the pages, for every preset against its
simulator over real sockets: the vendor's state afterwards, the audit rows, the pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import override_settings
from django.utils.html import escape

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.browse.columns import display_name
from dashboard.simulators import VENDORS

from .conftest import (
    BIG,
    create_url,
    delete_url,
    edit_url,
    form_data,
    record_url,
    table_url,
)

pytestmark = pytest.mark.django_db

# A text field to change, per preset's big collection.
EDITED = {
    "parsalink": "firstName",
    "parallax": "description",
    "beacon": "name",
    "linkit": "name_en",
    "atlas": "title",
}


def new_values(vendor: str, simulators: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """What a person types to create a valid record in each preset's big collection, and
    what the vendor should then hold (typed: numbers, lists)."""
    client_id = next(iter(simulators["parallax"].store["clients"]))["id"]
    return {
        "parsalink": {
            "email": ("new.contact@example.com", "new.contact@example.com"),
            "firstName": ("Nova", "Nova"),
            "stage": ("engaged", "engaged"),
        },
        "parallax": {
            "name": ("Brand new project", "Brand new project"),
            "client_id": (client_id, client_id),
            "budget": ("1200.5", 1200.5),
        },
        "beacon": {
            "email": ("new.reader@example.com", "new.reader@example.com"),
            "tags": ('["vip", "beta"]', ["vip", "beta"]),
        },
        "linkit": {
            "name_en": ("Nova tea", "Nova tea"),
            "sku": ("SKU-NEW-1", "SKU-NEW-1"),
            "price": ("12", 12),
        },
        "atlas": {
            "name": ("Nova Larsen", "Nova Larsen"),
            "email": ("nova@hq.atlas.example", "nova@hq.atlas.example"),
        },
    }[vendor]


def first(simulators: dict[str, Any], vendor: str) -> dict[str, Any]:
    return next(iter(simulators[vendor].store[BIG[vendor]]))


def only_entry(action: str) -> AuditEntry:
    entries = AuditEntry.objects.filter(action=action)
    assert entries.count() == 1, list(entries.values("action", "outcome", "vendor_message"))
    return entries.get()


@pytest.mark.parametrize("vendor", VENDORS)
def test_update_changes_the_vendors_record_and_audits_it(
    vendor, fresh, editor, editor_client, open_form, simulators
):
    connection = fresh(vendor)
    record = first(simulators, vendor)
    field, before = EDITED[vendor], record[EDITED[vendor]]
    url = edit_url(connection, BIG[vendor], record["id"])
    data = open_form(url) | {f"record-{field}": "Changed by hand"}

    with override_settings(TRUSTED_PROXY_COUNT=1):  # the proxy's request id is kept
        response = editor_client.post(url, data, HTTP_X_REQUEST_ID="req-update-1")

    assert response.status_code == 302
    assert response["Location"] == record_url(connection, BIG[vendor], str(record["id"]))
    stored = simulators[vendor].store[BIG[vendor]].get(record["id"])
    assert stored[field] == "Changed by hand"
    entry = only_entry("record.update")
    assert entry.outcome == Outcome.OK
    assert entry.vendor_status == 200
    assert entry.changes == {field: {"before": before, "after": "Changed by hand"}}
    assert (entry.actor, entry.actor_email) == (editor, editor.email)
    assert (entry.connection, entry.resource, entry.record_id) == (
        connection,
        BIG[vendor],
        str(record["id"]),
    )
    assert entry.request_id == "req-update-1"
    page = editor_client.get(response["Location"]).content.decode()
    assert "Saved “" in page
    assert "Changed by hand" in page


@pytest.mark.parametrize("vendor", VENDORS)
def test_create_makes_a_record_at_the_vendor_and_audits_it(
    vendor, fresh, editor_client, open_form, simulators
):
    connection = fresh(vendor)
    collection = simulators[vendor].store[BIG[vendor]]
    count = len(collection)
    url = create_url(connection, BIG[vendor])
    values = new_values(vendor, simulators)
    data = open_form(url) | {f"record-{name}": typed for name, (typed, _) in values.items()}

    response = editor_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert len(collection) == count + 1
    created = list(collection)[-1]
    assert response["Location"] == record_url(connection, BIG[vendor], str(created["id"]))
    assert {name: created[name] for name in values} == {
        name: stored for name, (_, stored) in values.items()
    }
    entry = only_entry("record.create")
    assert (entry.outcome, entry.vendor_status) == (Outcome.OK, 201)
    assert entry.record_id == str(created["id"])
    assert entry.changes == {name: {"after": value} for name, value in created.items()}


@pytest.mark.parametrize("vendor", VENDORS)
def test_delete_asks_naming_the_record_then_removes_it_and_audits_it(
    vendor, fresh, editor_client, simulators
):
    connection = fresh(vendor)
    record = list(simulators[vendor].store[BIG[vendor]])[1]
    url = delete_url(connection, BIG[vendor], record["id"])

    confirmation = editor_client.get(url)
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert "Delete “" in html
    assert str(record["id"]) in html
    name = display_name(record, "id")
    assert name != str(record["id"])
    assert f"Delete “<bdi>{escape(name)}</bdi>”?" in html  # named, not just numbered

    response = editor_client.post(url)

    assert response.status_code == 302
    assert response["Location"] == table_url(connection, BIG[vendor])
    assert simulators[vendor].store[BIG[vendor]].get(record["id"]) is None
    entry = only_entry("record.delete")
    assert (entry.outcome, entry.record_id) == (Outcome.OK, str(record["id"]))
    assert entry.changes["id"] == {"before": record["id"]}


def test_an_untouched_form_sends_nothing(fresh, editor_client, open_form, simulators):
    connection = fresh("linkit")
    record = first(simulators, "linkit")
    url = edit_url(connection, "products", record["id"])
    data = open_form(url)
    requests = simulators["linkit"].stats()["requests"]

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert "Nothing changed" in response.content.decode()
    assert simulators["linkit"].stats()["requests"] == requests
    assert not AuditEntry.objects.filter(action__startswith="record.").exists()


def test_put_resources_keep_the_fields_not_edited(fresh, editor_client, open_form, simulators):
    """Linkit's inventory is updated with PUT, which resets omitted fields to defaults: the
    whole record is sent, so only the edited field changes."""
    connection = fresh("linkit")
    stock = next(r for r in simulators["linkit"].store["inventory"] if r["reorder_level"] != 5)
    before = dict(stock)
    url = edit_url(connection, "inventory", stock["id"])

    response = editor_client.post(url, open_form(url) | {"record-quantity": "999"})

    assert response.status_code == 302
    after = simulators["linkit"].store["inventory"].get(stock["id"])
    assert after["quantity"] == 999
    unchanged = ("product_id", "location", "reserved", "reorder_level")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


def test_htmx_edits_in_place_and_answers_with_the_vendors_record(fresh, editor_client, simulators):
    connection = fresh("atlas")
    person = first(simulators, "atlas")
    url = edit_url(connection, "people", person["id"])
    opened = editor_client.get(url, HTTP_HX_REQUEST="true")
    html = opened.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section class="panel record editor" id="record-fields"')
    assert f'hx-post="{url}"' in html

    saved = editor_client.post(
        url, form_data(html) | {"record-title": "Chief tea officer"}, HTTP_HX_REQUEST="true"
    )

    body = saved.content.decode()
    assert saved.status_code == 200
    assert body.lstrip().startswith('<section class="panel record" id="record-fields"')
    assert "Saved. These are the fields as the vendor returned them." in body
    assert "Chief tea officer" in body
    updated = simulators["atlas"].store["people"].get(person["id"])["updated_at"]
    assert updated in body  # the vendor's answer, with its new timestamp
    history = body[body.index('id="record-history"') :]
    assert 'hx-swap-oob="true"' in history.split(">", 1)[0]
    assert "record.update" in history


def test_the_record_and_table_pages_offer_the_controls_the_spec_allows(
    fresh, editor_client, simulators
):
    connection = fresh("linkit")
    product = first(simulators, "linkit")
    stock = next(iter(simulators["linkit"].store["inventory"]))

    page = editor_client.get(record_url(connection, "products", product["id"])).content.decode()
    assert f'href="{edit_url(connection, "products", product["id"])}"' in page
    assert f'href="{delete_url(connection, "products", product["id"])}"' in page
    table = editor_client.get(table_url(connection, "products")).content.decode()
    assert f'href="{create_url(connection, "products")}"' in table
    partial = editor_client.get(table_url(connection, "products"), headers={"HX-Request": "true"})
    for html in (table, partial.text):
        shown = re.findall(r'title="Open ([^"]+)"', html)
        assert shown
        assert all(f'href="{edit_url(connection, "products", key)}"' in html for key in shown)

    # Inventory: update (PUT) only — no delete, no create.
    page = editor_client.get(record_url(connection, "inventory", stock["id"])).content.decode()
    assert edit_url(connection, "inventory", stock["id"]) in page
    assert delete_url(connection, "inventory", stock["id"]) not in page
    inventory = editor_client.get(table_url(connection, "inventory")).content.decode()
    assert create_url(connection, "inventory") not in inventory
    assert "/edit/" in inventory
    assert editor_client.get(delete_url(connection, "inventory", stock["id"])).status_code == 404
    assert editor_client.get(create_url(connection, "inventory")).status_code == 404


def test_read_only_fields_are_shown_but_not_editable(fresh, open_form, editor_client, simulators):
    connection = fresh("parsalink")
    contact = first(simulators, "parsalink")
    url = edit_url(connection, "contacts", contact["id"])
    html = editor_client.get(url).content.decode()
    data = form_data(html)
    for name in ("id", "createdAt", "updatedAt"):
        assert f"record-{name}" not in data
    assert "record-email" in data
    assert html.count("(read-only)") == 3
    assert '<select name="record-stage"' in html  # the spec's choices


def test_the_record_page_lists_its_own_changes(fresh, editor_client, open_form, simulators):
    connection = fresh("beacon")
    one, two = list(simulators["beacon"].store["subscribers"])[:2]
    for record in (one, two):
        url = edit_url(connection, "subscribers", record["id"])
        editor_client.post(url, open_form(url) | {"record-name": f"Renamed {record['id']}"})

    page = editor_client.get(record_url(connection, "subscribers", one["id"])).content.decode()

    history = page[page.index('id="record-history"') :]
    assert f"Renamed {one['id']}" in history
    assert f"Renamed {two['id']}" not in history
