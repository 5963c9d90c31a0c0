from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    """Lifecycle events, per-passport hash chains and (later) the transparency log."""

    name = "lifecycle"
    default_auto_field = "django.db.models.BigAutoField"
