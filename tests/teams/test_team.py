"""The team in the top bar, switching teams, and deleting a team."""

from __future__ import annotations

import pytest

from dashboard.audit.models import AuditEntry
from dashboard.teams.models import Role, Team

pytestmark = pytest.mark.django_db


def test_the_current_team_and_role_are_in_the_top_bar(as_member, viewer):
    page = as_member(viewer).get("/t/ops/connections/")
    assert '<span class="visually-hidden">Current team: </span>Operations' in page.text
    assert "Switch team" not in page.text, "one team: nothing to switch to"


def test_a_member_of_two_teams_switches_between_them(as_member, viewer, member_of, other_team):
    member_of("viewer@example.com", Role.ADMIN, in_team=other_team)
    client = as_member(viewer)
    page = client.get("/t/ops/connections/")
    assert 'aria-label="Switch team"' in page.text
    assert 'href="/t/elsewhere/connections/"' in page.text
    switched = client.get("/t/elsewhere/connections/")
    assert '<span class="visually-hidden">Current team: </span>Elsewhere' in switched.text
    assert "New connection" in switched.text, "the admin role in that team applies"


def test_pages_outside_a_team_show_the_team_last_visited(as_member, viewer, member_of, other_team):
    member_of("viewer@example.com", Role.VIEWER, in_team=other_team)
    client = as_member(viewer)
    client.get("/t/elsewhere/connections/")
    page = client.get("/accounts/")
    assert '<span class="visually-hidden">Current team: </span>Elsewhere' in page.text


def test_the_home_page_opens_the_team_last_visited(as_member, viewer, member_of, other_team):
    member_of("viewer@example.com", Role.VIEWER, in_team=other_team)
    client = as_member(viewer)
    assert client.get("/")["Location"] == "/t/elsewhere/connections/", "first by name"
    client.get("/t/ops/connections/")
    assert client.get("/")["Location"] == "/t/ops/connections/"


def test_a_team_left_is_no_longer_shown(as_member, viewer, owner):
    client = as_member(viewer)
    client.get("/t/ops/connections/")
    viewer.delete()
    assert "Current team" not in client.get("/accounts/").text


def test_the_owner_deletes_the_team_after_typing_its_name(as_member, owner, connection):
    client = as_member(owner)
    assert client.get("/t/ops/delete/").status_code == 200
    wrong = client.post("/t/ops/delete/", {"confirm": "ops"})
    assert wrong.status_code == 422
    assert "Type “Operations” exactly" in wrong.text
    response = client.post("/t/ops/delete/", {"confirm": "Operations"})
    assert response.status_code == 302
    assert not Team.objects.filter(slug="ops").exists()
    entry = AuditEntry.objects.get(action="team.deleted")
    assert (entry.team, entry.team_slug, entry.actor) == (None, "ops", owner.user)


def test_admins_cannot_delete_the_team(as_member, admin):
    assert as_member(admin).post("/t/ops/delete/", {"confirm": "Operations"}).status_code == 403
    assert Team.objects.filter(slug="ops").exists()
    assert AuditEntry.objects.filter(action="access.denied").exists()


def test_only_owners_see_the_delete_button(as_member, owner, admin):
    assert "Delete team" in as_member(owner).get("/t/ops/members/").text
    assert "Delete team" not in as_member(admin).get("/t/ops/members/").text
