"""Every vendor's validation error shape puts each message on the right field (or at the top
of the form), answers 422 or 409, and keeps what was typed."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.audit.models import AuditEntry, Outcome

from .conftest import create_url, edit_url, field_errors, form_data, top_errors

pytestmark = pytest.mark.django_db


def first(simulators: dict[str, Any], vendor: str, resource: str) -> dict[str, Any]:
    return next(iter(simulators[vendor].store[resource]))


def kept(html: str, name: str, value: str) -> bool:
    """Whether the re-rendered form still holds `value` in `record-<name>`."""
    return form_data(html).get(f"record-{name}") == value


def refused(
    client: Any, url: str, data: dict[str, str], changes: dict[str, str], status: int
) -> str:
    response = client.post(url, data | {f"record-{k}": v for k, v in changes.items()})
    html = response.content.decode()
    assert response.status_code == status, html[:3000]
    for name, value in changes.items():
        assert kept(html, name, value), name
    assert 'role="alert"' in html
    return html


def test_parsalink_drf_field_lists_land_on_each_field(fresh, editor_client, open_form, simulators):
    connection = fresh("parsalink")
    company = dict(next(c for c in simulators["parsalink"].store["companies"] if c["employees"]))
    url = edit_url(connection, "companies", company["id"])

    html = refused(
        editor_client,
        url,
        open_form(url),
        {"name": "", "employees": "12.5", "domain": "kept.example"},
        422,
    )

    assert field_errors(html, "name") == ["This field may not be blank."]
    assert field_errors(html, "employees") == ["A valid integer is required."]
    assert field_errors(html, "domain") == []
    assert top_errors(html) == []
    assert html.count('aria-invalid="true"') == 2
    assert "autofocus" in html.split('name="record-name"')[1].split(">")[0]
    assert simulators["parsalink"].store["companies"].get(company["id"]) == company
    entry = AuditEntry.objects.get(action="record.update")
    assert (entry.outcome, entry.vendor_status) == (Outcome.FAILED, 400)
    assert entry.changes["employees"] == {"before": company["employees"], "after": 12.5}


def test_parsalink_reference_errors_land_on_their_field(
    fresh, editor_client, open_form, simulators
):
    connection = fresh("parsalink")
    contact = next(iter(simulators["parsalink"].store["contacts"]))
    url = edit_url(connection, "contacts", contact["id"])

    html = refused(editor_client, url, open_form(url), {"company": "cmp_missing"}, 422)

    assert field_errors(html, "company") == ['Invalid pk "cmp_missing" - object does not exist.']


def test_parallax_problem_details_keys_are_matched_ignoring_case(
    fresh, editor_client, open_form, simulators
):
    """Parallax writes `Name` and `ClientId` for `name` and `client_id`."""
    connection = fresh("parallax")
    project = first(simulators, "parallax", "projects")
    url = edit_url(connection, "projects", project["id"])

    html = refused(editor_client, url, open_form(url), {"name": "", "client_id": ""}, 422)

    assert field_errors(html, "name") == ["The 'name' field is required."]
    assert field_errors(html, "client_id") == ["The 'client_id' field is required."]
    assert top_errors(html) == []


def test_parallax_conflicts_without_a_field_are_shown_at_the_top(
    fresh, editor_client, open_form, simulators
):
    connection = fresh("parallax")
    one, two = list(simulators["parallax"].store["projects"])[:2]
    url = edit_url(connection, "projects", one["id"])

    html = refused(editor_client, url, open_form(url), {"name": two["name"]}, 409)

    assert top_errors(html) == [f"A project with the name '{two['name']}' already exists."]
    assert "The vendor reported a conflict: nothing was saved." in html


def test_beacon_error_lists_go_to_the_top_of_the_form(fresh, editor_client, open_form, simulators):
    connection = fresh("beacon")
    subscriber = first(simulators, "beacon", "subscribers")
    url = edit_url(connection, "subscribers", subscriber["id"])

    html = refused(
        editor_client, url, open_form(url), {"email": "broken", "name": "Still here"}, 422
    )

    assert top_errors(html) == ["Email is invalid"]
    assert field_errors(html, "email") == []


def test_linkit_details_field_lands_on_its_field(fresh, editor_client, open_form, simulators):
    connection = fresh("linkit")
    one, two = list(simulators["linkit"].store["products"])[:2]
    url = edit_url(connection, "products", one["id"])
    data = open_form(url)

    html = refused(editor_client, url, data, {"name_en": ""}, 422)
    assert field_errors(html, "name_en") == ["Name is required"]

    html = refused(editor_client, url, data, {"sku": two["sku"], "price": "9.5"}, 409)
    assert field_errors(html, "sku") == ["A product with this SKU already exists"]
    assert top_errors(html) == []


def test_atlas_details_field_lands_on_its_field(fresh, editor_client, open_form, simulators):
    connection = fresh("atlas")
    person = first(simulators, "atlas", "people")
    url = edit_url(connection, "people", person["id"])

    html = refused(editor_client, url, open_form(url), {"email": "nope", "title": "Kept"}, 422)

    assert field_errors(html, "email") == ["Email must be a valid email address"]


def test_a_refused_create_keeps_the_input(fresh, editor_client, open_form):
    connection = fresh("linkit")
    url = create_url(connection, "products")

    html = refused(
        editor_client, url, open_form(url), {"name_en": "Only a name", "price": "3.25"}, 422
    )

    assert field_errors(html, "sku") == ["SKU is required"]
    entry = AuditEntry.objects.get(action="record.create")
    assert (entry.outcome, entry.record_id, entry.vendor_status) == (Outcome.FAILED, "", 422)
    assert entry.changes == {"name_en": {"after": "Only a name"}, "price": {"after": 3.25}}


def test_input_the_form_itself_refuses_is_kept_and_nothing_is_sent(
    fresh, editor_client, open_form, simulators
):
    connection = fresh("beacon")
    subscriber = first(simulators, "beacon", "subscribers")
    url = edit_url(connection, "subscribers", subscriber["id"])
    data = open_form(url)
    requests = simulators["beacon"].stats()["requests"]

    html = refused(editor_client, url, data, {"tags": '["vip",', "name": "Kept"}, 422)

    assert field_errors(html, "tags") == ["Enter a valid JSON."]
    assert simulators["beacon"].stats()["requests"] == requests
    assert not AuditEntry.objects.filter(action__startswith="record.").exists()


def test_htmx_refusals_answer_the_bound_form_with_the_error_status(
    fresh, editor_client, simulators
):
    connection = fresh("linkit")
    product = first(simulators, "linkit", "products")
    url = edit_url(connection, "products", product["id"])
    data = form_data(editor_client.get(url, HTTP_HX_REQUEST="true").content.decode())

    response = editor_client.post(url, data | {"record-name_en": ""}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<section class="panel record editor" id="record-fields"')
    assert field_errors(html, "name_en") == ["Name is required"]
    history = html[html.index('id="record-history"') :]  # the attempt joins the record's history
    assert 'hx-swap-oob="true"' in history.split(">", 1)[0]
    assert "Failed" in history
