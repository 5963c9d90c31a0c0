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
from decimal import Decimal

from passports.battery_attributes import BY_NUMBER
from passports.batterypass import mapping as m
from passports.batterypass.schemas import ASPECTS
from passports.tiers import (
    ATTRIBUTE_TIERS,
    DOCUMENT_TIERS,
    FIELD_TIERS,
    ORIGIN_FIELD_TIERS,
    allows,
    battery_attribute_tier,
)

NO_VALUE = "Not declared for this battery."
NO_HEALTH = "No health report has given this value yet."

# Two properties whose v1.2.0 types cannot hold the attribute (see the README): the document
# still validates, and these `missing` entries say what was lost. They are the only entries a
# complete passport's document has.
WARRANTY_PATH = "GeneralProductInformation.warrentyPeriod"
WARRANTY_LOSS = (
    "The data model types warrentyPeriod as a month of the year ('--MM', xsd:gMonth), which "
    "cannot hold a period of {months} months: it is given as '--12', and the exact period is "
    f"in {m.EXTENSION}.attributes.warranty."
)
IDLE_PATH = "PerformanceAndDurability.batteryTechicalProperties.temperatureRangeIdleState"
IDLE_BOUNDS = (Decimal(-20), Decimal(60))
IDLE_LOSS = (
    "The data model types temperatureRangeIdleState as one number (-20 to 60) for a range: "
    "it is given the upper boundary, and the range ({lower} to {upper} degrees Celsius) is in "
    f"{m.EXTENSION}.attributes.idle_temperature_range."
)
SCHEMA_DEFECTS = (WARRANTY_PATH, IDLE_PATH)


class _Aspects:
    """Collects the aspects and what each reader could not be given."""

    def __init__(self, tier: str):
        self.tier = tier
        self.aspects: dict[str, dict] = {}
        self.missing: list[dict[str, str]] = []
        self.withheld: list[str] = []

    def put(self, aspect: str, path: str, number: int, value, reason: str = NO_VALUE) -> None:
        """Sets aspect.path to value if the reader may see attribute #number and it exists."""
        if not allows(self.tier, battery_attribute_tier(BY_NUMBER[number])):
            self.withheld.append(f"{aspect}.{path}")
            return
        if value is None or value == "":
            self.missing.append({"field": f"{aspect}.{path}", "message": reason})
            return
        target = self.aspects.setdefault(aspect, {})
        *parents, leaf = path.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value


def _number(value) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


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


def _health(health: dict, field: str) -> tuple[Decimal | None, str | None]:
    entry = health.get(field)
    if entry is None:
        return None, None
    value = entry["value"]
    return (value if isinstance(value, list) else _number(value)), entry["at"]


def _general(out: _Aspects, d: dict, a: dict, status: str, passport_id, put_into_service) -> None:
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
    out.put(g, "batteryMass", 10, _number(d["mass_kg"]))
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
def _warranty(out: _Aspects, warranty: dict | None) -> None:
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


def _carbon_footprint(out: _Aspects, cf: dict) -> None:
    c = "CarbonFootprintForBatteries"
    out.put(c, "batteryCarbonFootprint", 19, _number(cf.get("kg_co2e_per_kwh")))
    stages = cf.get("stages") or {}
    per_stage = [
        {"lifecycleStage": name, "carbonFootprint": _number(stages[ours])}
        for ours, name in m.STAGES.items()
        if ours in stages
    ]
    out.put(c, "carbonFootprintPerLifecycleStage", 20, per_stage or None)
    out.put(c, "carbonFootprintPerformanceClass", 24, cf.get("performance_class"))
    out.put(c, "carbonFootprintStudy", 25, cf.get("study_url"))
    if cf.get("total_kg_co2e") is not None:
        out.put(c, "absoluteCarbonFootprint", 27, _number(cf["total_kg_co2e"]))


def _due_diligence(out: _Aspects, dd: dict) -> None:
    s = "SupplyChainDueDiligence"
    out.put(s, "supplyChainDueDiligenceReport", 28, (dd.get("report") or {}).get("url"))
    # Optional and single-valued in the data model: the first of ours; all are in the extension.
    assurances = dd.get("third_party_assurances") or []
    if assurances:
        out.put(s, "thirdPartyAussurances", 29, assurances[0]["url"])
    indices = dd.get("supply_chain_indices") or []
    if indices:
        out.put(s, "supplyChainIndicies", 30, _number(indices[0]["value"]))


