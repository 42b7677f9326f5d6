"""`manage.py provision`: connections as code, idempotent, all or nothing."""

import textwrap

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from dashboard.connections.models import Connection
from dashboard.connections.provisioning import ProvisioningError, provision_file
from dashboard.connections.tokens import ConnectionTokenStore
from dashboard.connectors.auth import Tokens
from dashboard.teams.models import Membership, Role, Team

from .conftest import KEY_A, KEY_B, OTHER_SECRET, SECRET

pytestmark = pytest.mark.django_db

ENVIRON = {"LINKIT_API_KEY": SECRET, "ATLAS_ID": "atlas-client-0001", "ATLAS_SECRET": "s-0002"}

FILE = """
[[teams]]
name = "Operations"
slug = "ops"

[[teams.connections]]
name = "Linkit"
preset = "linkit"
base_url = "http://127.0.0.1:8704"
read_only = true
spec = '''
[pagination]
default_size = 10
'''

[teams.connections.secrets]
LINKIT_API_KEY = "${LINKIT_API_KEY}"

[[teams.connections]]
name = "Atlas"
preset = "atlas"
base_url = "http://127.0.0.1:8705"

[teams.connections.variables]
ATLAS_ORG_UNIT = "ou_main"

[teams.connections.secrets]
ATLAS_CLIENT_ID = "${ATLAS_ID}"
ATLAS_CLIENT_SECRET = "${ATLAS_SECRET}"

[[teams.members]]
email = "ops@example.com"
role = "admin"
"""


@pytest.fixture
def write(tmp_path):
    def write_file(text):
        path = tmp_path / "provision.toml"
        path.write_text(textwrap.dedent(text))
        return path

    return write_file


@pytest.fixture
def ops_user(make_user):
    return make_user("ops@example.com")


def run(*args, environ=ENVIRON, monkeypatch=None, capsys=None):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    call_command("provision", *args)
    return capsys.readouterr().out


def test_creates_teams_connections_and_members(write, ops_user):
    changes = provision_file(write(FILE), environ=ENVIRON)
    assert [str(change) for change in changes] == [
        "create team ops",
        "create connection ops/Linkit",
        "create connection ops/Atlas",
        "create member ops/ops@example.com (admin)",
    ]
    team = Team.objects.get(slug="ops")
    assert team.name == "Operations"
    linkit = team.connections.get(name="Linkit")
    assert linkit.read_only
    assert linkit.decrypted_secrets() == {"LINKIT_API_KEY": SECRET}
    assert "default_size = 10" in linkit.spec_toml
    atlas = team.connections.get(name="Atlas")
    assert atlas.variables == {"ATLAS_ORG_UNIT": "ou_main"}
    assert atlas.decrypted_secrets() == {
        "ATLAS_CLIENT_ID": "atlas-client-0001",
        "ATLAS_CLIENT_SECRET": "s-0002",
    }
    assert Membership.objects.get(team=team, user=ops_user).role == Role.ADMIN


def test_second_run_changes_nothing_and_says_so(write, ops_user, monkeypatch, capsys):
    path = write(FILE)
    run(str(path), monkeypatch=monkeypatch, capsys=capsys)
    before = dict(Connection.objects.values_list("name", "updated_at"))
    ciphertexts = set(Connection.objects.values_list("secrets_encrypted", flat=True))

    out = run(str(path), monkeypatch=monkeypatch, capsys=capsys)

    assert "Nothing to change: 4 unchanged." in out
    assert "unchanged connection ops/Linkit" in out
    assert dict(Connection.objects.values_list("name", "updated_at")) == before
    assert set(Connection.objects.values_list("secrets_encrypted", flat=True)) == ciphertexts
    assert SECRET not in out


def test_dry_run_changes_nothing(write, ops_user, monkeypatch, capsys):
    out = run(str(write(FILE)), "--dry-run", monkeypatch=monkeypatch, capsys=capsys)
    assert "would create connection ops/Linkit" in out
    assert "Dry run: 4 to create, 0 to update, 0 unchanged. Nothing was changed." in out
    assert not Team.objects.exists()
    assert not Connection.objects.exists()
    assert not Membership.objects.exists()


