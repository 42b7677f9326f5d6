"""Editing a record in a real headless Chromium: edit in place, meet the vendor's field error,
fix it, save, and find the change in the team's audit trail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dashboard.teams.models import Membership, Role, Team
from tests.browse.conftest import connect, record_url

from .support import chromium_missing

pytestmark = [
    pytest.mark.skipif(chromium_missing(), reason="/usr/bin/chromium is missing (CI is not set)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def user(team: Team, django_user_model: Any) -> Any:
    """An admin: may edit records and read the audit trail."""
    person = django_user_model.objects.create_user(email="e2e@example.com", password="pw-12345678")
    Membership.objects.create(team=team, user=person, role=Role.ADMIN)
    return person


def test_edit_a_record_fix_the_vendors_field_error_and_find_it_in_the_audit_trail(
    page: Page, team: Team, live_server: Any, e2e_simulators: dict[str, Any]
) -> None:
    handle = e2e_simulators["linkit"]
    product = dict(list(handle.store["products"])[7])
    connection = connect(team, "linkit", handle)
    page.goto(live_server.url + record_url(connection, "products", product["id"]))

    page.get_by_role("link", name="Edit", exact=True).click()
    name = page.get_by_label("Name en")
    expect(name).to_be_focused()
    expect(name).to_have_value(product["name_en"])
    page.get_by_label("Category").fill("teas")
    name.fill("")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#id_record-name_en_error")).to_have_text("Name is required")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()
    expect(page.get_by_label("Category")).to_have_value("teas")  # the input is kept
    expect(page.get_by_role("alert").first).to_contain_text("The vendor rejected the change")
    assert handle.store["products"].get(product["id"])["name_en"] == product["name_en"]

    name.fill("Mint tea, fixed by hand")
    page.get_by_role("button", name="Save").click()

    saved = page.locator("#record-fields")
    expect(saved).to_contain_text("Saved. These are the fields as the vendor returned them.")
    expect(saved).to_contain_text("Mint tea, fixed by hand")
    expect(page.locator("#record-history")).to_contain_text("record.update")
    stored = handle.store["products"].get(product["id"])
    assert (stored["name_en"], stored["category"]) == ("Mint tea, fixed by hand", "teas")

    page.get_by_role("link", name="Audit trail", exact=True).click()
    expect(page).to_have_url(re.compile(r"/t/ops/audit/$"))
    page.get_by_label("Action").select_option("record.update")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"action=record.update"))
    rows = page.locator("table.audit tbody tr", has_text=str(product["id"]))
    expect(rows).to_have_count(2)  # the refused attempt is in the trail too
    refused, row = rows.nth(1), rows.nth(0)
    expect(refused).to_contain_text("Failed")
    expect(refused).to_contain_text("422 Validation failed")
    expect(refused).to_contain_text("Name is required")
    expect(row).to_contain_text("OK")
    expect(row).to_contain_text("e2e@example.com")
    expect(row.locator("del", has_text=product["name_en"])).to_be_visible()
    expect(row.locator("ins", has_text="Mint tea, fixed by hand")).to_be_visible()
    expect(row.locator("ins", has_text="teas")).to_be_visible()


def test_an_edit_refused_after_a_role_change_says_so(
    page: Page, team: Team, user: Any, live_server: Any, e2e_simulators: dict[str, Any]
) -> None:
    handle = e2e_simulators["linkit"]
    product = dict(list(handle.store["products"])[3])
    connection = connect(team, "linkit", handle)
    page.goto(live_server.url + record_url(connection, "products", product["id"]))
    problem = page.locator("#request-problem")
    expect(problem).to_be_hidden()

    Membership.objects.filter(user=user).update(role=Role.VIEWER)
    page.get_by_role("link", name="Edit", exact=True).click()

    expect(problem).to_be_visible()
    expect(problem).to_have_attribute("role", "alert")
    expect(problem).to_contain_text("This was refused")
    expect(page.get_by_role("main")).to_contain_text(product["name_en"])  # nothing swapped away
