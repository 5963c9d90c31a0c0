from django.apps import AppConfig


class WebConfig(AppConfig):
    """Server-rendered pages for people: the passport page, the manufacturer console, recycler
    intake and the regulator dashboard. The API serves machines; these pages call the same
    services."""

    name = "web"
    verbose_name = "Web interface"
