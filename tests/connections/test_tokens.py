"""Login tokens in the database, and the cross-process login lock."""

import threading
import time

import pytest
from django.core.cache import caches
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from dashboard.connections.models import Connection
from dashboard.connections.tokens import CacheTokenLock, ConnectionTokenStore, TokenLockTimeout
from dashboard.connectors.auth import Tokens
from dashboard.connectors.errors import VendorError

TOKENS = Tokens(access="access-token-value-123", refresh="refresh-token-456", expires_at=2e9)


@pytest.mark.django_db
def test_round_trip_encrypted(connection):
    store = ConnectionTokenStore(connection.pk)
    assert store.load() is None
    store.save(TOKENS)
    assert store.load() == TOKENS
    raw = Connection.objects.filter(pk=connection.pk).values_list("tokens_encrypted", flat=True)
    assert raw.get()
    assert "access-token-value-123" not in raw.get()
    assert "refresh-token-456" not in raw.get()


@pytest.mark.django_db
def test_save_is_one_update_of_the_tokens_column(connection):
    Connection.objects.filter(pk=connection.pk).update(name="Renamed elsewhere")
    with CaptureQueriesContext(db) as queries:
        ConnectionTokenStore(connection.pk).save(TOKENS)
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert sql.startswith("UPDATE")
    assert '"name"' not in sql
    assert Connection.objects.get(pk=connection.pk).name == "Renamed elsewhere"


@pytest.mark.django_db
def test_garbage_tokens_load_as_none(connection):
    Connection.objects.filter(pk=connection.pk).update(tokens_encrypted="not-a-fernet-token")
    assert ConnectionTokenStore(connection.pk).load() is None


def test_lock_is_mutually_exclusive_across_threads():
    lock = CacheTokenLock("test:lock", timeout=10, wait=10, poll=0.001)
    inside = 0
    most = 0
    entries = 0
    guard = threading.Lock()

    def work():
        nonlocal inside, most, entries
        for _ in range(5):
            with lock():
                with guard:
                    inside += 1
                    entries += 1
                    most = max(most, inside)
                time.sleep(0.002)
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert entries == 30
    assert most == 1
    assert caches["default"].get("test:lock") is None


def test_waiting_is_bounded_with_a_clear_error():
    holder = CacheTokenLock("test:busy", timeout=10)
    waiter = CacheTokenLock("test:busy", wait=0.05, poll=0.01)
    with holder(), pytest.raises(TokenLockTimeout) as caught, waiter():
        pytest.fail("entered a held lock")
    assert isinstance(caught.value, VendorError)
    assert "did not finish within 0.05 s" in caught.value.message


def test_release_only_by_the_owner():
    cache = caches["default"]
    lock = CacheTokenLock("test:owner", timeout=1)
    with lock():
        # The lock expired and another process took it.
        cache.set("test:owner", "someone-else", 10)
    assert cache.get("test:owner") == "someone-else"
