"""What an imported Battery Pass document may not do although its schemas would let it.

The v1.2.0 schemas are draft-04 without `additionalProperties`, so they accept any extra key
at any level, and they know nothing of our `declarationExtension`. Import used to drop both
silently: a misspelt property vanished, and an extension value the aspects override (a mass
of -1, a 30 February) was accepted and then ignored. Here:

- `unknown_keys`: a top-level key that is neither an aspect, the extension nor one our export
  writes, and a property no aspect schema defines, are refused by their JSON path. An aspect
  may repeat the general aspect's identifiers (the importer checks that they agree).
- `extension_errors`: the extension is checked with the registration rules
  (PassportDeclaration), each error named `declarationExtension.<field>`. It may leave out what
  the aspects give, so an error about an absent field is not its own.
- `extension_conflicts`: an extension value the aspects override with a different value is an
  error at both paths, as identifier conflicts are (importer.identifier_conflicts).
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from passports.api.errors import iter_errors
from passports.batterypass import mapping as m
from passports.batterypass.importer import (
    IDENTIFIER_KEYS,
    declaration_from,
    rule_error_path,
    schema_errors,
)
from passports.batterypass.schemas import ASPECTS, validator
from passports.declaration import PassportDeclaration

# Keys our own export writes beside the aspects, so that an exported document imports as is.
EXPORT_KEYS = ("batteryPassVersion", "tier", "registeredBy", "missing", "withheld")
UNKNOWN_TOP = "Not a Battery Pass v1.2.0 aspect nor declarationExtension."
UNKNOWN_PROPERTY = "The Battery Pass v1.2.0 schema has no such property."
_PATH_PART = re.compile(r"\[\d+\]|[^.\[\]]+")


def unknown_keys(document: dict) -> list[dict[str, str]]:
    """Every top-level key and aspect property the data model does not define, by its path."""
    known = {*ASPECTS, m.EXTENSION, *EXPORT_KEYS}
    errors = [{"field": key, "message": UNKNOWN_TOP} for key in document if key not in known]
    for aspect in ASPECTS:
        instance = document.get(aspect)
        if isinstance(instance, dict):
            schema = validator(aspect).schema
            errors.extend(_unknown(schema, schema, instance, aspect, frozenset(IDENTIFIER_KEYS)))
    return errors


def _branches(root: dict, node: dict) -> list[dict]:
    """The schema node with its `$ref` followed, and every `allOf` branch of it, flattened."""
    while isinstance(node, dict) and "$ref" in node:
        target = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    if not isinstance(node, dict):
        return []
    found = [node]
    for branch in node.get("allOf", []):
        found.extend(_branches(root, branch))
    return found


def _unknown(root: dict, node: dict, instance: Any, path: str, allowed=frozenset()):
    """The paths of keys in `instance` that the schema node does not define, depth first."""
    branches = _branches(root, node)
    if isinstance(instance, dict) and any("properties" in b for b in branches):
        properties = {k: v for b in branches for k, v in b.get("properties", {}).items()}
        for key, value in instance.items():
            if key in properties:
                yield from _unknown(root, properties[key], value, f"{path}.{key}")
            elif key not in allowed:
                yield {"field": f"{path}.{key}", "message": UNKNOWN_PROPERTY}
    elif isinstance(instance, list):
        items = next((b["items"] for b in branches if isinstance(b.get("items"), dict)), None)
        if items is not None:
            for index, value in enumerate(instance):
                yield from _unknown(root, items, value, f"{path}[{index}]")


def _given(data: Any, path: str) -> bool:
    """Whether `path` ("a.b[0].c"; "" is the root) names a value present in `data`."""
    for part in _PATH_PART.findall(path):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(data, list) or index >= len(data):
                return False
            data = data[index]
        else:
            if not isinstance(data, dict) or part not in data:
                return False
            data = data[part]
    return True


def extension_errors(extension: Any, *, context: dict) -> list[dict[str, str]]:
    """The extension's values that registration would refuse, each at its extension path.

    An error about a field the extension leaves out is not reported here: the aspects may give
    it, and if they do not, the check of the declaration they make names it.
    """
    if not isinstance(extension, dict):
        return []  # schema_errors names an extension that is not an object
    errors = []
    if extension.get("product_type", "battery") != "battery":
        message = "A Battery Pass document describes a battery: give battery or leave it out."
        errors.append({"field": f"{m.EXTENSION}.product_type", "message": message})
    checked = PassportDeclaration(data={**extension, "product_type": "battery"}, context=context)
    if checked.is_valid():
        return errors
    for error in iter_errors(checked.errors):
        if _given(extension, error["field"]):
            field = f"{m.EXTENSION}.{error['field']}".rstrip(".")
            errors.append({"field": field, "message": error["message"]})
    return errors


# Where the aspects give a value the extension may also hold (importer.declaration_from),
# named at property level; anything not listed falls back to importer.rule_error_path.
_G = "GeneralProductInformation"
_T = "PerformanceAndDurability.batteryTechicalProperties"
_PARTY = {"identifier": "identifier", "name": "contactName", "email": "emailAddress",
          "web_address": "webAddress", "postal_address": "postalAddress"}  # fmt: skip
CONFLICT_PATHS = {
    "attributes.extinguishing_agent": "Circularity.safetyMeasures.extinguishingAgent",
    "attributes.materials": "MaterialComposition.batteryMaterials",
    "attributes.original_power_capability": f"{_T}.originalPowerCapability",
    "attributes.maximum_permitted_power_w": f"{_T}.ratedMaximumPower",
    "attributes.power_energy_ratio_w_per_wh": f"{_T}.powerCapabilityRatio",
    "attributes.rated_capacity_ah": f"{_T}.ratedCapacity",
    "attributes.initial_self_discharge_pct_per_month": f"{_T}.initialSelfDischarge",
    "attributes.initial_round_trip_efficiency_pct": f"{_T}.roundtripEfficiency",
    "attributes.minimum_voltage_v": f"{_T}.minimumVoltage",
    "attributes.maximum_voltage_v": f"{_T}.maximumVoltage",
    "attributes.capacity_threshold_for_exhaustion_pct": f"{_T}.capacityThresholdForExhaustion",
    "attributes.expected_lifetime_cycles": f"{_T}.expectedNumberOfCycles",
    "attributes.expected_lifetime_years": f"{_T}.expectedLifetime",
    "attributes.initial_internal_resistance": f"{_T}.initialInternalResistance",
    "attributes.cycle_life_test.reference": f"{_T}.lifetimeReferenceTest",
    "attributes.cycle_life_test.c_rate": f"{_T}.cRateLifeCycleTest",
    "attributes.round_trip_efficiency_at_50_pct_cycle_life_pct": (
        "PerformanceAndDurability.batteryCondition.roundTripEfficiencyat50PerCentCycleLife"
    ),
    "attributes.due_diligence.report.url": "SupplyChainDueDiligence.supplyChainDueDiligenceReport",
    "manufacturing_place.address": f"{_G}.manufacturingPlace",
    "carbon_footprint.stages": "CarbonFootprintForBatteries.carbonFootprintPerLifecycleStage",
    "carbon_footprint.performance_class": (
        "CarbonFootprintForBatteries.carbonFootprintPerformanceClass"
    ),
    "carbon_footprint.study_url": "CarbonFootprintForBatteries.carbonFootprintStudy",
    "carbon_footprint.total_kg_co2e": "CarbonFootprintForBatteries.absoluteCarbonFootprint",
}
_CONFLICT = (
    "Conflicts with {} ({!r}): the aspects' value is the one registered; give the same value "
    "in both or leave it out of the extension."
)


def conflict_path(field: str) -> str:
    """The Battery Pass property whose value replaced the extension's `field`."""
    for party, theirs in (("manufacturer_information", "manufacturerInformation"),
                          ("operator", "operatorInformation")):  # fmt: skip
        prefix = f"attributes.{party}."
        if field.startswith(prefix):
            key = field[len(prefix) :].split(".")[0]
            return f"{_G}.{theirs}.{_PARTY.get(key, key)}"
    if "recycled_share" in field and field.startswith("composition["):
        return "Circularity.recycledContent"
    for ours in sorted(CONFLICT_PATHS, key=len, reverse=True):
        if field == ours or field.startswith((ours + ".", ours + "[")):
            return CONFLICT_PATHS[ours]
    return rule_error_path(field)


