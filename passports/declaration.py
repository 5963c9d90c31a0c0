"""Validation of a passport declaration: shape per product type and the cross-field rules.

A declaration is what a manufacturer registers. Validation collects every problem it can with
a field path, normalises quantities to exact decimals, and returns data ready to store and sign.
"""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import SkipField, get_error_detail
from rest_framework.settings import api_settings

from passports import gbt34014, substances
from passports.identifiers import IdentifierError, check_serial, normalise_gtin
from passports.models import ProductType
from passports.reference import country_codes
from passports.validators import SAFE_INTEGER, validate_plausible_date

BATTERY_CATEGORIES = ["portable", "lmt", "ev", "industrial", "stationary"]
BATTERY_CHEMISTRIES = [
    "NMC811", "NMC622", "NMC111", "NCA", "LFP", "LMO",
    "lead_acid", "NiMH", "NiCd", "sodium_ion", "other",
]  # fmt: skip
PV_TECHNOLOGIES = ["c-Si-mono", "c-Si-poly", "CdTe", "CIGS", "other"]
MAGNET_TYPES = ["NdFeB", "SmCo", "ferrite", "AlNiCo"]
MAGNET_APPLICATIONS = [
    "ev_motor", "wind_generator", "industrial_motor", "consumer_electronics", "mri", "other",
]  # fmt: skip
DOCUMENT_KINDS = [
    "dismantling", "safety", "declaration_of_conformity", "test_report",
    "carbon_footprint_study", "user_information", "other",
]  # fmt: skip


def quantity(*, min_value: Decimal | int | None = 0, **kwargs) -> serializers.DecimalField:
    """An exact decimal quantity given as a string ("12.500") or a JSON number."""
    return serializers.DecimalField(
        max_digits=14, decimal_places=6, min_value=min_value, coerce_to_string=True, **kwargs
    )


def share(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=7, decimal_places=6, min_value=0, max_value=1, coerce_to_string=True, **kwargs
    )


def decimal_text(value: Decimal) -> str:
    """A quantity as plain decimal text without trailing zeros ("450", "0.06")."""
    return format(value.normalize(), "f")


