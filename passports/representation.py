"""The passport as readers see it: built from stored rows, then filtered by access tier."""

import json
from decimal import Decimal, InvalidOperation

from django.urls import reverse

from passports.battery_attributes import mandatory, passport_required
from passports.declaration import decimal_text as text
from passports.identifiers import digital_link
from passports.models import AccessRecord, Passport, ProductType, User
from passports.tiers import default_purpose, filter_representation, is_restricted


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
        "manufacturing_place": _manufacturing_place(passport),
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
        **_missing_dynamic(passport),
        "predecessor": str(passport.predecessor_id) if passport.predecessor_id else None,
        "successor": _successor_id(passport),
        "head_hash": passport.head_hash,
        "qr": {
            "svg": reverse("passport-qr", kwargs={"pk": passport.id, "fmt": "svg"}),
            "png": reverse("passport-qr", kwargs={"pk": passport.id, "fmt": "png"}),
        },
        "created_at": passport.created_at.isoformat().replace("+00:00", "Z"),
    }


def _manufacturing_place(passport: Passport) -> dict:
    place = {"country": passport.manufacturing_country, "facility": passport.manufacturing_facility}
    # The postal address lives only in the signed declaration: nothing queries it.
    address = _declared(passport).get("manufacturing_place", {}).get("address")
    if address:
        place["address"] = address
    return place


def _declared(passport: Passport) -> dict:
    raw = passport.declaration
    return json.loads(bytes(raw)) if raw else {}


def _missing_dynamic(passport: Passport) -> dict:
    """For a battery that needs a passport: the mandatory health values never reported.

    The longlist makes these mandatory over the battery's life, so they cannot be asked for at
    registration; this list says which are still owed (keys as in the health reports).
    """
    if passport.product_type != ProductType.BATTERY:
        return {}
    category = passport.attributes.get("category")
    try:
        energy = Decimal(str(passport.attributes.get("rated_energy_kwh")))
    except InvalidOperation:
        energy = None  # older passports declared it under another name
    if not passport_required(category, energy):
        return {"missing_dynamic": []}
    reported = passport.health or {}
    return {
        "missing_dynamic": [
            row.path.split(":", 1)[1]
            for row in mandatory(category, source="health")
            if row.path.split(":", 1)[1] not in reported
        ]
    }


def _successor_id(passport: Passport) -> str | None:
    successor = getattr(passport, "successor", None)  # joined by with_related()
    return str(successor.pk) if successor else None


def access_record(
    *, passport: Passport, user: User | None, tier: str, via: str, purpose: str = ""
) -> None:
    """Records a read of a restricted tier: who, when, at which tier and why.

    Public and owner reads are not recorded. A read that states no purpose is recorded with
    the default purpose of the reader's relation or kind (tiers.default_purpose).
    """
    if user is not None and is_restricted(tier):
        organisation = user.organisation
        AccessRecord.objects.create(
            passport=passport,
            user=user,
            organisation=organisation,
            tier=tier,
            via=via,
            purpose=purpose or default_purpose(organisation, passport),
        )


def passport_for_reader(
    passport: Passport, *, user: User | None, tier: str, via: str, purpose: str = ""
) -> dict:
    """The tier-filtered passport; a restricted read is recorded before it is returned."""
    access_record(passport=passport, user=user, tier=tier, via=via, purpose=purpose)
    return filter_representation(passport_full(passport), tier)


def with_related(queryset):
    return queryset.select_related("manufacturer", "successor", "head").prefetch_related(
        "composition", "origin"
    )
