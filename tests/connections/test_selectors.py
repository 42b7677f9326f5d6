"""Who sees which connection."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from dashboard.connections import services
from dashboard.connections.selectors import connection_for, connections_for
from dashboard.teams.models import Role, Team

from .conftest import linkit_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(team, connection):
    hidden = services.connection_create(team=team, **linkit_settings(name="Payroll"))
    services.connection_set_access(connection=hidden, restricted=True, allowed_members=[])
    return hidden


def names(user, team):
    return sorted(connections_for(user=user, team=team).values_list("name", flat=True))


def test_viewer_sees_unrestricted_connections_only(team, restricted, member_of):
    viewer = member_of("viewer@example.com", Role.VIEWER)
    assert names(viewer, team) == ["Linkit"]
    with pytest.raises(Http404):
        connection_for(user=viewer, team=team, slug="payroll")


def test_allowed_member_sees_the_restricted_connection_once(team, restricted, member_of):
    editor = member_of("editor@example.com", Role.EDITOR)
    other = member_of("other@example.com", Role.EDITOR)
    services.connection_set_access(
        connection=restricted, restricted=True, allowed_members=[editor, other]
    )
    assert names(editor, team) == ["Linkit", "Payroll"]
    assert connection_for(user=editor, team=team, slug="payroll") == restricted


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_admins_and_owners_see_everything(team, restricted, member_of, role):
    assert names(member_of("boss@example.com", role), team) == ["Linkit", "Payroll"]


def test_non_members_and_anonymous_users_see_nothing(team, connection, make_user):
    assert names(make_user("stranger@example.com"), team) == []
    assert names(AnonymousUser(), team) == []


def test_another_teams_connection_is_not_found(team, connection, member_of):
    other = Team.objects.create(name="Other", slug="other")
    theirs = services.connection_create(team=other, **linkit_settings(name="Theirs"))
    admin = member_of("admin@example.com", Role.ADMIN)
    with pytest.raises(Http404):
        connection_for(user=admin, team=team, slug=theirs.slug)
    with pytest.raises(Http404):
        connection_for(user=admin, team=other, slug=theirs.slug)
