"""Authentication flows for vendor APIs, built from a connector spec by `build_auth`.

Every scheme is an `httpx.Auth`. The key schemes (`header_key`, `bearer_key`,
`raw_authorization`, `basic`) set one header per request. `TokenAuth` (`login_bearer`) logs
in with a user name and password, refreshes the access token before it expires or when the
vendor answers 401, and keeps the tokens in a `TokenStore` chosen by the caller.
`ScopedAuth` wraps either and sends the spec's scope step (for example selecting the active
organisational unit) once per session, before the first request.

`TokenAuth` and `ScopedAuth` take locks, so, as httpx advises, they override
`sync_auth_flow` and work with `httpx.Client` only. They read the bodies of their own
answers (login, refresh) and leave every other response unread, so the caller may stream it.
Their requests carry the connector's extra headers and the extensions (so the timeout) of
the request that triggered them, and pass through the client's transport and event hooks.

When login, refresh or the scope step fails, the flow stops and the client receives that
failing answer as the response: the caller's error handling reads the vendor's own message.
Its `request` is then the engine's request, whose body may hold the password: never log it.
Secrets are read from their `SecretStr` only while a header or login body is being built;
they are never put in a URL and never logged.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from .redaction import register_tokens
from .spec import (
    BasicAuth,
    BearerKeyAuth,
    ConnectorSpec,
    HeaderKeyAuth,
    LoginBearerAuth,
    RawAuthorizationAuth,
    ScopeStep,
    get_path,
)

type Flow[T] = Generator[httpx.Request, httpx.Response, T]

# Refresh answers that mean "this refresh token is no good": log in again instead.
REFRESH_REJECTED = frozenset({400, 401})
TOKEN_ANSWER_LIMIT = 1024 * 1024


class TokenResponseError(Exception):
    """A successful login or refresh answer that holds no usable access token."""


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str | None
    expires_at: float  # epoch seconds

    def __repr__(self) -> str:
        return f"Tokens(expires_at={self.expires_at!r})"


class TokenStore(Protocol):
    """Where the tokens of one vendor account live (the app keeps them encrypted in the DB)."""

    def load(self) -> Tokens | None: ...

    def save(self, tokens: Tokens) -> None: ...


class MemoryTokenStore:
    """The default `TokenStore`: tokens kept in this process only."""

    def __init__(self, tokens: Tokens | None = None) -> None:
        self._tokens = tokens

    def load(self) -> Tokens | None:
        return self._tokens

    def save(self, tokens: Tokens) -> None:
        self._tokens = tokens


class TokenLock(Protocol):
    """A factory of context managers that serialise login and refresh (for example a
    cross-process lock built on the Django cache)."""

    def __call__(self) -> AbstractContextManager[object]: ...


class ThreadLock:
    """The default `TokenLock`: serialises the threads of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self) -> threading.Lock:
        return self._lock


@dataclass(frozen=True)
class AuthRequests:
    """Builds the engine's own requests (login, refresh, scope) for one connector."""

    spec: ConnectorSpec

    def build(
        self, method: str, path: str, body: Mapping[str, Any], *, like: httpx.Request
    ) -> httpx.Request:
        """A JSON request to an API path, with the timeout of `like` (not its other
        extensions: the caller's resource label belongs to the caller's request)."""
        return httpx.Request(
            method,
            self.spec.url(path),
            json=dict(body),
            headers={"Accept": "application/json", **self.spec.headers},
            extensions={
                key: like.extensions[key] for key in ("timeout",) if key in like.extensions
            },
        )


def _relay(
    flow: Flow[None], *, before: Callable[[httpx.Request], Flow[bool]] | None = None
) -> Flow[httpx.Response | None]:
    """Run another auth flow inside this one; return its last response.

    `before(request)` runs ahead of each request the inner flow sends; when it returns
    False the relay stops and returns None (the last response is then `before`'s own).
    """
    response = None
    try:
        outgoing = next(flow)
        while True:
            if before is not None and not (yield from before(outgoing)):
                return None
            response = yield outgoing
            outgoing = flow.send(response)
    except StopIteration:
        return response
    finally:
        flow.close()


class VendorAuth(httpx.Auth):
    """Base of the engine's auth flows."""

    # Bumped each time the flow starts a new vendor session (a login); see `ScopedAuth`.
    session = 0

    def reset_session(self) -> None:
        """Forget per-session state, so the next request starts a new session."""


