"""The audit trail: one append-only row per security-relevant event."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from dashboard.teams.models import Team

VENDOR_MESSAGE_MAX_LENGTH = 500


class AppendOnlyError(RuntimeError):
    """Audit entries are never changed or deleted once written."""


class Outcome(models.TextChoices):
    OK = "ok", "OK"
    DENIED = "denied", "Denied"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Unknown"


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """Who did what, when (stored in UTC), in which team, to what, and how it went.

    `actor_email`, `team_slug` and `connection_slug` keep the names readable after the user,
    team or connection is gone. Record writes also name the `resource` and `record_id`, the
    `changes` (`{field: {"before": ..., "after": ...}}`), the vendor's answer
    (`vendor_status`, `vendor_message`) and the `request_id` of the request that made them.
    `details` and `changes` are plain JSON and never hold secrets (see `audit_record`).
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_email = models.EmailField(blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team_slug = models.SlugField(max_length=100, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    target = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    details = models.JSONField(default=dict, blank=True)
    connection = models.ForeignKey(
        "connections.Connection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    connection_slug = models.SlugField(max_length=100, blank=True)
    resource = models.CharField(max_length=100, blank=True)
    record_id = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(null=True, blank=True)
    vendor_status = models.PositiveSmallIntegerField(null=True, blank=True)
    vendor_message = models.CharField(max_length=VENDOR_MESSAGE_MAX_LENGTH, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["team", "-created_at"], name="audit_team_recent"),
            models.Index(
                fields=["connection", "resource", "record_id", "-created_at"],
                name="audit_record_recent",
            ),
        ]

    def __str__(self) -> str:
        who = self.actor_email or "anonymous"
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {who} {self.action} ({self.outcome})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be deleted.")
