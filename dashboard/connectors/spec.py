"""The connector spec: everything that differs between vendor APIs, as validated data.

A spec is read from TOML (`load_spec_file`) or from a mapping (`parse_spec`). Secrets are
written as `${ENV_VAR}` references and resolved at load time; they are kept as
`pydantic.SecretStr`, so a spec never prints them. A spec that does not validate raises
`SpecError` whose message names the offending field (for example
`pagination.max_size: Input should be greater than or equal to 1`).

The full format is documented in `docs/connector-spec.md`; keep the two in step.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class SpecError(ValueError):
    """A connector spec that cannot be used; `errors` maps dotted field paths to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_path(value: str) -> str:
    if value and not value.startswith("/"):
        raise ValueError("must start with '/'")
    return value


RelativePath = Annotated[str, Field(min_length=1)]
# TOML has no null: an empty string switches an optional name or path off.
OptionalText = Annotated[str | None, BeforeValidator(lambda value: value or None)]


# --- authentication -------------------------------------------------------------------------


class LoginBearerAuth(_Model):
    """Log in with a user name and password; send the returned access token; refresh it."""

    type: Literal["login_bearer"]
    login_path: RelativePath
    username: SecretStr
    password: SecretStr
    username_field: str = "email"
    password_field: str = "password"
    access_token_path: str = "access"
    refresh_token_path: OptionalText = "refresh"
    expires_in_path: OptionalText = None
    refresh_path: OptionalText = None
    refresh_field: str = "refresh"
    token_lifetime: int = Field(default=3600, ge=1)
    refresh_margin: int = Field(default=60, ge=0)
    header: str = "Authorization"
    scheme: str = "Bearer"

    _paths = field_validator("login_path", "refresh_path")(_check_path)


class HeaderKeyAuth(_Model):
    """An API key sent in a header of the vendor's choosing (for example `X-API-KEY`)."""

    type: Literal["header_key"]
    key: SecretStr
    header: str = "X-API-KEY"


class BearerKeyAuth(_Model):
    """An API key sent as `Authorization: Bearer <key>`."""

    type: Literal["bearer_key"]
    key: SecretStr
    header: str = "Authorization"
    scheme: str = "Bearer"


class RawAuthorizationAuth(_Model):
    """An API key sent as the whole `Authorization` header value."""

    type: Literal["raw_authorization"]
    key: SecretStr


class BasicAuth(_Model):
    """HTTP Basic with a client id and client secret."""

    type: Literal["basic"]
    client_id: SecretStr
    client_secret: SecretStr


AUTH_TYPES = ("login_bearer", "header_key", "bearer_key", "raw_authorization", "basic")

AuthSpec = Annotated[
    LoginBearerAuth | HeaderKeyAuth | BearerKeyAuth | RawAuthorizationAuth | BasicAuth,
    Field(discriminator="type"),
]


class ScopeStep(_Model):
    """A request made once per session before any other (for example selecting an org unit)."""

    method: Literal["POST", "PUT", "PATCH"] = "PUT"
    path: RelativePath
    body: dict[str, Any] = Field(default_factory=dict)

    _path = field_validator("path")(_check_path)


# --- pagination -----------------------------------------------------------------------------


