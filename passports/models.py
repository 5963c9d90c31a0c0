"""Organisations, people, signing keys and the passports themselves."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OrganisationKind(models.TextChoices):
    MANUFACTURER = "manufacturer"
    REPAIRER = "repairer"
    COLLECTOR = "collector"
    RECYCLER = "recycler"
    REGULATOR = "regulator"
    # A conformity-assessment body (Art. 47): reads test reports (Annex XIII 4), posts no events.
    NOTIFIED_BODY = "notified_body"
    # Stands in for an operator whose passports this instance serves from a backup archive
    # (Regulation (EU) 2023/1542 Art. 78(e)): public keys only, never signs anything.
    ARCHIVED_OPERATOR = "archived_operator"


class Organisation(models.Model):
    """A company or authority that acts in the system and signs what it writes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    gs1_company_prefix = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class User(AbstractUser):
    """A person or a service account; every user belongs to exactly one organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="members", null=True, blank=True
    )
    is_service_account = models.BooleanField(default=False)


class SigningKeyQuerySet(models.QuerySet):
    def active(self) -> "SigningKeyQuerySet":
        return self.filter(valid_until__isnull=True)


class SigningKey(models.Model):
    """An organisation's Ed25519 key; the private half is stored AES-GCM encrypted."""

    kid = models.CharField(max_length=64, primary_key=True, help_text="RFC 7638 thumbprint")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="signing_keys"
    )
    public_key = models.BinaryField(max_length=32)
    encrypted_private_key = models.BinaryField()
    nonce = models.BinaryField(max_length=12)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)

    objects = SigningKeyQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(valid_until__isnull=True),
                name="one_active_key_per_organisation",
                violation_error_message="An organisation has exactly one active signing key.",
            )
        ]

    def __str__(self) -> str:
        return self.kid


class ProductType(models.TextChoices):
    BATTERY = "battery"
    PV_MODULE = "pv_module"
    MAGNET = "magnet"


class PassportStatus(models.TextChoices):
    ORIGINAL = "original"
    REUSED = "reused"
    REPURPOSED = "repurposed"
    REMANUFACTURED = "remanufactured"
    WASTE = "waste"
    RECYCLED = "recycled"
    DISPOSED = "disposed"


class PassportQuerySet(models.QuerySet):
    def owned_by(self, organisation: Organisation | None) -> "PassportQuerySet":
        if organisation is None:
            return self.none()
        return self.filter(manufacturer=organisation)


class Passport(models.Model):
    """One physical product's digital passport: identity, composition, origin and state."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    manufacturer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="passports"
    )
    holder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="held_passports", null=True
    )
    product_type = models.CharField(max_length=12, choices=ProductType.choices)
    gtin = models.CharField(max_length=14, null=True, blank=True)
    serial = models.CharField(max_length=20, null=True, blank=True)
    gbt_code = models.CharField(max_length=24, null=True, blank=True)
    model = models.CharField(max_length=100)
    batch = models.CharField(max_length=100, blank=True)
    manufactured_at = models.DateField()
    manufacturing_country = models.CharField(max_length=2)
    manufacturing_facility = models.CharField(max_length=200, blank=True)
    mass_kg = models.DecimalField(max_digits=14, decimal_places=6)
    attributes = models.JSONField(default=dict)
    carbon_footprint = models.JSONField(default=dict, blank=True)
    documents = models.JSONField(default=list, blank=True)
    predecessor = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="successor"
    )
    status = models.CharField(
        max_length=16, choices=PassportStatus.choices, default=PassportStatus.ORIGINAL
    )
    # Where the product was placed on the market (ISO 3166-1), set by that lifecycle event; the
    # region the urban-mine statistics attribute it to.
    market_country = models.CharField(max_length=2, blank=True)
    placed_on_market_on = models.DateField(null=True, blank=True)
    # The normalised declaration exactly as registered (RFC 8785 bytes); the genesis event signs
    # its digest, so any later edit of the columns above is detectable.
    declaration = models.BinaryField()
    # The host whose backup archive this passport was imported from; such a passport is a
    # read-only copy of its original chain (lifecycle/archive). Blank for passports kept here.
    archived_from = models.CharField(max_length=253, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PassportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gtin", "serial"],
                name="unique_gtin_serial",
                violation_error_message="A passport with this GTIN and serial already exists.",
            ),
            models.UniqueConstraint(
                fields=["gbt_code"],
                name="unique_gbt_code",
                violation_error_message="A passport with this GB/T 34014 code already exists.",
            ),
            models.CheckConstraint(
                condition=Q(mass_kg__gt=Decimal(0)), name="passport_mass_positive"
            ),
            models.CheckConstraint(
                condition=Q(gtin__isnull=True, serial__isnull=True)
                | Q(gtin__isnull=False, serial__isnull=False),
                name="gtin_and_serial_together",
            ),
        ]
        indexes = [
            models.Index(fields=["manufacturer", "-created_at"]),
            # The urban mine's collected cells read a country's untreated waste of one product
            # type after every batch close; waste is a small share of all passports, and a
            # country is found in either column (where placed, else where made).
            models.Index(
                fields=["product_type", "market_country", "manufacturing_country"],
                condition=Q(status="waste"),
                name="passport_waste_by_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_type} {self.gtin or ''}/{self.serial or self.id}"

    # The chain head and latest health live in the narrow PassportHead row; readers keep
    # asking the passport (select_related("head") spares them a query each).
    @property
    def head_hash(self) -> str:
        """The hash of the passport's last event."""
        return self.head.hash

    @property
    def health(self) -> dict:
        """Latest reported value per health field: {field: {"value", "at", "seq"}}."""
        return self.head.health


