"""A battery passport as the seven aspects of the Battery Pass data model v1.2.0.

`document_build` is pure: it takes the stored declaration, the status, the latest health
values and the date of putting into service, and answers the document a reader at a tier may
see. Each property is filled from one longlist attribute (passports/battery_attributes.py), so
it carries that attribute's tier: a property the reader may not see is left out and listed in
`withheld`; a required property our data cannot fill is left out and listed in `missing` with
the reason. Numbers stay Decimal (rendered as JSON numbers) and every conversion is exact.
"""

import datetime as dt
import json

from passports.battery_attributes import BY_NUMBER
from passports.batterypass import mapping as m
from passports.batterypass.builder import (
    NO_VALUE,
    SCHEMA_DEFECTS,
    WARRANTY_LOSS,
    WARRANTY_PATH,
    Aspects,
    decimal_of,
)
from passports.batterypass.performance import performance_put
from passports.batterypass.schemas import ASPECTS
from passports.tiers import (
    ATTRIBUTE_TIERS,
    DOCUMENT_TIERS,
    FIELD_TIERS,
    ORIGIN_FIELD_TIERS,
    allows,
    battery_attribute_tier,
)

# SCHEMA_DEFECTS: the `missing` paths of the two v1.2.0 schema defects, for the document's readers.
__all__ = ["SCHEMA_DEFECTS", "document_build", "extension_for", "passport_batterypass"]


def _first(documents: list[dict], kind: str) -> str | None:
    return next((d["url"] for d in documents if d["kind"] == kind), None)


def _address(address: dict | None) -> dict | None:
    if not address:
        return None
    return {
        "addressCountry": address["country"],
        "postalCode": address.get("postal_code", ""),
        "streetAddress": address["street"],
    }


def _party(party: dict | None) -> dict | None:
    if not party:
        return None
    # emailAddress is left out: its v1.2.0 pattern (^[w.-]+@...) admits only the letter w,
    # '.' and '-' before the @. The address is in the extension.
    return {
        "contactName": party["name"],
        "postalAddress": _address(party["postal_address"]),
        "identifier": party["identifier"],
        "webAddress": party["web_address"],
    }


def _product_identifier(declaration: dict) -> str | None:
    """GS1 element string (01)GTIN(21)serial, or the GB/T 34014 code."""
    if declaration.get("gtin") and declaration.get("serial"):
        return f"(01){declaration['gtin']}(21){declaration['serial']}"
    return declaration.get("gbt_code")


def _general(out: Aspects, d: dict, a: dict, status: str, passport_id, put_into_service) -> None:
    g = "GeneralProductInformation"
    out.put(g, "productIdentifier", 2, _product_identifier(d) or m.passport_urn(passport_id))
    out.put(g, "batteryPassportIdentifier", 1, m.passport_urn(passport_id))
    category = a.get("category")
    out.put(
        g,
        "batteryCategory",
        9,
        category if category in m.CATEGORIES else None,
        "A portable battery has no Battery Pass category (it needs no passport).",
    )
    out.put(g, "manufacturerInformation", 4, _party(a.get("manufacturer_information")))
    out.put(g, "manufacturingDate", 6, f"{d['manufactured_at']}T00:00:00Z")
    out.put(g, "batteryStatus", 11, m.STATUSES.get(status))
    out.put(g, "batteryMass", 10, decimal_of(d["mass_kg"]))
    out.put(g, "manufacturingPlace", 5, _address(d["manufacturing_place"].get("address")))
    # Without an operator of its own, the maker places the battery on the market itself.
    out.put(
        g, "operatorInformation", 3, _party(a.get("operator") or a.get("manufacturer_information"))
    )
    out.put(
        g,
        "puttingIntoService",
        7,
        f"{put_into_service}T00:00:00Z" if put_into_service else None,
        "The battery has not been put into service.",
    )
    _warranty(out, a.get("warranty"))


