from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "dashboard.connections"
    label = "connections"
    verbose_name = "Connections"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