class _SyncAuth(VendorAuth):
    """A flow that takes locks: it overrides `sync_auth_flow` and refuses async clients."""

    def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        raise TypeError(f"{type(self).__name__} works with httpx.Client only")


class SecretHeaderAuth(VendorAuth):
    """Sets one header to a secret, optionally after a scheme word (`Bearer <key>`)."""

    def __init__(self, header: str, secret: SecretStr, *, scheme: str = "") -> None:
        self._header = header
        self._secret = secret
        self._scheme = scheme

    def auth_flow(self, request: httpx.Request) -> Flow[None]:
        value = self._secret.get_secret_value()
        request.headers[self._header] = f"{self._scheme} {value}" if self._scheme else value
        yield request


class ClientSecretAuth(VendorAuth):
    """HTTP Basic with a client id and secret, read from the spec at each request."""

    def __init__(self, client_id: SecretStr, client_secret: SecretStr) -> None:
        self._client_id = client_id
        self._client_secret = client_secret

    def auth_flow(self, request: httpx.Request) -> Flow[None]:
        basic = httpx.BasicAuth(
            self._client_id.get_secret_value(), self._client_secret.get_secret_value()
        )
        yield from basic.auth_flow(request)


class TokenAuth(_SyncAuth):
    """Log in with a user name and password and send the access token.

    The token is refreshed `refresh_margin` seconds before it expires, and when the vendor
    answers 401 (the request is then retried once; a second 401 is returned as is). When
    there is no refresh path or token, or the vendor rejects the refresh (400 or 401), the
    flow logs in again. Login and refresh hold `lock`; a request that waited for it reloads
    the tokens and uses those another request just obtained instead of renewing again.
    """

    def __init__(
        self,
        settings: LoginBearerAuth,
        requests: AuthRequests,
        *,
        store: TokenStore,
        lock: TokenLock,
        clock: Callable[[], float],
    ) -> None:
        self._settings = settings
        self._requests = requests
        self._store = store
        self._lock = lock
        self._clock = clock

    def sync_auth_flow(self, request: httpx.Request) -> Flow[None]:
        tokens = self._load()
        if tokens is None or self._expiring(tokens):
            tokens = yield from self._renew(request, rejected=None)
            if tokens is None:
                return
        response = yield self._authorise(request, tokens)
        if response.status_code != httpx.codes.UNAUTHORIZED:
            return
        tokens = yield from self._renew(request, rejected=tokens.access)
        if tokens is not None:
            yield self._authorise(request, tokens)

    def _load(self) -> Tokens | None:
        """The stored tokens (another process may have obtained them), known to redaction."""
        tokens = self._store.load()
        if tokens is not None:
            register_tokens(filter(None, (tokens.access, tokens.refresh)))
        return tokens

    def _authorise(self, request: httpx.Request, tokens: Tokens) -> httpx.Request:
        request.headers[self._settings.header] = f"{self._settings.scheme} {tokens.access}"
        return request

    def _expiring(self, tokens: Tokens) -> bool:
        return tokens.expires_at - self._settings.refresh_margin <= self._clock()

    def _renew(self, request: httpx.Request, *, rejected: str | None) -> Flow[Tokens | None]:
        """New tokens, or None when the vendor refused (its answer is the last response).

        `rejected` is the access token the vendor just answered 401 to, if any.
        """
        with self._lock():
            current = self._load()
            if current and current.access != rejected and not self._expiring(current):
                return current
            tokens = None
            if current and current.refresh and self._settings.refresh_path:
                response = yield self._refresh_request(request, current.refresh)
                if response.is_success:
                    tokens = self._read_tokens(response, "refresh", fallback=current.refresh)
                elif response.status_code not in REFRESH_REJECTED:
                    return None
            if tokens is None:
                response = yield self._login_request(request)
                if not response.is_success:
                    return None
                tokens = self._read_tokens(response, "login", fallback=None)
                self.session += 1
            self._store.save(tokens)
            return tokens

    def _login_request(self, like: httpx.Request) -> httpx.Request:
        settings = self._settings
        body = {
            settings.username_field: settings.username.get_secret_value(),
            settings.password_field: settings.password.get_secret_value(),
        }
        return self._requests.build("POST", settings.login_path, body, like=like)

    def _refresh_request(self, like: httpx.Request, refresh: str) -> httpx.Request:
        settings = self._settings
        assert settings.refresh_path is not None
        body = {settings.refresh_field: refresh}
        return self._requests.build("POST", settings.refresh_path, body, like=like)

    def _read_tokens(self, response: httpx.Response, what: str, *, fallback: str | None) -> Tokens:
        settings = self._settings
        try:
            body = json.loads(_read_small(response, what))
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            raise TokenResponseError(f"the {what} answer is not JSON") from None
        access = get_path(body, settings.access_token_path)
        if not isinstance(access, str) or not access:
            raise TokenResponseError(
                f"the {what} answer has no access token at '{settings.access_token_path}'"
            )
        refresh = get_path(body, settings.refresh_token_path)
        expires_in = get_path(body, settings.expires_in_path)
        if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
            expires_in = settings.token_lifetime
        tokens = Tokens(
            access=access,
            refresh=refresh if isinstance(refresh, str) and refresh else fallback,
            expires_at=self._clock() + expires_in,
        )
        register_tokens(filter(None, (tokens.access, tokens.refresh)))
        return tokens