def normalised(value: Decimal) -> Decimal:
    """Drops trailing zeros so the same quantity always has the same canonical text."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, so a typo is an error rather than silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                errors = {key: ["This field is not part of the schema."] for key in unknown}
                try:
                    super().to_internal_value(data)
                except serializers.ValidationError as exc:
                    errors = {**exc.detail, **errors}
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def country(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=sorted(country_codes()),
        error_messages={"invalid_choice": '"{input}" is not an ISO 3166-1 alpha-2 country code.'},
        **kwargs,
    )


class ManufacturingPlace(StrictSerializer):
    country = country()
    facility = serializers.CharField(max_length=200, required=False, allow_blank=True)


class BatteryAttributes(StrictSerializer):
    category = serializers.ChoiceField(choices=BATTERY_CATEGORIES)
    chemistry = serializers.ChoiceField(choices=BATTERY_CHEMISTRIES)
    rated_capacity_kwh = quantity(min_value=Decimal("0.000001"))
    rated_capacity_ah = quantity(min_value=Decimal("0.000001"), required=False)
    nominal_voltage_v = quantity(min_value=Decimal("0.000001"))
    expected_lifetime_years = serializers.IntegerField(min_value=1, max_value=100, required=False)
    expected_lifetime_cycles = serializers.IntegerField(
        min_value=1, max_value=SAFE_INTEGER, required=False
    )
    warranty_years = serializers.IntegerField(min_value=0, max_value=100, required=False)
    hazardous_substances = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
    extinguishing_agent = serializers.CharField(max_length=200, required=False)


class PvModuleAttributes(StrictSerializer):
    technology = serializers.ChoiceField(choices=PV_TECHNOLOGIES)
    rated_power_w = quantity(min_value=Decimal("0.000001"))
    area_m2 = quantity(min_value=Decimal("0.000001"))
    efficiency_pct = quantity(max_value=100, required=False)
    cell_count = serializers.IntegerField(min_value=1, max_value=SAFE_INTEGER, required=False)
    expected_lifetime_years = serializers.IntegerField(min_value=1, max_value=100, required=False)
    hazardous_substances = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )


class MagnetAttributes(StrictSerializer):
    magnet_type = serializers.ChoiceField(choices=MAGNET_TYPES)
    grade = serializers.CharField(max_length=40)
    application = serializers.ChoiceField(choices=MAGNET_APPLICATIONS)
    coating = serializers.CharField(max_length=100, required=False)
    max_operating_temperature_c = quantity(min_value=-273, required=False)
    host_product = serializers.CharField(max_length=200, required=False)
    removal_information = serializers.CharField(max_length=2000, required=False)
    expected_lifetime_years = serializers.IntegerField(min_value=1, max_value=100, required=False)


ATTRIBUTE_SCHEMAS: dict[str, type[StrictSerializer]] = {
    ProductType.BATTERY: BatteryAttributes,
    ProductType.PV_MODULE: PvModuleAttributes,
    ProductType.MAGNET: MagnetAttributes,
}


class CarbonFootprintStages(StrictSerializer):
    raw_material_acquisition = quantity(required=False)
    main_production = quantity(required=False)
    distribution = quantity(required=False)
    end_of_life_and_recycling = quantity(required=False)


class CarbonFootprint(StrictSerializer):
    kg_co2e_per_kwh = quantity(required=False)
    kg_co2e_per_kwp = quantity(required=False)
    kg_co2e_per_kg = quantity(required=False)
    total_kg_co2e = quantity(required=False)
    stages = CarbonFootprintStages(required=False)
    performance_class = serializers.CharField(max_length=10, required=False)
    study_url = serializers.URLField(required=False)


class CompositionItem(StrictSerializer):
    substance = serializers.CharField(max_length=64)
    cas = serializers.CharField(max_length=16, required=False, allow_blank=True)
    mass_kg = quantity()
    recycled_share_pre_consumer = share(required=False)
    recycled_share_post_consumer = share(required=False)

    def validate_substance(self, value: str) -> str:
        if substances.lookup(value) is None:
            raise serializers.ValidationError(
                f"Unknown substance {value!r}: give an element symbol such as 'Co' or a named "
                "material such as 'graphite', 'glass' or 'encapsulant'."
            )
        return value

    def validate_cas(self, value: str) -> str:
        if value and not substances.valid_cas(value):
            raise serializers.ValidationError(f"{value!r} is not a valid CAS registry number.")
        return value

    def validate(self, data: dict) -> dict:
        known = substances.lookup(data["substance"])
        given_cas = data.get("cas") or ""
        if known.kind == "element" and known.cas and given_cas and given_cas != known.cas:
            raise serializers.ValidationError(
                {"cas": [f"{data['substance']} has CAS number {known.cas}, not {given_cas}."]}
            )
        pre = data.get("recycled_share_pre_consumer", Decimal(0))
        post = data.get("recycled_share_post_consumer", Decimal(0))
        if pre + post > 1:
            raise serializers.ValidationError(
                {"recycled_share_post_consumer": ["Pre- and post-consumer shares exceed 1."]}
            )
        return {
            "substance": data["substance"],
            "cas": given_cas or known.cas or "",
            "mass_kg": normalised(data["mass_kg"]),
            "recycled_share_pre_consumer": normalised(pre),
            "recycled_share_post_consumer": normalised(post),
            "critical": known.critical,
        }


class OriginItem(StrictSerializer):
    substance = serializers.CharField(max_length=64)
    country = country()
    supplier = serializers.CharField(max_length=200, required=False, allow_blank=True)
    facility = serializers.CharField(max_length=200, required=False, allow_blank=True)
    share = share()

    def validate(self, data: dict) -> dict:
        return {
            "substance": data["substance"],
            "country": data["country"],
            "supplier": data.get("supplier", ""),
            "facility": data.get("facility", ""),
            "share": normalised(data["share"]),
        }


class DocumentItem(StrictSerializer):
    kind = serializers.ChoiceField(choices=DOCUMENT_KINDS)
    url = serializers.URLField(max_length=500)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PassportDeclaration(StrictSerializer):
    """A passport as a manufacturer registers it."""

    product_type = serializers.ChoiceField(choices=ProductType.choices)
    gtin = serializers.CharField(max_length=14, required=False, allow_null=True)
    serial = serializers.CharField(max_length=20, required=False, allow_null=True)
    gbt_code = serializers.CharField(max_length=24, required=False, allow_null=True)
    model = serializers.CharField(max_length=100)
    batch = serializers.CharField(max_length=100, required=False, allow_blank=True)
    manufactured_at = serializers.DateField(validators=[validate_plausible_date])
    manufacturing_place = ManufacturingPlace()
    mass_kg = quantity(min_value=Decimal("0.000001"))
    attributes = serializers.DictField()
    carbon_footprint = CarbonFootprint(required=False)
    composition = CompositionItem(many=True, allow_empty=False, max_length=200)
    origin = OriginItem(many=True, required=False, max_length=500)
    documents = DocumentItem(many=True, required=False, max_length=50)
    predecessor = serializers.UUIDField(required=False, allow_null=True)

    def validate_gtin(self, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            gtin = normalise_gtin(value)
        except IdentifierError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        prefix = self.context.get("gs1_company_prefix") or ""
        if prefix and not gtin[1:].startswith(prefix):
            raise serializers.ValidationError(
                f"GTIN {gtin} is not under your GS1 company prefix {prefix}."
            )
        return gtin

    def validate_serial(self, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_serial(value)
        except IdentifierError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate_gbt_code(self, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            gbt34014.parse(value)
        except gbt34014.GbtCodeError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value

    def to_internal_value(self, data):
        # Every field is checked on its own, then every cross-field rule whose inputs are valid
        # runs too, so one response names every problem instead of revealing them a layer at a
        # time (a wrong GTIN check digit does not hide a composition heavier than the product).
        if not isinstance(data, dict):
            return super().to_internal_value(data)
        validated, errors = self._fields_validate(data)
        schema = ATTRIBUTE_SCHEMAS.get(validated.get("product_type"))
        attributes = data.get("attributes")
        if schema is not None and isinstance(attributes, dict) and "attributes" not in errors:
            checked = schema(data=attributes)
            if checked.is_valid():
                validated["attributes"] = checked.validated_data
            else:
                errors["attributes"] = checked.errors
                del validated["attributes"]
        elif "attributes" in validated:
            del validated["attributes"]  # no valid product type to check them against
        if errors:
            partial = {**validated, **_item_parts(data, errors)}
            for field, messages in declaration_rule_errors(partial, failed=set(errors)).items():
                _errors_add(errors, field, messages)
            raise serializers.ValidationError(errors)
        return validated

    def _fields_validate(self, data: dict) -> tuple[dict, dict]:
        """Each field validated on its own, as DRF does: the valid values and the errors."""
        validated: dict = {}
        errors: dict = {
            key: ["This field is not part of the schema."]
            for key in sorted(set(data) - set(self.fields))
        }
        for field in self._writable_fields:
            validate_method = getattr(self, "validate_" + field.field_name, None)
            try:
                value = field.run_validation(field.get_value(data))
                if validate_method is not None:
                    value = validate_method(value)
            except serializers.ValidationError as exc:
                errors[field.field_name] = exc.detail
            except DjangoValidationError as exc:
                errors[field.field_name] = get_error_detail(exc)
            except SkipField:
                pass
            else:
                validated[field.field_name] = value
        return validated, errors

    def validate(self, data: dict) -> dict:
        errors = declaration_rule_errors(data, failed=set())
        if errors:
            raise serializers.ValidationError(errors)
        return normalise_declaration(data)


def declaration_rule_errors(data: dict, *, failed: set[str]) -> dict[str, list[str]]:
    """The cross-field rules, each run only when the fields it reads are valid.

    `data` holds the valid fields; composition and origin may hold items with only their
    valid fields (see _item_parts). `failed` names the top-level fields that had errors.
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
    return dict(errors)


