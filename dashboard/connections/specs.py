"""From a connection's stored settings to a validated `ConnectorSpec` and a `VendorClient`.

A connection's spec data is its preset (if any) overlaid with its TOML overrides and base URL.
Every `${NAME}` reference in that data is a field the connection form asks for: a **secret**
when it sits in one of the auth scheme's secret fields or its name says so (`KEY`, `SECRET`,
`TOKEN`, `PASSWORD`: stored encrypted, never shown back, hidden from logs), a plain
**variable** otherwise (for example an org unit id in a scope step).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from dashboard.connectors import spec as spec_module
from dashboard.connectors.redaction import register_secrets
from dashboard.connectors.spec import ENV_REFERENCE, ConnectorSpec, SpecError, merge_spec

SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)

AUTH_MODELS = {
    "login_bearer": spec_module.LoginBearerAuth,
    "header_key": spec_module.HeaderKeyAuth,
    "bearer_key": spec_module.BearerKeyAuth,
    "raw_authorization": spec_module.RawAuthorizationAuth,
    "basic": spec_module.BasicAuth,
}

LABELS = {
    "auth.username": "Username",
    "auth.password": "Password",
    "auth.key": "API key",
    "auth.client_id": "Client ID",
    "auth.client_secret": "Client secret",
}


@dataclass(frozen=True)
class SpecField:
    """One `${NAME}` the connection must supply."""

    name: str
    label: str
    location: str
    secret: bool


def parse_toml(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError({"spec_toml": f"not valid TOML: {exc}"}) from None


def spec_data(*, preset: str, spec_toml: str, base_url: str) -> dict[str, Any]:
    """The connection's spec mapping, `${NAME}` references still in place."""
    data = parse_toml(spec_toml)
    if preset:
        data = merge_spec(spec_module.preset_data(preset), data)
    if base_url:
        data["base_url"] = base_url
    return data


def _references(data: Any, location: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from _references(value, f"{location}.{key}" if location else str(key))
    elif isinstance(data, list):
        for value in data:
            yield from _references(value, location)
    elif isinstance(data, str):
        for name in ENV_REFERENCE.findall(data):
            yield name, location


def _is_secret(data: Mapping[str, Any], name: str, location: str) -> bool:
    """A secret: a credential field of `[auth]`, or a reference named like one wherever it is
    (`${TENANT_TOKEN}` in `headers`, say)."""
    if SECRET_NAME.search(name):
        return True
    section, _, field_name = location.partition(".")
    auth = data.get("auth")
    if section != "auth" or not isinstance(auth, Mapping):
        return False
    model = AUTH_MODELS.get(str(auth.get("type")))
    info = model.model_fields.get(field_name) if model else None
    return info is not None and info.annotation is SecretStr


def spec_fields(data: Mapping[str, Any]) -> list[SpecField]:
    """The fields a connection with this spec data must fill, in order of appearance."""
    fields: dict[str, SpecField] = {}
    for name, location in _references(data):
        if name in fields:
            continue
        label = LABELS.get(location) or location.rsplit(".", 1)[-1].replace("_", " ").capitalize()
        fields[name] = SpecField(name, label, location, _is_secret(data, name, location))
    return list(fields.values())


def build_spec(
    data: Mapping[str, Any], *, variables: Mapping[str, str], secrets: Mapping[str, str]
) -> ConnectorSpec:
    """Validate the spec with its references filled; a missing value names its field."""
    values = {**variables, **secrets}
    missing = {
        field.location: f"{field.label} is required"
        for field in spec_fields(data)
        if not values.get(field.name)
    }
    if missing:
        raise SpecError(missing)
    register_secrets(secrets.values())
    return spec_module.parse_spec(data, values)
