"""Every URL of the project, for every kind of visitor, with GET and POST, plain and HTMX.

`TABLE` has one row per URL name: what each method answers to an anonymous visitor, a
member of another team, and a viewer, editor, admin and owner of the team in the URL
(a "POST htmx" key, where present, is what an HTMX POST answers instead).
A URL name without a row fails `test_every_url_has_a_row`: add one when adding a view (and
a value for any new URL argument to `World.kwargs` or `URL_KWARGS`). Admin URLs (`admin:*`)
share one rule: people who are not staff are sent to the admin's sign-in page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dashboard.audit.models import AuditEntry
from dashboard.connections import services as connection_services
from dashboard.teams import services as team_services
from dashboard.teams.models import Membership, Role, Team

ANONYMOUS = "anonymous"
OTHER_TEAM = "other team"
ROLES = {"viewer": Role.VIEWER, "editor": Role.EDITOR, "admin": Role.ADMIN, "owner": Role.OWNER}
ACTORS = [ANONYMOUS, OTHER_TEAM, *ROLES]
METHODS = ["GET", "POST"]
# An expected answer: a status code, or SIGN_IN (302 to the sign-in page).
SIGN_IN = "sign-in"
ADMIN_SIGN_IN = "admin sign-in"
Expected = int | str


class Rule(Protocol):
    def expect(self, actor: str) -> Expected: ...


@dataclass(frozen=True)
class Everyone:
    """The same answer for every visitor (e.g. 405 for a method the view refuses)."""

    status: Expected

    def expect(self, actor: str) -> Expected:
        return self.status


@dataclass(frozen=True)
class SignedIn:
    """Sign-in required, no team: anonymous visitors go to sign in, everyone else `ok`."""

    ok: Expected

    def expect(self, actor: str) -> Expected:
        return SIGN_IN if actor == ANONYMOUS else self.ok


@dataclass(frozen=True)
class Visitor:
    """One answer for anonymous visitors, another for anyone signed in."""

    anonymous: Expected
    signed_in: Expected

    def expect(self, actor: str) -> Expected:
        return self.anonymous if actor == ANONYMOUS else self.signed_in


@dataclass(frozen=True)
class Member:
    """`team_view(role)`: sign in, then another team's URL is 404, a lower role 403."""

    role: Role
    ok: Expected

    def expect(self, actor: str) -> Expected:
        if actor == ANONYMOUS:
            return SIGN_IN
        if actor == OTHER_TEAM:
            return 404
        rank = list(ROLES.values())
        return self.ok if rank.index(ROLES[actor]) >= rank.index(self.role) else 403


NOT_ALLOWED = Everyone(405)

