"""Credentials at rest: Fernet through MultiFernet, keys from settings.CREDENTIAL_KEYS.

The first key encrypts; every key decrypts, so keys can be rotated without downtime:
add a new key in front, run `manage.py rotate_credential_keys`, then drop the old key.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsUnreadable(Exception):
    """Stored secrets that no configured key can decrypt (fail closed: do not call out)."""


class KeysInvalid(Exception):
    """CREDENTIAL_KEYS is empty or holds something that is not a Fernet key."""


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise KeysInvalid("CREDENTIAL_KEYS is empty: set at least one Fernet key.")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except (ValueError, TypeError):
            raise KeysInvalid(
                f"CREDENTIAL_KEYS entry {position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes)."
            ) from None
    return MultiFernet(fernets)


def multifernet() -> MultiFernet:
    return _multifernet(tuple(key.strip() for key in settings.CREDENTIAL_KEYS if key.strip()))


def encrypt_json(data: dict[str, Any]) -> str:
    return multifernet().encrypt(json.dumps(data, sort_keys=True).encode()).decode()


def decrypt_json(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(multifernet().decrypt(token.encode()))
    except (InvalidToken, ValueError, KeysInvalid):
        raise CredentialsUnreadable(
            "The stored credentials cannot be decrypted with the configured keys."
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt a token under the first key (raises CredentialsUnreadable)."""
    if not token:
        return token
    try:
        return multifernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise CredentialsUnreadable(
            "The stored credentials cannot be decrypted with the configured keys."
        ) from None


def hint(secret: str) -> str:
    """What may be shown of a secret: its last four characters, for long enough secrets."""
    return secret[-4:] if len(secret) >= 12 else ""