class PaginationSpec(_Model):
    style: Literal["page_number", "limit_offset", "next_link", "link_header", "cursor"]
    page_param: str = "page"
    first_page: Literal[0, 1] = 1
    size_param: OptionalText = "page_size"
    limit_param: str = "limit"
    offset_param: str = "offset"
    cursor_param: str = "cursor"
    default_size: int = Field(default=25, ge=1)
    max_size: int = Field(default=100, ge=1)
    records_path: str = "results"
    total_path: OptionalText = None
    page_count_path: OptionalText = None
    has_next_path: OptionalText = None
    next_path: OptionalText = None
    max_pages: int = Field(default=10_000, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> PaginationSpec:
        if self.default_size > self.max_size:
            raise ValueError("default_size must not exceed max_size")
        if self.style in ("next_link", "cursor") and not self.next_path:
            raise ValueError(f"next_path is required for style '{self.style}'")
        return self


# --- capabilities ---------------------------------------------------------------------------


class SortSpec(_Model):
    """How the vendor sorts. `prefix`: `sort=-field`; `suffix`: `sort=field:desc`;
    `order_param`: `sort=field&order=desc`."""

    param: str = "sort"
    style: Literal["prefix", "suffix", "order_param"] = "prefix"
    order_param: str = "order"
    descending_prefix: str = "-"
    separator: str = ":"
    ascending_value: str = "asc"
    descending_value: str = "desc"


class ErrorSpec(_Model):
    """Which error body shape to read; `auto` recognises every shape the engine knows."""

    shape: Literal[
        "auto", "drf", "problem_details", "errors_list", "code_error_details", "error_message"
    ] = "auto"


TRANSIT_ALLOWANCE = 0.5


class RateLimitSpec(_Model):
    """The documented budget and the headers that report it."""

    requests: int | None = Field(default=None, ge=1)
    window: float = Field(default=60.0, gt=0)
    write_requests: int | None = Field(default=None, ge=1)
    write_window: float | None = Field(default=None, gt=0)
    burst: int | None = Field(default=None, ge=1)
    limit_header: OptionalText = "X-RateLimit-Limit"
    remaining_header: OptionalText = "X-RateLimit-Remaining"
    used_header: OptionalText = None
    reset_header: OptionalText = "X-RateLimit-Reset"
    reset_kind: Literal["unix", "seconds", "auto"] = "auto"
    retry_after_headers: list[str] = Field(default_factory=lambda: ["Retry-After"])
    max_retries: int = Field(default=3, ge=0, le=10)
    # Seconds between reserving a request and the vendor counting it (scheduling, connecting,
    # the network): every window is widened by this much, so that such delays cannot push one
    # request too many into a vendor's window.
    transit_allowance: float = Field(default=TRANSIT_ALLOWANCE, ge=0, le=60)


# --- resources ------------------------------------------------------------------------------

Method = Literal["list", "get", "create", "update", "delete"]


class ResourceSpec(_Model):
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    path: RelativePath
    label: str = ""
    id_field: str = "id"
    detail_path: OptionalText = None
    columns: list[str] = Field(default_factory=list)
    methods: list[Method] = Field(default_factory=lambda: ["list", "get"])
    update_method: Literal["PATCH", "PUT"] = "PATCH"
    readonly_fields: list[str] = Field(default_factory=list)
    choices: dict[str, list[str]] = Field(default_factory=dict)
    sortable: list[str] | None = None
    filterable: list[str] = Field(default_factory=list)
    searchable: bool = True
    version_field: OptionalText = None
    scoped: bool = True

    _path = field_validator("path", "detail_path")(_check_path)

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").replace("-", " ").capitalize()

    def record_path(self, record_id: str) -> str:
        """The path of one record: `detail_path` with `{id}` filled, or `path` + id."""
        if self.detail_path:
            return self.detail_path.replace("{id}", record_id)
        if self.path.endswith("/"):
            return f"{self.path}{record_id}/"
        return f"{self.path}/{record_id}"

    def allows(self, method: Method) -> bool:
        return method in self.methods


# --- the spec -------------------------------------------------------------------------------


class ConnectorSpec(_Model):
    name: str = Field(min_length=1)
    base_url: str
    api_prefix: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    auth: AuthSpec
    scope: ScopeStep | None = None
    pagination: PaginationSpec
    sort: SortSpec | None = None
    search_param: OptionalText = None
    errors: ErrorSpec = Field(default_factory=ErrorSpec)
    rate_limit: RateLimitSpec = Field(default_factory=RateLimitSpec)
    resources: list[ResourceSpec] = Field(min_length=1)

    _prefix = field_validator("api_prefix")(_check_path)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        if parts.username or parts.password:
            raise ValueError("must not contain credentials; put them in [auth]")
        if parts.query or parts.fragment:
            raise ValueError("must not contain a query or fragment")
        return value.rstrip("/")

    @field_validator("resources")
    @classmethod
    def _unique_resources(cls, value: list[ResourceSpec]) -> list[ResourceSpec]:
        names = [resource.name for resource in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate resource names: {', '.join(duplicates)}")
        return value

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def url(self, path: str) -> str:
        """The absolute URL of an API path (the prefix is added)."""
        return f"{self.base_url}{self.api_prefix}{path}"

    def resource(self, name: str) -> ResourceSpec:
        for resource in self.resources:
            if resource.name == name:
                return resource
        raise SpecError({"resources": f"no resource named '{name}'"})


# --- loading --------------------------------------------------------------------------------


def resolve_env(data: Any, environ: Mapping[str, str], path: str = "") -> Any:
    """Replace `${VAR}` references in every string of `data` with values from `environ`."""
    if isinstance(data, dict):
        return {key: resolve_env(value, environ, _join(path, key)) for key, value in data.items()}
    if isinstance(data, list):
        return [resolve_env(value, environ, f"{path}[{i}]") for i, value in enumerate(data)]
    if isinstance(data, str):
        missing = [name for name in ENV_REFERENCE.findall(data) if name not in environ]
        if missing:
            raise SpecError({path: f"environment variable {missing[0]} is not set"})
        return ENV_REFERENCE.sub(lambda match: environ[match.group(1)], data)
    return data


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def _location(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    """A dotted path for a pydantic error location: `resources[contacts].path`, `auth.key`."""
    path = ""
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            node = node[item] if isinstance(node, list) and item < len(node) else None
            name = node.get("name") if isinstance(node, Mapping) else None
            path += f"[{name or item}]"
        elif path == "auth" and item in AUTH_TYPES:
            continue
        else:
            node = node.get(item) if isinstance(node, Mapping) else None
            path = f"{path}.{item}" if path else str(item)
    return path or "spec"


PRESETS_DIR = Path(__file__).parent / "presets"


def available_presets() -> list[str]:
    return sorted(path.stem for path in PRESETS_DIR.glob("*.toml"))


def preset_data(name: str) -> dict[str, Any]:
    """The raw (unvalidated) mapping of a bundled preset."""
    if name not in available_presets():
        choices = ", ".join(available_presets())
        raise SpecError({"preset": f"unknown preset '{name}' (choose from {choices})"})
    with (PRESETS_DIR / f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


def merge_spec(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Overlay `overrides` on `base`: tables merge key by key, `resources` merge by name
    (a new name is appended), any other value replaces the base value."""
    merged = dict(base)
    for key, value in overrides.items():
        current = merged.get(key)
        if key == "resources" and isinstance(current, list) and isinstance(value, list):
            merged[key] = _merge_resources(current, value)
        elif isinstance(current, Mapping) and isinstance(value, Mapping) and key != "auth":
            merged[key] = merge_spec(current, value)
        elif key == "auth" and isinstance(current, Mapping) and isinstance(value, Mapping):
            same_type = value.get("type", current.get("type")) == current.get("type")
            merged[key] = merge_spec(current, value) if same_type else dict(value)
        else:
            merged[key] = value
    return merged


def _merge_resources(base: list[Any], overrides: list[Any]) -> list[Any]:
    by_name = {item.get("name"): item for item in base if isinstance(item, Mapping)}
    merged = list(base)
    for item in overrides:
        name = item.get("name") if isinstance(item, Mapping) else None
        if name in by_name:
            merged[merged.index(by_name[name])] = merge_spec(by_name[name], item)
        else:
            merged.append(item)
    return merged


def parse_spec(data: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> ConnectorSpec:
    """Validate a spec mapping or raise `SpecError`.

    A `preset` key names a bundled preset that the rest of the mapping overrides;
    `${VAR}` references are resolved from `environ` (default: the process environment).
    """
    data = dict(data)
    if "preset" in data:
        data = merge_spec(preset_data(str(data.pop("preset"))), data)
    resolved = resolve_env(data, os.environ if environ is None else environ)
    try:
        return ConnectorSpec.model_validate(resolved)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors(include_url=False):
            location = _location(error["loc"], resolved)
            message = error["msg"].removeprefix("Value error, ")
            errors.setdefault(location, message)
        raise SpecError(errors) from None


def load_spec_file(path: str | Path, environ: Mapping[str, str] | None = None) -> ConnectorSpec:
    """Read and validate a TOML connector spec."""
    try:
        with Path(path).open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise SpecError({"file": f"cannot read {path}: {exc.strerror}"}) from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError({"file": f"{path} is not valid TOML: {exc}"}) from None
    return parse_spec(data, environ)


def get_path(data: Any, path: str | None) -> Any:
    """Read a dotted path (`pagination.page_count`) from decoded JSON; `None` when absent.

    An empty path means the value itself.
    """
    if path is None:
        return None
    if path == "":
        return data
    node = data
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node
