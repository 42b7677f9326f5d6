"""Writes and vendor calls for connections: create, update, delete, test, health, key rotation.

Every function is keyword-only. Invalid input raises `SpecError`, whose `errors` map a
location to a message: `name`, `preset`, `base_url`, `spec_toml`, `allowed_members`, or a
dotted spec location such as `auth.key` (a `${NAME}` field's `SpecField.location`) or
`pagination.max_size`. Secret values never appear in errors, health or reprs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from dashboard.audit.services import audit_record
from dashboard.connectors.client import VendorClient, account_key
from dashboard.connectors.errors import STATUS_MESSAGES, RateLimited, VendorError
from dashboard.connectors.factory import client_options, make_client
from dashboard.connectors.ratelimit import Budget, RateLimitSnapshot
from dashboard.connectors.spec import ConnectorSpec, SpecError
from dashboard.connectors.stats import StatsSummary, VendorStats
from dashboard.teams.models import Team

from .crypto import CredentialsUnreadable, encrypt_json, hint, rotate
from .models import Connection
from .specs import SpecField, build_spec, spec_data, spec_fields
from .tokens import CacheTokenLock, ConnectionTokenStore

UNREADABLE_MESSAGE = "Credentials unreadable — re-enter them"
MOVED_MESSAGE = (
    "Enter this again: the address changed, and stored credentials only go to the address "
    "they were entered for"
)
SLUG_FALLBACK = "connection"
SLUG_SUFFIX_ROOM = 4  # "-999"


# --- settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Settings:
    """A connection's validated settings, ready to store."""

    spec: ConnectorSpec
    variables: dict[str, str]
    secrets: dict[str, str]


def _stored_secrets(connection: Connection | None) -> dict[str, Any] | None:
    """The connection's secrets; `{}` for a new one, None when they cannot be decrypted."""
    if connection is None:
        return {}
    try:
        return connection.decrypted_secrets()
    except CredentialsUnreadable:
        return None


def _merge_secrets(
    fields: list[SpecField], supplied: Mapping[str, str], stored: Mapping[str, Any] | None
) -> dict[str, str]:
    """The secrets to keep: a supplied value, else the stored one (blank means unchanged;
    `_settings` refuses a stored one when the address's origin changes).

    Unreadable stored secrets (`stored` None) are replaced only when every one is supplied.
    """
    secret_fields = [field for field in fields if field.secret]
    given = {
        field.name: supplied[field.name] for field in secret_fields if supplied.get(field.name)
    }
    if stored is None:
        missing = {
            field.location: UNREADABLE_MESSAGE for field in secret_fields if field.name not in given
        }
        if missing:
            raise SpecError(missing)
        return given
    merged = {
        field.name: given.get(field.name) or stored.get(field.name) for field in secret_fields
    }
    return {name: str(value) for name, value in merged.items() if value}


def _settings(
    *,
    stored: Mapping[str, Any] | None,
    stored_origin: tuple[str, str, int | None] | None,
    preset: str,
    base_url: str,
    spec_toml: str,
    variables: Mapping[str, str],
    secrets: Mapping[str, str],
) -> _Settings:
    data = spec_data(preset=preset, spec_toml=spec_toml, base_url=base_url)
    fields = spec_fields(data)
    chosen_variables = {
        field.name: variables[field.name]
        for field in fields
        if not field.secret and variables.get(field.name)
    }
    chosen_secrets = _merge_secrets(fields, secrets, stored)
    spec = build_spec(data, variables=chosen_variables, secrets=chosen_secrets)
    if stored_origin is not None and _origin(spec.base_url) != stored_origin:
        kept = {
            field.location: MOVED_MESSAGE
            for field in fields
            if field.secret and field.name in chosen_secrets and not secrets.get(field.name)
        }
        if kept:
            raise SpecError(kept)
    return _Settings(spec, chosen_variables, chosen_secrets)


def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port