TABLE: dict[str, dict[str, Rule]] = {
    "home": {"GET": SignedIn(302), "POST": NOT_ALLOWED},
    "healthz": {"GET": Everyone(200), "POST": NOT_ALLOWED},
    # accounts
    "account": {"GET": SignedIn(200), "POST": SignedIn(302)},
    "login": {"GET": Visitor(200, 302), "POST": Visitor(200, 302)},
    "logout": {"GET": NOT_ALLOWED, "POST": Everyone(302)},
    "password_change": {"GET": SignedIn(200), "POST": SignedIn(200)},
    "password_change_done": {"GET": SignedIn(200), "POST": SignedIn(405)},
    "password_reset": {"GET": Everyone(200), "POST": Everyone(200)},
    "password_reset_done": {"GET": Everyone(200), "POST": NOT_ALLOWED},
    "password_reset_confirm": {"GET": Everyone(200), "POST": Everyone(200)},
    "password_reset_complete": {"GET": Everyone(200), "POST": NOT_ALLOWED},
    # invitations (the link is for new@example.com, whom no visitor here is)
    "invitations:accept": {"GET": Visitor(200, 403), "POST": Visitor(422, 403)},
    # teams
    "teams:members": {"GET": Member(Role.VIEWER, 200), "POST": NOT_ALLOWED},
    "teams:invite": {"GET": NOT_ALLOWED, "POST": Member(Role.ADMIN, 422)},
    "teams:member-role": {"GET": NOT_ALLOWED, "POST": Member(Role.ADMIN, 302)},
    "teams:member-remove": {"GET": Member(Role.ADMIN, 200), "POST": Member(Role.ADMIN, 302)},
    "teams:invitation-revoke": {"GET": NOT_ALLOWED, "POST": Member(Role.ADMIN, 302)},
    "teams:delete": {"GET": Member(Role.OWNER, 200), "POST": Member(Role.OWNER, 422)},
    # connections
    "connections:list": {"GET": Member(Role.VIEWER, 200), "POST": NOT_ALLOWED},
    "connections:create": {"GET": Member(Role.ADMIN, 200), "POST": Member(Role.ADMIN, 422)},
    "connections:test-new": {"GET": NOT_ALLOWED, "POST": Member(Role.ADMIN, 200)},
    "connections:detail": {"GET": Member(Role.VIEWER, 200), "POST": NOT_ALLOWED},
    "connections:edit": {"GET": Member(Role.ADMIN, 200), "POST": Member(Role.ADMIN, 422)},
    "connections:delete": {"GET": Member(Role.ADMIN, 200), "POST": Member(Role.ADMIN, 302)},
    "connections:access": {"GET": Member(Role.ADMIN, 200), "POST": Member(Role.ADMIN, 302)},
    "connections:test": {"GET": NOT_ALLOWED, "POST": Member(Role.ADMIN, 200)},
    # browsing (the vendor is unreachable: the table says so in a banner, the record in a 502)
    "browse:table": {
        "GET": Member(Role.VIEWER, 200),
        "POST": Member(Role.VIEWER, 302),
        "POST htmx": Member(Role.VIEWER, 200),
    },
    "browse:record": {"GET": Member(Role.VIEWER, 200), "POST": NOT_ALLOWED},
    # record edits (the connection's vendor is unreachable: reads answer 502, and a POST
    # without the form's signed token is refused as stale)
    "records:create": {"GET": Member(Role.EDITOR, 200), "POST": Member(Role.EDITOR, 400)},
    "records:edit": {"GET": Member(Role.EDITOR, 502), "POST": Member(Role.EDITOR, 400)},
    "records:delete": {"GET": Member(Role.EDITOR, 502), "POST": Member(Role.EDITOR, 502)},
    # snapshots and exports (the vendor is unreachable: a snapshot fails, an export is a 502)
    "snapshots:panel": {"GET": Member(Role.VIEWER, 200), "POST": NOT_ALLOWED},
    "snapshots:take": {
        "GET": NOT_ALLOWED,
        "POST": Member(Role.VIEWER, 302),
        "POST htmx": Member(Role.VIEWER, 200),
    },
    "snapshots:cancel": {
        "GET": NOT_ALLOWED,
        "POST": Member(Role.VIEWER, 302),
        "POST htmx": Member(Role.VIEWER, 200),
    },
    "snapshots:export": {"GET": Member(Role.VIEWER, 502), "POST": NOT_ALLOWED},
    # audit
    "audit:list": {"GET": Member(Role.ADMIN, 200), "POST": NOT_ALLOWED},
}

# The admin's own pages that are not behind its sign-in.
ADMIN_EXCEPTIONS: dict[str, dict[str, Rule]] = {
    "admin:login": {"GET": Everyone(200), "POST": Everyone(200)},
    "admin:logout": {"GET": Everyone(302), "POST": Everyone(302)},
}
ADMIN_RULE = Everyone(ADMIN_SIGN_IN)


def _arguments(pattern: Any) -> tuple[str, ...]:
    converters = getattr(pattern.pattern, "converters", None)
    return tuple(converters) if converters else tuple(pattern.pattern.regex.groupindex)


