"""Password change (signed in) and reset (by e-mail)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from dashboard.audit.models import AuditEntry

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

NEW = "another-long-phrase-77"


def test_a_signed_in_person_changes_their_password(client, person):
    client.force_login(person)
    form = client.get("/accounts/password/")
    assert form.status_code == 200
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    person.refresh_from_db()
    assert person.check_password(NEW)
    assert client.get("/accounts/").status_code == 200, "this session stays signed in"
    assert AuditEntry.objects.filter(action="auth.password_changed", actor=person).exists()


def test_a_wrong_old_password_changes_nothing(client, person):
    client.force_login(person)
    response = client.post(
        "/accounts/password/",
        {"old_password": "nope-nope-nope", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.text
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_a_forgotten_password_is_reset_by_email(client, person):
    response = client.post("/accounts/password/reset/", {"email": "person@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    form_page = client.get(link.group(1), follow=True)
    assert "Set a new password" in form_page.text
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/reset/done/"
    assert sign_in(client, password=NEW).status_code == 302
    assert AuditEntry.objects.filter(action="auth.password_reset", actor=person).exists()
    reused = client.get(link.group(1), follow=True)
    assert "This link no longer works" in reused.text


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(
        "/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True
    )
    assert "If an account uses that address" in response.text
    assert not mail.outbox
