from django.conf import settings
from django.db import models

from dashboard.connections.models import Connection


class ColumnPreference(models.Model):
    """The columns one user chose for one resource of one connection, in order."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="column_preferences"
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="column_preferences"
    )
    resource = models.CharField(max_length=100)
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "connection", "resource"], name="one_column_preference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.connection} · {self.resource}"
