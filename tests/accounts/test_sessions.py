"""Session expiry: after inactivity, and at an absolute limit, whatever the activity."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from dashboard import settings as project_settings
from dashboard.accounts.sessions import LAST_SEEN_AT, SIGNED_IN_AT
from dashboard.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

IDLE = 600
ABSOLUTE = 3600


@pytest.fixture(autouse=True)
def _short_sessions():
    with override_settings(SESSION_IDLE_TIMEOUT=IDLE, SESSION_ABSOLUTE_TIMEOUT=ABSOLUTE):
        yield


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


def shift(client, key: str, seconds_ago: float) -> None:
    session = client.session
    session[key] = time.time() - seconds_ago
    session.save()


def test_sign_in_marks_the_session_start(signed_in):
    session = signed_in.session
    assert abs(session[SIGNED_IN_AT] - time.time()) < 5
    assert session[LAST_SEEN_AT] == session[SIGNED_IN_AT]


def test_activity_keeps_the_session_alive(signed_in):
    shift(signed_in, LAST_SEEN_AT, IDLE - 30)
    assert signed_in.get("/accounts/").status_code == 200
    assert time.time() - signed_in.session[LAST_SEEN_AT] < 5


def test_activity_is_written_at_most_once_a_minute(signed_in):
    shift(signed_in, LAST_SEEN_AT, 30)
    before = signed_in.session[LAST_SEEN_AT]
    assert signed_in.get("/accounts/").status_code == 200
    assert signed_in.session[LAST_SEEN_AT] == before, "no session write for this request"


def test_an_idle_session_is_signed_out(signed_in, person):
    shift(signed_in, LAST_SEEN_AT, IDLE + 1)
    response = signed_in.get("/accounts/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/"
    page = signed_in.get(response["Location"])
    assert "signed out after a period without activity" in page.text
    assert signed_in.get("/accounts/").status_code == 302, "the session is gone"
    entry = AuditEntry.objects.get(action="auth.session_expired")
    assert (entry.actor, entry.details) == (person, {"reason": "idle"})


def test_an_htmx_request_of_an_expired_session_navigates_the_whole_page_to_sign_in(signed_in):
    """Not the sign-in page swapped into a table: back to the page the user was on."""
    shift(signed_in, LAST_SEEN_AT, IDLE + 1)
    response = signed_in.get(
        "/t/ops/connections/?fragment=1",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/accounts/"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/accounts/"
    assert response.content == b""


def test_other_htmx_redirects_are_left_to_htmx(signed_in):
    response = signed_in.post("/accounts/", {"name": "Someone"}, headers={"HX-Request": "true"})
    assert response.status_code == 302
    assert "HX-Redirect" not in response


def test_a_session_ends_at_the_absolute_limit_despite_activity(signed_in):
    shift(signed_in, SIGNED_IN_AT, ABSOLUTE + 1)
    response = signed_in.get("/accounts/")
    assert response.status_code == 302
    assert "time limit" in signed_in.get(response["Location"]).text


def test_the_cookie_and_stored_session_expire_with_the_idle_timeout(signed_in):
    assert project_settings.SESSION_COOKIE_AGE == project_settings.SESSION_IDLE_TIMEOUT
    assert signed_in.session.get_expiry_age() == project_settings.SESSION_COOKIE_AGE
