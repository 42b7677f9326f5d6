"""The redaction registry: credentials for good, only the most recent login tokens."""

from __future__ import annotations

from dashboard.connectors.redaction import (
    MAX_TOKENS,
    redact,
    redact_registered,
    register_secrets,
    register_tokens,
)


def test_credentials_stay_and_old_tokens_are_forgotten():
    register_secrets(["cred-stays-for-good-81f2"])
    register_tokens([f"token-{index:04d}-5c3e" for index in range(MAX_TOKENS + 1)])
    assert redact_registered("cred-stays-for-good-81f2") == "[redacted]"
    assert redact_registered(f"token-{MAX_TOKENS:04d}-5c3e") == "[redacted]"
    assert redact_registered("token-0000-5c3e") == "token-0000-5c3e", "the oldest is forgotten"


def test_credential_shaped_pairs_are_hidden_whatever_the_registry():
    assert redact('{"password": "hunter2-never-registered"}') == '{"password": "[redacted]"}'
    assert redact("Authorization: Bearer abc.def") == "Authorization: [redacted]"
