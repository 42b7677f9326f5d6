"""A snapshot: every record of one resource of one connection, copied locally so the table
can sort, filter and search the whole collection, and exports can read it at once."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dashboard.connections.models import Connection


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE = (Status.QUEUED, Status.RUNNING)


class Snapshot(models.Model):
    """One walk over a collection, and its progress.

    Each fetched page is stored in one transaction with the token of the page after it
    (`next_cursor`) and a heartbeat, so a walk whose worker died resumes from there, or
    fails visibly: never a silently partial copy. Only a `complete` snapshot serves tables
    and exports.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="snapshots")
    resource = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    page_size = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    records = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(
        null=True, blank=True, help_text="As the vendor reports it."
    )
    next_cursor = models.TextField(blank=True, help_text="The token of the next page to fetch.")
    resumes = models.PositiveSmallIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    budget_limit = models.PositiveIntegerField(null=True, blank=True)
    budget_remaining = models.PositiveIntegerField(null=True, blank=True)
    kinds = models.JSONField(default=dict, blank=True, help_text="Field name: kind of value.")
    fields = models.JSONField(
        default=list,
        blank=True,
        help_text="Field names in the vendor's order (a JSON object column may reorder keys).",
    )
    version = models.PositiveIntegerField(default=0, help_text="Counts edits of its records.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["connection", "resource", "status", "-finished_at"],
                name="snapshot_latest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection} · {self.resource} · {self.status}"


class SnapshotRecord(models.Model):
    """One record of a snapshot, with the keys it is sorted, filtered and searched by
    (`dashboard.snapshots.keys`)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    record_id = models.CharField(max_length=300)
    data = models.JSONField()
    numbers = models.JSONField(default=dict)
    texts = models.JSONField(default=dict)
    search = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "record_id"], name="snapshot_record_once")
        ]
        indexes = [models.Index(fields=["snapshot", "position"], name="snapshot_record_order")]

    def __str__(self) -> str:
        return f"{self.snapshot_id} · {self.record_id}"
