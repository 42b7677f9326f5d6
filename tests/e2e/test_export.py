"""Exporting a live table in Chromium: the download goes through the page, which reports
its progress, and holds every record of the collection once, with formula cells
neutralised."""

from __future__ import annotations

import csv

import pytest
from playwright.sync_api import expect

from dashboard.snapshots.exports import FORMULA_STARTS
from tests.snapshots.conftest import collection

from .support import chromium_missing

pytestmark = [
    pytest.mark.skipif(chromium_missing(), reason="/usr/bin/chromium is missing (CI is not set)"),
    pytest.mark.django_db(transaction=True),
]


def test_a_live_csv_export_downloads_every_record_with_progress(page, open_table, e2e_simulators):
    open_table("parallax", "projects", "?size=10")
    expect(page.locator("#table tbody tr")).to_have_count(10)
    records = collection(e2e_simulators["parallax"], "projects")
    with page.expect_download() as started:
        page.get_by_role("link", name="CSV").click()
    download = started.value
    assert download.suggested_filename == "parallax-projects.csv"
    expect(page.locator("#export-status")).to_have_text(f"Exported {len(records)} records.")
    with open(download.path(), encoding="utf-8", newline="") as saved:
        rows = list(csv.reader(saved))
    header, data = rows[0], rows[1:]
    ids = [row[header.index("id")] for row in data]
    assert sorted(ids) == sorted(record["id"] for record in records)
    assert not [cell for row in data for cell in row if cell.startswith(FORMULA_STARTS)]
