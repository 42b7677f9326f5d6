"""Every preset against its simulator over real sockets."""

from __future__ import annotations

import pytest

from dashboard.connectors.errors import VendorError

from .conftest import BIG, preset_spec

PRESETS = sorted(BIG)


def ids(records):
    return [record["id"] for record in records]


@pytest.mark.parametrize("vendor", PRESETS)
def test_full_traversal_returns_every_record_once_in_the_vendors_order(vendor, launch, client_for):
    handle = launch(vendor)
    client = client_for(preset_spec(vendor, handle))
    resource = BIG[vendor]
    first = client.list_page(resource, page_size=1000)
    walked = ids(client.iter_all(resource))
    assert len(walked) == len(set(walked)), "a record came back twice"
    assert len(walked) == first.total
    assert walked[: len(first.records)] == ids(first.records), "not in the vendor's order"
    assert set(walked) <= set(ids(handle.store[resource]))
    assert client.stats.pages == 1 + -(-first.total // first.page_size)


@pytest.mark.parametrize("vendor", PRESETS)
def test_page_size_never_exceeds_the_documented_maximum(vendor, launch, client_for):
    handle = launch(vendor)
    spec = preset_spec(vendor, handle)
    client = client_for(spec)
    listing = client.list_page(BIG[vendor], page_size=100_000)
    assert listing.page_size == spec.pagination.max_size
    assert len(listing.records) <= spec.pagination.max_size
    assert handle.stats()["requests"] >= 1


@pytest.mark.parametrize("vendor", PRESETS)
def test_wrong_credentials_give_a_401_vendor_error(vendor, launch, client_for):
    handle = launch(vendor)
    good = preset_spec(vendor, handle)
    auth = {
        name: "wrong-value-for-test"
        for name, value in dict(good.auth).items()
        if hasattr(value, "get_secret_value") and name != "username"
    }
    client = client_for(preset_spec(vendor, handle, auth=auth))
    with pytest.raises(VendorError) as caught:
        client.list_page(BIG[vendor])
    assert caught.value.status == 401
    assert caught.value.message
    assert "wrong-value-for-test" not in caught.value.message


def test_parsalink_token_expiry_mid_traversal_is_survived(launch, client_for):
    handle = launch("parsalink", access_ttl=1, latency_ms=120)
    client = client_for(
        preset_spec("parsalink", handle, pagination={"default_size": 20, "max_size": 20})
    )
    walked = ids(client.iter_all("contacts"))
    assert len(walked) == len(set(walked)) == len(handle.store["contacts"])
    by_path = handle.stats()["by_path"]
    assert by_path["/api/auth/login/"] == 1
    assert by_path["/api/auth/refresh/"] >= 1, "the token should have expired mid-traversal"


@pytest.mark.parametrize(
    ("vendor", "resource", "payload", "field"),
    [
        ("parsalink", "contacts", {"firstName": "A", "stage": "nope"}, "email"),
        ("parallax", "projects", {"budget": 3}, "Name"),
        ("linkit", "products", {"price": 3}, "name_en"),
        ("atlas", "people", {"title": "x"}, None),
        ("beacon", "subscribers", {"name": "x"}, None),
    ],
)
def test_validation_errors_normalise_to_fields_or_messages(
    vendor, resource, payload, field, launch, client_for
):
    handle = launch(vendor)
    client = client_for(preset_spec(vendor, handle))
    with pytest.raises(VendorError) as caught:
        client.create(resource, payload)
    error = caught.value
    assert error.status in (400, 422)
    if field:
        assert field in error.field_errors, error.field_errors
        assert all(isinstance(m, str) and m for m in error.field_errors[field])
    else:
        assert error.field_errors or error.non_field_errors
    assert error.message


@pytest.mark.parametrize("vendor", PRESETS)
def test_create_update_delete_round_trip(vendor, launch, client_for):
    handle = launch(vendor)
    spec = preset_spec(vendor, handle)
    client = client_for(spec)
    resource = spec.resource(BIG[vendor])
    template = client.list_page(resource.name, page_size=1).records[0]
    editable = {
        key: value
        for key, value in template.items()
        if key not in resource.readonly_fields and key != resource.id_field
    }
    first_text = next(k for k, v in editable.items() if isinstance(v, str) and "@" not in v)
    unique = {
        k: (f"u{abs(hash(v))}@example.com" if "@" in str(v) else v) for k, v in editable.items()
    }
    for key in ("sku", "employee_number", "name"):
        if key in unique and isinstance(unique[key], str):
            unique[key] = f"{unique[key]}-copy"
    created = client.create(resource.name, unique)
    record_id = str(created[resource.id_field])
    assert client.get(resource.name, record_id)[resource.id_field] == created[resource.id_field]
    updated = client.update(resource.name, record_id, {first_text: "Renamed in test"})
    assert updated[first_text] == "Renamed in test"
    assert client.get(resource.name, record_id)[first_text] == "Renamed in test"
    client.delete(resource.name, record_id)
    with pytest.raises(VendorError) as caught:
        client.get(resource.name, record_id)
    assert caught.value.status == 404


def test_linkit_sorts_filters_and_searches_at_the_vendor(launch, client_for):
    handle = launch("linkit")
    client = client_for(preset_spec("linkit", handle))
    prices = [r["price"] for r in client.list_page("products", sort="price", page_size=50).records]
    assert prices == sorted(prices)
    desc = [r["price"] for r in client.list_page("products", sort="-price", page_size=50).records]
    assert desc == sorted(desc, reverse=True)
    enabled = client.list_page("products", filters={"is_enabled": "false"}, page_size=100)
    assert enabled.records
    assert all(r["is_enabled"] is False for r in enabled.records)
    name = enabled.records[0]["name_en"].split()[0]
    found = client.list_page("products", search=name, page_size=100)
    assert found.records
    assert all(name.lower() in " ".join(str(v) for v in r.values()).lower() for r in found.records)
