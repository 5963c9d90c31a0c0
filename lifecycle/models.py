"""Signed lifecycle events, chained per passport."""

import uuid

from django.db import models
from django.db.models import Q

from passports.models import Organisation, Passport, SigningKey


class EventType(models.TextChoices):
    REGISTERED = "registered"
    PLACED_ON_MARKET = "placed_on_market"
    PUT_INTO_SERVICE = "put_into_service"
    HEALTH_REPORTED = "health_reported"
    REPAIRED = "repaired"
    OWNERSHIP_TRANSFERRED = "ownership_transferred"
    REUSED = "reused"
    REPURPOSED = "repurposed"
    REMANUFACTURED = "remanufactured"
    COLLECTED = "collected"
    RECYCLED = "recycled"
    DISPOSED = "disposed"


class Event(models.Model):
    """One signed link of a passport's chain; envelope and signature are stored byte for byte."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    passport = models.ForeignKey(Passport, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    prev = models.CharField(max_length=64, null=True, blank=True)
    hash = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=32, choices=EventType.choices)
    time = models.DateTimeField(help_text="When the event was signed (the envelope's time).")
    actor = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kid = models.ForeignKey(SigningKey, on_delete=models.PROTECT, db_column="kid", related_name="+")
    envelope = models.BinaryField(help_text="RFC 8785 bytes of the envelope, as signed.")
    signature = models.BinaryField(max_length=64)
    # The global transparency log position; assigned when the event is integrated into the log.
    log_index = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["passport", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["passport", "seq"],
                name="event_seq_unique_per_passport",
                violation_error_message="Another event already holds this position in the chain.",
            ),
            models.UniqueConstraint(
                fields=["passport", "prev"],
                name="event_prev_unique_per_passport",
                violation_error_message="The chain would fork: this event's predecessor is taken.",
            ),
            models.CheckConstraint(
                condition=Q(seq=0, prev__isnull=True) | Q(seq__gt=0, prev__isnull=False),
                name="event_prev_null_only_at_genesis",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.passport_id}#{self.seq} {self.type}"