def _labeling(out: _Aspects, a: dict, documents: list[dict]) -> None:
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


def _composition(out: _Aspects, d: dict, a: dict) -> None:
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
                "batteryMaterialMass": _number(item.get("mass_kg")),
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
                    "batteryMaterialMass": _number(item["mass_kg"]),
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
                "hazardousSubstanceConcentration": _number(item["concentration_pct"]),
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


def _circularity(out: _Aspects, d: dict, a: dict, documents: list[dict]) -> None:
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
            "preConsumerShare": m.share_percent(_number(item["recycled_share_pre_consumer"])),
            "recycledMaterial": m.RECYCLED_MATERIALS[item["substance"]],
            "postConsumerShare": m.share_percent(_number(item["recycled_share_post_consumer"])),
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
    out.put(c, "renewableContent", 48, _number(a.get("renewable_content_pct")))


def _performance(out: _Aspects, a: dict, health: dict) -> None:
    p = "PerformanceAndDurability"
    t = "batteryTechicalProperties"
    power = a.get("original_power_capability")
    out.put(
        p,
        f"{t}.originalPowerCapability",
        62,
        [
            {"atSoC": Decimal(80), "powerCapabilityAt": _number(power["at_80_pct_soc_w"])},
            {"atSoC": Decimal(20), "powerCapabilityAt": _number(power["at_20_pct_soc_w"])},
        ]
        if power
        else None,
    )
    for number, name, ours in [
        (65, "ratedMaximumPower", "maximum_permitted_power_w"),
        (66, "powerCapabilityRatio", "power_energy_ratio_w_per_wh"),
        (52, "ratedCapacity", "rated_capacity_ah"),
        (77, "expectedNumberOfCycles", "expected_lifetime_cycles"),
        (71, "initialSelfDischarge", "initial_self_discharge_pct_per_month"),
        (67, "roundtripEfficiency", "initial_round_trip_efficiency_pct"),
        (76, "expectedLifetime", "expected_lifetime_years"),
        (61, "nominalVoltage", "nominal_voltage_v"),
        (59, "minimumVoltage", "minimum_voltage_v"),
        (60, "maximumVoltage", "maximum_voltage_v"),
        (83, "capacityThresholdForExhaustion", "capacity_threshold_for_exhaustion_pct"),
    ]:
        out.put(p, f"{t}.{name}", number, _number(a.get(ours)))
    # Rated energy is not a longlist attribute of its own; it is public like #55.
    out.put(p, f"{t}.ratedEnergy", 55, _number(a.get("rated_energy_kwh")))
    resistance = a.get("initial_internal_resistance")
    out.put(
        p,
        f"{t}.initialInternalResistance",
        74,
        [
            {"ohmicResistance": _number(resistance[ours]) / m.MILLI, "batteryComponent": name}
            for ours, name in m.RESISTANCE_COMPONENTS.items()
            if ours in resistance
        ]
        if resistance
        else None,
    )
    test = a.get("cycle_life_test")
    out.put(p, f"{t}.lifetimeReferenceTest", 79, m.text_uri(test["reference"]) if test else None)
    out.put(p, f"{t}.cRateLifeCycleTest", 80, _number(test["c_rate"]) if test else None)
    _idle_temperature(out, a.get("idle_temperature_range"))
    _condition(out, a, health)


def _idle_temperature(out: _Aspects, idle: dict | None) -> None:
    """temperatureRangeIdleState, typed by v1.2.0 as one number in [-20, 60] for a range.

    The upper boundary is given (the one a battery at rest must be kept below), brought into
    the schema's bounds if it lies outside them, and the loss is listed in `missing`; the
    extension carries the range exactly.
    """
    p = "PerformanceAndDurability"
    if idle is None:
        out.put(p, "batteryTechicalProperties.temperatureRangeIdleState", 85, None)
        return
    upper = _number(idle["upper_c"])
    out.put(p, "batteryTechicalProperties.temperatureRangeIdleState", 85,
            min(max(upper, IDLE_BOUNDS[0]), IDLE_BOUNDS[1]))  # fmt: skip
    if allows(out.tier, battery_attribute_tier(BY_NUMBER[85])):
        out.missing.append({"field": IDLE_PATH, "message": IDLE_LOSS.format(
            lower=idle["lower_c"], upper=idle["upper_c"])})  # fmt: skip