def _stored_origin(
    connection: Connection | None, stored: Mapping[str, Any] | None
) -> tuple[str, str, int | None] | None:
    """Where the connection's stored credentials (`stored`, already decrypted) may be sent:
    None for a new connection; an origin matching nothing when they cannot be read."""
    if connection is None:
        return None
    if stored is None:
        return ("", "", None)
    try:
        return _origin(connection_spec(connection=connection, secrets=stored).base_url)
    except SpecError:
        return ("", "", None)


def _max_length(field_name: str) -> int:
    return Connection._meta.get_field(field_name).max_length or 0


def _name_errors(*, team: Team | None, name: str, connection: Connection | None) -> dict[str, str]:
    if not name.strip():
        return {"name": "Name is required"}
    if team is None:
        return {}
    taken = Connection.objects.filter(team=team, name__iexact=name.strip())
    if connection is not None:
        taken = taken.exclude(pk=connection.pk)
    if taken.exists():
        return {"name": "This team already has a connection with this name"}
    return {}


def _length_errors(**values: str) -> dict[str, str]:
    return {
        key: f"At most {_max_length(key)} characters"
        for key, value in values.items()
        if len(value) > _max_length(key)
    }


def _validated(
    *,
    team: Team | None,
    connection: Connection | None,
    stored: Mapping[str, Any] | None,
    name: str,
    preset: str,
    base_url: str,
    spec_toml: str,
    variables: Mapping[str, str],
    secrets: Mapping[str, str],
) -> _Settings:
    """Every check at once, so a form shows all its errors together."""
    errors = {
        **_name_errors(team=team, name=name, connection=connection),
        **_length_errors(name=name, base_url=base_url),
    }
    try:
        prepared = _settings(
            stored=stored,
            stored_origin=_stored_origin(connection, stored),
            preset=preset,
            base_url=base_url,
            spec_toml=spec_toml,
            variables=variables,
            secrets=secrets,
        )
    except SpecError as exc:
        errors.update(exc.errors)
    if errors:
        raise SpecError(errors)
    return prepared


def connection_validate(
    *,
    team: Team | None,
    connection: Connection | None = None,
    name: str,
    preset: str,
    base_url: str,
    spec_toml: str,
    variables: Mapping[str, str],
    secrets: Mapping[str, str],
) -> ConnectorSpec:
    """Check a create or update form (blank secrets fall back to `connection`'s stored ones)
    and return the spec it would use, for "test connection" before saving. Raises SpecError.

    `team` None stands for a team not created yet (provisioning): no name can clash there.
    """
    return _validated(
        team=team,
        connection=connection,
        stored=_stored_secrets(connection),
        name=name,
        preset=preset,
        base_url=base_url,
        spec_toml=spec_toml,
        variables=variables,
        secrets=secrets,
    ).spec


