"""Successor passports: repurposing and remanufacturing give the product a new passport.

Art. 77(7) of the Battery Regulation links the new passport to the original and makes the new
operator responsible for it. The new operator carries over only what it may read on the
original as its holder (the legitimate-interest tier): never the original manufacturer's
authority-tier documents such as test reports, nor the original production batch, which does
not describe the new product.
"""

import datetime as dt
import json

from lifecycle.errors import EventRefused
from lifecycle.services.registration import RegistrationConflict, passports_register
from passports.api.errors import flatten_errors
from passports.declaration import PassportDeclaration
from passports.models import AccessTier, Organisation, Passport
from passports.tiers import ATTRIBUTE_TIERS, DOCUMENT_TIERS, ORIGIN_FIELD_TIERS, allows

CARRIED_OVER_TIER = AccessTier.LEGITIMATE_INTEREST


def _visible(tiers: dict[str, str], key: str) -> bool:
    return allows(CARRIED_OVER_TIER, tiers.get(key, AccessTier.PUBLIC))


def declaration_carried_over(declaration: dict) -> dict:
    """The parts of a predecessor's declaration that its successor may carry."""
    attribute_tiers = ATTRIBUTE_TIERS.get(declaration["product_type"], {})
    return {
        **declaration,
        "batch": "",
        "attributes": {
            key: value
            for key, value in declaration["attributes"].items()
            if _visible(attribute_tiers, key)
        },
        "origin": [
            {key: value for key, value in item.items() if _visible(ORIGIN_FIELD_TIERS, key)}
            for item in declaration.get("origin", [])
        ],
        "documents": [
            doc for doc in declaration.get("documents", []) if _visible(DOCUMENT_TIERS, doc["kind"])
        ],
    }


def successor_register(
    *,
    predecessor: Passport,
    operator: Organisation,
    occurred_at: dt.datetime,
    identity: dict,
) -> Passport:
    """Registers the successor passport under the new operator, linked to its predecessor.

    The successor must pass every rule a first passport passes, the mandatory attributes of
    its category included: what the holder could not carry over (a test report is for
    authorities only), the operator declares in `identity` (attributes, documents).
    """
    if identity.get("gtin") and not operator.gs1_company_prefix:
        # Without a company prefix of its own the operator would be numbering under another's.
        raise EventRefused.one(
            400,
            "payload.successor.gtin",
            "A GTIN is given under your own GS1 company prefix, and none is recorded for your "
            "organisation; leave it out (the passport id identifies the product) or record one.",
        )
    declaration = declaration_carried_over(json.loads(bytes(predecessor.declaration)))
    declaration.update(
        gtin=identity.get("gtin"),
        serial=identity.get("serial"),
        gbt_code=None,
        model=identity["model"],
        manufactured_at=occurred_at.date().isoformat(),
        manufacturing_place=identity.get("manufacturing_place")
        or {"country": operator.country or declaration["manufacturing_place"]["country"]},
        predecessor=str(predecessor.pk),
    )
    for item in declaration["composition"]:
        item.pop("critical", None)
    declaration["attributes"].update(identity.get("attributes") or {})
    own = [dict(doc) for doc in identity.get("documents") or []]
    replaced = {doc["kind"] for doc in own}
    declaration["documents"] = [
        doc for doc in declaration["documents"] if doc["kind"] not in replaced
    ] + own
    checked = PassportDeclaration(
        data=declaration,
        context={"gs1_company_prefix": operator.gs1_company_prefix, "successor_of_holder": True},
    )
    if not checked.is_valid():
        raise EventRefused(400, flatten_errors(checked.errors, "payload.successor"))
    try:
        (successor,) = passports_register(
            organisation=operator, declarations=[checked.validated_data]
        )
    except RegistrationConflict as conflict:
        raise EventRefused(
            409,
            [{"field": "payload.successor." + f, "message": m} for _, f, m in conflict.conflicts],
        ) from conflict
    return successor
