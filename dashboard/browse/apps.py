from django.apps import AppConfig


class BrowseConfig(AppConfig):
    name = "dashboard.browse"
    label = "browse"
    verbose_name = "Browsing"