class PassportHead(models.Model):
    """A passport's chain head (last event's seq and hash) and latest health readings.

    Every append moves these and only rarely anything else, so they are kept apart from the
    wide passport row (declaration bytes, attributes, documents): an append locks and rewrites
    this narrow row, and the wide one only when an event changes status, holder or market.
    The health readings are derived from the signed health events, kept here so a read needs
    no walk of the chain.
    """

    passport = models.OneToOneField(
        Passport, on_delete=models.CASCADE, primary_key=True, related_name="head"
    )
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)
    health = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.passport_id} #{self.seq}"


class CompositionEntry(models.Model):
    """The declared mass of one substance in one passport's product."""

    passport = models.ForeignKey(Passport, on_delete=models.CASCADE, related_name="composition")
    position = models.PositiveSmallIntegerField()
    substance = models.CharField(max_length=64)
    cas = models.CharField(max_length=16, blank=True)
    mass_kg = models.DecimalField(max_digits=14, decimal_places=6)
    recycled_share_pre_consumer = models.DecimalField(max_digits=7, decimal_places=6, default=0)
    recycled_share_post_consumer = models.DecimalField(max_digits=7, decimal_places=6, default=0)
    critical = models.BooleanField(default=False)

    class Meta:
        ordering = ["passport", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["passport", "substance"], name="one_composition_entry_per_substance"
            ),
            models.CheckConstraint(condition=Q(mass_kg__gte=0), name="composition_mass_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.substance} {self.mass_kg} kg"


class OriginShare(models.Model):
    """Where a share of one substance in a passport's product came from."""

    passport = models.ForeignKey(Passport, on_delete=models.CASCADE, related_name="origin")
    position = models.PositiveSmallIntegerField()
    substance = models.CharField(max_length=64)
    country = models.CharField(max_length=2)
    supplier = models.CharField(max_length=200, blank=True)
    facility = models.CharField(max_length=200, blank=True)
    share = models.DecimalField(max_digits=7, decimal_places=6)

    class Meta:
        ordering = ["passport", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gte=0, share__lte=1), name="origin_share_in_unit_interval"
            )
        ]

    def __str__(self) -> str:
        return f"{self.substance} from {self.country} ({self.share})"


class AccessTier(models.TextChoices):
    PUBLIC = "public"
    LEGITIMATE_INTEREST = "legitimate_interest"
    # A notified body's reading: the public tier and what is for notified bodies, market
    # surveillance authorities and the Commission (test reports), not legitimate-interest data.
    NOTIFIED_BODY = "notified_body"
    AUTHORITY = "authority"
    OWNER = "owner"


class AccessPurpose(models.TextChoices):
    """Why a person with a legitimate interest (or an authority) reads a restricted tier."""

    REPAIR = "repair"
    REUSE = "reuse"
    REPURPOSING = "repurposing"
    REMANUFACTURING = "remanufacturing"
    COLLECTION = "collection"
    RECYCLING = "recycling"
    MARKET_SURVEILLANCE = "market_surveillance"
    CONFORMITY_ASSESSMENT = "conformity_assessment"
    HOLDING = "holding", "holding (the current holder of the product)"
    RESEARCH = "research"
    OTHER = "other"


class AccessRecord(models.Model):
    """A read of a passport's restricted tier: who read which passport, at which tier, why, when."""

    id = models.BigAutoField(primary_key=True)
    passport = models.ForeignKey(Passport, on_delete=models.CASCADE, related_name="access_records")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(max_length=24, choices=AccessTier.choices)
    via = models.CharField(max_length=32, help_text="api, resolver, bundle")
    # Stated by the reader (?purpose= or a Purpose header) or defaulted from its kind; blank
    # on reads recorded before purposes were asked for.
    purpose = models.CharField(max_length=32, choices=AccessPurpose.choices, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["passport", "-at"])]

    def __str__(self) -> str:
        return f"{self.organisation_id} read {self.passport_id} at {self.tier}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> "ApiTokenQuerySet":
        """Tokens not yet expired (knox deletes an expired one only when it is next used)."""
        return self.filter(
            Q(knox_token__expiry__isnull=True) | Q(knox_token__expiry__gt=timezone.now())
        )


class ApiToken(models.Model):
    """The name of one of an organisation's API tokens; knox keeps the secret, hashed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    knox_token = models.OneToOneField(
        settings.KNOX_TOKEN_MODEL, on_delete=models.CASCADE, related_name="named"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "knox_token__created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation_id})"

    def revoke(self) -> None:
        """Deletes knox's row, so the secret stops working at once; this row goes with it."""
        self.knox_token.delete()


# The registry outbox lives in its own package; importing it here registers it with the app.
from passports.registry.models import RegistryDelivery  # noqa: E402, F401
