"""Signing in and out: a new session key on sign-in, and an audit entry either way."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from dashboard.audit.models import AuditEntry, Outcome

from .conftest import sign_in

pytestmark = pytest.mark.django_db


def test_signing_in_starts_a_new_session(client, person):
    before = client.session
    before["seen_the_login_page"] = True
    before.save()
    old_key = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = sign_in(client)

    assert response.status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert client.session["_auth_user_id"] == str(person.pk)


def test_a_sign_in_is_audited_with_the_client_address(client, person):
    sign_in(client, REMOTE_ADDR="198.51.100.7")
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor == person
    assert entry.details == {"ip": "198.51.100.7"}


def test_a_failed_sign_in_is_audited_without_the_password(client, person):
    response = sign_in(client, password="wrong-guess-123")
    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.text
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.outcome == Outcome.FAILED
    assert entry.target == "person@example.com"
    assert entry.actor is None
    assert "wrong-guess-123" not in str(entry.details)


def test_signing_out_ends_the_session(client, person):
    sign_in(client)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/accounts/").status_code == 302
    assert AuditEntry.objects.filter(action="auth.logout", actor=person).exists()


def test_the_sign_in_page_sends_signed_in_people_on(client, person):
    client.force_login(person)
    assert client.get("/accounts/login/")["Location"] == "/"


def test_the_sign_in_page_offers_a_password_reset(client):
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").text