# fmt: off
def _warranty(out: Aspects, warranty: dict | None) -> None:
    """warrentyPeriod, typed by v1.2.0 as a month of the year ('--MM', xsd:gMonth).

    A period of up to twelve months is that month number, exactly. A longer one is given as
    '--12', the longest period the type can hold, and listed in `missing` with the exact
    period, which the extension carries: a schema-valid document, and no silent loss.
    """
    if warranty is None:
        out.put("GeneralProductInformation", "warrentyPeriod", 8, None)
        return
    months = warranty["years"] * 12 + warranty.get("months", 0)
    out.put("GeneralProductInformation", "warrentyPeriod", 8,
            f"--{min(months, 12):02d}" if months else None, "No warranty period is declared.")
    if months > 12 and allows(out.tier, battery_attribute_tier(BY_NUMBER[8])):
        out.missing.append({"field": WARRANTY_PATH,
                            "message": WARRANTY_LOSS.format(months=months)})
# fmt: on


def _carbon_footprint(out: Aspects, cf: dict) -> None:
    c = "CarbonFootprintForBatteries"
    out.put(c, "batteryCarbonFootprint", 19, decimal_of(cf.get("kg_co2e_per_kwh")))
    stages = cf.get("stages") or {}
    per_stage = [
        {"lifecycleStage": name, "carbonFootprint": decimal_of(stages[ours])}
        for ours, name in m.STAGES.items()
        if ours in stages
    ]
    out.put(c, "carbonFootprintPerLifecycleStage", 20, per_stage or None)
    out.put(c, "carbonFootprintPerformanceClass", 24, cf.get("performance_class"))
    out.put(c, "carbonFootprintStudy", 25, cf.get("study_url"))
    if cf.get("total_kg_co2e") is not None:
        out.put(c, "absoluteCarbonFootprint", 27, decimal_of(cf["total_kg_co2e"]))


def _due_diligence(out: Aspects, dd: dict) -> None:
    s = "SupplyChainDueDiligence"
    out.put(s, "supplyChainDueDiligenceReport", 28, (dd.get("report") or {}).get("url"))
    # Optional and single-valued in the data model: the first of ours; all are in the extension.
    assurances = dd.get("third_party_assurances") or []
    if assurances:
        out.put(s, "thirdPartyAussurances", 29, assurances[0]["url"])
    indices = dd.get("supply_chain_indices") or []
    if indices:
        out.put(s, "supplyChainIndicies", 30, decimal_of(indices[0]["value"]))


def _labeling(out: Aspects, a: dict, documents: list[dict]) -> None:
    lab = "Labeling"
    out.put(lab, "declarationOfConformity", 17, _first(documents, "declaration_of_conformity"))
    out.put(lab, "resultOfTestReport", 18, _first(documents, "test_report"))
    labels = a.get("labels")
    items = []
    for slot, subject in m.LABEL_SUBJECTS.items():
        symbols = (labels or {}).get(slot) or []
        for symbol in symbols if isinstance(symbols, list) else [symbols]:
            items.append(
                {
                    "labelingSymbol": symbol["image_url"],
                    "labelingMeaning": {
                        "identifier": symbol["identifier"],
                        "meaning": symbol["meaning"],
                    },
                    "labelingSubject": subject,
                }
            )
    out.put(lab, "labels", 12, items if labels is not None else None)