# The item fields the cross-field rules read.
_RULE_ITEM_FIELDS = {"composition": ("substance", "mass_kg"), "origin": ("substance", "share")}


def _item_parts(data: dict, errors: dict) -> dict[str, list[dict]]:
    """For a composition or origin list with errors, each item's fields that are valid alone.

    The rules can then still add up masses and shares when, say, one item names an unknown
    substance: that error is reported, and so is a total that is wrong.
    """
    parts: dict[str, list[dict]] = {}
    for name, field_names in _RULE_ITEM_FIELDS.items():
        items = data.get(name)
        if name not in errors or not isinstance(items, list):
            continue
        checker = PassportDeclaration().fields[name].child
        parts[name] = [_fields_valid_alone(checker, item, field_names) for item in items]
    return parts


def _fields_valid_alone(checker: serializers.Serializer, item, field_names) -> dict:
    if not isinstance(item, dict):
        return {}
    valid = {}
    for name in field_names:
        field = checker.fields[name]
        validate_method = getattr(checker, "validate_" + name, None)
        try:
            value = field.run_validation(field.get_value(item))
            if validate_method is not None:
                value = validate_method(value)
        except (serializers.ValidationError, DjangoValidationError, SkipField):
            continue
        valid[name] = normalised(value) if isinstance(value, Decimal) else value
    return valid


def _errors_add(errors: dict, field: str, messages: list[str]) -> None:
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
    return {
        "product_type": data["product_type"],
        "gtin": data.get("gtin"),
        "serial": data.get("serial"),
        "gbt_code": data.get("gbt_code"),
        "model": data["model"],
        "batch": data.get("batch", ""),
        "manufactured_at": data["manufactured_at"],
        "manufacturing_place": {"country": place["country"], "facility": place.get("facility", "")},
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
    if isinstance(value, dict):
        return {key: normalise_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalise_tree(item) for item in value]
    if isinstance(value, Decimal):
        return normalised(value)
    return value
