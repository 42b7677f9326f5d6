from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "dashboard.connectors"
    label = "connectors"
    verbose_name = "Connector engine"