def _walk(
    patterns: list[Any], namespaces: tuple[str, ...] = (), arguments: tuple[str, ...] = ()
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every named URL pattern, recursively: its full name and the arguments it takes."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(pattern.url_patterns, inner, arguments + _arguments(pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join((*namespaces, pattern.name)), arguments + _arguments(pattern)


def project_urls() -> dict[str, tuple[str, ...]]:
    return dict(_walk(get_resolver().url_patterns))


def project_url_names() -> set[str]:
    return set(project_urls())


def is_admin(name: str) -> bool:
    return name.startswith("admin:")


ADMIN_NAMES = sorted(name for name in project_url_names() if is_admin(name))


def test_every_url_has_a_row():
    missing = sorted(
        name for name in project_url_names() if not is_admin(name) and name not in TABLE
    )
    assert not missing, f"URL names without a row in TABLE: {', '.join(missing)}"


def test_every_row_is_a_url():
    stale = sorted(set(TABLE) - project_url_names())
    assert not stale, f"rows for URL names that no longer exist: {', '.join(stale)}"


# --- the world every case runs in -------------------------------------------------------


@dataclass
class World:
    users: dict[str, Any]
    kwargs: dict[str, Any]


@pytest.fixture
def world(django_user_model: Any) -> World:
    team = Team.objects.create(name="Operations", slug="ops")
    elsewhere = Team.objects.create(name="Elsewhere", slug="elsewhere")

    def member(email: str, role: Role, in_team: Team = team) -> Membership:
        user = django_user_model.objects.create_user(email=email, password="pw-long-enough-1")
        return Membership.objects.create(team=in_team, user=user, role=role)

    memberships = {name: member(f"{name}@example.com", role) for name, role in ROLES.items()}
    stranger = member("stranger@example.com", Role.OWNER, in_team=elsewhere)
    subject = member("subject@example.com", Role.EDITOR)
    connection = connection_services.connection_create(
        team=team,
        name="Linkit",
        preset="linkit",
        base_url="http://127.0.0.1:9",
        spec_toml="",
        variables={},
        secrets={"LINKIT_API_KEY": "lk_test_key_1234"},
    )
    invitation, token = team_services.invitation_create(
        actor=memberships["owner"], email="new@example.com", role=Role.VIEWER
    )
    users = {name: item.user for name, item in memberships.items()}
    users[OTHER_TEAM] = stranger.user
    return World(
        users=users,
        kwargs={
            "team": team.slug,
            "connection": connection.slug,
            "member": subject.pk,
            "invitation": invitation.pk,
            "token": token,
            "resource": "products",
            "record_id": "1",
        },
    )


# Arguments that differ by URL (the password reset link is a made-up, invalid one).
URL_KWARGS: dict[str, dict[str, Any]] = {
    "password_reset_confirm": {"uidb64": "MQ", "token": "made-up-token"},
    "snapshots:export": {"format": "csv"},
}
ADMIN_KWARGS = {"object_id": "1", "id": "1", "app_label": "teams", "content_type_id": 1}


def url_for(name: str, world: World) -> str:
    available = {**world.kwargs, **ADMIN_KWARGS, **URL_KWARGS.get(name, {})}
    return reverse(name, kwargs={key: available[key] for key in project_urls()[name]})


def client_for(actor: str, world: World) -> Client:
    client = Client()
    if actor != ANONYMOUS:
        client.force_login(world.users[actor])
    return client


def check(response: Any, expected: Expected, label: str) -> None:
    status, location = response.status_code, response.get("Location", "")
    if "HX-Redirect" in response:
        # HTMX requests sent to sign in navigate the whole page there instead.
        status, location = 302, response["HX-Redirect"]
        assert location.startswith("/accounts/login/"), f"{label}: {location}"
    if expected == SIGN_IN:
        assert status == 302, label
        assert location.startswith("/accounts/login/?next="), f"{label}: {location}"
    elif expected == ADMIN_SIGN_IN:
        assert status == 302, label
        assert location.startswith("/admin/login/?next="), f"{label}: {location}"
    else:
        assert status == expected, f"{label}: {location}"


CASES = [
    pytest.param(name, actor, method, htmx, id=f"{name}-{actor}-{method}{'-htmx' if htmx else ''}")
    for name in TABLE
    for actor in ACTORS
    for method in METHODS
    for htmx in (False, True)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "actor", "method", "htmx"), CASES)
def test_the_table(world: World, name: str, actor: str, method: str, htmx: bool) -> None:
    rule = TABLE[name].get(f"{method} htmx" if htmx else method, TABLE[name][method])
    expected = rule.expect(actor)
    client = client_for(actor, world)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = url_for(name, world)
    response = client.generic(method, url, **headers)
    check(response, expected, f"{method} {url} as {actor}")
    if expected == 403 and isinstance(rule, Member):
        denial = AuditEntry.objects.filter(action="access.denied", actor=world.users[actor])
        assert denial.filter(target=url).exists(), "a 403 in one's own team is audited"


ADMIN_CASES = [
    pytest.param(name, actor, method, id=f"{name}-{actor}-{method}")
    for name in ADMIN_NAMES
    for actor in (ANONYMOUS, "owner")
    for method in METHODS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "actor", "method"), ADMIN_CASES)
def test_the_admin_is_for_staff_only(world: World, name: str, actor: str, method: str) -> None:
    rule = ADMIN_EXCEPTIONS.get(name, {}).get(method, ADMIN_RULE)
    url = url_for(name, world)
    response = client_for(actor, world).generic(method, url)
    check(response, rule.expect(actor), f"{method} {url} as {actor}")


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_post_needs_a_csrf_token(world: World, name: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["owner"])
    assert client.post(url_for(name, world)).status_code == 403


@pytest.mark.django_db
def test_superusers_use_the_admin(admin_client: Client) -> None:
    assert admin_client.get(reverse("admin:index")).status_code == 200
    assert admin_client.get(reverse("admin:teams_invitation_changelist")).status_code == 200
