from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from dashboard.teams.models import Team

from .crypto import decrypt_json


def default_snapshot_max_age() -> int:
    return settings.SNAPSHOT_MAX_AGE_MINUTES


class Connection(models.Model):
    """One vendor account a team uses: a preset or custom spec, settings and credentials.

    The spec is TOML: for a preset, the overrides laid over it; without a preset, the whole
    spec. Its `${NAME}` references are filled from `variables` (plain settings such as an
    org unit) and from the encrypted `secrets` (keys, passwords). Secrets are never stored
    or shown in plain text: `secret_hints` keeps only the last four characters.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="connections")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    preset = models.CharField(max_length=40, blank=True)
    base_url = models.CharField(max_length=500, blank=True)
    spec_toml = models.TextField("spec (TOML)", blank=True)
    variables = models.JSONField(default=dict, blank=True)
    secrets_encrypted = models.TextField(blank=True, editable=False)
    secret_hints = models.JSONField(default=dict, blank=True, editable=False)
    tokens_encrypted = models.TextField(blank=True, editable=False)
    read_only = models.BooleanField(
        default=False, help_text="No record edits through this connection, whatever the role."
    )
    snapshot_max_age = models.PositiveIntegerField(
        "snapshot max age (minutes)",
        default=default_snapshot_max_age,
        help_text="How long a snapshot serves this connection's tables before live pages do.",
    )
    restricted = models.BooleanField(
        default=False, help_text="Only the chosen members (and admins) can see this connection."
    )
    allowed_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="allowed_connections"
    )
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "slug"], name="connection_slug_per_team")
        ]

    def __str__(self) -> str:
        return self.name

    def decrypted_secrets(self) -> dict[str, Any]:
        """The secrets in plain text; raises CredentialsUnreadable. Never render the result."""
        return decrypt_json(self.secrets_encrypted)
