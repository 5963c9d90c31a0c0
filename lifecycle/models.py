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
    # A client's retry of the same request returns this event instead of appending another.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    request_digest = models.CharField(max_length=64, blank=True)

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
            models.UniqueConstraint(
                fields=["actor", "idempotency_key"],
                name="event_idempotency_key_unique_per_actor",
            ),
        ]
        indexes = [models.Index(fields=["time", "id"], name="event_time_id")]

    def __str__(self) -> str:
        return f"{self.passport_id}#{self.seq} {self.type}"


class LogLeaf(models.Model):
    """An event's place in the global transparency log, with the exact leaf data hashed."""

    index = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="leaf")
    data = models.BinaryField(help_text="Canonical JSON of the signed event.")
    hash = models.BinaryField(max_length=32, help_text="SHA-256(0x00 || data)")

    class Meta:
        ordering = ["index"]

    def __str__(self) -> str:
        return f"leaf {self.index}"


class PendingEvent(models.Model):
    """An event stored but not yet in the log: the queue the log's integration reads.

    A trigger on the event table writes the row in the statement that inserts the event, so
    no path that stores events (a single append, a batch, a registration, a bulk loader) can
    leave one out; integration deletes it with the leaf it makes. A run therefore reads only
    what is pending, not every recent event. Events imported from another instance's archive
    are taken off the queue as they are imported: they belong to that instance's log.
    """

    # No foreign-key check: the trigger copies the row from the event just inserted, so the
    # check could only cost (one lookup per event at every commit).
    event = models.OneToOneField(
        Event, primary_key=True, on_delete=models.CASCADE, db_constraint=False,
        related_name="pending",
    )  # fmt: skip
    time = models.DateTimeField(help_text="The event's time: the log takes events in this order.")

    class Meta:
        indexes = [models.Index(fields=["time", "event"], name="pending_event_time_id")]

    def __str__(self) -> str:
        return f"pending {self.event_id}"


class LogNode(models.Model):
    """The hash of a complete subtree: leaves [index * 2^level, (index + 1) * 2^level)."""

    pk = models.CompositePrimaryKey("level", "index")
    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class ArchivedCheckpoint(models.Model):
    """The origin log's signed checkpoint that an imported backup archive's proofs lead to."""

    id = models.BigAutoField(primary_key=True)
    origin_host = models.CharField(max_length=253)
    note = models.TextField(help_text="The signed checkpoint note, exactly as archived.")
    log_vkey = models.TextField(help_text="The origin log's C2SP verifier key.")
    size = models.BigIntegerField()
    archive_sha256 = models.CharField(max_length=64, help_text="Digest of the archive's manifest.")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.origin_host} checkpoint {self.size}"


class ArchivedProof(models.Model):
    """An imported event's leaf in its origin's log, with the proof to the archived checkpoint."""

    event = models.OneToOneField(
        Event, on_delete=models.PROTECT, primary_key=True, related_name="archived_proof"
    )
    checkpoint = models.ForeignKey(
        ArchivedCheckpoint, on_delete=models.PROTECT, related_name="proofs"
    )
    log_index = models.BigIntegerField()
    inclusion_proof = models.JSONField(help_text="Hex hashes, RFC 9162 inclusion proof.")

    def __str__(self) -> str:
        return f"archived leaf {self.log_index}"


class LogKey(models.Model):
    """The log's own Ed25519 key, separate from every organisation's; sealed like theirs."""

    name = models.CharField(max_length=200, primary_key=True, help_text="The log's origin line.")
    public_key = models.BinaryField(max_length=32)
    encrypted_private_key = models.BinaryField()
    nonce = models.BinaryField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Checkpoint(models.Model):
    """A signed statement of the log's size and root (C2SP tlog-checkpoint); all are kept."""

    size = models.BigIntegerField(primary_key=True)
    root = models.BinaryField(max_length=32)
    body = models.TextField(help_text="Origin, size and base64 root lines, as signed.")
    signature_line = models.TextField(help_text="The log's signed-note signature line.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Cosignature(models.Model):
    """A witness's (regulator's) cosignature over a checkpoint (C2SP tlog-cosignature)."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="cosignatures"
    )
    witness = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kid = models.ForeignKey(SigningKey, on_delete=models.PROTECT, db_column="kid", related_name="+")
    timestamp = models.BigIntegerField()
    line = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["checkpoint", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "witness"], name="one_cosignature_per_witness"
            )
        ]

    def __str__(self) -> str:
        return f"{self.witness_id} cosigned {self.checkpoint_id}"
