"""Writes that fail at the vendor — 409, 429, 5xx, a timeout after sending — keep the input,
answer with a fitting status and banner, are sent once (never retried) and are audited."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.connections.services import connection_spec
from dashboard.records import services

from .conftest import create_url, edit_url, form_data, table_url

pytestmark = pytest.mark.django_db

KEPT = "Typed by hand"
SLOW_MS = 1500


def vendor_path(connection: Any, resource: str, record_id: str | None = None) -> str:
    spec = connection_spec(connection=connection).resource(resource)
    path = spec.record_path(record_id) if record_id else spec.path
    return urlsplit(connection_spec(connection=connection).url(path)).path


def requests_to(handle: Any, path: str, *, settle: bool = False) -> int:
    """Requests the simulator received for `path`; with `settle`, after a slowed one is in."""
    if settle:
        time.sleep(SLOW_MS / 1000 + 0.3)
    return handle.stats()["by_path"].get(path, 0)


@pytest.fixture
def after_reading(monkeypatch: pytest.MonkeyPatch, simulators: dict[str, Any]) -> Callable:
    """Switch a simulator's faults on once the record has been read again before the write,
    so that they hit the write itself."""

    def arm(vendor: str, **faults: Any) -> None:
        read = services.record_state

        def read_then_break(**kwargs: Any) -> Any:
            state = read(**kwargs)
            simulators[vendor].set_faults(**faults)
            return state

        monkeypatch.setattr(services, "record_state", read_then_break)

    return arm


@pytest.fixture
def short_timeout(settings: Any) -> None:
    settings.VENDOR_READ_TIMEOUT = 0.5


FAULTS = {
    "conflict": ({"fail_next": {"status": 409}}, 409, "The vendor reported a conflict"),
    "rate limit": ({"storm_429": 1}, 429, "Rate limited: nothing was saved."),
    "server error": ({"fail_next": {"status": 503}}, 502, "Your input is kept below."),
    "timeout": ({"latency_ms": SLOW_MS}, 502, "The outcome is unknown"),
}
OUTCOMES = {
    "conflict": (Outcome.FAILED, 409),
    "rate limit": (Outcome.FAILED, 429),
    "server error": (Outcome.FAILED, 503),
    "timeout": (Outcome.UNKNOWN, None),
}


@pytest.mark.usefixtures("short_timeout")
@pytest.mark.parametrize("fault", FAULTS)
def test_a_failed_update_keeps_the_input_and_is_sent_once(
    fault, fresh, editor_client, open_form, after_reading, simulators
):
    connection = fresh("linkit")
    product = dict(next(iter(simulators["linkit"].store["products"])))
    url = edit_url(connection, "products", product["id"])
    data = open_form(url) | {"record-name_en": KEPT}
    faults, status, banner = FAULTS[fault]
    after_reading("linkit", **faults)
    path = vendor_path(connection, "products", product["id"])
    calls = requests_to(simulators["linkit"], path)

    response = editor_client.post(url, data)

    html = response.content.decode()
    assert response.status_code == status, html[:3000]
    assert banner in html
    assert form_data(html)["record-name_en"] == KEPT
    sent = requests_to(simulators["linkit"], path, settle=fault == "timeout") - calls
    assert sent == 2  # the re-read, and one write
    entry = AuditEntry.objects.get(action="record.update")
    assert (entry.outcome, entry.vendor_status) == OUTCOMES[fault]
    assert entry.changes == {"name_en": {"before": product["name_en"], "after": KEPT}}


@pytest.mark.usefixtures("short_timeout")
def test_an_unknown_outcome_says_so_and_offers_to_reload(
    fresh, editor_client, open_form, after_reading, simulators
):
    connection = fresh("linkit")
    product = next(iter(simulators["linkit"].store["products"]))
    url = edit_url(connection, "products", product["id"])
    data = open_form(url) | {"record-name_en": KEPT}
    after_reading("linkit", latency_ms=SLOW_MS)

    html = editor_client.post(url, data).content.decode()

    assert "The outcome is unknown: the change may or may not have been made." in html
    assert "Check the vendor&#x27;s data before saving again." in html
    assert "Reload the record" in html
    assert f'href="{url}"' in html
    # The write did arrive, late: the vendor changed the record after all.
    requests_to(simulators["linkit"], vendor_path(connection, "products"), settle=True)
    stored = simulators["linkit"].store["products"].get(product["id"])
    assert stored["name_en"] == KEPT


@pytest.mark.usefixtures("short_timeout")
@pytest.mark.parametrize("fault", FAULTS)
def test_a_failed_create_keeps_the_input_and_is_sent_once(
    fault, fresh, editor_client, open_form, simulators
):
    connection = fresh("parsalink")
    url = create_url(connection, "contacts")
    data = open_form(url) | {"record-email": "kept@example.com", "record-firstName": KEPT}
    faults, status, banner = FAULTS[fault]
    simulators["parsalink"].set_faults(**faults)
    path = vendor_path(connection, "contacts")
    calls = requests_to(simulators["parsalink"], path)

    response = editor_client.post(url, data)

    html = response.content.decode()
    assert response.status_code == status, html[:3000]
    assert banner in html
    assert form_data(html)["record-firstName"] == KEPT
    assert form_data(html)["record-email"] == "kept@example.com"
    assert requests_to(simulators["parsalink"], path, settle=fault == "timeout") - calls == 1
    entry = AuditEntry.objects.get(action="record.create")
    assert (entry.outcome, entry.vendor_status) == OUTCOMES[fault]


def test_a_record_gone_before_the_delete_is_reported(fresh, editor_client, simulators):
    connection = fresh("atlas")
    people = simulators["atlas"].store["people"]
    person = next(iter(people))
    url = edit_url(connection, "people", person["id"]).replace("/edit/", "/delete/")
    assert editor_client.get(url).status_code == 200
    people.delete(person)

    response = editor_client.post(url)

    assert response.status_code == 502
    assert "Not found at the vendor." in response.content.decode()
    assert table_url(connection, "people") in response.content.decode()
    entry = AuditEntry.objects.get(action="record.delete")
    assert (entry.outcome, entry.vendor_status) == (Outcome.FAILED, 404)
    assert entry.details == {"stage": "reading the record before writing"}
