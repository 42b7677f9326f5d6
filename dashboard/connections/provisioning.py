"""Connections as code: teams, their connections and memberships from a TOML file.

`provision_file` reads and checks the whole file first (structure, `${ENV_VAR}` secrets,
each connection's spec, users), then applies it in one transaction. An invalid file changes
nothing; `ProvisioningError.errors` maps each bad key (`teams[ops].connections[Linkit].
secrets.LINKIT_API_KEY`) to what is wrong with it. Running the same file twice changes
nothing the second time. The format is documented in `docs/provisioning.md`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction

from dashboard.connectors.spec import ENV_REFERENCE, SpecError, resolve_env
from dashboard.teams.models import Membership, Role, Team

from . import services
from .crypto import CredentialsUnreadable
from .models import Connection
from .specs import SpecField, spec_data, spec_fields

Action = Literal["create", "update", "unchanged"]

TOP_KEYS = frozenset({"teams"})
TEAM_KEYS = frozenset({"name", "slug", "connections", "members"})
CONNECTION_KEYS = frozenset(
    {"name", "preset", "base_url", "read_only", "snapshot_max_age", "spec", "variables", "secrets"}
)
MEMBER_KEYS = frozenset({"email", "role"})
# Where `connection_validate`'s errors are reported, relative to the connection.
SETTING_KEYS = {"name": "name", "spec_toml": "spec", "preset": "preset", "base_url": "base_url"}
VALIDATED = ("name", "preset", "base_url", "spec_toml", "variables", "secrets")


class ProvisioningError(Exception):
    """A file that cannot be applied; `errors` maps each bad key to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{key}: {message}" for key, message in errors.items()))


@dataclass(frozen=True)
class Change:
    """What provisioning does (or would do) to one team, connection or membership.

    `fields` names what differs, never a value.
    """

    action: Action
    kind: Literal["team", "connection", "member"]
    name: str
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        details = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{self.action} {self.kind} {self.name}{details}"


@dataclass
class _ConnectionPlan:
    where: str
    settings: dict[str, Any]
    existing: Connection | None
    change: Change


@dataclass
class _MemberPlan:
    user: Any
    role: str
    existing: Membership | None
    change: Change


@dataclass
class _TeamPlan:
    name: str
    slug: str
    existing: Team | None
    change: Change
    connections: list[_ConnectionPlan] = field(default_factory=list)
    members: list[_MemberPlan] = field(default_factory=list)

    def changes(self) -> list[Change]:
        return [
            self.change,
            *(plan.change for plan in self.connections),
            *(plan.change for plan in self.members),
        ]


# --- reading the file -----------------------------------------------------------------------


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


