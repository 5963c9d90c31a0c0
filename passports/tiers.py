"""Who may read which part of a passport (EU Battery Regulation Annex XIII grouping).

Tiers are ordered: public < legitimate_interest < authority. The owning manufacturer and
regulators see everything; repairers, collectors, recyclers and the current holder see the
legitimate-interest tier; everyone else, signed in or not, sees the public tier. A notified
body reads beside that order: the public tier and what Annex XIII 4 keeps for notified bodies,
market surveillance authorities and the Commission (test reports), but not the
legitimate-interest data, which the Annex does not grant it.

A battery attribute's tier is read from passports/battery_attributes.py, the table checked
against the Battery Pass longlist; the tables below that are not derived from it hold the
fields every product type shares. PV module and magnet attribute tiers are read from
passports/family_attributes.py, which applies the same grouping by analogy: identity, make, mass,
rated datasheet values, carbon footprint, critical raw materials, recycled content and the
magnet information of CRMA Art. 28 are public; detailed composition and material detail,
suppliers, dismantling and safety information, status (and the predecessor and successor links
that reveal it) and health need a legitimate interest; test reports are for authorities.
"""

from passports.battery_attributes import ATTRIBUTES, BatteryAttribute
from passports.family_attributes import FAMILY_ATTRIBUTES, FamilyAttribute
from passports.models import (
    AccessPurpose,
    AccessTier,
    Organisation,
    OrganisationKind,
    Passport,
    ProductType,
)

# reader's tier -> the tiers of data it sees
SEES: dict[str, frozenset[str]] = {
    AccessTier.PUBLIC: frozenset({AccessTier.PUBLIC}),
    AccessTier.LEGITIMATE_INTEREST: frozenset({AccessTier.PUBLIC, AccessTier.LEGITIMATE_INTEREST}),
    AccessTier.NOTIFIED_BODY: frozenset({AccessTier.PUBLIC, AccessTier.AUTHORITY}),
    AccessTier.AUTHORITY: frozenset(
        {AccessTier.PUBLIC, AccessTier.LEGITIMATE_INTEREST, AccessTier.AUTHORITY}
    ),
    AccessTier.OWNER: frozenset(AccessTier.values),
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
    # Which mandatory health values were never reported: it describes the health record.
    "missing_dynamic": AccessTier.LEGITIMATE_INTEREST,
}

# The lifecycle events (put into service, repairs, ...) are read from the chain, which needs a
# legitimate interest (lifecycle/api/passports.py _restricted_object).
EVENT_TIER = AccessTier.LEGITIMATE_INTEREST


def _battery_tables() -> tuple[dict[str, str], dict[str, str]]:
    """Attribute and document tiers of batteries, read from the longlist table.

    Every path under one top-level attribute must share its tier, since the representation
    withholds attributes whole.
    """
    attributes: dict[str, str] = {}
    documents: dict[str, str] = {}
    for row in ATTRIBUTES:
        if row.path.startswith("attributes."):
            key = row.path.split(".")[1]
            if attributes.setdefault(key, row.tier) != row.tier:
                raise ValueError(f"attributes.{key} is given two tiers (longlist #{row.number}).")
        elif row.source == "documents":
            documents[row.path.split("#", 1)[1]] = row.tier
    public = AccessTier.PUBLIC
    return (
        {key: tier for key, tier in attributes.items() if tier != public},
        {kind: tier for kind, tier in documents.items() if tier != public},
    )


BATTERY_ATTRIBUTE_TIERS, BATTERY_DOCUMENT_TIERS = _battery_tables()


def _family_attribute_tiers(rows: tuple[FamilyAttribute, ...]) -> dict[str, str]:
    """The attributes of a PV module or magnet that are not public, read from its table."""
    tiers: dict[str, str] = {}
    for row in rows:
        if row.path.startswith("attributes."):
            key = row.path.split(".")[1]
            if tiers.setdefault(key, row.tier) != row.tier:
                raise ValueError(f"attributes.{key} is given two tiers ({row.name}).")
    return {key: tier for key, tier in tiers.items() if tier != AccessTier.PUBLIC}


