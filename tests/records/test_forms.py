"""The record form on its own: field kinds from values and the spec, values converted back
to the vendor's types, vendor errors matched to fields, version markers."""

from __future__ import annotations

import pytest

from dashboard.connectors.errors import VendorError
from dashboard.connectors.spec import ResourceSpec
from dashboard.records.fields import new_record_fields, record_fields
from dashboard.records.forms import RecordForm
from dashboard.records.versions import differences, version_marker

from .conftest import form_data

RESOURCE = ResourceSpec(
    name="contacts",
    path="/contacts",
    readonly_fields=["internal_code"],
    choices={"stage": ["lead", "customer"]},
    version_field="updatedAt",
)
RECORD = {
    "id": 7,
    "name": "Ada",
    "bio": "x" * 200,
    "age": 36,
    "score": 4.5,
    "active": True,
    "stage": "lead",
    "born": "1815-12-10",
    "meets_at": "2024-05-01T09:30:00Z",
    "tags": ["a", "b"],
    "address": {"city": "London"},
    "phone": None,
    "internal_code": "X1",
    "createdAt": "2024-01-01T00:00:00Z",
    "updatedAt": "2024-02-01T00:00:00Z",
}


def kinds(fields):
    return {field.name: (field.kind, field.editable) for field in fields}


def submitted(**changes):
    """What a browser posts from the form's own rendering of RECORD, with `changes`."""
    form = RecordForm(fields=record_fields(RESOURCE, RECORD))
    data = form_data("".join(str(form[name]) for name in form.fields))
    return data | {f"record-{name}": value for name, value in changes.items()}


def bound(**changes) -> RecordForm:
    form = RecordForm(submitted(**changes), fields=record_fields(RESOURCE, RECORD))
    assert form.is_valid(), form.errors
    return form


def test_each_value_gets_an_input_of_its_kind_and_system_fields_are_read_only():
    assert kinds(record_fields(RESOURCE, RECORD)) == {
        "id": ("number", False),
        "name": ("text", True),
        "bio": ("textarea", True),
        "age": ("number", True),
        "score": ("number", True),
        "active": ("boolean", True),
        "stage": ("choice", True),
        "born": ("date", True),
        "meets_at": ("datetime", True),
        "tags": ("json", True),
        "address": ("json", True),
        "phone": ("text", True),
        "internal_code": ("text", False),
        "createdAt": ("datetime", False),
        "updatedAt": ("datetime", False),
    }


def test_an_untouched_form_changes_nothing():
    assert bound().changed() == {}


def test_only_the_fields_changed_are_reported_in_the_vendors_types():
    form = bound(
        name="Ada L.",
        age="37",
        score="5",
        stage="customer",
        born="1815-12-11",
        tags='["a"]',
        phone="",
    )
    assert form.changed() == {
        "name": "Ada L.",
        "age": 37,
        "score": 5,
        "stage": "customer",
        "born": "1815-12-11",
        "tags": ["a"],
    }


def test_an_unticked_box_is_false():
    form = RecordForm(
        {k: v for k, v in submitted().items() if k != "record-active"},
        fields=record_fields(RESOURCE, RECORD),
    )
    assert form.is_valid()
    assert form.changed() == {"active": False}


def test_a_date_and_time_keeps_the_vendors_style():
    assert bound(meets_at="2024-05-01T09:30:00Z").changed() == {}
    assert bound(meets_at="2024-05-01 09:30:00+00:00").changed() == {}
    assert bound(meets_at="2024-05-02T10:00:00+00:00").changed() == {
        "meets_at": "2024-05-02T10:00:00Z"
    }


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("age", "thirty", "Enter a number."),
        ("score", "inf", "Enter a finite number."),
        ("tags", "[1,", "Enter a valid JSON."),
        ("born", "10/12/1815", "Enter a valid date."),
        ("meets_at", "tomorrow", "Enter a date and time such as 2024-05-01T09:30:00Z."),
    ],
)
def test_values_that_are_not_of_the_fields_kind_are_refused_before_sending(name, value, message):
    form = RecordForm(submitted(**{name: value}), fields=record_fields(RESOURCE, RECORD))
    assert not form.is_valid()
    assert form.errors[name] == [message]


def test_vendor_errors_find_their_fields_ignoring_case_and_separators():
    form = bound()
    form.add_vendor_errors(
        VendorError(
            kind="http",
            status=400,
            message="Validation failed",
            field_errors={
                "Name": ["Name is required"],
                "MeetsAt": ["Too early"],
                "address.city": ["Unknown city"],
                "nickname": ["Not allowed"],
            },
            non_field_errors=["Check the record"],
        )
    )
    assert form.errors["name"] == ["Name is required"]
    assert form.errors["meets_at"] == ["Too early"]
    assert form.errors["address"] == ["Unknown city"]
    assert form.top_errors == ["nickname: Not allowed", "Check the record"]
    assert form.focus_first_error()
    assert form.fields["name"].widget.attrs["autofocus"] is True


def test_an_error_without_details_shows_its_message_at_the_top():
    form = bound()
    form.add_vendor_errors(VendorError(kind="http", status=409, message="Already exists"))
    assert form.top_errors == ["Already exists"]
    assert not form.focus_first_error()


def test_a_new_record_is_typed_from_an_example_and_sends_only_what_was_filled():
    fields = new_record_fields(RESOURCE, RECORD)
    assert "id" not in kinds(fields)
    assert "updatedAt" not in kinds(fields)
    form = RecordForm(
        {"record-name": "Grace", "record-age": "85", "record-active": "unknown"},
        fields=fields,
        creating=True,
    )
    assert form.is_valid(), form.errors
    assert form.filled() == {"name": "Grace", "age": 85}
    assert form.fields["active"].widget.choices[0] == ("unknown", "Vendor default")


def test_without_an_example_a_new_record_has_the_specs_columns_and_choices():
    resource = RESOURCE.model_copy(update={"columns": ["id", "name", "email"]})
    assert kinds(new_record_fields(resource, None)) == {
        "name": ("text", True),
        "email": ("text", True),
        "stage": ("choice", True),
    }


def test_version_markers_prefer_the_etag_then_the_version_field_then_a_hash():
    assert version_marker(RESOURCE, RECORD, '"abc"') == 'etag:"abc"'
    assert version_marker(RESOURCE, RECORD, None) == 'field:"2024-02-01T00:00:00Z"'
    plain = RESOURCE.model_copy(update={"version_field": None})
    reordered = dict(reversed(list(RECORD.items())))
    assert version_marker(plain, RECORD, None) == version_marker(plain, reordered, None)
    assert version_marker(plain, RECORD, None) != version_marker(
        plain, RECORD | {"name": "Ada L."}, None
    )


def test_differences_name_each_changed_field_once():
    changes = differences({"a": 1, "b": [1], "c": 3}, {"a": 1, "b": [2], "d": 4})
    assert [(c.name, c.as_audit()) for c in changes] == [
        ("b", {"before": [1], "after": [2]}),
        ("c", {"before": 3}),
        ("d", {"after": 4}),
    ]
