"""System checks: the credential keys must be usable before secrets are stored."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from .crypto import KeysInvalid, multifernet


@register(Tags.security, deploy=False)
def credential_keys_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        multifernet()
    except KeysInvalid as exc:
        if not settings.CREDENTIAL_KEYS and settings.DEBUG:
            return []
        return [
            Error(
                str(exc),
                hint=(
                    'Generate a key with: python -c "from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())"'
                ),
                id="connections.E001",
            )
        ]
    return []