class _Reader:
    """Typed access to the file's tables; every problem is collected under its key."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def error(self, where: str, message: str) -> None:
        self.errors.setdefault(where, message)

    def table(self, value: Any, where: str, allowed: frozenset[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(where or "file", "must be a table")
            return None
        for key in value.keys() - allowed:
            self.error(_join(where, key), "unknown key")
        return value

    def tables(self, table: Mapping[str, Any], key: str, where: str) -> list[Any]:
        value = table.get(key, [])
        if not isinstance(value, list):
            self.error(_join(where, key), "must be an array of tables ([[...]])")
            return []
        return value

    def string(
        self, table: Mapping[str, Any], key: str, where: str, *, required: bool = False
    ) -> str:
        value = table.get(key, "")
        if not isinstance(value, str):
            self.error(f"{where}.{key}", "must be a string")
            return ""
        if required and not value.strip():
            self.error(f"{where}.{key}", "required")
        return value.strip() if required else value

    def boolean(self, table: Mapping[str, Any], key: str, where: str) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            self.error(f"{where}.{key}", "must be true or false")
            return False
        return value

    def positive_integer(self, table: Mapping[str, Any], key: str, where: str) -> int | None:
        """A whole number of at least 1; None when absent."""
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.error(f"{where}.{key}", "must be a whole number of at least 1")
            return None
        return value

    def strings(self, table: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
        value = table.get(key, {})
        if not isinstance(value, dict):
            self.error(f"{where}.{key}", "must be a table of strings")
            return {}
        for name, item in value.items():
            if not isinstance(item, str):
                self.error(f"{where}.{key}.{name}", "must be a string")
        return {name: item for name, item in value.items() if isinstance(item, str)}

    def label(self, item: Any, key: str, index: int) -> str:
        """How an array item is named in messages: by its name, or by position."""
        value = item.get(key) if isinstance(item, Mapping) else None
        return value.strip() if isinstance(value, str) and value.strip() else str(index)


def _load(path: str | Path) -> dict[str, Any]:
    try:
        with Path(path).open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ProvisioningError({"file": f"cannot read {path}: {exc.strerror}"}) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProvisioningError({"file": f"not valid TOML: {exc}"}) from None


# --- checking a connection ------------------------------------------------------------------


def _secret_values(
    reader: _Reader, secrets: Mapping[str, str], where: str, environ: Mapping[str, str]
) -> dict[str, str]:
    """Each secret must be exactly one `${ENV_VAR}` reference, set and not empty."""
    values = {}
    for name, reference in secrets.items():
        match = ENV_REFERENCE.fullmatch(reference.strip())
        key = f"{where}.secrets.{name}"
        if match is None:
            reader.error(key, "must be an ${ENV_VAR} reference; literal secrets are refused")
        elif match.group(1) not in environ:
            reader.error(key, f"environment variable {match.group(1)} is not set")
        elif not environ[match.group(1)]:
            reader.error(key, f"environment variable {match.group(1)} is empty")
        else:
            values[name] = environ[match.group(1)]
    return values


def _variable_values(
    reader: _Reader, variables: Mapping[str, str], where: str, environ: Mapping[str, str]
) -> dict[str, str]:
    """Variables are literal values, or may use `${ENV_VAR}` references."""
    return {
        name: _expand(reader, value, f"{where}.variables.{name}", environ)
        for name, value in variables.items()
    }


def _expand(reader: _Reader, value: str, location: str, environ: Mapping[str, str]) -> str:
    """`value` with its `${ENV_VAR}` references filled; a missing variable is an error."""
    try:
        return resolve_env(value, environ)
    except SpecError as exc:
        reader.error(location, next(iter(exc.errors.values())))
        return value


def _check_names(
    reader: _Reader,
    fields: list[SpecField],
    where: str,
    variables: Mapping[str, str],
    secrets: Mapping[str, str],
) -> None:
    """Every name given must be one of the spec's `${NAME}`s, in the right table, and every
    secret must be given (the file is the whole truth: none is kept from the database)."""
    secret = {item.name for item in fields if item.secret}
    plain = {item.name for item in fields if not item.secret}
    for name in sorted(secret - secrets.keys() - variables.keys()):
        reader.error(f"{where}.secrets.{name}", "required")
    for name in variables:
        if name in secret:
            reader.error(f"{where}.variables.{name}", "is a secret: put it under secrets")
        elif name not in plain:
            reader.error(f"{where}.variables.{name}", "not used by this connection's spec")
    for name in secrets:
        if name in plain:
            reader.error(f"{where}.secrets.{name}", "is not a secret: put it under variables")
        elif name not in secret:
            reader.error(f"{where}.secrets.{name}", "not used by this connection's spec")


def _spec_error_key(where: str, location: str, fields: list[SpecField]) -> str:
    for item in fields:
        if item.location == location:
            return f"{where}.{'secrets' if item.secret else 'variables'}.{item.name}"
    if location in SETTING_KEYS:
        return f"{where}.{SETTING_KEYS[location]}"
    return f"{where}.spec.{location}"


def _check_connection(
    reader: _Reader,
    settings: Mapping[str, Any],
    where: str,
    *,
    team: Team | None,
    existing: Connection | None,
) -> None:
    """Check the settings as the connection form would, and the names given."""
    try:
        data = spec_data(
            preset=settings["preset"],
            spec_toml=settings["spec_toml"],
            base_url=settings["base_url"],
        )
        fields = spec_fields(data)
        _check_names(reader, fields, where, settings["variables"], settings["secrets"])
    except SpecError:
        fields = []  # connection_validate says why
    try:
        services.connection_validate(
            team=team, connection=existing, **{key: settings[key] for key in VALIDATED}
        )
    except SpecError as exc:
        for location, message in exc.errors.items():
            reader.error(_spec_error_key(where, location, fields), message)


def _read_settings(
    reader: _Reader, table: Mapping[str, Any], where: str, environ: Mapping[str, str]
) -> dict[str, Any]:
    """The connection's arguments for `connection_create` / `connection_update`."""
    return {
        "name": reader.string(table, "name", where, required=True),
        "preset": reader.string(table, "preset", where),
        "base_url": _expand(
            reader, reader.string(table, "base_url", where), f"{where}.base_url", environ
        ),
        "spec_toml": reader.string(table, "spec", where),
        "read_only": reader.boolean(table, "read_only", where),
        "snapshot_max_age": reader.positive_integer(table, "snapshot_max_age", where),
        "variables": _variable_values(
            reader, reader.strings(table, "variables", where), where, environ
        ),
        "secrets": _secret_values(reader, reader.strings(table, "secrets", where), where, environ),
    }


