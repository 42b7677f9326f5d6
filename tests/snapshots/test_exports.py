"""Exports of a table view, from a snapshot and live, over HTTP and from the command line:
every record once, spreadsheet-safe CSV (the simulators' hostile values), audit entries,
and no export for another team."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.snapshots.exports import FORMULA_STARTS, csv_cell
from dashboard.teams.models import Membership, Role, Team

from .conftest import collection, take

pytestmark = pytest.mark.django_db


def export_url(connection, resource, fmt, query=""):
    path = reverse("snapshots:export", args=[connection.team.slug, connection.slug, resource, fmt])
    return path + query


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("\n=1", "'\n=1"),
        ("plain", "plain"),
        (-5, "-5"),
        (True, "true"),
        (None, ""),
        ({"a": [1, "=x"]}, '{"a": [1, "=x"]}'),
    ],
)
def test_csv_cells_are_neutralised(value, cell):
    assert csv_cell(value) == cell


def _hostile_cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("vendor", ["parallax", "linkit"])
def test_a_csv_export_from_a_snapshot_holds_every_record_once_and_no_formula(
    viewer_client, connection_to, simulators, vendor
):
    resource = {"parallax": "projects", "linkit": "products"}[vendor]
    connection = connection_to(vendor)
    take(connection, resource)
    records = collection(simulators[vendor], resource)
    hostile = [
        value
        for record in records
        for value in record.values()
        if isinstance(value, str) and value.startswith(FORMULA_STARTS)
    ]
    assert hostile, "the simulator should serve formula-like values"
    response = viewer_client.get(export_url(connection, resource, "csv", "?sort=id"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{vendor}-{resource}.csv"'
    assert response["X-Export-Total"] == str(len(records))
    rows = list(csv.reader(io.StringIO(body(response), newline="")))
    header, data = rows[0], rows[1:]
    assert "id" in header
    ids = [row[header.index("id")] for row in data]
    assert sorted(ids) == sorted(str(record["id"]) for record in records)
    assert ids == sorted(ids)
    assert not _hostile_cells(data)
    assert any(cell.startswith("'") for row in data for cell in row)
    entry = AuditEntry.objects.get(action="records.export")
    assert entry.actor_email == "viewer@example.com"
    assert entry.details["records"] == len(records)
    assert entry.details["origin"] == "snapshot"
    assert entry.target.endswith("?sort=id")
    assert entry.outcome == Outcome.OK


def test_a_json_lines_export_keeps_the_views_columns_filters_and_search(
    viewer_client, connection_to, simulators
):
    connection = connection_to("parallax")
    take(connection, "projects")
    records = collection(simulators["parallax"], "projects")
    query = "?f.status=completed&q=e&cols=id,budget&sort=-budget"
    response = viewer_client.get(export_url(connection, "projects", "jsonl", query))
    lines = [json.loads(line) for line in body(response).splitlines()]
    expected = [
        r
        for r in records
        if r["status"] == "completed"
        and any("e" in str(v).casefold() for v in r.values() if v is not None)
    ]
    assert lines == [
        {"id": r["id"], "budget": r["budget"]}
        for r in sorted(expected, key=lambda r: (-r["budget"], r["id"]))
    ]


def test_a_live_export_walks_every_page_within_the_budget(viewer_client, connection_to, simulators):
    connection = connection_to("linkit")  # the vendor sorts and filters products itself
    records = collection(simulators["linkit"], "products")
    response = viewer_client.get(export_url(connection, "products", "jsonl", "?f.is_enabled=true"))
    lines = [json.loads(line) for line in body(response).splitlines()]
    expected = {r["id"] for r in records if r["is_enabled"] is True}
    assert response["X-Export-Total"] == str(len(expected))  # the vendor filtered and counted
    assert {line["id"] for line in lines} == expected
    assert len(lines) == len(expected)
    entry = AuditEntry.objects.get(action="records.export")
    assert (entry.details["origin"], entry.details["records"]) == ("live", len(expected))


def test_a_live_export_the_vendor_cannot_sort_is_refused_with_advice(viewer_client, connection_to):
    connection = connection_to("parallax")
    response = viewer_client.get(export_url(connection, "projects", "csv", "?sort=budget"))
    assert response.status_code == 409
    assert "take a snapshot" in response.content.decode()
    assert not AuditEntry.objects.filter(action="records.export").exists()


def test_an_unknown_format_is_404(viewer_client, connection_to):
    connection = connection_to("linkit")
    assert viewer_client.get(export_url(connection, "products", "xlsx")).status_code == 404


def test_another_team_cannot_download_an_export(client, make_user, connection_to):
    connection = connection_to("linkit")
    take(connection, "products")
    person = make_user("stranger@example.com")
    other = Team.objects.create(name="Elsewhere", slug="elsewhere")
    Membership.objects.create(team=other, user=person, role=Role.OWNER)
    client.force_login(person)
    for fmt in ("csv", "jsonl"):
        assert client.get(export_url(connection, "products", fmt)).status_code == 404
    assert not AuditEntry.objects.filter(action="records.export").exists()


def test_the_export_command_writes_the_same_view(connection_to, simulators, viewer, tmp_path):
    connection = connection_to("parallax")
    take(connection, "projects")
    records = collection(simulators["parallax"], "projects")
    out = tmp_path / "projects.csv"
    call_command(
        "export",
        user=viewer.email,
        team=connection.team.slug,
        connection=connection.slug,
        resource="projects",
        format="csv",
        sort="-budget",
        filter=[("status", "=completed")],
        columns="id,name,budget",
        output=str(out),
        stderr=io.StringIO(),
    )
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    expected = sorted(
        (r for r in records if r["status"] == "completed"), key=lambda r: (-r["budget"], r["id"])
    )
    assert rows[0] == ["id", "name", "budget"]
    assert [row[0] for row in rows[1:]] == [r["id"] for r in expected]
    assert not _hostile_cells(rows[1:])
    entry = AuditEntry.objects.get(action="records.export")
    assert entry.actor_email == viewer.email
    assert entry.details["records"] == len(expected)


def test_the_export_command_refuses_a_stranger(connection_to, make_user):
    connection = connection_to("linkit")
    make_user("stranger@example.com")
    with pytest.raises(Exception, match="No such team"):
        call_command(
            "export",
            user="stranger@example.com",
            team=connection.team.slug,
            connection=connection.slug,
            resource="products",
        )


def test_a_snapshot_export_has_the_live_exports_columns_in_the_same_order(
    viewer_client, connection_to
):
    """Whatever order the database keeps a record's keys in, the columns are the vendor's."""
    connection = connection_to("linkit")
    live = body(viewer_client.get(export_url(connection, "inventory", "csv")))
    take(connection, "inventory")
    from_snapshot = body(viewer_client.get(export_url(connection, "inventory", "csv")))
    assert AuditEntry.objects.filter(details__origin="snapshot").exists()
    assert from_snapshot.splitlines()[0] == live.splitlines()[0]


def test_a_live_export_larger_than_the_web_limit_is_refused_with_advice(
    viewer_client, connection_to, settings
):
    settings.EXPORT_LIVE_MAX_RECORDS = 10
    connection = connection_to("linkit")
    response = viewer_client.get(export_url(connection, "products", "csv"))
    assert response.status_code == 409
    assert "more than a live export streams (10)" in response.content.decode()
    assert "take a snapshot" in response.content.decode()
    take(connection, "products")
    from_snapshot = viewer_client.get(export_url(connection, "products", "csv"))
    assert from_snapshot.status_code == 200, "a snapshot exports whatever its size"
    assert len(body(from_snapshot).splitlines()) > 10