def _same(given: Any, used: Any) -> bool:
    """Equal, or the same number written two ways ("450" and 450.0)."""
    if given == used:
        return True
    if isinstance(given, bool) or isinstance(used, bool):
        return False
    try:
        return Decimal(str(given)) == Decimal(str(used))
    except (InvalidOperation, ValueError):
        return False


def _differences(given: Any, used: Any, path: str):
    """(path, given, used) wherever the mapped declaration holds another value than given."""
    if isinstance(given, dict) and isinstance(used, dict):
        for key, value in given.items():
            if key in used:
                yield from _differences(value, used[key], f"{path}.{key}" if path else key)
    elif isinstance(given, list) and isinstance(used, list):
        if len(given) != len(used):
            yield path, f"{len(given)} items", f"{len(used)} items"
        else:
            for index, (one, other) in enumerate(zip(given, used, strict=True)):
                yield from _differences(one, other, f"{path}[{index}]")
    elif not _same(given, used):
        yield path, given, used


def extension_conflicts(extension: Any, mapped: dict) -> list[dict[str, str]]:
    """Every extension value the aspects replaced with another, named at both paths.

    Silently preferring the aspects would register a value the sender did not see.
    """
    if not isinstance(extension, dict):
        return []
    errors = []
    for field, given, used in _differences(extension, mapped, ""):
        theirs, ours = conflict_path(field), f"{m.EXTENSION}.{field}"
        errors.append({"field": ours, "message": _CONFLICT.format(theirs, used)})
        errors.append({"field": theirs, "message": _CONFLICT.format(ours, given)})
    return errors


def document_declaration(document: Any, *, context: dict) -> tuple[dict | None, list[dict]]:
    """One document's validated declaration, or every error by its Battery Pass path."""
    found = schema_errors(document)
    if isinstance(document, dict):
        found = sorted([*found, *unknown_keys(document)], key=lambda e: e["field"])
    if found:
        return None, found
    extension = document.get(m.EXTENSION)
    found = extension_errors(extension, context=context)
    try:
        mapped = declaration_from(document)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
        mapped = None  # a malformed extension: the declaration check names it
    if mapped is not None and not found:
        found = extension_conflicts(extension, mapped)
    checked = PassportDeclaration(data=mapped if mapped is not None else extension, context=context)
    if checked.is_valid():
        return (None, found) if found else (checked.validated_data, [])
    for error in iter_errors(checked.errors):
        error = {"field": rule_error_path(error["field"]), "message": error["message"]}
        if error not in found:
            found.append(error)
    return None, found
