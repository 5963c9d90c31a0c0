"""Celery tasks that deliver the registry outbox: one upload per task, and the beat sweep."""

import logging
from collections.abc import Iterable

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from passports.registry.models import DeliveryStatus, RegistryDelivery
from passports.registry.services import RETRY, registration_deliver, registrations_due

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def deliver_registration(delivery_id: str) -> str:
    """Uploads one outbox row; after a transient failure, sends itself again at the retry time."""
    outcome = registration_deliver(delivery_id=delivery_id)
    if outcome == RETRY and not deliver_registration.app.conf.task_always_eager:
        # Eager runs (no broker) leave retries to the sweep: a countdown would run at once.
        due = (
            RegistryDelivery.objects.filter(pk=delivery_id)
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if due is not None:
            countdown = max(0.0, (due - timezone.now()).total_seconds())
            _send(delivery_id, countdown=countdown)
    return outcome


@shared_task(ignore_result=True, acks_late=True)
def sweep_registrations() -> int:
    """Beat: hands out every upload whose retry time has come (lost messages, restarts)."""
    if not settings.REGISTRY_URL:
        waiting = RegistryDelivery.objects.filter(status=DeliveryStatus.PENDING).count()
        if waiting:
            logger.warning("REGISTRY_URL is not set: %s registry uploads are waiting", waiting)
        return 0
    due = registrations_due()
    for delivery_id in due:
        _send(str(delivery_id))
    return len(due)


def deliveries_enqueue(delivery_ids: Iterable) -> None:
    """Sends a delivery task per row once the current transaction commits."""
    ids = [str(delivery_id) for delivery_id in delivery_ids]

    def send() -> None:
        for delivery_id in ids:
            _send(delivery_id)

    if ids:
        transaction.on_commit(send)


def _send(delivery_id: str, countdown: float | None = None) -> None:
    """A broker outage is only logged: the row is in the database and the sweep finds it."""
    try:
        deliver_registration.apply_async((delivery_id,), countdown=countdown)
    except OperationalError as exc:
        logger.warning("broker unavailable, upload %s left to the sweep: %s", delivery_id, exc)
