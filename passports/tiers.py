"""Who may read which part of a passport (EU Battery Regulation Annex XIII grouping).

Tiers are ordered: public < legitimate_interest < authority. The owning manufacturer and
regulators see everything; repairers, collectors, recyclers and the current holder see the
legitimate-interest tier; everyone else, signed in or not, sees the public tier. The same
grouping is applied to PV modules and magnets: identity, make, mass, carbon footprint, critical
raw materials and recycled content are public; detailed composition, suppliers, dismantling and
safety information, status (and the predecessor and successor links that reveal it) and health
need a legitimate interest; test reports are for authorities.
"""

from passports.models import AccessTier, Organisation, OrganisationKind, Passport

RANK = {
    AccessTier.PUBLIC: 0,
    AccessTier.LEGITIMATE_INTEREST: 1,
    AccessTier.AUTHORITY: 2,
    AccessTier.OWNER: 3,
}

LEGITIMATE_INTEREST_KINDS = {
    OrganisationKind.REPAIRER,
    OrganisationKind.COLLECTOR,
    OrganisationKind.RECYCLER,
}

# Top-level fields of the passport representation that are not public.
FIELD_TIERS: dict[str, str] = {
    "batch": AccessTier.LEGITIMATE_INTEREST,
    "composition": AccessTier.LEGITIMATE_INTEREST,
    "status": AccessTier.LEGITIMATE_INTEREST,
    "holder": AccessTier.LEGITIMATE_INTEREST,
    "health": AccessTier.LEGITIMATE_INTEREST,
    "placed_on_market": AccessTier.LEGITIMATE_INTEREST,
    # A link to a predecessor or successor exists only because the product was repurposed or
    # remanufactured, so it states the battery status, which Annex XIII 4(c) puts at
    # legitimate interest (the access table's "Battery status" row). Art. 77(7) asks that the
    # new passport be linked to the original, not that the link be public: both directions
    # are shown from the tier that may see the status, and the public sees neither.
    "predecessor": AccessTier.LEGITIMATE_INTEREST,
    "successor": AccessTier.LEGITIMATE_INTEREST,
}

# Attributes that are not public, per product type.
ATTRIBUTE_TIERS: dict[str, dict[str, str]] = {
    "battery": {"expected_lifetime_years": AccessTier.LEGITIMATE_INTEREST},
    "pv_module": {},
    "magnet": {"removal_information": AccessTier.LEGITIMATE_INTEREST},
}

# Origin detail beyond country and share names commercial partners.
ORIGIN_FIELD_TIERS: dict[str, str] = {
    "supplier": AccessTier.LEGITIMATE_INTEREST,
    "facility": AccessTier.LEGITIMATE_INTEREST,
}

DOCUMENT_TIERS: dict[str, str] = {
    "dismantling": AccessTier.LEGITIMATE_INTEREST,
    "safety": AccessTier.LEGITIMATE_INTEREST,
    "test_report": AccessTier.AUTHORITY,
}


def tier_for(organisation: Organisation | None, passport: Passport) -> str:
    """The tier an organisation (None for anonymous) reads a passport at."""
    if organisation is None:
        return AccessTier.PUBLIC
    if organisation.pk == passport.manufacturer_id:
        return AccessTier.OWNER
    if organisation.kind == OrganisationKind.REGULATOR:
        return AccessTier.AUTHORITY
    if organisation.kind in LEGITIMATE_INTEREST_KINDS or organisation.pk == passport.holder_id:
        return AccessTier.LEGITIMATE_INTEREST
    return AccessTier.PUBLIC


def allows(reader_tier: str, needed: str) -> bool:
    return RANK[reader_tier] >= RANK[needed]


def is_restricted(tier: str) -> bool:
    """Whether reading at this tier must be recorded (any non-owner tier above public)."""
    return tier in (AccessTier.LEGITIMATE_INTEREST, AccessTier.AUTHORITY)


def filter_representation(full: dict, tier: str) -> dict:
    """Removes what the tier may not see and lists what was withheld."""
    withheld: list[str] = []
    result = {}
    for key, value in full.items():
        needed = FIELD_TIERS.get(key, AccessTier.PUBLIC)
        if allows(tier, needed):
            result[key] = value
        else:
            withheld.append(key)
    attribute_tiers = ATTRIBUTE_TIERS.get(full["product_type"], {})
    result["attributes"] = {}
    for key, value in full["attributes"].items():
        if allows(tier, attribute_tiers.get(key, AccessTier.PUBLIC)):
            result["attributes"][key] = value
        else:
            withheld.append(f"attributes.{key}")
    result["origin"] = []
    for item in full["origin"]:
        visible = {
            key: value
            for key, value in item.items()
            if allows(tier, ORIGIN_FIELD_TIERS.get(key, AccessTier.PUBLIC))
        }
        result["origin"].append(visible)
    if not allows(tier, AccessTier.LEGITIMATE_INTEREST) and full["origin"]:
        withheld.append("origin.supplier")
        withheld.append("origin.facility")
    result["documents"] = [
        doc
        for doc in full["documents"]
        if allows(tier, DOCUMENT_TIERS.get(doc["kind"], AccessTier.PUBLIC))
    ]
    hidden_kinds = sorted(
        {doc["kind"] for doc in full["documents"]} - {doc["kind"] for doc in result["documents"]}
    )
    withheld.extend(f"documents.{kind}" for kind in hidden_kinds)
    result["tier"] = str(tier)
    result["withheld"] = withheld
    return result
