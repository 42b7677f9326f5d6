from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, so nobody adds, changes or deletes here."""

    list_display = [
        "created_at",
        "actor_email",
        "team_slug",
        "action",
        "target",
        "outcome",
        "vendor_status",
    ]
    list_filter = ["outcome", "action", "team"]
    search_fields = ["actor_email", "team_slug", "action", "target", "record_id", "request_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "actor",
        "actor_email",
        "team",
        "team_slug",
        "action",
        "target",
        "outcome",
        "details",
        "connection",
        "connection_slug",
        "resource",
        "record_id",
        "changes",
        "vendor_status",
        "vendor_message",
        "request_id",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
