"""Queueing registrations with the placing event, and delivering them with retries."""

import datetime as dt
import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from passports.identifiers import digital_link
from passports.models import Organisation, Passport
from passports.registry.backoff import retry_delay
from passports.registry.client import RegistryError, registration_upload
from passports.registry.models import DeliveryStatus, RegistryDelivery

logger = logging.getLogger(__name__)

# What registration_deliver did.
DELIVERED, RETRY, REJECTED, SKIPPED, OFF = "delivered", "retry", "rejected", "skipped", "off"
# How many due rows one sweep hands out; the next sweep takes the rest.
SWEEP_BATCH = 500


def registration_payload(
    *, passport: Passport, operator: Organisation, country: str, placed_on: dt.date
) -> dict:
    """What the registry is told: product, passport and operator identifiers, and the market."""
    link = digital_link(gtin=passport.gtin, serial=passport.serial, passport_id=passport.id)
    if passport.gtin:
        product = {"scheme": "gs1", "gtin": passport.gtin, "serial": passport.serial}
    elif passport.gbt_code:
        product = {"scheme": "gbt34014", "code": passport.gbt_code}
    else:
        product = {"scheme": "passport", "id": str(passport.id)}
    product["digital_link"] = link
    return {
        "unique_product_identifier": product,
        "passport_identifier": str(passport.id),
        "digital_link": link,
        "product_category": passport.product_type,
        "model": passport.model,
        "economic_operator": {
            "id": str(operator.pk),
            "name": operator.name,
            "country": operator.country or None,
            "gs1_company_prefix": operator.gs1_company_prefix or None,
        },
        "manufacturer": str(passport.manufacturer_id),
        "facility": {
            "name": passport.manufacturing_facility or None,
            "country": passport.manufacturing_country,
        },
        "placed_on_market": {"country": country, "date": placed_on.isoformat()},
    }


def registration_queue(
    *, passport: Passport, operator: Organisation, country: str, placed_on: dt.date
) -> RegistryDelivery | None:
    """Writes the outbox row for a passport just placed on the market; None if it has one.

    Called inside the transaction that records the placing event, with the passport row
    locked, so the row exists exactly when the event does.
    """
    if RegistryDelivery.objects.filter(passport=passport).exists():
        return None  # placed on another market later: the registry already has the product
    return RegistryDelivery.objects.create(
        passport=passport,
        organisation=operator,
        payload=registration_payload(
            passport=passport, operator=operator, country=country, placed_on=placed_on
        ),
        next_attempt_at=timezone.now(),
    )


def registrations_backfill(*, placements: Iterable[tuple]) -> list[uuid.UUID]:
    """Queues passports placed on the market before delivery existed; returns the new rows.

    `placements` yields (passport id, operator id, country, date placed). Passports that
    already have a row are left alone, so running it twice queues nothing new.
    """
    created = []
    for passport_id, operator_id, country, placed_on in placements:
        with transaction.atomic():
            passport = Passport.objects.select_for_update().filter(pk=passport_id).first()
            if passport is None:
                continue
            delivery = registration_queue(
                passport=passport,
                operator=Organisation.objects.get(pk=operator_id),
                country=country,
                placed_on=placed_on,
            )
            if delivery is not None:
                created.append(delivery.pk)
    return created


def registrations_due(*, limit: int = SWEEP_BATCH) -> list[uuid.UUID]:
    """Ids of pending rows whose retry time has come, oldest first."""
    return list(
        RegistryDelivery.objects.due(timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def registration_retry(*, delivery: RegistryDelivery) -> bool:
    """Makes a pending or refused upload due now (after the operator fixed the cause)."""
    return bool(
        RegistryDelivery.objects.filter(
            pk=delivery.pk, status__in=[DeliveryStatus.PENDING, DeliveryStatus.REJECTED]
        ).update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now())
    )


def registration_deliver(*, delivery_id: uuid.UUID | str) -> str:
    """Sends one due upload, unless another worker is sending it; records what came back."""
    if not settings.REGISTRY_URL:
        return OFF
    now = timezone.now()
    claim = uuid.uuid4()
    # Long enough for the request to time out and the outcome to be written.
    lease = dt.timedelta(seconds=2 * settings.REGISTRY_TIMEOUT_SECONDS + 30)
    won = (
        RegistryDelivery.objects.due(now)
        .filter(pk=delivery_id)
        .update(claim=claim, claimed_until=now + lease)
    )
    if not won:
        return SKIPPED  # delivered, refused, not yet due, or being sent by another worker
    delivery = RegistryDelivery.objects.get(pk=delivery_id)
    try:
        registered = registration_upload(
            url=settings.REGISTRY_URL,
            token=settings.REGISTRY_TOKEN,
            payload=delivery.payload,
            idempotency_key=str(delivery.idempotency_key),
            timeout=settings.REGISTRY_TIMEOUT_SECONDS,
        )
    except RegistryError as exc:
        return _failure_record(delivery, claim, exc)
    RegistryDelivery.objects.filter(pk=delivery.pk, claim=claim).update(
        status=DeliveryStatus.DELIVERED,
        registration_id=registered.registration_id,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        delivered_at=timezone.now(),
        last_error="",
        claim=None,
        claimed_until=None,
    )
    return DELIVERED


def _failure_record(delivery: RegistryDelivery, claim: uuid.UUID, exc: RegistryError) -> str:
    now = timezone.now()
    attempts = delivery.attempts + 1
    changes = {
        "attempts": attempts,
        "last_attempt_at": now,
        "last_error": str(exc),
        "claim": None,
        "claimed_until": None,
    }
    if exc.transient:
        wait = retry_delay(
            attempts=attempts,
            base=settings.REGISTRY_RETRY_BASE_SECONDS,
            cap=settings.REGISTRY_RETRY_MAX_SECONDS,
            at_least=exc.retry_after,
        )
        changes["next_attempt_at"] = now + dt.timedelta(seconds=wait)
        outcome = RETRY
    else:
        changes["status"] = DeliveryStatus.REJECTED
        outcome = REJECTED
    logger.warning("registry upload %s failed (attempt %s): %s", delivery.pk, attempts, exc)
    RegistryDelivery.objects.filter(pk=delivery.pk, claim=claim).update(**changes)
    return outcome