def _composition(out: Aspects, d: dict, a: dict) -> None:
    mc = "MaterialComposition"
    chemistry = m.CHEMISTRIES.get(a.get("chemistry"))
    if chemistry:
        out.put(mc, "batteryChemistry", 31, {"shortName": chemistry[0], "clearName": chemistry[1]})
    else:
        out.put(mc, "batteryChemistry", 31, None)
    materials, lacking = [], []
    for index, item in enumerate(a.get("materials") or []):
        if not item.get("cas") or item.get("mass_kg") is None:
            lacking.append(index)
        materials.append(
            {
                "batteryMaterialLocation": {"componentName": item["component"]},
                "batteryMaterialIdentifier": item.get("cas", ""),
                "batteryMaterialName": item["name"],
                "batteryMaterialMass": decimal_of(item.get("mass_kg")),
                "isCriticalRawMaterial": False,
            }
        )
    if allows(out.tier, FIELD_TIERS["composition"]):
        for item in d["composition"]:
            if not item.get("cas"):
                lacking.append(len(materials))
            materials.append(
                {
                    "batteryMaterialLocation": {"componentName": "battery"},
                    "batteryMaterialIdentifier": item.get("cas", ""),
                    "batteryMaterialName": item["substance"],
                    "batteryMaterialMass": decimal_of(item["mass_kg"]),
                    "isCriticalRawMaterial": bool(item.get("critical")),
                }
            )
    out.put(mc, "batteryMaterials", 33, materials or None)
    for index in lacking:
        out.missing.append(
            {
                "field": f"{mc}.batteryMaterials[{index}]",
                "message": "The material has no CAS number or no mass: batteryMaterialIdentifier "
                "and batteryMaterialMass are required.",
            }
        )
    substances, unmapped = [], []
    for index, item in enumerate(a.get("hazardous_substances") or []):
        hazard = m.hazard_class(item["hazard_classes"])
        if hazard is None or not item.get("cas"):
            unmapped.append(index)
        substances.append(
            {
                "hazardousSubstanceClass": hazard or "",
                "hazardousSubstanceName": item["name"],
                "hazardousSubstanceConcentration": decimal_of(item["concentration_pct"]),
                "hazardousSubstanceImpact": [item["impact"]],
                "hazardousSubstanceLocation": {"componentName": item["location"]},
                "hazardousSubstanceIdentifier": item.get("cas", ""),
            }
        )
    out.put(mc, "hazardousSubstances", 34, substances if "hazardous_substances" in a else None)
    for index in unmapped:
        out.missing.append(
            {
                "field": f"{mc}.hazardousSubstances[{index}]",
                "message": "The substance has no CAS number, or none of its hazard classes is "
                "one the data model enumerates (AcuteToxicity, SkinCorrosionOrIrritation, "
                "EyeDamageOrIrritation).",
            }
        )


def _circularity(out: Aspects, d: dict, a: dict, documents: list[dict]) -> None:
    c = "Circularity"
    dismantling = [doc for doc in documents if doc["kind"] == "dismantling"]
    entries = [
        {"documentType": "DismantlingManual", "mimeType": m.mime_type(doc["url"]) or "",
         "documentURL": doc["url"]}
        for doc in dismantling
    ]  # fmt: skip
    out.put(c, "dismantlingAndRemovalInformation", 36, entries or None)
    for index, entry in enumerate(
        entries if allows(out.tier, DOCUMENT_TIERS["dismantling"]) else []
    ):
        if not entry["mimeType"]:
            out.missing.append(
                {
                    "field": f"{c}.dismantlingAndRemovalInformation[{index}].mimeType",
                    "message": "The document's file name states no media type.",
                }
            )
    part_numbers = a.get("part_numbers") or []
    sources = []
    for index, source in enumerate(a.get("spare_parts_sources") or []):
        named = source.get("components")
        parts = [p for p in part_numbers if named is None or p["component"] in named]
        entry = {
            "nameOfSupplier": source["name"],
            "addressOfSupplier": _address(source["postal_address"]),
            "emailAddressOfSupplier": source.get("email", ""),
            "supplierWebAddress": source.get("web_address", ""),
            "components": [
                {"partName": p["component"], "partNumber": p["part_number"]} for p in parts
            ],
        }
        sources.append(entry)
        for key in ("emailAddressOfSupplier", "supplierWebAddress"):
            if not entry[key] and allows(out.tier, battery_attribute_tier(BY_NUMBER[38])):
                out.missing.append({"field": f"{c}.sparePartSources[{index}].{key}",
                                    "message": NO_VALUE})  # fmt: skip
    out.put(c, "sparePartSources", 38, sources or None)
    recycled = [
        {
            "preConsumerShare": m.share_percent(decimal_of(item["recycled_share_pre_consumer"])),
            "recycledMaterial": m.RECYCLED_MATERIALS[item["substance"]],
            "postConsumerShare": m.share_percent(decimal_of(item["recycled_share_post_consumer"])),
        }
        for item in d["composition"]
        if item["substance"] in m.RECYCLED_MATERIALS
    ]
    out.put(c, "recycledContent", 40, recycled)
    agent = a.get("extinguishing_agent")
    safety = _first(documents, "safety")
    out.put(c, "safetyMeasures.safetyInstructions", 39, safety)
    out.put(c, "safetyMeasures.extinguishingAgent", 15, [agent] if agent else None)
    out.put(c, "endOfLifeInformation.wastePrevention", 49, _first(documents, "waste_prevention"))
    out.put(
        c, "endOfLifeInformation.separateCollection", 50, _first(documents, "separate_collection")
    )
    out.put(
        c,
        "endOfLifeInformation.informationOnCollection",
        51,
        _first(documents, "end_of_life_information"),
    )
    out.put(c, "renewableContent", 48, decimal_of(a.get("renewable_content_pct")))


