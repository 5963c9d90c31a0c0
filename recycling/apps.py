from django.apps import AppConfig


class RecyclingConfig(AppConfig):
    """Collection, treatment batches, aggregation, statistics and demo data."""

    name = "recycling"
    default_auto_field = "django.db.models.BigAutoField"
