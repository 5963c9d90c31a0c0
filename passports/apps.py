from django.apps import AppConfig


class PassportsConfig(AppConfig):
    """Organisations, signing keys, passports, identifiers, QR codes, the resolver, access tiers."""

    name = "passports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Web processes enqueue tasks too: load the configured Celery app before any task is sent.
        from django.db.models.signals import post_save

        import passports.checks  # noqa: F401
        import settings.celery  # noqa: F401
        from passports.models import Organisation
        from passports.scan_cache import organisation_saved

        post_save.connect(organisation_saved, sender=Organisation, dispatch_uid="scan-cache-orgs")
