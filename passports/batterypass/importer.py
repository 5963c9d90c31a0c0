"""A Battery Pass v1.2.0 document back to our registration declaration.

Three steps, each naming problems by their JSON path in the Battery Pass document:
`schema_errors` checks every aspect against its schema; `declaration_from` maps the document
to the declaration registration accepts; `rule_error_path` names, for an error our own
validation finds in that declaration, the Battery Pass property it came from.

The declaration starts from the document's `declarationExtension` (what the data model has
no property for) and every Battery Pass property we map exactly then overrides it, so the
Battery Pass values are the ones registered. Values we can only map approximately (hazard
classes, documents from single URIs) are taken from the document only where the extension
does not give them.
"""

import copy
import re
from decimal import Decimal

from passports.batterypass import mapping as m
from passports.batterypass.schemas import ASPECTS, aspect_errors

# Required properties whose v1.2.0 types cannot hold our values (a gMonth for the warranty
# period, one number for the idle temperature range): absent is accepted when the extension
# carries the attribute exactly, as our own exports do.
UNREPRESENTABLE = {
    "GeneralProductInformation.warrentyPeriod": "warranty",
    "PerformanceAndDurability.batteryTechicalProperties.temperatureRangeIdleState": (
        "idle_temperature_range"
    ),
}
_GS1 = re.compile(r"^\(01\)(\d{14})\(21\)(.{1,20})$")


def schema_errors(document) -> list[dict[str, str]]:
    """Every schema violation of the document, each with its Battery Pass JSON path."""
    if not isinstance(document, dict):
        return [{"field": "", "message": "A Battery Pass document is a JSON object."}]
    errors = []
    extension = document.get(m.EXTENSION)
    if extension is not None and not isinstance(extension, dict):
        errors.append({"field": m.EXTENSION, "message": "Expected a JSON object."})
        extension = None
    attributes = (extension or {}).get("attributes")
    carried = {
        path
        for path, key in UNREPRESENTABLE.items()
        if isinstance(attributes, dict) and key in attributes
    }
    declared = _declared_missing(document)
    for aspect in ASPECTS:
        if aspect not in document:
            errors.append({"field": aspect, "message": "This aspect is required."})
        else:
            errors.extend(
                e
                for e in aspect_errors(aspect, document[aspect])
                if not (e["field"] in carried and e["message"].endswith("required property"))
                and not _within(e["field"], declared)
            )
    errors.extend(identifier_conflicts(document, extension or {}))
    return sorted(errors, key=lambda e: e["field"])


def _declared_missing(document: dict) -> set[str]:
    """The properties the document itself says it cannot fill (our export's `missing`: a
    battery not yet in service has no condition, a supplier no e-mail address given). The
    schema check lets them through, empty or absent; our own rules, which do not ask a
    registration for values reported later, still decide whether it can be registered."""
    listed = document.get("missing")
    if not isinstance(listed, list):
        return set()
    return {item["field"] for item in listed if isinstance(item, dict) and "field" in item}


def _within(field: str, paths: set[str]) -> bool:
    return any(field == p or field.startswith((p + ".", p + "[")) for p in paths)


# The general aspect's identifiers. The schemas let any aspect carry more properties; an
# aspect that names the battery by one of these must name the same battery.
IDENTIFIER_KEYS = ("productIdentifier", "batteryPassportIdentifier")
PARTIES = (("manufacturerInformation", "manufacturer_information"),
           ("operatorInformation", "operator"))  # fmt: skip


