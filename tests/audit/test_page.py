"""The team's audit trail page: who may open it, its filters, the diff of each change, pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.audit.services import audit_record
from dashboard.teams.models import Role, Team
from tests.browse.html import grid

pytestmark = pytest.mark.django_db

URL = reverse("audit:list", args=["ops"])


def write(team: Team, actor: Any, action: str, **fields: Any) -> AuditEntry:
    return audit_record(actor=actor, team=team, action=action, **fields)


def listed(client: Client, query: str = "") -> list[list[str]]:
    response = client.get(URL + query)
    assert response.status_code == 200
    return [row for row in grid(response.content.decode()).rows if len(row) > 1]


def column(rows: list[list[str]], name: str) -> list[str]:
    index = ["When", "Who", "Action", "What", "Outcome", "Vendor answer", "Changes", "Request"]
    return [row[index.index(name)] for row in rows]


@pytest.fixture
def trail(team, admin, member_of, connection) -> dict[str, Any]:
    """Entries by two people, on a connection's records, and one of another team."""
    editor = member_of("editor@example.com", Role.EDITOR)
    elsewhere = Team.objects.create(name="Elsewhere", slug="elsewhere")
    common = {"connection": connection, "resource": "products"}
    write(
        team,
        editor,
        "record.update",
        record_id="p1",
        target="linkit/products/p1",
        changes={"name_en": {"before": "Tea", "after": "Green tea"}},
        vendor_status=200,
        **common,
    )
    write(
        team,
        editor,
        "record.delete",
        record_id="p2",
        outcome=Outcome.FAILED,
        vendor_status=404,
        vendor_message="Not found at the vendor",
        **common,
    )
    write(team, admin, "record.create", record_id="c1", resource="customers", connection=connection)
    write(team, admin, "membership.role_changed", target="editor@example.com")
    write(elsewhere, admin, "record.update", target="secret-of-elsewhere")
    return {"editor": editor, "connection": connection}


def test_admins_read_their_teams_trail_newest_first(admin_client, trail):
    rows = listed(admin_client)
    assert column(rows, "Action") == [
        "membership.role_changed",
        "record.create",
        "record.delete",
        "record.update",
        "connection.created",
    ]
    assert "secret-of-elsewhere" not in admin_client.get(URL).content.decode()


def test_each_change_shows_its_diff_and_the_vendors_answer(admin_client, trail):
    html = admin_client.get(URL).content.decode()
    assert "<del><bdi>Tea</bdi></del>" in html
    assert "<ins><bdi>Green tea</bdi></ins>" in html
    rows = listed(admin_client, "?action=record.delete")
    assert column(rows, "Vendor answer") == ["404 Not found at the vendor"]
    assert column(rows, "Outcome") == ["Failed"]
    assert 'href="/t/ops/c/linkit/products/p1/"' in html  # a record that may still exist
    assert 'href="/t/ops/c/linkit/products/p2/"' not in html  # a deleted one


@pytest.mark.parametrize(
    ("query", "actions"),
    [
        ("?user=editor@example.com", ["record.delete", "record.update"]),
        (
            "?connection=linkit",
            ["record.create", "record.delete", "record.update", "connection.created"],
        ),
        ("?resource=customers", ["record.create"]),
        ("?action=record.update", ["record.update"]),
        ("?outcome=failed", ["record.delete"]),
        ("?user=admin@example.com&action=record.create", ["record.create"]),
    ],
)
def test_filters_narrow_the_list(admin_client, trail, query, actions):
    assert column(listed(admin_client, query), "Action") == actions


def test_the_date_range_includes_both_days_in_the_readers_time_zone(admin_client, team, admin):
    for day in (1, 2, 3):
        AuditEntry.objects.create(
            team=team,
            action=f"day.{day}",
            created_at=datetime(2026, 3, day, 23, 30, tzinfo=UTC),
        )
    assert column(listed(admin_client, "?since=2026-03-02&until=2026-03-03"), "Action") == [
        "day.3",
        "day.2",
    ]
    admin_client.cookies["tz"] = "Europe/Berlin"  # 23:30 UTC is the next day there
    assert column(listed(admin_client, "?since=2026-03-02&until=2026-03-03"), "Action") == [
        "day.2",
        "day.1",
    ]


def test_invalid_filters_are_reported_and_left_out(admin_client, trail):
    response = admin_client.get(URL + "?outcome=sideways&since=2026-03-05&until=2026-03-01")
    html = response.content.decode()
    assert "Some filters are not valid and were left out." in html
    assert "Must not be before the start date." in html
    assert 'aria-invalid="true"' in html


def test_long_trails_are_paged(admin_client, team, admin):
    AuditEntry.objects.bulk_create(
        AuditEntry(team=team, action="bulk.entry", target=str(n)) for n in range(60)
    )
    html = admin_client.get(URL + "?action=bulk.entry").content.decode()
    assert "1\N{EN DASH}50 of 60 entries" in html
    assert 'rel="next" href="/t/ops/audit/?action=bulk.entry&amp;page=2"' in html
    second = admin_client.get(URL + "?action=bulk.entry&page=2").content.decode()
    assert "51\N{EN DASH}60 of 60 entries" in second


def test_the_page_is_for_admins_of_the_team(client, member_of, trail):
    for person in (member_of("viewer@example.com"), trail["editor"]):
        client.force_login(person)
        assert client.get(URL).status_code == 403
        assert AuditEntry.objects.filter(action="access.denied", actor=person).exists()
    stranger = member_of(
        "stranger@example.com", Role.OWNER, in_team=Team.objects.get(slug="elsewhere")
    )
    client.force_login(stranger)
    assert client.get(URL).status_code == 404
    client.logout()
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_the_sidebar_links_the_trail_for_admins_only(admin_client, client, member_of, trail):
    assert f'href="{URL}"' in admin_client.get(URL).content.decode()
    client.force_login(trail["editor"])
    assert f'href="{URL}"' not in client.get(reverse("connections:list", args=["ops"])).text
