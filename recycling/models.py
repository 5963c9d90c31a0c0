"""End of life: collections, treatment batches with their inputs and outputs, element masses,
and alerts about labels that look copied."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lifecycle.models import Event
from passports.models import Organisation, OrganisationKind, Passport, ProductType


class Collection(models.Model):
    """A collector's (or recycler's) record of products taken back as waste, at one place."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    collector = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=6, help_text="ISO 3166-2 subdivision")
    collected_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-collected_at", "id"]

    def __str__(self) -> str:
        return f"collection {self.id} in {self.region}"


class CollectionItem(models.Model):
    """One product in a collection, with its weighed mass and the signed `collected` event."""

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="items")
    passport = models.OneToOneField(Passport, on_delete=models.PROTECT, related_name="+")
    mass_kg = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["collection", "id"]

    def __str__(self) -> str:
        return f"{self.passport_id} in {self.collection_id}"


class ProcessRoute(models.TextChoices):
    MECHANICAL = "mechanical"
    PYROMETALLURGICAL = "pyrometallurgical"
    HYDROMETALLURGICAL = "hydrometallurgical"
    DIRECT_RECYCLING = "direct_recycling"


class BatchStatus(models.TextChoices):
    OPEN = "open"
    CLOSED = "closed"


class Batch(models.Model):
    """A recycler's treatment batch: inputs in, output fractions out, closed once balanced."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recycler = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="batches")
    process_route = models.CharField(max_length=20, choices=ProcessRoute.choices)
    product_type = models.CharField(max_length=12, choices=ProductType.choices)
    chemistry_category = models.CharField(max_length=20)
    site_country = models.CharField(max_length=2)
    site_region = models.CharField(max_length=6, blank=True)
    started_at = models.DateTimeField()
    declared_loss_kg = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    status = models.CharField(max_length=8, choices=BatchStatus.choices, default=BatchStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "id"]
        indexes = [models.Index(fields=["recycler", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="closed", closed_at__isnull=False),
                name="batch_closed_at_iff_closed",
            )
        ]

    def __str__(self) -> str:
        return f"batch {self.id} ({self.process_route}, {self.status})"


class Basis(models.TextChoices):
    ASSAY = "assay"
    COMPOSITION = "composition"


class BatchInput(models.Model):
    """What entered a batch: a waste product by passport, or another batch's intermediate."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="inputs")
    passport = models.OneToOneField(
        Passport, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_output = models.OneToOneField(
        "BatchOutput",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consumed_by",
    )
    mass_kg = models.DecimalField(max_digits=14, decimal_places=6)
    basis = models.CharField(max_length=12, choices=Basis.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(passport__isnull=False, source_output__isnull=True)
                | Q(passport__isnull=True, source_output__isnull=False),
                name="input_is_a_passport_or_an_intermediate",
            ),
            models.CheckConstraint(condition=Q(mass_kg__gt=0), name="input_mass_positive"),
        ]

    def __str__(self) -> str:
        return f"input {self.mass_kg} kg to {self.batch_id}"


