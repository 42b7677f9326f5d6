"""The "my account" page."""

from __future__ import annotations

import pytest

from dashboard.teams.models import Membership, Role, Team

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/accounts/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_account_lists_my_teams_and_roles(client, person):
    team = Team.objects.create(name="Operations", slug="ops")
    Membership.objects.create(team=team, user=person, role=Role.EDITOR)
    client.force_login(person)
    page = client.get("/accounts/")
    assert page.status_code == 200
    assert "person@example.com" in page.text
    assert 'href="/t/ops/connections/"' in page.text
    assert "Editor" in page.text
    assert 'href="/accounts/password/"' in page.text


def test_my_account_saves_my_name(client, person):
    client.force_login(person)
    response = client.post("/accounts/", {"full_name": "  Pat Q. Person "})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == "Pat Q. Person"


def test_a_name_that_is_too_long_is_refused(client, person):
    client.force_login(person)
    response = client.post("/accounts/", {"full_name": "x" * 151})
    assert response.status_code == 422
    person.refresh_from_db()
    assert person.full_name == "Pat Person"
