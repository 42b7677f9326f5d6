"""Conflict detection: a record changed behind the form's back stops the save, shows what
changed, keeps the input, and offers "overwrite anyway" and "reload"."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.records.services import CONFLICT_MESSAGE
from dashboard.teams.models import Role

from .conftest import edit_url, form_data

pytestmark = pytest.mark.django_db


def overwrite_value(html: str) -> str:
    found = re.search(r'name="overwrite_version" value="([^"]*)"', html)
    assert found, "no overwrite button"
    return unescape(found.group(1))


def changed_rows(html: str) -> list[list[str]]:
    """The conflict table's rows as text: field, when opened, now."""
    table = re.search(r'<table class="grid changes">(.*?)</table>', html, re.S)
    assert table, "no table of changes"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)[1:]
    return [
        [
            " ".join(re.sub(r"<[^>]+>", "", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


@pytest.fixture
def person(fresh: Any, simulators: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    connection = fresh("atlas")
    return connection, dict(next(iter(simulators["atlas"].store["people"])))


def test_a_change_behind_the_forms_back_stops_the_save(
    person, editor_client, open_form, simulators
):
    connection, record = person
    url = edit_url(connection, "people", record["id"])
    data = open_form(url) | {"record-title": "Mine"}
    people = simulators["atlas"].store["people"]
    people.update(people.get(record["id"]), {"employee_number": "HQ-999"})

    response = editor_client.post(url, data)

    html = response.content.decode()
    assert response.status_code == 409
    assert "This record changed at the vendor after you opened the form." in html
    rows = changed_rows(html)
    assert rows[0] == ["Employee number", record["employee_number"], "HQ-999"]
    assert [row[0] for row in rows] == ["Employee number", "Updated at"]
    assert form_data(html)["record-title"] == "Mine"  # the input is kept
    assert f'href="{url}"' in html  # reload
    stored = people.get(record["id"])
    assert (stored["title"], stored["employee_number"]) == (record["title"], "HQ-999")
    entry = AuditEntry.objects.get(action="record.update")
    assert entry.outcome == Outcome.FAILED
    assert entry.vendor_message == CONFLICT_MESSAGE
    assert entry.details == {"changed_at_the_vendor": ["employee_number", "updated_at"]}
    assert entry.changes == {"title": {"before": record["title"], "after": "Mine"}}


def test_overwrite_anyway_saves_only_the_fields_the_user_changed(
    person, editor_client, open_form, simulators
):
    connection, record = person
    url = edit_url(connection, "people", record["id"])
    data = open_form(url) | {"record-title": "Mine"}
    people = simulators["atlas"].store["people"]
    people.update(people.get(record["id"]), {"employee_number": "HQ-999", "title": "Theirs"})
    conflict = editor_client.post(url, data).content.decode()

    response = editor_client.post(url, data | {"overwrite_version": overwrite_value(conflict)})

    assert response.status_code == 302
    stored = people.get(record["id"])
    assert (stored["title"], stored["employee_number"]) == ("Mine", "HQ-999")
    assert AuditEntry.objects.filter(action="record.update", outcome=Outcome.OK).count() == 1


def test_overwriting_a_version_that_changed_again_stops_again(
    person, editor_client, open_form, simulators
):
    connection, record = person
    url = edit_url(connection, "people", record["id"])
    data = open_form(url) | {"record-title": "Mine"}
    people = simulators["atlas"].store["people"]
    people.update(people.get(record["id"]), {"employee_number": "HQ-999"})
    stale = overwrite_value(editor_client.post(url, data).content.decode())
    people.get(record["id"])["updated_at"] = "2030-01-01T00:00:00Z"  # and again

    response = editor_client.post(url, data | {"overwrite_version": stale})

    assert response.status_code == 409
    assert people.get(record["id"])["title"] == record["title"]


def test_a_save_by_someone_else_in_between_is_a_conflict(
    fresh, editor_client, open_form, member_of, simulators
):
    connection = fresh("parallax")
    project = dict(
        next(p for p in simulators["parallax"].store["projects"] if p["status"] != "on_hold")
    )
    url = edit_url(connection, "projects", project["id"])
    mine = open_form(url)
    colleague = Client()
    colleague.force_login(member_of("colleague@example.com", Role.ADMIN))
    theirs = form_data(colleague.get(url).content.decode())
    assert colleague.post(url, theirs | {"record-status": "on_hold"}).status_code == 302

    response = editor_client.post(url, mine | {"record-description": "Mine"})

    assert response.status_code == 409
    assert ["Status", project["status"], "on_hold"] in changed_rows(response.content.decode())
    assert (
        simulators["parallax"].store["projects"].get(project["id"])["description"]
        == project["description"]
    )


def test_without_a_version_field_a_hash_of_the_record_detects_the_change(
    fresh, editor_client, open_form, simulators
):
    spec = '[[resources]]\nname = "subscribers"\nversion_field = ""\n'
    connection = fresh("beacon", spec_toml=spec)
    subscriber = next(iter(simulators["beacon"].store["subscribers"]))
    url = edit_url(connection, "subscribers", subscriber["id"])
    data = open_form(url) | {"record-name": "Mine"}
    record = simulators["beacon"].store["subscribers"].get(subscriber["id"])
    record["tags"] = [*record["tags"], "changed-quietly"]  # no timestamp moves

    response = editor_client.post(url, data)

    assert response.status_code == 409
    rows = changed_rows(response.content.decode())
    assert [row[0] for row in rows] == ["Tags"]
    assert "changed-quietly" in rows[0][2]


def test_htmx_conflicts_swap_in_the_form_with_the_choices(person, editor_client, simulators):
    connection, record = person
    url = edit_url(connection, "people", record["id"])
    data = form_data(editor_client.get(url, HTTP_HX_REQUEST="true").content.decode())
    people = simulators["atlas"].store["people"]
    people.update(people.get(record["id"]), {"employee_number": "HQ-999"})

    response = editor_client.post(url, data | {"record-title": "Mine"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 409
    assert html.lstrip().startswith('<section class="panel record editor" id="record-fields"')
    assert "Overwrite anyway" in html
    assert f'hx-get="{url}"' in html  # reload in place
    # Enter in a field submits the form's first button: Save (which checks again), never
    # the overwrite.
    assert html.index(">Save</button>") < html.index(">Overwrite anyway</button>")
