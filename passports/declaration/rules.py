"""Cross-field rules of a declaration, the mandatory-by-category rule, and the stored form.

Each rule reads only fields that are valid on their own, so one answer names every problem
(tests/passports/test_all_errors_at_once.py).
"""

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from functools import cache

from rest_framework.settings import api_settings

from passports import gbt34014
from passports.battery_attributes import mandatory, passport_required
from passports.declaration.battery import BATTERY_CATEGORIES
from passports.declaration.fields import normalised
from passports.family_attributes import CONDITIONS, FAMILY_ATTRIBUTES, FAMILY_WORDS, applies
from passports.models import ProductType

CATEGORY_WORDS = {
    "ev": "EV",
    "lmt": "LMT",
    "industrial": "industrial (over 2 kWh)",
    "stationary": "stationary (over 2 kWh)",
}
_ABSENT, _PRESENT, _UNKNOWN = "absent", "present", "unknown"


def declaration_rule_errors(
    data: dict, *, failed: set[str], given: dict | None = None
) -> dict[str, list[str]]:
    """The cross-field rules, each run only when the fields it reads are valid.

    `data` holds the valid fields; composition and origin may hold items with only their
    valid fields (see _item_parts). `failed` names the top-level fields that had errors.
    `given` is the declaration as sent, when some fields failed: the mandatory rule asks only
    whether a value is there, so it reads the input and still names every missing attribute.
    """
    errors: dict[str, list[str]] = defaultdict(list)
    if not failed & {"gtin", "serial"} and (data.get("gtin") is None) != (
        data.get("serial") is None
    ):
        field = "serial" if data.get("gtin") else "gtin"
        errors[field].append("A GTIN and a serial are given together or not at all.")
    product_type = data.get("product_type")
    gbt_code = data.get("gbt_code")
    if gbt_code and product_type is not None and product_type != ProductType.BATTERY:
        errors["gbt_code"].append("A GB/T 34014 code identifies batteries only.")
    elif gbt_code and product_type is not None and "attributes" in data:
        chemistry = data["attributes"]["chemistry"]
        parsed = gbt34014.parse(gbt_code)
        if not gbt34014.chemistry_matches(parsed, chemistry):
            errors["gbt_code"].append(
                f"Battery type {parsed.battery_type} ({parsed.battery_type_name}) in the code "
                f"does not match chemistry {chemistry}."
            )
    composition = data.get("composition")
    substances_all_valid = composition is not None and all(
        "substance" in item for item in composition
    )
    seen: set[str] = set()
    for index, item in enumerate(composition or []):
        if "substance" not in item:
            continue
        if item["substance"] in seen:
            errors[f"composition[{index}].substance"].append(
                f"{item['substance']} is listed more than once."
            )
        seen.add(item["substance"])
    if "mass_kg" in data and composition and all("mass_kg" in item for item in composition):
        total = sum((item["mass_kg"] for item in composition), Decimal(0))
        if total > data["mass_kg"]:
            errors["composition"].append(
                f"The composition adds up to {total} kg, more than the product mass of "
                f"{normalised(data['mass_kg'])} kg."
            )
    origin = data.get("origin", [])
    shares: dict[str, Decimal] = defaultdict(Decimal)
    for index, item in enumerate(origin):
        if substances_all_valid and "substance" in item and item["substance"] not in seen:
            errors[f"origin[{index}].substance"].append(
                f"{item['substance']} is not in the composition."
            )
        if "substance" in item and "share" in item:
            shares[item["substance"]] += item["share"]
    if all("substance" in item and "share" in item for item in origin):
        for substance, total_share in shares.items():
            if total_share != 1:
                errors["origin"].append(
                    f"Origin shares of {substance} add up to {total_share}, not 1."
                )
    for field, messages in mandatory_errors(data if given is None else given).items():
        errors[field].extend(messages)
    return dict(errors)