def identifier_conflicts(document: dict, extension: dict) -> list[dict[str, str]]:
    """Every identifier given twice with two values, each copy named by its JSON path.

    Silently preferring one copy would register a battery the document's other parts do not
    describe, so a conflict is an error at every path that holds a conflicting value.
    """
    general = document.get("GeneralProductInformation")
    if not isinstance(general, dict):
        return []
    g = "GeneralProductInformation"
    pairs: list[tuple[str, object, str, object]] = []
    for aspect in ASPECTS[1:]:
        part = document.get(aspect)
        for key in IDENTIFIER_KEYS:
            if isinstance(part, dict) and key in part and key in general:
                pairs.append((f"{g}.{key}", general[key], f"{aspect}.{key}", part[key]))
    product = general.get("productIdentifier")
    if isinstance(product, str):
        match = _GS1.match(product)
        given = (("gtin", match.group(1)), ("serial", match.group(2))) if match else ()
        if not match and not product.startswith("urn:"):
            given = (("gbt_code", product),)
        for key, value in given:
            theirs = extension.get(key)
            if key == "gtin" and isinstance(theirs, str):
                theirs = theirs.zfill(14)  # a GTIN-13 is the same number as its GTIN-14 form
            if theirs is not None:
                pairs.append((f"{g}.productIdentifier", value, f"{m.EXTENSION}.{key}", theirs))
    attributes = extension.get("attributes")
    for theirs, ours in PARTIES:
        party = general.get(theirs)
        declared = attributes.get(ours) if isinstance(attributes, dict) else None
        if isinstance(party, dict) and isinstance(declared, dict) and "identifier" in party:
            pairs.append((f"{g}.{theirs}.identifier", party["identifier"],
                          f"{m.EXTENSION}.attributes.{ours}.identifier",
                          declared.get("identifier")))  # fmt: skip
    errors = []
    for path, value, other_path, other in pairs:
        if value != other:
            errors.append({"field": path, "message": _CONFLICT.format(other_path, other)})
            errors.append({"field": other_path, "message": _CONFLICT.format(path, value)})
    return errors


_CONFLICT = "Conflicts with {} ({!r}): both must name the same battery or party."


def _text(value) -> str:
    """A JSON number as exact decimal text (a float's repr is the text it was read from)."""
    return format(Decimal(str(value)).normalize(), "f")


def _address(bp: dict, base: dict | None) -> dict:
    address = dict(base or {})
    address.update(
        street=bp["streetAddress"], postal_code=bp["postalCode"], country=bp["addressCountry"]
    )
    return address


def _party(bp: dict, base: dict | None) -> dict:
    party = dict(base or {})
    party.update(
        identifier=bp["identifier"],
        name=bp["contactName"],
        postal_address=_address(bp["postalAddress"], party.get("postal_address")),
    )
    for ours, theirs in (("email", "emailAddress"), ("web_address", "webAddress")):
        if theirs in bp:
            party[ours] = bp[theirs]
    return party


def declaration_from(document: dict) -> dict:
    """The declaration a schema-valid document describes, ready for PassportDeclaration."""
    d = copy.deepcopy(document.get(m.EXTENSION) or {})
    d["product_type"] = "battery"
    a = d.setdefault("attributes", {})
    _general(document["GeneralProductInformation"], d, a)
    _carbon_footprint(document["CarbonFootprintForBatteries"], d)
    _composition(document["MaterialComposition"], d, a)
    _circularity(document["Circularity"], d, a)
    _performance(document["PerformanceAndDurability"], a)
    _due_diligence(document["SupplyChainDueDiligence"], a)
    _documents(document, d)
    return d


def _general(g: dict, d: dict, a: dict) -> None:
    match = _GS1.match(g["productIdentifier"])
    if match:
        d["gtin"], d["serial"] = match.groups()
    elif not g["productIdentifier"].startswith("urn:"):
        d["gbt_code"] = g["productIdentifier"]
    if "batteryCategory" in g:  # absent for a portable battery, whose extension names it
        a["category"] = g["batteryCategory"]
    a["manufacturer_information"] = _party(
        g["manufacturerInformation"], a.get("manufacturer_information")
    )
    # Our exports give the manufacturer as the operator when the maker places the battery on
    # the market itself; that is no operator of its own.
    operator = g.get("operatorInformation")
    if operator is not None and ("operator" in a or operator != g["manufacturerInformation"]):
        a["operator"] = _party(operator, a.get("operator"))
    d["manufactured_at"] = g["manufacturingDate"][:10]
    d["mass_kg"] = _text(g["batteryMass"])
    place = d.setdefault("manufacturing_place", {})
    place["address"] = _address(g["manufacturingPlace"], place.get("address"))
    place.setdefault("country", g["manufacturingPlace"]["addressCountry"])
    period = re.match(r"^--(\d\d)", g.get("warrentyPeriod", ""))
    if "warranty" not in a and period:
        a["warranty"] = {"years": 0, "months": int(period.group(1))}