def _connection_change(
    settings: Mapping[str, Any], existing: Connection | None, label: str
) -> Change:
    if existing is None:
        return Change("create", "connection", label)
    stored = {
        "name": existing.name,
        "preset": existing.preset,
        "base_url": existing.base_url,
        "spec_toml": existing.spec_toml,
        "read_only": existing.read_only,
        "variables": existing.variables,
    }
    if settings["snapshot_max_age"] is not None:
        stored["snapshot_max_age"] = existing.snapshot_max_age
    differs = [key for key, value in stored.items() if settings[key] != value]
    try:
        if existing.decrypted_secrets() != settings["secrets"]:
            differs.append("secrets")
    except CredentialsUnreadable:
        differs.append("secrets")
    if not differs:
        return Change("unchanged", "connection", label)
    return Change("update", "connection", label, tuple(differs))


# --- planning -------------------------------------------------------------------------------


def _plan_connections(
    reader: _Reader, team: _TeamPlan, items: list[Any], where: str, environ: Mapping[str, str]
) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        here = f"{where}.connections[{reader.label(item, 'name', index)}]"
        table = reader.table(item, here, CONNECTION_KEYS)
        if table is None:
            continue
        settings = _read_settings(reader, table, here, environ)
        name = settings["name"]
        if name.lower() in seen:
            reader.error(f"{here}.name", "another connection of this team has this name")
        seen.add(name.lower())
        existing = (
            team.existing.connections.filter(name__iexact=name).first()
            if team.existing and name
            else None
        )
        if not any(key.startswith(f"{here}.") for key in reader.errors):
            _check_connection(reader, settings, here, team=team.existing, existing=existing)
        label = f"{team.slug}/{name}"
        team.connections.append(
            _ConnectionPlan(here, settings, existing, _connection_change(settings, existing, label))
        )


def _plan_members(reader: _Reader, team: _TeamPlan, items: list[Any], where: str) -> None:
    users = get_user_model().objects
    seen: set[str] = set()
    for index, item in enumerate(items):
        here = f"{where}.members[{reader.label(item, 'email', index)}]"
        table = reader.table(item, here, MEMBER_KEYS)
        if table is None:
            continue
        email = reader.string(table, "email", here, required=True)
        role = reader.string(table, "role", here, required=True)
        if role and role not in Role.values:
            reader.error(f"{here}.role", f"must be one of {', '.join(Role.values)}")
        if email.lower() in seen:
            reader.error(f"{here}.email", "listed twice in this team")
        seen.add(email.lower())
        user = users.filter(email__iexact=email).first() if email else None
        if email and user is None:
            reader.error(f"{here}.email", "no user has this email address")
            continue
        existing = team.existing.memberships.filter(user=user).first() if team.existing else None
        label = f"{team.slug}/{email}"
        if existing is None:
            change = Change("create", "member", label, (role,))
        elif existing.role != role:
            change = Change("update", "member", label, ("role",))
        else:
            change = Change("unchanged", "member", label)
        team.members.append(_MemberPlan(user, role, existing, change))