def _condition(out: _Aspects, a: dict, health: dict) -> None:
    p, c = "PerformanceAndDurability", "batteryCondition"

    def timed(number: int, name: str, key: str, field: str) -> None:
        value, at = _health(health, field)
        out.put(p, f"{c}.{name}", number, {key: value, "lastUpdate": at} if at else None,
                NO_HEALTH)  # fmt: skip

    def plain(number: int, name: str, field: str) -> None:
        out.put(p, f"{c}.{name}", number, _health(health, field)[0], NO_HEALTH)

    plain(81, "energyThroughput", "energy_throughput_kwh")
    timed(82, "capacityThroughput", "capacityThroughputValue", "capacity_throughput_ah")
    timed(78, "numberOfFullCycles", "numberOfFullCyclesValue", "full_cycles")
    timed(57, "stateOfCertifiedEnergy", "stateOfCertifiedEnergyValue",
          "state_of_certified_energy_pct")  # fmt: skip
    timed(54, "capacityFade", "capacityFadeValue", "capacity_fade_pct")
    timed(56, "remainingEnergy", "remainingEnergyalue", "remaining_usable_energy_kwh")
    timed(53, "remainingCapacity", "remainingCapacityValue", "remaining_capacity_ah")
    accidents, at = _health(health, "accidents")
    out.put(p, f"{c}.negativeEvents", 93,
            [{"negativeEvent": text, "lastUpdate": at} for text in accidents] if at else None,
            NO_HEALTH)  # fmt: skip
    times = {
        "timeExtremeHighTemp": "time_above_max_temperature_h",
        "timeExtremeLowTemp": "time_below_min_temperature_h",
        "timeExtremeHighTempCharging": "time_charging_above_max_temperature_h",
        "timeExtremeLowTempCharging": "time_charging_below_min_temperature_h",
    }
    read = {name: _health(health, field) for name, field in times.items()}
    temperature = None
    if all(at for _, at in read.values()):
        temperature = {name: value for name, (value, _) in read.items()}
        temperature["lastUpdate"] = max(at for _, at in read.values())
    out.put(p, f"{c}.temperatureInformation", 87, temperature, NO_HEALTH)
    power, at = _health(health, "remaining_power_capability_w")
    soc, _ = _health(health, "remaining_power_capability_soc_pct")
    out.put(
        p,
        f"{c}.remainingPowerCapability",
        63,
        [
            {
                "remainingPowerCapabilityValue": {
                    "rPCLastUpdated": at,
                    "atSoC": soc,
                    "powerCapabilityAt": power,
                },
                "lastUpdate": at,
            }
        ]
        if at and soc is not None
        else None,
        NO_HEALTH,
    )
    plain(64, "powerFade", "power_fade_pct")
    plain(70, "roundTripEfficiencyFade", "round_trip_efficiency_fade_pct")
    evolution, _ = _health(health, "self_discharge_evolution_pct")
    out.put(p, f"{c}.evolutionOfSelfDischarge", 73,
            {"evolutionOfSelfDischargeEntityValue": evolution} if evolution is not None else None,
            NO_HEALTH)  # fmt: skip
    timed(72, "currentSelfDischargingRate", "currentSelfDischargingRateEntity",
          "current_self_discharge_pct_per_month")  # fmt: skip
    increases = []
    for field, component in [
        ("internal_resistance_increase_cell_pct", "cell"),
        ("internal_resistance_increase_module_pct", "module"),
        ("internal_resistance_increase_pct", "pack"),
    ]:
        value, at = _health(health, field)
        if at:
            increases.append({"internalResistanceIncreaseValue": value, "lastUpdate": at,
                              "batteryComponent": component})  # fmt: skip
    out.put(p, f"{c}.internalResistanceIncrease", 75, increases or None, NO_HEALTH)
    out.put(p, f"{c}.roundTripEfficiencyat50PerCentCycleLife", 68,
            _number(a.get("round_trip_efficiency_at_50_pct_cycle_life_pct")))  # fmt: skip
    timed(69, "remainingRoundTripEnergyEfficiency", "remainingRoundTripEnergyEfficiencyValue",
          "remaining_round_trip_efficiency_pct")  # fmt: skip
    timed(58, "stateOfCharge", "stateOfChargeValue", "state_of_charge_pct")


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
    out = _Aspects(tier)
    a = declaration["attributes"]
    documents = declaration["documents"]
    _general(out, declaration, a, status, passport_id, put_into_service)
    _carbon_footprint(out, declaration.get("carbon_footprint") or {})
    _circularity(out, declaration, a, documents)
    _labeling(out, a, documents)
    _composition(out, declaration, a)
    _performance(out, a, health)
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