def mandatory_errors(data: dict) -> dict[str, list[str]]:
    """Every attribute the product's family (and a battery's category) makes mandatory that the
    declaration lacks.

    A battery category's mandatory attributes are the longlist's "x" marks
    (passports/battery_attributes.py); a PV module's or magnet's are the mandatory rows of
    passports/family_attributes.py. Only what a declaration carries is asked for here:
    health values are reported over the battery's life (see representation.missing_dynamic).

    A successor passport (Art. 77(7)) is held to the same rule: a repurposed or remanufactured
    battery is placed on the market or put into service anew, and its operator takes on the
    passport obligations of Art. 77(1) for it, so its passport is as complete as a first one.
    """
    attributes = data.get("attributes")
    if not isinstance(attributes, dict):
        return {}
    if data.get("product_type") in FAMILY_ATTRIBUTES:
        return _family_errors(data, data["product_type"], attributes)
    if data.get("product_type") != ProductType.BATTERY:
        return {}
    category = attributes.get("category")
    if not isinstance(category, str) or category not in BATTERY_CATEGORIES:
        return {}
    if not passport_required(category, _decimal_or_none(attributes.get("rated_energy_kwh"))):
        return {}
    errors: dict[str, list[str]] = defaultdict(list)
    documents = data.get("documents", [])
    kinds = (
        {item.get("kind") for item in documents if isinstance(item, dict) and _kind_is_text(item)}
        if isinstance(documents, list)
        else None  # not a list: that error is reported; which kinds it lacks is unknown
    )
    for kind, paths, why in _checks(category):
        if kind is not None:
            if kinds is not None and kind not in kinds:
                errors["documents"].append(f"Add a document of kind {kind}. {why}")
        elif all(_presence(data, path) == _ABSENT for path in paths):
            errors[".".join(paths[0])].append(why)
    return _under_parents(errors)


def _family_errors(data: dict, product_type: str, attributes: dict) -> dict[str, list[str]]:
    """Every attribute a PV module or magnet must carry that the declaration lacks, with the
    source that asks for it (passports/family_attributes.py)."""
    errors: dict[str, list[str]] = defaultdict(list)
    documents = data.get("documents", [])
    kinds = (
        {item.get("kind") for item in documents if isinstance(item, dict) and _kind_is_text(item)}
        if isinstance(documents, list)
        else None
    )
    for row, document_kind, path, why in _family_checks(product_type):
        if row.when and not applies(row, attributes):
            continue
        if document_kind is not None:
            if kinds is not None and document_kind not in kinds:
                errors["documents"].append(f"Add a document of kind {document_kind}. {why}")
        elif _presence(data, path) == _ABSENT:
            errors[row.path].append(why)
    return _under_parents(errors)


@cache
def _family_checks(product_type: str) -> tuple:
    """Per family, its mandatory rows as (row, document kind or None, path, message)."""
    checks = []
    for row in FAMILY_ATTRIBUTES[product_type]:
        if row.kind == "health" or not row.mandatory:
            continue
        whom = CONDITIONS[row.when][1] if row.when else FAMILY_WORDS[product_type]
        why = f"Mandatory for {whom}: {row.name} ({row.source})."
        if row.kind == "documents":
            checks.append((row, row.path.split("#", 1)[1], (), why))
        else:
            checks.append((row, None, tuple(row.path.split(".")), why))
    return tuple(checks)