def _plan_team(
    reader: _Reader,
    table: Mapping[str, Any],
    where: str,
    environ: Mapping[str, str],
    seen: set[str],
) -> _TeamPlan:
    name = reader.string(table, "name", where, required=True)
    slug = reader.string(table, "slug", where, required=True)
    if slug:
        try:
            validate_slug(slug)
        except ValidationError as exc:
            reader.error(f"{where}.slug", " ".join(exc.messages))
    for key, value in (("name", name), ("slug", slug)):
        limit = Team._meta.get_field(key).max_length or 0
        if len(value) > limit:
            reader.error(f"{where}.{key}", f"at most {limit} characters")
    if slug in seen:
        reader.error(f"{where}.slug", "another team in this file has this slug")
    seen.add(slug)
    existing = Team.objects.filter(slug=slug).first() if slug else None
    if existing is None:
        change = Change("create", "team", slug)
    elif existing.name != name:
        change = Change("update", "team", slug, ("name",))
    else:
        change = Change("unchanged", "team", slug)
    team = _TeamPlan(name, slug, existing, change)
    _plan_connections(reader, team, reader.tables(table, "connections", where), where, environ)
    _plan_members(reader, team, reader.tables(table, "members", where), where)
    return team


def _plan(data: Mapping[str, Any], environ: Mapping[str, str]) -> list[_TeamPlan]:
    reader = _Reader()
    top = reader.table(data, "", TOP_KEYS) or {}
    seen: set[str] = set()
    teams = []
    for index, item in enumerate(reader.tables(top, "teams", "")):
        where = f"teams[{reader.label(item, 'slug', index)}]"
        table = reader.table(item, where, TEAM_KEYS)
        if table is not None:
            teams.append(_plan_team(reader, table, where, environ, seen))
    if reader.errors:
        raise ProvisioningError(reader.errors)
    return teams


# --- applying -------------------------------------------------------------------------------


def _apply_team(plan: _TeamPlan) -> None:
    team = plan.existing or Team(slug=plan.slug)
    if plan.change.action != "unchanged":
        team.name = plan.name
        team.save()
    for connection in plan.connections:
        try:
            if connection.existing is None:
                services.connection_create(team=team, **connection.settings)
            elif connection.change.action == "update":
                services.connection_update(connection=connection.existing, **connection.settings)
        except SpecError as exc:  # changed since it was checked: roll everything back
            raise ProvisioningError(
                {
                    _spec_error_key(connection.where, location, []): message
                    for location, message in exc.errors.items()
                }
            ) from None
    for member in plan.members:
        if member.existing is None:
            Membership.objects.create(team=team, user=member.user, role=member.role)
        elif member.change.action == "update":
            member.existing.role = member.role
            member.existing.save(update_fields=["role"])


def provision(
    data: Mapping[str, Any], *, environ: Mapping[str, str], dry_run: bool = False
) -> list[Change]:
    """Check `data` (a parsed provisioning file) and apply it unless `dry_run`; return what
    changed (or would change). Raises ProvisioningError, having changed nothing."""
    teams = _plan(data, environ)
    if not dry_run:
        with transaction.atomic():
            for team in teams:
                _apply_team(team)
    return [change for team in teams for change in team.changes()]


def provision_file(
    path: str | Path, *, environ: Mapping[str, str], dry_run: bool = False
) -> list[Change]:
    return provision(_load(path), environ=environ, dry_run=dry_run)