class InputElement(models.Model):
    """Mass of one element in one batch input (from an assay or the passport composition)."""

    input = models.ForeignKey(BatchInput, on_delete=models.PROTECT, related_name="elements")
    element = models.CharField(max_length=3)
    mass_kg = models.DecimalField(max_digits=14, decimal_places=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["input", "element"], name="input_element_once"),
            models.CheckConstraint(condition=Q(mass_kg__gte=0), name="input_element_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.element} {self.mass_kg} kg"


class CountsAs(models.TextChoices):
    RECYCLING = "recycling"
    ENERGY_RECOVERY = "energy_recovery"
    BACKFILLING = "backfilling"
    DISPOSAL = "disposal"
    INTERMEDIATE = "intermediate"


class BatchOutput(models.Model):
    """An output fraction of a batch and what it counts as (recycling, disposal, ...)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="outputs")
    fraction = models.CharField(max_length=100)
    counts_as = models.CharField(max_length=16, choices=CountsAs.choices)
    mass_kg = models.DecimalField(max_digits=14, decimal_places=6)
    # Reagents added in processing (acids, carbonates, water) are not recovered material: only
    # the mass that originates from the input counts towards recycling efficiency.
    origin_mass_kg = models.DecimalField(max_digits=14, decimal_places=6)
    destination = models.CharField(max_length=200, blank=True)
    # An intermediate's next treatment: only this recycler may take it into a batch.
    destination_recycler = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(mass_kg__gt=0), name="output_mass_positive"),
            models.CheckConstraint(
                condition=Q(origin_mass_kg__gte=0, origin_mass_kg__lte=models.F("mass_kg")),
                name="output_origin_mass_within_mass",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fraction} ({self.counts_as}) {self.mass_kg} kg"


class OutputElement(models.Model):
    """Mass of one element recovered in one output fraction."""

    output = models.ForeignKey(BatchOutput, on_delete=models.PROTECT, related_name="elements")
    element = models.CharField(max_length=3)
    mass_kg = models.DecimalField(max_digits=14, decimal_places=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["output", "element"], name="output_element_once"),
            models.CheckConstraint(condition=Q(mass_kg__gte=0), name="output_element_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.element} {self.mass_kg} kg"


class DirtyBucket(models.Model):
    """An aggregate that must be recomputed, written in the same transaction as its records.

    The database is the truth and a task message only a hint: the sweeper drains this table,
    so a lost message or a broker outage delays statistics but never loses them.
    """

    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=200)
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="dirty_bucket_once")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class ChainRecovery(models.Model):
    """What one treatment chain recovered, the part of a recovery statistic it contributes.

    A chain starts at a closed batch that took products in (its first step) and follows the
    intermediates it sent on to the batches that treated them. Its figures are kept as exact
    decimal text (numerator and input mass, per element, with the records behind them), so
    that a recycler's statistic for a category and year is the sum of its chains' rows: a batch
    close recomputes its chains and that sum, never the product type.
    """

    batch = models.OneToOneField(
        Batch, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    product_type = models.CharField(max_length=12)
    recycler = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField(help_text="The year the first step closed.")
    complete = models.BooleanField(help_text="Every intermediate of the chain was treated.")
    figures = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["product_type", "recycler", "category", "year"])]

    def __str__(self) -> str:
        return f"chain of {self.batch_id}"


class StaleChain(models.Model):
    """A chain whose recovery a batch close changed, marked in the close's own transaction.

    The product type's `recovery` bucket is marked beside it; its refresh recomputes only the
    chains marked here (and any closed first step without a row yet).
    """

    batch = models.OneToOneField(
        Batch, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"stale chain of {self.batch_id}"


class BatchTotals(models.Model):
    """What a closed batch adds to the statistics, summed once from its final records.

    A closed batch's inputs and outputs can no longer change, so its element sums (in whole
    milligrams, as the database sums them), its own products and the steps it took
    intermediates from are stored here the first time a refresh needs them. A batch cell or a
    recovery group then adds up its batches' rows instead of re-reading every input, element
    and passport behind them.
    """

    batch = models.OneToOneField(
        Batch, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    mass_in_mg = models.BigIntegerField(help_text="Every input, products and intermediates.")
    product_count = models.PositiveIntegerField(help_text="Products it took in itself.")
    # One document, not a column each: a refresh reads hundreds of rows, and decoding JSON
    # once per row rather than five times was most of the time that took.
    parts = models.JSONField(
        default=dict,
        help_text="in and out: element -> milligrams; recovered: [element, milligrams, "
        "milligrams of the outputs holding it] of what counts as recycling; makers: sorted ids "
        "of its products' makers; sources: sorted ids of the batches of its product type it "
        "took intermediates from.",
    )

    def __str__(self) -> str:
        return f"totals of {self.batch_id}"


class Statistic(models.Model):
    """One computed recovery statistic, replaced whole whenever its bucket is recomputed.

    Numerator and denominator are kept beside the rate, with a digest of the records used, so
    a regulator can recompute it; targets are attached when read, per regime. The population
    (products and their manufacturers) decides whether a non-regulator may see it.
    """

    bucket = models.CharField(max_length=220, db_index=True)
    metric = models.CharField(max_length=32)
    product_type = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    recycler = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.CharField(max_length=20, blank=True)
    element = models.CharField(max_length=3, blank=True)
    region = models.CharField(max_length=6, blank=True)
    numerator_kg = models.DecimalField(max_digits=20, decimal_places=6)
    denominator_kg = models.DecimalField(max_digits=20, decimal_places=6)
    basis = models.CharField(
        max_length=40, blank=True, help_text="assay, composition, mixed, or the denominator used"
    )
    detail = models.JSONField(default=dict, blank=True)
    digest = models.CharField(max_length=64)
    product_count = models.PositiveIntegerField(default=0, help_text="Products behind it.")
    manufacturers = models.JSONField(
        default=list, blank=True, help_text="Sorted ids of those products' manufacturers."
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["metric", "year", "product_type", "category", "element", "region"]
        indexes = [models.Index(fields=["metric", "year"])]

    def __str__(self) -> str:
        return f"{self.metric} {self.product_type} {self.year}"


class InventoryCell(models.Model):
    """Element mass at one stage of the urban mine, for one region, product, category and year."""

    bucket = models.CharField(max_length=220, db_index=True)
    region = models.CharField(max_length=6)
    product_type = models.CharField(max_length=12)
    category = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    stage = models.CharField(max_length=16)
    element = models.CharField(max_length=3)
    mass_kg = models.DecimalField(max_digits=20, decimal_places=6)
    product_mass_kg = models.DecimalField(max_digits=20, decimal_places=6)
    unfc = models.CharField(max_length=20, help_text="UNFC-style E, F, G codes of the stage")
    product_count = models.PositiveIntegerField(default=0, help_text="Products behind it.")
    manufacturers = models.JSONField(
        default=list, blank=True, help_text="Sorted ids of those products' manufacturers."
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["region", "product_type", "year", "stage", "element"]

    def __str__(self) -> str:
        return f"{self.stage} {self.element} {self.mass_kg} kg"


class FeedCursor(models.Model):
    """How far aggregation has read the transparency log, the feed of every passport change.

    Registrations and lifecycle events (placed on market, collected, recycled) change the
    inventory and collection statistics; lifecycle cannot know about aggregation, so the log
    it writes is read here as a change feed.
    """

    name = models.CharField(max_length=40, primary_key=True)
    position = models.BigIntegerField(default=0, help_text="The next log index to read.")

    def __str__(self) -> str:
        return f"{self.name} at {self.position}"


class AlertRule(models.TextChoices):
    """What made a label look copied; each rule and its exact condition is in services/alerts.py."""

    SCANNED_AFTER_END = "scanned_after_end"
    SCANNED_BY_TWO = "scanned_by_two_organisations"
    COLLECTED_OUTSIDE_MARKET = "collected_outside_market"


class CloneAlertQuerySet(models.QuerySet):
    def visible_to(self, organisation: Organisation | None) -> "CloneAlertQuerySet":
        """Regulators see every alert; a manufacturer those about its passports; others none."""
        if organisation is None:
            return self.none()
        if organisation.kind == OrganisationKind.REGULATOR:
            return self
        if organisation.kind == OrganisationKind.MANUFACTURER:
            return self.filter(passport__manufacturer=organisation)
        return self.none()

    def open(self) -> "CloneAlertQuerySet":
        return self.filter(dismissed_at__isnull=True)


class CloneAlert(models.Model):
    """A sign that a passport's label was copied: the rule, its evidence, and any dismissal.

    Raised once per passport, rule and evidence key (the organisations or the collection behind
    it), so detecting the same thing again changes nothing. A dismissal is kept, with who made it
    and why.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    passport = models.ForeignKey(Passport, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=40, choices=AlertRule.choices)
    key = models.CharField(max_length=200, help_text="What makes this alert distinct per rule.")
    evidence = models.JSONField(help_text="The scans, events and records behind the alert.")
    raised_at = models.DateTimeField()
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismissed_by_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismissal_reason = models.TextField(blank=True)

    objects = CloneAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "id"]
        indexes = [models.Index(fields=["rule", "-raised_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["passport", "rule", "key"],
                name="clone_alert_once_per_evidence",
                violation_error_message="This alert was already raised.",
            ),
            models.CheckConstraint(
                condition=Q(dismissed_at__isnull=True, dismissed_by__isnull=True)
                | Q(dismissed_at__isnull=False, dismissed_by__isnull=False)
                & ~Q(dismissal_reason=""),
                name="clone_alert_dismissed_with_reason",
                violation_error_message="A dismissal names who dismissed it and why.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} on {self.passport_id}"

    def dismiss(self, *, organisation: Organisation, person, reason: str) -> bool:
        """Dismisses an open alert; False if it was already dismissed (compare-and-set)."""
        now = timezone.now()
        updated = CloneAlert.objects.filter(pk=self.pk, dismissed_at__isnull=True).update(
            dismissed_at=now,
            dismissed_by=organisation,
            dismissed_by_person=person,
            dismissal_reason=reason,
        )
        if updated:
            self.dismissed_at, self.dismissed_by = now, organisation
            self.dismissed_by_person, self.dismissal_reason = person, reason
        return bool(updated)


class CapturedEvent(models.Model):
    """An EPCIS eventID an organisation's capture recorded: the key that makes a retry safe."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    event_id = models.CharField(max_length=500, help_text="The event's EPCIS eventID (a URI).")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the event's RFC 8785 JSON.")
    record = models.JSONField(default=dict, help_text="What the capture answered for it.")
    captured_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "event_id"],
                name="epcis_event_id_once_per_organisation",
                violation_error_message="This organisation already captured this eventID.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} by {self.organisation_id}"
