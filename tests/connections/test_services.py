"""Connection services: validation, write-only secrets, tokens, access."""

import pytest
from django.db import connection as db
from django.test import override_settings

from dashboard.connections import services
from dashboard.connections.models import Connection
from dashboard.connections.tokens import ConnectionTokenStore
from dashboard.connectors.auth import Tokens
from dashboard.connectors.redaction import redact
from dashboard.connectors.spec import SpecError
from dashboard.teams.models import Role, Team

from .conftest import KEY_A, KEY_B, OTHER_SECRET, SECRET, linkit_settings

pytestmark = pytest.mark.django_db

TOKENS = Tokens(access="access-token-value-123", refresh=None, expires_at=2e9)
ATLAS = {
    "name": "Atlas",
    "preset": "atlas",
    "base_url": "http://127.0.0.1:8705",
    "spec_toml": "",
    "variables": {"ATLAS_ORG_UNIT": "ou_main"},
    "secrets": {"ATLAS_CLIENT_ID": "client-id-0001", "ATLAS_CLIENT_SECRET": "client-secret-0002"},
}


def update_args(connection, **overrides):
    values = {
        "name": connection.name,
        "preset": connection.preset,
        "base_url": connection.base_url,
        "spec_toml": connection.spec_toml,
        "variables": connection.variables,
        "secrets": {},
        "read_only": connection.read_only,
    }
    values.update(overrides)
    return values


def raw_row(pk):
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM connections_connection WHERE id = %s", [pk])
        return cursor.fetchone()


def test_create_stores_encrypted_secrets_hints_and_variables(team):
    connection = services.connection_create(team=team, **ATLAS)
    assert connection.slug == "atlas"
    assert connection.variables == {"ATLAS_ORG_UNIT": "ou_main"}
    assert connection.secret_hints == {"ATLAS_CLIENT_ID": "0001", "ATLAS_CLIENT_SECRET": "0002"}
    assert connection.decrypted_secrets() == ATLAS["secrets"]
    spec = services.connection_spec(connection=connection)
    assert spec.auth.client_secret.get_secret_value() == "client-secret-0002"
    assert spec.scope.body == {"org_unit_id": "ou_main"}


def test_a_reference_named_like_a_secret_is_one_wherever_it_is(team):
    settings = linkit_settings(
        spec_toml='[headers]\nX-Tenant-Token = "${TENANT_TOKEN}"\nX-Region = "${REGION}"\n',
        variables={"REGION": "eu-1"},
        secrets={**linkit_settings()["secrets"], "TENANT_TOKEN": "tenant-token-5e6f"},
    )
    connection = services.connection_create(team=team, **settings)
    assert connection.variables == {"REGION": "eu-1"}
    assert connection.secret_hints["TENANT_TOKEN"] == "5e6f"
    assert "tenant-token-5e6f" not in str(raw_row(connection.pk))
    spec = services.connection_spec(connection=connection)
    assert spec.headers["X-Tenant-Token"] == "tenant-token-5e6f"
    assert redact("sent X-Tenant-Token tenant-token-5e6f") == "sent X-Tenant-Token [redacted]"


def test_plaintext_secrets_never_reach_the_row_or_reprs(connection):
    row = raw_row(connection.pk)
    assert row is not None
    assert SECRET not in repr(row)
    values = Connection.objects.filter(pk=connection.pk).values().get()
    assert SECRET not in repr(values)
    assert SECRET not in repr(connection)
    assert SECRET not in str(connection)
    assert SECRET not in str(services.connection_spec(connection=connection))