def _under_parents(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Reports a missing field's messages at its missing parent, where the parent is missing too
    (no separate "meaning" error for a symbol that is absent altogether)."""
    merged: dict[str, list[str]] = {}
    for field in sorted(errors, key=lambda f: f.count(".")):
        parent = next((p for p in merged if field.startswith(p + ".")), None)
        merged.setdefault(parent or field, []).extend(errors[field])
    return {field: merged[field] for field in errors if field in merged}


@cache
def _checks(category: str) -> tuple[tuple[str | None, tuple[tuple[str, ...], ...], str], ...]:
    """Per category, what to look for: (document kind or None, alternative paths, message)."""
    checks = []
    for attribute in mandatory(category):
        why = (
            f"Mandatory for {CATEGORY_WORDS[category]} batteries: {attribute.name} "
            f"(Annex XIII; Battery Pass longlist #{attribute.number})."
        )
        if attribute.source == "documents":
            checks.append((attribute.path.split("#", 1)[1], (), why))
        elif attribute.source == "declaration":
            paths = tuple(tuple(path.split(".")) for path in attribute.path.split("|"))
            checks.append((None, paths, why))
    return tuple(checks)


def _presence(data: dict, path: tuple[str, ...]) -> str:
    """Whether a dotted path has a value; a list counts as present (its items are checked by
    their schema), and a wrong type on the way is unknown (that error is reported already)."""
    current = data
    for name in path:
        if type(current) is not dict:  # exact dicts are nearly all; the rest are checked
            if isinstance(current, list):
                return _PRESENT
            if not isinstance(current, dict):
                return _UNKNOWN
        current = current.get(name)
        if current is None:
            return _ABSENT
    return _PRESENT


def _decimal_or_none(value) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def has_error(errors: dict, path: str) -> bool:
    """Whether DRF's nested error detail already holds an error at a dotted path."""
    current = errors
    for name in path.split("."):
        if not isinstance(current, dict) or name not in current:
            return False
        current = current[name]
    return bool(current)


def errors_add(errors: dict, field: str, messages: list[str]) -> None:
    """Adds rule messages to DRF's error detail, keeping per-item errors beside them."""
    existing = errors.get(field)
    if existing is None:
        errors[field] = messages
    elif isinstance(existing, list) and all(isinstance(e, str) for e in existing):
        errors[field] = [*existing, *messages]
    else:
        # Per-item errors of a list: indexed entries beside the list's own messages, the shape
        # flatten_errors turns into "composition[1].mass_kg" and "composition".
        key = api_settings.NON_FIELD_ERRORS_KEY
        indexed = existing.items() if isinstance(existing, dict) else enumerate(existing)
        merged = {index: detail for index, detail in indexed if detail}
        merged[key] = [*merged.get(key, []), *messages]
        errors[field] = merged


def normalise_declaration(data: dict) -> dict:
    """The declaration in its stored and signed form: every key present, quantities exact."""
    place = data["manufacturing_place"]
    stored_place = {"country": place["country"], "facility": place.get("facility", "")}
    if "address" in place:  # absent from older declarations, whose signed bytes stay as they were
        stored_place["address"] = normalise_tree(place["address"])
    return {
        "product_type": data["product_type"],
        "gtin": data.get("gtin"),
        "serial": data.get("serial"),
        "gbt_code": data.get("gbt_code"),
        "model": data["model"],
        "batch": data.get("batch", ""),
        "manufactured_at": data["manufactured_at"],
        "manufacturing_place": stored_place,
        "mass_kg": normalised(data["mass_kg"]),
        "attributes": normalise_tree(data["attributes"]),
        "carbon_footprint": normalise_tree(data.get("carbon_footprint", {})),
        "composition": data["composition"],
        "origin": data.get("origin", []),
        "documents": [
            {"kind": d["kind"], "url": d["url"], "title": d.get("title", "")}
            for d in data.get("documents", [])
        ],
        "predecessor": data.get("predecessor"),
    }


def normalise_tree(value):
    """A copy of a validated tree with every quantity normalised (see normalised)."""
    kind = type(value)
    # Exact types first (validated data is plain); subclasses take the slower checks after.
    if kind is str or value is None or kind is bool or kind is int:
        return value
    if kind is Decimal:
        return normalised(value)
    if kind is dict:
        return {key: normalise_tree(item) for key, item in value.items()}
    if kind is list:
        return [normalise_tree(item) for item in value]
    if isinstance(value, dict):
        return {key: normalise_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise_tree(item) for item in value]
    if isinstance(value, Decimal):
        return normalised(value)
    return value


def _kind_is_text(document: dict) -> bool:
    # A kind sent as an object or a list is reported by the document's own check; here it
    # only must not stop the rule from naming what is missing.
    return isinstance(document.get("kind"), str | None)