class ScopedAuth(_SyncAuth):
    """Sends the scope step once per session, before the first request, through `inner`.

    A session starts with this object, after `reset_session()`, and after each login of the
    inner flow (so after a re-login on 401, before the retried request). When the scope
    request fails, its answer is returned to the caller and the next request tries again.
    """

    def __init__(self, inner: VendorAuth, step: ScopeStep, requests: AuthRequests) -> None:
        self._inner = inner
        self._step = step
        self._requests = requests
        self._lock = threading.Lock()
        self._scoped_session: int | None = None

    def reset_session(self) -> None:
        with self._lock:
            self._scoped_session = None

    def sync_auth_flow(self, request: httpx.Request) -> Flow[None]:
        def before(outgoing: httpx.Request) -> Flow[bool]:
            return self._ensure_scope(request, outgoing)

        yield from _relay(self._inner.sync_auth_flow(request), before=before)

    def _ensure_scope(self, like: httpx.Request, outgoing: httpx.Request) -> Flow[bool]:
        """Send the scope step unless done this session; False when the vendor refused it.

        Only the caller's own request waits for it: the inner flow's login and refresh
        requests must go first, and run while it holds its token lock.
        """
        if outgoing is not like:
            return True
        with self._lock:
            if self._scoped_session == self._inner.session:
                return True
            step = self._step
            scope_request = self._requests.build(step.method, step.path, step.body, like=like)
            response = yield from _relay(self._inner.sync_auth_flow(scope_request))
            if response is None or not response.is_success:
                return False
            self._scoped_session = self._inner.session
            return True


def build_auth(
    spec: ConnectorSpec,
    *,
    token_store: TokenStore | None = None,
    lock: TokenLock | None = None,
    clock: Callable[[], float] = time.time,
) -> VendorAuth:
    """The auth flow a spec describes; `token_store`, `lock` and `clock` serve `login_bearer`."""
    settings = spec.auth
    requests = AuthRequests(spec)
    auth: VendorAuth
    match settings:
        case LoginBearerAuth():
            auth = TokenAuth(
                settings,
                requests,
                store=token_store or MemoryTokenStore(),
                lock=lock or ThreadLock(),
                clock=clock,
            )
        case HeaderKeyAuth():
            auth = SecretHeaderAuth(settings.header, settings.key)
        case BearerKeyAuth():
            auth = SecretHeaderAuth(settings.header, settings.key, scheme=settings.scheme)
        case RawAuthorizationAuth():
            auth = SecretHeaderAuth("Authorization", settings.key)
        case BasicAuth():
            auth = ClientSecretAuth(settings.client_id, settings.client_secret)
    if spec.scope is None:
        return auth
    return ScopedAuth(auth, spec.scope, requests)


def _read_small(response: httpx.Response, what: str) -> bytes:
    """A login or refresh answer, refused beyond `TOKEN_ANSWER_LIMIT` bytes (tokens are
    small; a vendor sending more is misbehaving). A declared length is checked before
    reading anything."""
    declared = response.headers.get("content-length", "")
    too_large = declared.isdigit() and int(declared) > TOKEN_ANSWER_LIMIT
    if not too_large:
        response.read()
        too_large = len(response.content) > TOKEN_ANSWER_LIMIT
    if too_large:
        raise TokenResponseError(f"the {what} answer is larger than {TOKEN_ANSWER_LIMIT} bytes")
    return response.content