@pytest.mark.parametrize(
    ("overrides", "location"),
    [
        ({"secrets": {}}, "auth.key"),
        ({"secrets": {"LINKIT_API_KEY": ""}}, "auth.key"),
        ({"base_url": "ftp://files.example"}, "base_url"),
        ({"preset": "nope"}, "preset"),
        ({"spec_toml": "[pagination"}, "spec_toml"),
        ({"spec_toml": "[pagination]\nmax_size = 0"}, "pagination.max_size"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_create_refuses_invalid_settings_and_names_the_field(team, overrides, location):
    with pytest.raises(SpecError) as caught:
        services.connection_create(team=team, **linkit_settings(**overrides))
    assert location in caught.value.errors
    assert not Connection.objects.exists()


def test_create_reports_every_problem_at_once(team):
    services.connection_create(team=team, **linkit_settings())
    with pytest.raises(SpecError) as caught:
        services.connection_create(team=team, **linkit_settings(name="LINKIT", secrets={}))
    assert set(caught.value.errors) == {"name", "auth.key"}


def test_names_are_unique_per_team_and_slugs_stay_unique(team):
    other = Team.objects.create(name="Other", slug="other")
    services.connection_create(team=team, **linkit_settings(name="A B"))
    second = services.connection_create(team=team, **linkit_settings(name="A-B"))
    elsewhere = services.connection_create(team=other, **linkit_settings(name="A B"))
    assert second.slug == "a-b-2"
    assert elsewhere.slug == "a-b"


def test_blank_secret_on_update_keeps_the_stored_one_and_the_tokens(connection):
    ConnectionTokenStore(connection.pk).save(TOKENS)
    connection.refresh_from_db()
    updated = services.connection_update(
        connection=connection,
        **update_args(connection, name="Linkit EU", secrets={"LINKIT_API_KEY": ""}),
    )
    stored = Connection.objects.get(pk=connection.pk)
    assert updated.name == stored.name == "Linkit EU"
    assert stored.slug == "linkit"
    assert stored.decrypted_secrets() == {"LINKIT_API_KEY": SECRET}
    assert ConnectionTokenStore(connection.pk).load() == TOKENS


def test_new_secret_replaces_the_old_one_and_clears_tokens(connection):
    ConnectionTokenStore(connection.pk).save(TOKENS)
    connection.refresh_from_db()
    services.connection_update(
        connection=connection, **update_args(connection, secrets={"LINKIT_API_KEY": OTHER_SECRET})
    )
    stored = Connection.objects.get(pk=connection.pk)
    assert stored.decrypted_secrets() == {"LINKIT_API_KEY": OTHER_SECRET}
    assert stored.secret_hints == {"LINKIT_API_KEY": OTHER_SECRET[-4:]}
    assert stored.tokens_encrypted == ""
    assert ConnectionTokenStore(connection.pk).load() is None


def test_new_base_url_clears_tokens(connection):
    ConnectionTokenStore(connection.pk).save(TOKENS)
    connection.refresh_from_db()
    services.connection_update(
        connection=connection,
        **update_args(
            connection, base_url="http://127.0.0.1:9999", secrets={"LINKIT_API_KEY": SECRET}
        ),
    )
    assert ConnectionTokenStore(connection.pk).load() is None


def test_update_does_not_overwrite_tokens_saved_meanwhile(connection):
    ConnectionTokenStore(connection.pk).save(TOKENS)
    services.connection_update(connection=connection, **update_args(connection, name="Renamed"))
    assert ConnectionTokenStore(connection.pk).load() == TOKENS


def test_unreadable_secrets_must_all_be_re_entered(team):
    with override_settings(CREDENTIAL_KEYS=[KEY_A]):
        connection = services.connection_create(team=team, **ATLAS)
    with override_settings(CREDENTIAL_KEYS=[KEY_B]):
        connection.refresh_from_db()
        with pytest.raises(SpecError) as caught:
            services.connection_update(
                connection=connection,
                **update_args(connection, secrets={"ATLAS_CLIENT_ID": "client-id-9999"}),
            )
        assert caught.value.errors == {
            "auth.client_secret": "Credentials unreadable — re-enter them"
        }
        services.connection_update(
            connection=connection,
            **update_args(
                connection,
                secrets={"ATLAS_CLIENT_ID": "client-id-9999", "ATLAS_CLIENT_SECRET": "s3cr3t-9999"},
            ),
        )
        connection.refresh_from_db()
        assert connection.decrypted_secrets() == {
            "ATLAS_CLIENT_ID": "client-id-9999",
            "ATLAS_CLIENT_SECRET": "s3cr3t-9999",
        }


def test_switching_preset_asks_for_the_new_secrets_and_drops_the_old(connection):
    with pytest.raises(SpecError) as caught:
        services.connection_update(
            connection=connection, **update_args(connection, preset="parallax")
        )
    assert caught.value.errors == {"auth.key": "API key is required"}
    services.connection_update(
        connection=connection,
        **update_args(connection, preset="parallax", secrets={"PARALLAX_API_KEY": OTHER_SECRET}),
    )
    connection.refresh_from_db()
    assert connection.decrypted_secrets() == {"PARALLAX_API_KEY": OTHER_SECRET}
    assert connection.secret_hints == {"PARALLAX_API_KEY": OTHER_SECRET[-4:]}


def test_validate_returns_the_spec_with_stored_secrets_for_blank_fields(connection):
    arguments = update_args(connection, base_url="http://127.0.0.1:8704/v2")
    del arguments["read_only"]
    spec = services.connection_validate(team=connection.team, connection=connection, **arguments)
    assert spec.base_url == "http://127.0.0.1:8704/v2"
    assert spec.auth.key.get_secret_value() == SECRET
    assert Connection.objects.get(pk=connection.pk).base_url == "http://127.0.0.1:8704"


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:1234", "https://127.0.0.1:8704", "http://localhost:8704"],
    ids=["port", "scheme", "host"],
)
def test_stored_secrets_are_refused_for_another_origin(connection, base_url):
    arguments = update_args(connection, base_url=base_url)
    del arguments["read_only"]
    with pytest.raises(SpecError) as caught:
        services.connection_validate(team=connection.team, connection=connection, **arguments)
    assert caught.value.errors == {"auth.key": services.MOVED_MESSAGE}
    arguments["secrets"] = {"LINKIT_API_KEY": SECRET}
    spec = services.connection_validate(team=connection.team, connection=connection, **arguments)
    assert spec.base_url == base_url


def test_set_access_accepts_members_only(connection, member_of, make_user):
    member = member_of("viewer@example.com", Role.VIEWER)
    services.connection_set_access(connection=connection, restricted=True, allowed_members=[member])
    connection.refresh_from_db()
    assert connection.restricted
    assert list(connection.allowed_members.all()) == [member]
    with pytest.raises(SpecError) as caught:
        services.connection_set_access(
            connection=connection,
            restricted=True,
            allowed_members=[make_user("outsider@example.com")],
        )
    assert "outsider@example.com" in caught.value.errors["allowed_members"]


def test_delete(connection):
    services.connection_delete(connection=connection)
    assert not Connection.objects.exists()