def _carbon_footprint(c: dict, d: dict) -> None:
    cf = d.setdefault("carbon_footprint", {})
    cf["kg_co2e_per_kwh"] = _text(c["batteryCarbonFootprint"])
    cf["stages"] = {
        m.STAGE_BY_NAME[s["lifecycleStage"]]: _text(s["carbonFootprint"])
        for s in c["carbonFootprintPerLifecycleStage"]
    }
    cf["performance_class"] = c["carbonFootprintPerformanceClass"]
    cf["study_url"] = c["carbonFootprintStudy"]
    if "absoluteCarbonFootprint" in c:
        cf["total_kg_co2e"] = _text(c["absoluteCarbonFootprint"])


def _composition(mc: dict, d: dict, a: dict) -> None:
    short = mc["batteryChemistry"]["shortName"]
    a["chemistry"] = m.CHEMISTRY_BY_SHORT_NAME.get(short, short)  # unknown: our rule says so
    given_materials, given_composition = a.get("materials") or [], d.get("composition") or []
    materials, composition = [], []
    for item in mc["batteryMaterials"]:
        if item["batteryMaterialLocation"]["componentName"] == "battery":
            entry = (
                dict(given_composition[len(composition)])
                if len(given_composition) > len(composition)
                else {}
            )
            entry.update(
                substance=item["batteryMaterialName"],
                cas=item["batteryMaterialIdentifier"],
                mass_kg=_text(item["batteryMaterialMass"]),
            )
            composition.append(entry)
        else:
            entry = (
                dict(given_materials[len(materials)])
                if len(given_materials) > len(materials)
                else {}
            )
            entry.update(
                component=item["batteryMaterialLocation"]["componentName"],
                name=item["batteryMaterialName"],
            )
            # Our exports leave these empty where the material has none (and say so).
            if item.get("batteryMaterialIdentifier"):
                entry["cas"] = item["batteryMaterialIdentifier"]
            if item.get("batteryMaterialMass") is not None:
                entry["mass_kg"] = _text(item["batteryMaterialMass"])
            materials.append(entry)
    if composition or "composition" not in d:
        d["composition"] = composition
    if materials:
        a["materials"] = materials
    given = a.get("hazardous_substances") or []
    substances = []
    for index, item in enumerate(mc["hazardousSubstances"]):
        entry = dict(given[index]) if index < len(given) else {}
        entry.setdefault("hazard_classes", [item["hazardousSubstanceClass"]])
        entry.setdefault("impact", "; ".join(item["hazardousSubstanceImpact"]))
        entry.update(
            name=item["hazardousSubstanceName"],
            concentration_pct=_text(item["hazardousSubstanceConcentration"]),
            location=item["hazardousSubstanceLocation"]["componentName"],
        )
        if item.get("hazardousSubstanceIdentifier"):
            entry["cas"] = item["hazardousSubstanceIdentifier"]
        substances.append(entry)
    a["hazardous_substances"] = substances


def _circularity(c: dict, d: dict, a: dict) -> None:
    a["renewable_content_pct"] = _text(c["renewableContent"])
    a["extinguishing_agent"] = "; ".join(c["safetyMeasures"]["extinguishingAgent"])
    shares = {m.RECYCLED_SYMBOL[r["recycledMaterial"]]: r for r in c["recycledContent"]}
    for item in d.get("composition") or []:
        share = shares.get(item.get("substance"))
        if share is not None:
            item["recycled_share_pre_consumer"] = _text(
                m.percent_share(Decimal(str(share["preConsumerShare"])))
            )
            item["recycled_share_post_consumer"] = _text(
                m.percent_share(Decimal(str(share["postConsumerShare"])))
            )