def _unique_slug(team: Team, name: str) -> str:
    base = slugify(name)[: _max_length("slug") - SLUG_SUFFIX_ROOM] or SLUG_FALLBACK
    taken = set(Connection.objects.filter(team=team).values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _store_secrets(connection: Connection, secrets: Mapping[str, str]) -> None:
    connection.secrets_encrypted = encrypt_json(dict(secrets)) if secrets else ""
    connection.secret_hints = {name: hint(value) for name, value in secrets.items()}


# --- audit ----------------------------------------------------------------------------------

# Settings whose values the audit trail shows; the spec overrides are only said to have
# changed (a pasted key could sit in them), and of secrets only the names are written.
AUDITED_SETTINGS = ("name", "preset", "base_url", "variables", "read_only", "snapshot_max_age")


def _audited_settings(connection: Connection) -> dict[str, Any]:
    return {name: getattr(connection, name) for name in AUDITED_SETTINGS}


def _audit_connection(
    actor: Any,
    connection: Connection,
    action: str,
    *,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        team=connection.team,
        action=action,
        target=connection.slug,
        connection=connection,
        changes=changes,
        details=details,
    )


def _changed_names(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """The names whose values differ (all of `after` when `before` is unreadable)."""
    if before is None:
        return sorted(after)
    return sorted(name for name in {*before, *after} if before.get(name) != after.get(name))


def _audit_update(
    actor: Any,
    connection: Connection,
    before: Mapping[str, Any],
    *,
    spec_changed: bool,
    secret_names: list[str],
) -> None:
    after = _audited_settings(connection)
    changes = {
        name: {"before": before[name], "after": after[name]}
        for name in AUDITED_SETTINGS
        if before[name] != after[name]
    }
    if changes or spec_changed:
        details = {"spec_toml": "changed"} if spec_changed else None
        _audit_connection(actor, connection, "connection.updated", changes=changes, details=details)
    if secret_names:
        _audit_connection(
            actor, connection, "connection.credentials_changed", details={"fields": secret_names}
        )


# --- writes ---------------------------------------------------------------------------------


def connection_create(
    *,
    team: Team,
    name: str,
    preset: str,
    base_url: str,
    spec_toml: str,
    variables: Mapping[str, str],
    secrets: Mapping[str, str],
    read_only: bool = False,
    snapshot_max_age: int | None = None,
    actor: Any = None,
) -> Connection:
    """A new connection; raises SpecError naming each bad field. Audited as `actor`'s."""
    prepared = _validated(
        team=team,
        connection=None,
        stored={},
        name=name,
        preset=preset,
        base_url=base_url,
        spec_toml=spec_toml,
        variables=variables,
        secrets=secrets,
    )
    connection = Connection(
        team=team,
        name=name.strip(),
        slug=_unique_slug(team, name),
        preset=preset,
        base_url=base_url,
        spec_toml=spec_toml,
        variables=prepared.variables,
        read_only=read_only,
    )
    if snapshot_max_age is not None:
        connection.snapshot_max_age = snapshot_max_age
    _store_secrets(connection, prepared.secrets)
    with transaction.atomic():
        connection.save()
        _audit_connection(
            actor,
            connection,
            "connection.created",
            changes={
                name: {"after": value} for name, value in _audited_settings(connection).items()
            },
            details={"encrypted_fields": sorted(prepared.secrets)},
        )
    return connection


def connection_update(
    *,
    connection: Connection,
    name: str,
    preset: str,
    base_url: str,
    spec_toml: str,
    variables: Mapping[str, str],
    secrets: Mapping[str, str],
    read_only: bool,
    snapshot_max_age: int | None = None,
    actor: Any = None,
) -> Connection:
    """Change a connection's settings; the slug stays, so its URLs keep working.

    A blank or missing secret keeps the stored one. When the stored secrets cannot be
    decrypted, every secret must be given again. New secrets or a new preset, base URL or
    spec drop the stored login tokens. Health and tokens are not overwritten otherwise.
    Audited as `actor`'s: the settings changed, and the names of changed secrets.
    """
    stored = _stored_secrets(connection)
    before = _audited_settings(connection)
    prepared = _validated(
        team=connection.team,
        connection=connection,
        stored=stored,
        name=name,
        preset=preset,
        base_url=base_url,
        spec_toml=spec_toml,
        variables=variables,
        secrets=secrets,
    )
    secrets_changed = prepared.secrets != stored
    spec_changed = spec_toml != connection.spec_toml
    target_changed = (preset, base_url, spec_toml) != (
        connection.preset,
        connection.base_url,
        connection.spec_toml,
    )
    update_fields = ["name", "preset", "base_url", "spec_toml", "variables", "read_only"]
    connection.name = name.strip()
    connection.preset = preset
    connection.base_url = base_url
    connection.spec_toml = spec_toml
    connection.variables = prepared.variables
    connection.read_only = read_only
    if snapshot_max_age is not None:
        connection.snapshot_max_age = snapshot_max_age
        update_fields.append("snapshot_max_age")
    if secrets_changed:
        _store_secrets(connection, prepared.secrets)
        update_fields += ["secrets_encrypted", "secret_hints"]
    if secrets_changed or target_changed:
        connection.tokens_encrypted = ""
        update_fields.append("tokens_encrypted")
    with transaction.atomic():
        connection.save(update_fields=[*update_fields, "updated_at"])
        _audit_update(
            actor,
            connection,
            before,
            spec_changed=spec_changed,
            secret_names=_changed_names(stored, prepared.secrets) if secrets_changed else [],
        )
    return connection


def connection_set_access(
    *, connection: Connection, restricted: bool, allowed_members: Iterable[Any]
) -> None:
    """Restrict a connection to some members (admins and owners always see it).

    Every allowed member must belong to the connection's team (raises SpecError).
    """
    members = list(allowed_members)
    member_ids = set(connection.team.memberships.values_list("user_id", flat=True))
    outsiders = [str(user) for user in members if user.pk not in member_ids]
    if outsiders:
        raise SpecError({"allowed_members": f"Not members of this team: {', '.join(outsiders)}"})
    with transaction.atomic():
        Connection.objects.filter(pk=connection.pk).update(restricted=restricted)
        connection.restricted = restricted
        connection.allowed_members.set(members)


def connection_delete(*, connection: Connection, actor: Any = None) -> None:
    """Delete a connection; its audit entries stay (they keep its slug)."""
    with transaction.atomic():
        _audit_connection(
            actor, connection, "connection.deleted", details={"name": connection.name}
        )
        connection.delete()


# --- vendor calls ---------------------------------------------------------------------------


def connection_spec(
    *, connection: Connection, secrets: Mapping[str, str] | None = None
) -> ConnectorSpec:
    """The saved connection's spec with its secrets (`secrets` when already decrypted);
    raises CredentialsUnreadable (fail closed: no vendor call may be made) or SpecError
    (settings no longer valid)."""
    data = spec_data(
        preset=connection.preset, spec_toml=connection.spec_toml, base_url=connection.base_url
    )
    if secrets is None:
        secrets = connection.decrypted_secrets()
    return build_spec(data, variables=connection.variables, secrets=secrets)


def connection_client(*, connection: Connection, **options: Any) -> VendorClient:
    """A client for the saved connection; `options` override the `VENDOR_*` fences
    (`ClientOptions` fields). Login tokens live encrypted on the connection; refreshes are
    serialised across processes. Raises like `connection_spec`."""
    return make_client(
        connection_spec(connection=connection),
        options=client_options(**options),
        token_store=ConnectionTokenStore(connection.pk),
        token_lock=CacheTokenLock(f"connections:tokens:{connection.pk}"),
        label=connection.name,
    )


@dataclass(frozen=True)
class ConnectionTestResult:
    """What "test connection" found, in plain words (`message`) and as data."""

    ok: bool
    message: str
    total: int | None = None
    resource_label: str = ""
    rate_limit: RateLimitSnapshot | None = None
    error_kind: str | None = None

    @classmethod
    def failure(
        cls, message: str, *, kind: str, rate_limit: RateLimitSnapshot | None = None
    ) -> ConnectionTestResult:
        return cls(ok=False, message=message, rate_limit=rate_limit, error_kind=kind)


def _clock_time(epoch: float) -> str:
    return timezone.localtime(datetime.fromtimestamp(epoch, tz=UTC)).strftime("%H:%M:%S")


def describe_error(error: VendorError) -> str:
    """A vendor error as one line for banners and health: the vendor's words, and for a
    rate limit the local time it ends."""
    if isinstance(error, RateLimited):
        until = error.retry_at(now=timezone.now().timestamp())
        if until is not None:
            return f"Rate limited until {_clock_time(until)}"
    if error.status == 401 and error.message != STATUS_MESSAGES[401]:
        return f"{STATUS_MESSAGES[401]}: {error.message}"
    return error.message


def _record(connection: Connection, error_message: str | None) -> None:
    now = timezone.now()
    if error_message is None:
        changes: dict[str, Any] = {"last_success_at": now}
    else:
        changes = {"last_error_at": now, "last_error": error_message[: _max_length("last_error")]}
    Connection.objects.filter(pk=connection.pk).update(**changes)
    for field_name, value in changes.items():
        setattr(connection, field_name, value)


def connection_record_health(*, connection: Connection, error: VendorError | None) -> None:
    """Remember the outcome of a vendor call: a success, or the error's message."""
    _record(connection, None if error is None else describe_error(error))


def _try_listing(client: VendorClient) -> ConnectionTestResult:
    resource = next((item for item in client.spec.resources if item.allows("list")), None)
    if resource is None:
        return ConnectionTestResult.failure(
            "Nothing to test: no resource of this spec can be listed.", kind="no_listable"
        )
    try:
        listing = client.list_page(resource.name, page=1, page_size=1)
    except VendorError as error:
        return ConnectionTestResult.failure(
            describe_error(error), kind=error.kind, rate_limit=client.budget.state()
        )
    counted = f"{listing.total:,} {resource.title.lower()}" if listing.total is not None else ""
    return ConnectionTestResult(
        ok=True,
        message=f"Connected: {counted or resource.title + ' can be listed'}",
        total=listing.total,
        resource_label=resource.title,
        rate_limit=listing.rate_limit,
    )


def connection_test(
    *, connection: Connection | None = None, spec: ConnectorSpec | None = None
) -> ConnectionTestResult:
    """List page 1 (one record) of the first listable resource, and say what happened.

    Give a saved `connection` (its health is recorded) or an unsaved `spec` (from
    `connection_validate`), not both. Vendor problems are reported, never raised.
    """
    if (connection is None) == (spec is None):
        raise TypeError("connection_test() takes a connection or a spec, not both")
    if connection is None:
        assert spec is not None
        return _try_listing(make_client(spec))
    try:
        client = connection_client(connection=connection)
    except CredentialsUnreadable:
        result = ConnectionTestResult.failure(UNREADABLE_MESSAGE, kind="credentials_unreadable")
    except SpecError as exc:
        result = ConnectionTestResult.failure(
            f"The connection's settings are invalid: {exc}", kind="invalid_spec"
        )
    else:
        result = _try_listing(client)
    _record(connection, None if result.ok else result.message)
    return result


@dataclass(frozen=True)
class VendorState:
    """What the dashboard knows about a connection's vendor account without calling it."""

    rate_limit: RateLimitSnapshot
    stats: StatsSummary | None


def vendor_state(*, connection: Connection) -> VendorState:
    """The shared rate budget and the last hour's call statistics of the connection's vendor
    account (empty when the credentials or settings are unusable)."""
    try:
        spec = connection_spec(connection=connection)
    except (CredentialsUnreadable, SpecError):
        return VendorState(rate_limit=RateLimitSnapshot(), stats=None)
    cache = caches["default"]
    budget = Budget(
        cache=cache,
        key=account_key(spec),
        spec=spec.rate_limit,
        max_wait=settings.VENDOR_RATE_LIMIT_MAX_WAIT,
    )
    stats = VendorStats(cache=cache, account=account_key(spec)).summary()
    return VendorState(rate_limit=budget.state(), stats=stats)


# --- key rotation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyRotation:
    """How many connections were re-encrypted; `team/connection` names of unreadable ones."""

    rotated: int
    unreadable: list[str]


def _rotate_connection(pk: int) -> bool:
    """Re-encrypt one connection under the first key; False when its secrets are unreadable.
    Unreadable login tokens are dropped (the next call logs in again)."""
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=pk)
        try:
            secrets_encrypted = rotate(connection.secrets_encrypted)
        except CredentialsUnreadable:
            return False
        try:
            tokens_encrypted = rotate(connection.tokens_encrypted)
        except CredentialsUnreadable:
            tokens_encrypted = ""
        Connection.objects.filter(pk=pk).update(
            secrets_encrypted=secrets_encrypted, tokens_encrypted=tokens_encrypted
        )
    return True


def connections_rotate_keys() -> KeyRotation:
    """Re-encrypt every connection's secrets and tokens under the first `CREDENTIAL_KEYS`
    key; names (`team/connection`) the ones whose secrets no configured key can read."""
    rotated = 0
    unreadable = []
    for pk, team_slug, name in Connection.objects.values_list("pk", "team__slug", "name"):
        if _rotate_connection(pk):
            rotated += 1
        else:
            unreadable.append(f"{team_slug}/{name}")
    return KeyRotation(rotated=rotated, unreadable=unreadable)
