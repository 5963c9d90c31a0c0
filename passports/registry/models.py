"""The registry outbox: one row per passport placed on the market, until the registry has it."""

import uuid

from django.db import models
from django.db.models import Q


class DeliveryStatus(models.TextChoices):
    # Waiting for its first or next attempt (also while delivery is switched off).
    PENDING = "pending"
    DELIVERED = "delivered"
    # The registry refused the upload itself (a 4xx other than a rate limit): retrying the same
    # bytes cannot help, so the operator is asked to look; the retry action re-queues it.
    REJECTED = "rejected"


class RegistryDeliveryQuerySet(models.QuerySet):
    def visible_to(self, organisation) -> "RegistryDeliveryQuerySet":
        """An organisation sees the uploads made in its name, nobody else's."""
        if organisation is None:
            return self.none()
        return self.filter(organisation=organisation)

    def due(self, now) -> "RegistryDeliveryQuerySet":
        """Pending rows whose retry time has come and that no worker is sending right now."""
        return self.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )


class RegistryDelivery(models.Model):
    """An upload of one passport's identifiers to the EU registry, and how it went."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # One registration per passport: placing the same product on the market again (another
    # market) does not register it twice. A successor passport gets its own row.
    passport = models.OneToOneField(
        "passports.Passport", on_delete=models.PROTECT, related_name="registry_delivery"
    )
    # The economic operator that placed the product on the market, in whose name it registers.
    organisation = models.ForeignKey(
        "passports.Organisation", on_delete=models.PROTECT, related_name="registry_deliveries"
    )
    # Sent as the Idempotency-Key header on every attempt, so a retry after a lost answer
    # returns the first registration instead of making a second one.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The exact body uploaded, fixed when the row is written: every retry sends the same bytes.
    payload = models.JSONField()
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    registration_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    # A worker sending this row holds it until claimed_until; `claim` lets only that worker
    # record the outcome (compare-and-set), so two workers never both count an attempt.
    claim = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    objects = RegistryDeliveryQuerySet.as_manager()

    class Meta:
        app_label = "passports"
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.DELIVERED) | ~Q(registration_id=""),
                name="registry_delivered_has_registration_id",
                violation_error_message="A delivered upload carries the registry's identifier.",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"registry upload of {self.passport_id} ({self.status})"
