"""Credentials at rest: encryption, key rotation, fail-closed decryption, the key check."""

import pytest
from django.core.checks import Tags, run_checks
from django.core.management import CommandError, call_command
from django.test import override_settings

from dashboard.connections import crypto, services
from dashboard.connections.crypto import CredentialsUnreadable
from dashboard.connections.models import Connection
from dashboard.connections.tokens import ConnectionTokenStore
from dashboard.connectors.auth import Tokens

from .conftest import KEY_A, KEY_B, KEY_C, SECRET, linkit_settings

pytestmark = pytest.mark.django_db

TOKENS = Tokens(access="access-token-value-123", refresh="refresh-value-456", expires_at=2e9)


def test_round_trip_and_ciphertext_is_not_plaintext():
    token = crypto.encrypt_json({"LINKIT_API_KEY": SECRET})
    assert SECRET not in token
    assert crypto.decrypt_json(token) == {"LINKIT_API_KEY": SECRET}


def test_decrypting_with_another_key_fails_closed():
    with override_settings(CREDENTIAL_KEYS=[KEY_A]):
        token = crypto.encrypt_json({"k": "v"})
    with override_settings(CREDENTIAL_KEYS=[KEY_B]), pytest.raises(CredentialsUnreadable):
        crypto.decrypt_json(token)


def test_rotation_then_dropping_the_old_key_still_decrypts(team, capsys):
    with override_settings(CREDENTIAL_KEYS=[KEY_A]):
        connection = services.connection_create(team=team, **linkit_settings())
        ConnectionTokenStore(connection.pk).save(TOKENS)
    with override_settings(CREDENTIAL_KEYS=[KEY_B]):
        connection.refresh_from_db()
        with pytest.raises(CredentialsUnreadable):
            connection.decrypted_secrets()

    with override_settings(CREDENTIAL_KEYS=[KEY_B, KEY_A]):
        call_command("rotate_credential_keys")
    assert "Rotated the credentials of 1 connection(s)." in capsys.readouterr().out

    with override_settings(CREDENTIAL_KEYS=[KEY_B]):
        connection.refresh_from_db()
        assert connection.decrypted_secrets() == {"LINKIT_API_KEY": SECRET}
        assert ConnectionTokenStore(connection.pk).load() == TOKENS
        assert services.connection_spec(connection=connection).auth.key.get_secret_value() == SECRET


def test_rotation_names_unreadable_connections_and_exits_2(team):
    with override_settings(CREDENTIAL_KEYS=[KEY_C]):
        services.connection_create(team=team, **linkit_settings(name="Lost"))
    with override_settings(CREDENTIAL_KEYS=[KEY_A]):
        readable = services.connection_create(team=team, **linkit_settings(name="Kept"))
    with override_settings(CREDENTIAL_KEYS=[KEY_B, KEY_A]), pytest.raises(CommandError) as caught:
        call_command("rotate_credential_keys")
    assert caught.value.returncode == 2
    assert "ops/Lost" in str(caught.value)
    assert "Kept" not in str(caught.value)
    assert SECRET not in str(caught.value)
    with override_settings(CREDENTIAL_KEYS=[KEY_B]):
        readable.refresh_from_db()
        assert readable.decrypted_secrets() == {"LINKIT_API_KEY": SECRET}


def test_unreadable_secret_is_reported_and_no_vendor_call_is_made(team, monkeypatch):
    with override_settings(CREDENTIAL_KEYS=[KEY_A]):
        connection = services.connection_create(team=team, **linkit_settings())
    built = []
    monkeypatch.setattr(services, "make_client", lambda *args, **kwargs: built.append(args))

    with override_settings(CREDENTIAL_KEYS=[KEY_B]):
        connection.refresh_from_db()
        with pytest.raises(CredentialsUnreadable):
            services.connection_spec(connection=connection)
        with pytest.raises(CredentialsUnreadable):
            services.connection_client(connection=connection)
        result = services.connection_test(connection=connection)

    assert built == []
    assert not result.ok
    assert result.message == "Credentials unreadable — re-enter them"
    assert result.error_kind == "credentials_unreadable"
    stored = Connection.objects.get(pk=connection.pk)
    assert stored.last_error == "Credentials unreadable — re-enter them"
    assert stored.last_error_at is not None
    assert stored.last_success_at is None


@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"], [KEY_A, "short"]])
def test_missing_or_malformed_keys_fail_the_system_check_in_production(keys):
    with override_settings(DEBUG=False, CREDENTIAL_KEYS=keys):
        errors = run_checks(tags=[Tags.security])
    assert "connections.E001" in [error.id for error in errors]


def test_good_keys_pass_the_system_check():
    with override_settings(DEBUG=False, CREDENTIAL_KEYS=[KEY_A, KEY_B]):
        errors = run_checks(tags=[Tags.security])
    assert "connections.E001" not in [error.id for error in errors]
