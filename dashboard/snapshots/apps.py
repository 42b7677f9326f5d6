from django.apps import AppConfig


class SnapshotsConfig(AppConfig):
    name = "dashboard.snapshots"
    verbose_name = "Snapshots and exports"