def _performance(p: dict, a: dict) -> None:
    t = p["batteryTechicalProperties"]
    power = {
        round(Decimal(str(x["atSoC"]))): x["powerCapabilityAt"]
        for x in t["originalPowerCapability"]
    }
    if 80 in power and 20 in power:
        a["original_power_capability"] = {
            "at_80_pct_soc_w": _text(power[80]),
            "at_20_pct_soc_w": _text(power[20]),
        }
    for name, ours in [
        ("ratedMaximumPower", "maximum_permitted_power_w"),
        ("powerCapabilityRatio", "power_energy_ratio_w_per_wh"),
        ("ratedEnergy", "rated_energy_kwh"),
        ("ratedCapacity", "rated_capacity_ah"),
        ("initialSelfDischarge", "initial_self_discharge_pct_per_month"),
        ("roundtripEfficiency", "initial_round_trip_efficiency_pct"),
        ("nominalVoltage", "nominal_voltage_v"),
        ("minimumVoltage", "minimum_voltage_v"),
        ("maximumVoltage", "maximum_voltage_v"),
        ("capacityThresholdForExhaustion", "capacity_threshold_for_exhaustion_pct"),
    ]:
        if name in t:
            a[ours] = _text(t[name])
    a["expected_lifetime_cycles"] = int(Decimal(str(t["expectedNumberOfCycles"])))
    a["expected_lifetime_years"] = int(Decimal(str(t["expectedLifetime"])))
    resistance = {
        ours: _text(Decimal(str(x["ohmicResistance"])) * m.MILLI)
        for x in t["initialInternalResistance"]
        for ours, name in m.RESISTANCE_COMPONENTS.items()
        if x["batteryComponent"] == name
    }
    a["initial_internal_resistance"] = resistance
    a["cycle_life_test"] = {
        "reference": m.text_from_uri(t["lifetimeReferenceTest"]),
        "c_rate": _text(t["cRateLifeCycleTest"]),
    }
    a["round_trip_efficiency_at_50_pct_cycle_life_pct"] = _text(
        p["batteryCondition"]["roundTripEfficiencyat50PerCentCycleLife"]
    )


def _due_diligence(s: dict, a: dict) -> None:
    dd = a.setdefault("due_diligence", {})
    report = dd.setdefault("report", {})
    report["url"] = s["supplyChainDueDiligenceReport"]


def _documents(document: dict, d: dict) -> None:
    """Documents from the URI properties, only when the extension does not list them."""
    if "documents" in d:
        return
    documents = [
        {"kind": "dismantling", "url": x["documentURL"]}
        for x in document["Circularity"]["dismantlingAndRemovalInformation"]
    ]
    for kind, (aspect, path) in m.DOCUMENT_URIS.items():
        value = document[aspect]
        for part in path.split("."):
            value = value[part]
        documents.append({"kind": kind, "url": value})
    d["documents"] = documents


# Where a field of our declaration comes from in the Battery Pass document (longest match).
_RULE_PATHS = {
    "mass_kg": "GeneralProductInformation.batteryMass",
    "manufactured_at": "GeneralProductInformation.manufacturingDate",
    "gtin": "GeneralProductInformation.productIdentifier",
    "serial": "GeneralProductInformation.productIdentifier",
    "gbt_code": "GeneralProductInformation.productIdentifier",
    "composition": "MaterialComposition.batteryMaterials",
    "attributes.category": "GeneralProductInformation.batteryCategory",
    "attributes.chemistry": "MaterialComposition.batteryChemistry.shortName",
    "attributes.manufacturer_information": "GeneralProductInformation.manufacturerInformation",
    "attributes.operator": "GeneralProductInformation.operatorInformation",
    "attributes.hazardous_substances": "MaterialComposition.hazardousSubstances",
    "attributes.renewable_content_pct": "Circularity.renewableContent",
    "attributes.nominal_voltage_v": (
        "PerformanceAndDurability.batteryTechicalProperties.nominalVoltage"
    ),
    "attributes.rated_energy_kwh": "PerformanceAndDurability.batteryTechicalProperties.ratedEnergy",
    "carbon_footprint.kg_co2e_per_kwh": "CarbonFootprintForBatteries.batteryCarbonFootprint",
}


def rule_error_path(field: str) -> str:
    """The Battery Pass path of a declaration error's field, else the extension's path."""
    for ours in sorted(_RULE_PATHS, key=len, reverse=True):
        if field == ours or field.startswith((ours + ".", ours + "[")):
            theirs = _RULE_PATHS[ours]
            if ours == "composition" and field.startswith("composition["):
                return theirs  # items follow the materials there: name the list
            return theirs + field[len(ours) :]
    return f"{m.EXTENSION}.{field}" if field else ""
