"""Celery finds tasks in each app's `tasks` module; the registry's live in their package."""

from passports.registry.tasks import deliver_registration, sweep_registrations

__all__ = ["deliver_registration", "sweep_registrations"]
