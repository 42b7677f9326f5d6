"""Browsing tables in a real headless Chromium: sort, filter, search, pagination, the back
button and the rate-limit wait, on two vendors (Linkit sorts, filters and searches itself;
Parallax does none of it, so the dashboard does it on the page and says so)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .support import chromium_missing

pytestmark = [
    pytest.mark.skipif(chromium_missing(), reason="/usr/bin/chromium is missing (CI is not set)"),
    pytest.mark.django_db(transaction=True),
]


def column_texts(page: Page, index: int) -> list[str]:
    return page.locator(f"#table tbody tr td:nth-child({index})").all_inner_texts()


def numbers(texts: list[str]) -> list[float]:
    return [float(text.replace(",", "")) for text in texts]


def test_linkit_sorts_by_header_and_the_back_button_restores_the_table(page, open_table):
    open_table("linkit", "products")
    price = page.locator("th", has_text="Price")
    expect(page.locator("#table tbody tr")).to_have_count(20)
    expect(page.locator("#table")).to_contain_text("1\N{EN DASH}20 of 120")

    price.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=price"))
    expect(price).to_have_attribute("aria-sort", "ascending")
    ascending = numbers(column_texts(page, 5))
    assert ascending == sorted(ascending)

    price.get_by_role("link").click()
    expect(price).to_have_attribute("aria-sort", "descending")
    expect(page).to_have_url(re.compile(r"sort=-price"))
    descending = numbers(column_texts(page, 5))
    assert descending == sorted(descending, reverse=True)
    assert descending[0] >= ascending[-1]
    expect(page.locator(".note")).to_have_count(0)  # the vendor sorted: nothing to confess

    price.get_by_role("link").click()
    expect(price).not_to_have_attribute("aria-sort", re.compile(".*"))

    page.go_back()
    expect(page).to_have_url(re.compile(r"sort=-price"))
    expect(page.locator("th", has_text="Price")).to_have_attribute("aria-sort", "descending")
    assert numbers(column_texts(page, 5)) == descending


def test_linkit_filters_and_searches_through_the_vendor(page, open_table):
    open_table("linkit", "products")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_role("combobox", name="Is enabled").select_option("false")
    page.get_by_role("button", name="Apply filters").click()
    chip = page.locator(".chip", has_text="Is enabled = false")
    expect(chip).to_be_visible()
    expect(page).to_have_url(re.compile(r"f\.is_enabled=false"))
    assert set(column_texts(page, 7)) == {"No"}

    page.get_by_role("searchbox").press_sequentially("Shampoo", delay=30)
    expect(page).to_have_url(re.compile(r"q=Shampoo"))
    expect(page.locator(".chip", has_text="Search: Shampoo")).to_be_visible()
    names = column_texts(page, 2)
    assert names
    assert all("Shampoo" in name for name in names)
    assert set(column_texts(page, 7)) == {"No"}

    chip.click()
    expect(page).not_to_have_url(re.compile(r"is_enabled"))
    expect(page.locator(".chip", has_text="Search: Shampoo")).to_be_visible()
    page.get_by_role("link", name="Clear all").click()
    expect(page.locator(".chip")).to_have_count(0)
    expect(page.get_by_role("searchbox")).to_have_value("")
    expect(page.locator("#table")).to_contain_text("of 120")


def test_parallax_pages_and_sorts_within_the_page_honestly(page, open_table):
    open_table("parallax", "projects", "?size=10")
    expect(page.locator("#table")).to_contain_text("1\N{EN DASH}10 of 120")

    page.get_by_role("link", name="Next").click()
    expect(page.locator("#table")).to_contain_text("11\N{EN DASH}20 of 120")
    expect(page.get_by_role("link", name="Page 2, current")).to_be_visible()

    page.get_by_label("Go to page").fill("5")
    page.get_by_role("button", name="Go").click()
    expect(page.locator("#table")).to_contain_text("41\N{EN DASH}50 of 120")
    expect(page).to_have_url(re.compile(r"page=5"))

    page.locator("th", has_text="Budget").get_by_role("link").click()
    expect(page.locator(".note")).to_have_text(
        re.compile("Sorted within this page — this vendor cannot sort")
    )
    budgets = numbers(column_texts(page, 5))
    assert budgets == sorted(budgets)
    expect(page.locator("#table")).to_contain_text(
        "1\N{EN DASH}10 of 120"
    )  # a new sort starts over

    page.get_by_role("searchbox").fill("active")
    page.get_by_role("searchbox").press("Enter")
    expect(page.locator(".chip", has_text="Search: active")).to_contain_text("this page")
    expect(page.locator(".note", has_text="Searched within this page")).to_be_visible()

    page.go_back()
    expect(page.locator(".chip")).to_have_count(0)
    expect(page.locator("th", has_text="Budget")).to_have_attribute("aria-sort", "ascending")
    page.go_back()
    expect(page.locator("#table")).to_contain_text("41\N{EN DASH}50 of 120")
    expect(page.locator(".note")).to_have_count(0)


def test_a_rate_limited_table_counts_down_and_its_controls_wait(page, open_table, e2e_simulators):
    open_table("parallax", "projects", "?size=10")
    expect(page.locator("#table tbody tr")).to_have_count(10)
    e2e_simulators["parallax"].set_faults(storm_429=1, storm_retry_after=3)

    page.locator("#refresh").click()
    banner = page.locator("[data-retry-at]")
    expect(banner).to_contain_text("Rate limited")
    expect(page.locator(".table-body")).to_have_attribute("inert", "")
    expect(page.locator("#browse-search")).to_have_attribute("inert", "")
    expect(page.locator("#table tbody tr")).to_have_count(10)  # the cached copy, marked stale
    expect(page.locator("#table")).to_contain_text("Showing a copy fetched")

    expect(banner).to_contain_text("you can continue", timeout=8000)
    expect(page.locator(".table-body")).not_to_have_attribute("inert", "")
    page.get_by_role("link", name="Next").click()
    expect(page.locator("#table")).to_contain_text("11\N{EN DASH}20 of 120")