def extension_for(declaration: dict, tier: str) -> dict:
    """Our declaration as the reader may see it, in the form registration accepts.

    It carries what the data model has no property for (model, batch, city of an address,
    origin shares, document titles, the exact warranty and temperature range, ...). Import
    reads Battery Pass properties first and this only for the rest.
    """
    result = {key: value for key, value in declaration.items() if key != "predecessor"}
    result["composition"] = [
        {key: value for key, value in item.items() if key != "critical"}
        for item in declaration["composition"]
    ]
    hidden = ATTRIBUTE_TIERS["battery"]
    result["attributes"] = {
        key: value
        for key, value in declaration["attributes"].items()
        if allows(tier, hidden.get(key, "public"))
    }
    result["documents"] = [
        doc
        for doc in declaration["documents"]
        if allows(tier, DOCUMENT_TIERS.get(doc["kind"], "public"))
    ]
    result["origin"] = [
        {k: v for k, v in item.items() if allows(tier, ORIGIN_FIELD_TIERS.get(k, "public"))}
        for item in declaration["origin"]
    ]
    for key in ("batch", "composition"):
        if not allows(tier, FIELD_TIERS[key]):
            del result[key]
    return result


def document_build(
    *,
    declaration: dict,
    passport_id,
    status: str,
    health: dict,
    put_into_service: dt.date | str | None,
    tier: str,
    registered_by: dict | None = None,
) -> dict:
    """The Battery Pass document a reader at `tier` sees, with `missing` and `withheld`.

    `registered_by` is the organisation that registered the passport, as the system knows it
    (its credentials signed the genesis event); the document shows it beside the declared
    manufacturerInformation, which is the registrant's statement.
    """
    out = Aspects(tier)
    a = declaration["attributes"]
    documents = declaration["documents"]
    _general(out, declaration, a, status, passport_id, put_into_service)
    _carbon_footprint(out, declaration.get("carbon_footprint") or {})
    _circularity(out, declaration, a, documents)
    _labeling(out, a, documents)
    _composition(out, declaration, a)
    performance_put(out, a, health)
    _due_diligence(out, a.get("due_diligence") or {})
    return {
        "batteryPassVersion": m.VERSION,
        "tier": str(tier),
        **{name: out.aspects.get(name, {}) for name in ASPECTS},
        m.EXTENSION: extension_for(declaration, tier),
        **({"registeredBy": registered_by_entry(registered_by, a)} if registered_by else {}),
        "missing": out.missing,
        "withheld": out.withheld,
    }


def registered_by_entry(organisation: dict, attributes: dict) -> dict:
    """The registering organisation, and whether the declared manufacturer names it.

    The declared manufacturer matches when its identifier is the organisation's GS1 company
    prefix or its name is the organisation's name; a mismatch is shown, not refused (a
    brand owner may register for a contract manufacturer, see the README).
    """
    declared = attributes.get("manufacturer_information") or {}
    prefix = organisation.get("gs1_company_prefix") or ""
    matches = bool(declared) and (
        (bool(prefix) and declared.get("identifier") == prefix)
        or declared.get("name") == organisation["name"]
    )
    return {
        "id": organisation["id"],
        "name": organisation["name"],
        "country": organisation["country"],
        "gs1CompanyPrefix": prefix,
        "matchesManufacturerInformation": matches,
    }


def passport_batterypass(passport, tier: str) -> dict:
    """The Battery Pass document of a stored battery passport at a reader's tier."""
    from lifecycle.models import Event, EventType

    event = (
        Event.objects.filter(passport=passport, type=EventType.PUT_INTO_SERVICE)
        .order_by("seq")
        .first()
    )
    put_into_service = json.loads(bytes(event.envelope))["payload"]["date"] if event else None
    return document_build(
        declaration=json.loads(bytes(passport.declaration)),
        passport_id=passport.id,
        status=passport.status,
        health=passport.health or {},
        put_into_service=put_into_service,
        tier=tier,
        registered_by={
            "id": str(passport.manufacturer_id),
            "name": passport.manufacturer.name,
            "country": passport.manufacturer.country,
            "gs1_company_prefix": passport.manufacturer.gs1_company_prefix,
        },
    )