def test_changed_secret_and_settings_are_updated_by_name_only(write, ops_user, monkeypatch, capsys):
    path = write(FILE)
    provision_file(path, environ=ENVIRON)
    linkit = Connection.objects.get(name="Linkit")
    ConnectionTokenStore(linkit.pk).save(Tokens(access="a-token", refresh=None, expires_at=2e9))
    changed = {**ENVIRON, "LINKIT_API_KEY": OTHER_SECRET}

    out = run(str(path), "--dry-run", environ=changed, monkeypatch=monkeypatch, capsys=capsys)
    assert "would update connection ops/Linkit (secrets)" in out
    assert Connection.objects.get(pk=linkit.pk).decrypted_secrets() == {"LINKIT_API_KEY": SECRET}
    assert OTHER_SECRET not in out

    path.write_text(path.read_text().replace("read_only = true", "read_only = false"))
    out = run(str(path), environ=changed, monkeypatch=monkeypatch, capsys=capsys)
    assert "update connection ops/Linkit (read_only, secrets)" in out
    assert "unchanged connection ops/Atlas" in out
    linkit.refresh_from_db()
    assert linkit.decrypted_secrets() == {"LINKIT_API_KEY": OTHER_SECRET}
    assert not linkit.read_only
    assert ConnectionTokenStore(linkit.pk).load() is None


def test_the_snapshot_max_age_is_set_when_given_and_kept_when_not(write, ops_user, settings):
    path = write(FILE)
    provision_file(path, environ=ENVIRON)
    assert (
        Connection.objects.get(name="Linkit").snapshot_max_age == settings.SNAPSHOT_MAX_AGE_MINUTES
    )
    path.write_text(
        path.read_text().replace("read_only = true", "read_only = true\nsnapshot_max_age = 15")
    )
    changes = provision_file(path, environ=ENVIRON)
    assert [str(change) for change in changes if change.action == "update"] == [
        "update connection ops/Linkit (snapshot_max_age)"
    ]
    linkit = Connection.objects.get(name="Linkit")
    assert linkit.snapshot_max_age == 15
    path.write_text(path.read_text().replace("\nsnapshot_max_age = 15", ""))
    provision_file(path, environ=ENVIRON)
    linkit.refresh_from_db()
    assert linkit.snapshot_max_age == 15, "absent from the file: left as it is"


def test_member_role_is_updated(write, ops_user):
    provision_file(write(FILE), environ=ENVIRON)
    changes = provision_file(
        write(FILE.replace('role = "admin"', 'role = "viewer"')), environ=ENVIRON
    )
    assert "update member ops/ops@example.com (role)" in [str(change) for change in changes]
    assert Membership.objects.get(user=ops_user).role == Role.VIEWER


def invalid(write, text, environ=ENVIRON):
    with pytest.raises(ProvisioningError) as caught:
        provision_file(write(text), environ=environ)
    return caught.value.errors


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (
            lambda text: text.replace('"${LINKIT_API_KEY}"', '"lk_live_pasted_in_the_file"'),
            "teams[ops].connections[Linkit].secrets.LINKIT_API_KEY",
            "must be an ${ENV_VAR} reference; literal secrets are refused",
        ),
        (
            lambda text: text.replace('slug = "ops"', ""),
            "teams[0].slug",
            "required",
        ),
        (
            lambda text: text.replace("read_only = true", 'read_only = true\npassword = "x"'),
            "teams[ops].connections[Linkit].password",
            "unknown key",
        ),
        (
            lambda text: text.replace('ATLAS_ORG_UNIT = "ou_main"', ""),
            "teams[ops].connections[Atlas].variables.ATLAS_ORG_UNIT",
            "Org unit id is required",
        ),
        (
            lambda text: text.replace("default_size = 10", "default_size = 1000"),
            "teams[ops].connections[Linkit].spec.pagination",
            "default_size must not exceed max_size",
        ),
        (
            lambda text: text.replace('preset = "atlas"', 'preset = "atlass"'),
            "teams[ops].connections[Atlas].preset",
            "unknown preset 'atlass' (choose from atlas, beacon, linkit, parallax, parsalink)",
        ),
        (
            lambda text: text.replace('ATLAS_CLIENT_SECRET = "${ATLAS_SECRET}"', ""),
            "teams[ops].connections[Atlas].secrets.ATLAS_CLIENT_SECRET",
            "required",
        ),
        (
            lambda text: text.replace('ATLAS_ORG_UNIT = "ou_main"', 'ATLAS_CLIENT_ID = "x"'),
            "teams[ops].connections[Atlas].variables.ATLAS_CLIENT_ID",
            "is a secret: put it under secrets",
        ),
        (
            lambda text: '[[teams]]\nname = "Ops"\nslug = "ops"\nconnections = "none"\n',
            "teams[ops].connections",
            "must be an array of tables ([[...]])",
        ),
        (
            lambda text: text.replace('name = "Linkit"', 'name = "' + "L" * 101 + '"'),
            "teams[ops].connections[" + "L" * 101 + "].name",
            "At most 100 characters",
        ),
        (
            lambda text: text.replace("read_only = true", "read_only = true\nsnapshot_max_age = 0"),
            "teams[ops].connections[Linkit].snapshot_max_age",
            "must be a whole number of at least 1",
        ),
        (
            lambda text: text.replace('role = "admin"', 'role = "king"'),
            "teams[ops].members[ops@example.com].role",
            "must be one of owner, admin, editor, viewer",
        ),
        (
            lambda text: text.replace("ops@example.com", "nobody@example.com"),
            "teams[ops].members[nobody@example.com].email",
            "no user has this email address",
        ),
        (
            lambda text: text.replace('name = "Atlas"', 'name = "linkit"'),
            "teams[ops].connections[linkit].name",
            "another connection of this team has this name",
        ),
    ],
)
def test_invalid_file_changes_nothing_and_names_the_key(write, ops_user, edit, key, message):
    errors = invalid(write, edit(FILE))
    assert errors.get(key) == message, errors
    assert not Team.objects.exists()
    assert not Connection.objects.exists()


