"""Fixtures for the record-edit tests: browse's simulators, connections and members, plus
signed-in editors, fresh simulator data per test, and helpers to open and submit forms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.connections.models import Connection
from dashboard.simulators import SimulatorHandle
from dashboard.teams.models import Role
from tests.browse.conftest import (
    BIG,
    RECORDS,
    _fresh_state,
    connection_to,
    make_user,
    member_of,
    record_url,
    simulators,
    table_url,
    team,
    viewer,
    viewer_client,
)

__all__ = [
    "BIG",
    "RECORDS",
    "_fresh_state",
    "connection_to",
    "make_user",
    "member_of",
    "record_url",
    "simulators",
    "table_url",
    "team",
    "viewer",
    "viewer_client",
]


@pytest.fixture
def editor(member_of: Callable[..., Any]) -> Any:
    return member_of("editor@example.com", Role.EDITOR)


@pytest.fixture
def editor_client(editor: Any) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def fresh(
    simulators: dict[str, SimulatorHandle], connection_to: Callable[..., Connection]
) -> Iterator[Callable[..., Connection]]:
    """A connection to a vendor's simulator whose data was just regenerated; the data is
    regenerated again afterwards, so no test sees another's changes."""
    used: set[str] = set()

    def make(vendor: str, **options: Any) -> Connection:
        simulators[vendor].configure(records=RECORDS)
        used.add(vendor)
        return connection_to(vendor, **options)

    yield make
    for vendor in used:
        simulators[vendor].configure(records=RECORDS)


def edit_url(connection: Connection, resource: str, record_id: Any) -> str:
    args = [connection.team.slug, connection.slug, resource, str(record_id)]
    return reverse("records:edit", args=args)


def delete_url(connection: Connection, resource: str, record_id: Any) -> str:
    args = [connection.team.slug, connection.slug, resource, str(record_id)]
    return reverse("records:delete", args=args)


def create_url(connection: Connection, resource: str) -> str:
    return reverse("records:create", args=[connection.team.slug, connection.slug, resource])


class _FormParser(HTMLParser):
    """What a browser would submit from the page's forms, unchanged: text inputs, checked
    boxes, selected options, text areas (submit buttons left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: dict[str, Any] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        name = found.get("name")
        if tag == "input" and name and found.get("type") not in ("submit", "checkbox"):
            self.data[name] = found.get("value", "")
        elif tag == "input" and name and "checked" in found:
            self.data[name] = found.get("value") or "on"
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in found:
            self.data[self._select] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea:
            # Browsers drop the newline that starts a text area's content.
            self.data[self._textarea] = self.data[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def form_data(html: str) -> dict[str, Any]:
    parser = _FormParser()
    parser.feed(html)
    return {name: value for name, value in parser.data.items() if name != "csrfmiddlewaretoken"}


def field_errors(html: str, name: str) -> list[str]:
    """The error messages shown under the input `record-<name>`."""
    block = re.search(
        rf'<ul class="errorlist" id="id_record-{re.escape(name)}_error">(.*?)</ul>', html, re.S
    )
    return (
        [unescape(item) for item in re.findall(r"<li>(.*?)</li>", block.group(1))] if block else []
    )


def top_errors(html: str) -> list[str]:
    block = re.search(r'<ul class="errorlist top-errors"[^>]*>(.*?)</ul>', html, re.S)
    return (
        [unescape(item) for item in re.findall(r"<li>(.*?)</li>", block.group(1))] if block else []
    )


@pytest.fixture
def open_form(editor_client: Client) -> Callable[..., dict[str, Any]]:
    """GET a form page and return what it would submit."""

    def go(url: str) -> dict[str, Any]:
        response = editor_client.get(url)
        assert response.status_code == 200, response.content.decode()[:2000]
        return form_data(response.content.decode())

    return go
