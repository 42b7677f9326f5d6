"""HS256 JSON Web Tokens, signed with a key that lives as long as the simulator."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

_HEADER = {"alg": "HS256", "typ": "JWT"}


class TokenSigner:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def issue(self, claims: dict[str, Any], ttl: float) -> str:
        now = time.time()
        body = {**claims, "iat": int(now), "exp": now + ttl, "jti": secrets.token_hex(16)}
        signing_input = f"{_encode(_HEADER)}.{_encode(body)}"
        return f"{signing_input}.{self._sign(signing_input)}"

    def verify(self, token: str, **expected: Any) -> dict[str, Any] | None:
        """The token's claims if it is ours, unexpired and carries the `expected` claims."""
        signing_input, _, signature = token.rpartition(".")
        if (
            not token.isascii()
            or not signing_input
            or not hmac.compare_digest(signature, self._sign(signing_input))
        ):
            return None
        claims = json.loads(_decode(signing_input.partition(".")[2]))
        if claims["exp"] <= time.time():
            return None
        if any(claims.get(name) != value for name, value in expected.items()):
            return None
        return claims

    def _sign(self, signing_input: str) -> str:
        digest = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _encode(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