def test_a_bad_second_team_leaves_the_first_untouched(write, ops_user):
    provision_file(write(FILE), environ=ENVIRON)
    broken = FILE.replace('name = "Operations"', 'name = "Operations renamed"') + textwrap.dedent(
        """
        [[teams]]
        name = "Sales"
        slug = "sales"
        [[teams.connections]]
        name = "Parallax"
        preset = "parallax"
        [teams.connections.secrets]
        PARALLAX_API_KEY = "${PARALLAX_API_KEY}"
        """
    )
    errors = invalid(write, broken)
    assert errors == {
        "teams[sales].connections[Parallax].secrets.PARALLAX_API_KEY": (
            "environment variable PARALLAX_API_KEY is not set"
        )
    }
    assert Team.objects.get(slug="ops").name == "Operations"
    assert not Team.objects.filter(slug="sales").exists()


def test_command_exits_2_and_names_the_key(write, ops_user, monkeypatch):
    monkeypatch.delenv("LINKIT_API_KEY", raising=False)
    with pytest.raises(CommandError) as caught:
        call_command("provision", str(write(FILE)))
    assert caught.value.returncode == 2
    assert (
        "teams[ops].connections[Linkit].secrets.LINKIT_API_KEY: "
        "environment variable LINKIT_API_KEY is not set"
    ) in str(caught.value)
    assert not Team.objects.exists()


def test_missing_environment_variable_is_named(write, ops_user):
    environ = {name: value for name, value in ENVIRON.items() if name != "ATLAS_SECRET"}
    assert invalid(write, FILE, environ) == {
        "teams[ops].connections[Atlas].secrets.ATLAS_CLIENT_SECRET": (
            "environment variable ATLAS_SECRET is not set"
        )
    }


def test_unreadable_stored_secrets_are_replaced_from_the_file(write, ops_user):
    with override_settings(CREDENTIAL_KEYS=[KEY_A]):
        provision_file(write(FILE), environ=ENVIRON)
    with override_settings(CREDENTIAL_KEYS=[KEY_B]):
        changes = provision_file(write(FILE), environ=ENVIRON)
        assert "update connection ops/Linkit (secrets)" in [str(change) for change in changes]
        linkit = Connection.objects.get(name="Linkit")
        assert linkit.decrypted_secrets() == {"LINKIT_API_KEY": SECRET}


def test_unreadable_file_and_bad_toml(write, tmp_path):
    assert invalid(write, "[[teams]\n")["file"].startswith("not valid TOML")
    with pytest.raises(ProvisioningError) as caught:
        provision_file(tmp_path / "missing.toml", environ={})
    assert caught.value.errors["file"].startswith("cannot read")
    assert invalid(write, "team = []") == {"team": "unknown key"}
    assert invalid(write, 'teams = ["ops"]') == {"teams[0]": "must be a table"}


def test_the_documented_example_provisions(tmp_path, make_user):
    docs = (settings.BASE_DIR / "docs" / "provisioning.md").read_text()
    example = docs.split("## A complete example", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    make_user("ops@example.com")
    make_user("intern@example.com")
    path = tmp_path / "connections.toml"
    path.write_text(example)
    environ = {"LINKIT_API_KEY": SECRET, "ATLAS_CLIENT_ID": "id-0001", "ATLAS_CLIENT_SECRET": "s-2"}
    assert [change.action for change in provision_file(path, environ=environ)] == ["create"] * 5
    changes = provision_file(path, environ={**environ, "LINKIT_API_KEY": OTHER_SECRET})
    assert [str(change) for change in changes] == [
        "unchanged team ops",
        "update connection ops/Linkit (secrets)",
        "unchanged connection ops/Atlas",
        "unchanged member ops/ops@example.com",
        "unchanged member ops/intern@example.com",
    ]
