"""Celery finds tasks in each app's `tasks` module; the registry's live in their package."""

from celery import shared_task

from passports.registry.tasks import deliver_registration, sweep_registrations

__all__ = ["deliver_registration", "public_answers_fill", "sweep_registrations"]


@shared_task(soft_time_limit=30, time_limit=60, ignore_result=True)
def public_answers_fill(passport_id: str) -> int:
    """Renders a passport's public answers into the scan cache after it changed."""
    # Imported here: the renderer pulls in the whole view stack, which a worker rarely needs.
    from passports.scan_fill import public_answers_fill as fill

    return fill(passport_id=passport_id)