# Attributes that are not public, per product type.
ATTRIBUTE_TIERS: dict[str, dict[str, str]] = {
    "battery": BATTERY_ATTRIBUTE_TIERS,
    **{family: _family_attribute_tiers(rows) for family, rows in FAMILY_ATTRIBUTES.items()},
}

# Origin detail beyond country and share names commercial partners.
ORIGIN_FIELD_TIERS: dict[str, str] = {
    "supplier": AccessTier.LEGITIMATE_INTEREST,
    "facility": AccessTier.LEGITIMATE_INTEREST,
}

# Documents are withheld by kind, for every product type, as the battery table gives them
# (dismantling and safety: legitimate interest; test reports: authorities and notified bodies).
DOCUMENT_TIERS: dict[str, str] = BATTERY_DOCUMENT_TIERS

# Where a declared battery value shows in the representation when not under its own name:
# identifiers together, critical raw materials and recycled shares as public summaries of
# the (legitimate-interest) composition.
SHOWN_AS = {
    "serial": "identifiers",
    "gbt_code": "identifiers",
    "composition": "critical_raw_materials",
    "composition.recycled_share_pre_consumer": "recycled_content",
    "composition.recycled_share_post_consumer": "recycled_content",
}


def battery_attribute_tier(row: BatteryAttribute) -> str:
    """The tier the representation actually needs to show a longlist attribute."""
    path = row.path.split("|")[0]  # alternatives are shown in the same place
    if path.startswith("documents#"):
        return DOCUMENT_TIERS.get(path.split("#", 1)[1], AccessTier.PUBLIC)
    if path.startswith("health:"):
        return FIELD_TIERS["health"]
    if path.startswith("event:"):
        return EVENT_TIER
    if path.startswith("passport:"):
        return FIELD_TIERS.get(path.split(":", 1)[1], AccessTier.PUBLIC)
    if path.startswith("attributes."):
        key = path.split(".")[1]
        return ATTRIBUTE_TIERS[ProductType.BATTERY].get(key, AccessTier.PUBLIC)
    shown = SHOWN_AS.get(path, path.split(".")[0])
    return FIELD_TIERS.get(shown, AccessTier.PUBLIC)


# Why a reader reads, when it does not say: by its relation to the passport or its kind.
DEFAULT_PURPOSES: dict[str, str] = {
    OrganisationKind.REPAIRER: AccessPurpose.REPAIR,
    OrganisationKind.COLLECTOR: AccessPurpose.COLLECTION,
    OrganisationKind.RECYCLER: AccessPurpose.RECYCLING,
    OrganisationKind.REGULATOR: AccessPurpose.MARKET_SURVEILLANCE,
    OrganisationKind.NOTIFIED_BODY: AccessPurpose.CONFORMITY_ASSESSMENT,
}


def default_purpose(organisation: Organisation, passport: Passport) -> str:
    """The purpose recorded for a restricted read that states none."""
    if organisation.pk == passport.holder_id:
        return AccessPurpose.HOLDING
    return DEFAULT_PURPOSES.get(organisation.kind, AccessPurpose.OTHER)


def tier_for(organisation: Organisation | None, passport: Passport) -> str:
    """The tier an organisation (None for anonymous) reads a passport at."""
    if organisation is None:
        return AccessTier.PUBLIC
    if organisation.pk == passport.manufacturer_id:
        return AccessTier.OWNER
    if organisation.kind == OrganisationKind.REGULATOR:
        return AccessTier.AUTHORITY
    if organisation.kind == OrganisationKind.NOTIFIED_BODY:
        return AccessTier.NOTIFIED_BODY
    if organisation.kind in LEGITIMATE_INTEREST_KINDS or organisation.pk == passport.holder_id:
        return AccessTier.LEGITIMATE_INTEREST
    return AccessTier.PUBLIC


def allows(reader_tier: str, needed: str) -> bool:
    return needed in SEES[reader_tier]


def is_restricted(tier: str) -> bool:
    """Whether reading at this tier must be recorded (any non-owner tier above public)."""
    return tier not in (AccessTier.PUBLIC, AccessTier.OWNER)


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
