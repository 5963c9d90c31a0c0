"""The passport as readers see it: built from stored rows, then filtered by access tier."""

from django.urls import reverse

from passports.declaration import decimal_text as text
from passports.identifiers import digital_link
from passports.models import AccessRecord, Passport, User
from passports.tiers import filter_representation, is_restricted


def passport_full(passport: Passport) -> dict:
    """Every field of a passport, unfiltered. Expects composition and origin prefetched."""
    composition = list(passport.composition.all())
    return {
        "id": str(passport.id),
        "product_type": passport.product_type,
        "identifiers": {
            "gtin": passport.gtin,
            "serial": passport.serial,
            "gbt_code": passport.gbt_code,
            "digital_link": digital_link(
                gtin=passport.gtin, serial=passport.serial, passport_id=passport.id
            ),
        },
        "manufacturer": {
            "id": str(passport.manufacturer_id),
            "name": passport.manufacturer.name,
            "country": passport.manufacturer.country,
        },
        "model": passport.model,
        "batch": passport.batch,
        "manufactured_at": passport.manufactured_at.isoformat(),
        "manufacturing_place": {
            "country": passport.manufacturing_country,
            "facility": passport.manufacturing_facility,
        },
        "mass_kg": text(passport.mass_kg),
        "attributes": passport.attributes,
        "carbon_footprint": passport.carbon_footprint,
        "critical_raw_materials": [e.substance for e in composition if e.critical],
        "recycled_content": [
            {
                "substance": e.substance,
                "pre_consumer_share": text(e.recycled_share_pre_consumer),
                "post_consumer_share": text(e.recycled_share_post_consumer),
            }
            for e in composition
            if e.recycled_share_pre_consumer or e.recycled_share_post_consumer
        ],
        "composition": [
            {
                "substance": e.substance,
                "cas": e.cas,
                "mass_kg": text(e.mass_kg),
                "recycled_share_pre_consumer": text(e.recycled_share_pre_consumer),
                "recycled_share_post_consumer": text(e.recycled_share_post_consumer),
                "critical": e.critical,
            }
            for e in composition
        ],
        "origin": [
            {
                "substance": o.substance,
                "country": o.country,
                "share": text(o.share),
                "supplier": o.supplier,
                "facility": o.facility,
            }
            for o in passport.origin.all()
        ],
        "documents": passport.documents,
        "status": passport.status,
        "holder": str(passport.holder_id) if passport.holder_id else None,
        "placed_on_market": {
            "country": passport.market_country,
            "date": passport.placed_on_market_on.isoformat(),
        }
        if passport.placed_on_market_on
        else None,
        "health": passport.health,
        "predecessor": str(passport.predecessor_id) if passport.predecessor_id else None,
        "successor": _successor_id(passport),
        "head_hash": passport.head_hash,
        "qr": {
            "svg": reverse("passport-qr", kwargs={"pk": passport.id, "fmt": "svg"}),
            "png": reverse("passport-qr", kwargs={"pk": passport.id, "fmt": "png"}),
        },
        "created_at": passport.created_at.isoformat().replace("+00:00", "Z"),
    }


def _successor_id(passport: Passport) -> str | None:
    successor = getattr(passport, "successor", None)  # joined by with_related()
    return str(successor.pk) if successor else None


def access_record(*, passport: Passport, user: User | None, tier: str, via: str) -> None:
    """Records a read of a restricted tier; public and owner reads are not recorded."""
    if user is not None and is_restricted(tier):
        AccessRecord.objects.create(
            passport=passport, user=user, organisation=user.organisation, tier=tier, via=via
        )


def passport_for_reader(passport: Passport, *, user: User | None, tier: str, via: str) -> dict:
    """The tier-filtered passport; a restricted read is recorded before it is returned."""
    access_record(passport=passport, user=user, tier=tier, via=via)
    return filter_representation(passport_full(passport), tier)


def with_related(queryset):
    return queryset.select_related("manufacturer", "successor").prefetch_related(
        "composition", "origin"
    )
