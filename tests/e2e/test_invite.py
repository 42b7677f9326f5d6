"""Team access in a real headless Chromium: an admin invites a viewer by e-mail, the viewer
accepts the link, sees the team's tables and finds no edit controls."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from dashboard.teams.models import Membership, Role, Team
from tests.browse.conftest import connect, table_url

from .support import VIEWPORT, chromium_missing

pytestmark = [
    pytest.mark.skipif(chromium_missing(), reason="/usr/bin/chromium is missing (CI is not set)"),
    pytest.mark.django_db(transaction=True),
]

LINK = re.compile(r"https?://[^/\s]+(/invitations/[\w-]+/)")


@pytest.fixture
def user(team: Team, django_user_model: Any) -> Any:
    """The admin who invites."""
    person = django_user_model.objects.create_user(email="e2e@example.com", password="pw-12345678")
    Membership.objects.create(team=team, user=person, role=Role.ADMIN)
    return person


def test_an_invited_viewer_joins_and_browses_without_edit_controls(
    page: Page, browser: Browser, team: Team, live_server: Any, e2e_simulators: dict[str, Any]
) -> None:
    connection = connect(team, "linkit", e2e_simulators["linkit"])
    page.goto(live_server.url + "/t/ops/members/")
    page.get_by_label("E-mail address").fill("new.viewer@example.com")
    page.get_by_label("Role (required)").select_option("viewer")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#pending-heading")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("new.viewer@example.com")

    (message,) = mail.outbox
    assert message.to == ["new.viewer@example.com"]
    match = LINK.search(message.body)
    assert match, message.body

    context = browser.new_context(viewport=VIEWPORT)
    invited = context.new_page()
    invited.goto(live_server.url + match.group(1))
    expect(invited.get_by_role("heading", name="Join Operations")).to_be_visible()
    invited.get_by_label("Your name").fill("New Viewer")
    invited.get_by_label("Password (required)").fill("a-long-new-passphrase-42")
    invited.get_by_label("Password confirmation (required)").fill("a-long-new-passphrase-42")
    invited.get_by_role("button", name="Create account and join").click()
    expect(invited.locator(".team-switcher, header")).to_contain_text("Operations")

    invited.goto(live_server.url + table_url(connection, "products"))
    expect(invited.locator("table.data tbody tr")).to_have_count(20)
    expect(invited.get_by_role("link", name="New record")).to_have_count(0)
    expect(invited.get_by_role("link", name=re.compile(r"^Edit"))).to_have_count(0)
    invited.locator("table.data tbody tr a").first.click()
    expect(invited.locator("h1")).to_be_visible()
    expect(invited.get_by_role("link", name=re.compile(r"^(Edit|Delete)"))).to_have_count(0)
    assert Membership.objects.get(user__email="new.viewer@example.com").role == Role.VIEWER
    context.close()
