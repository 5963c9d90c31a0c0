"""The registration declaration: the fields every product shares and the per-type attributes.

A declaration is what a manufacturer registers. Validation collects every problem it can with
a field path, normalises quantities to exact decimals, and returns data ready to store and sign.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import SkipField

from passports import gbt34014, substances
from passports.declaration import compiled
from passports.declaration.battery import BatteryAttributes
from passports.declaration.compiled import SLOW, Check, fields_validate, known_field_names
from passports.declaration.fields import (
    FreeObject,
    PostalAddress,
    StrictSerializer,
    country,
    normalised,
    quantity,
    share,
)
from passports.declaration.magnet import MagnetAttributes
from passports.declaration.pv_module import PvModuleAttributes
from passports.declaration.rules import (
    declaration_rule_errors,
    errors_add,
    has_error,
    normalise_declaration,
)
from passports.identifiers import IdentifierError, check_serial, normalise_gtin
from passports.models import ProductType
from passports.validators import validate_plausible_date

DOCUMENT_KINDS = [
    "dismantling", "safety", "declaration_of_conformity", "test_report",
    "carbon_footprint_study", "user_information",
    # The three end-user information items of Annex XIII 1(m), each its own document.
    "waste_prevention", "separate_collection", "end_of_life_information",
    "other",
]  # fmt: skip

ATTRIBUTE_SCHEMAS: dict[str, type[StrictSerializer]] = {
    ProductType.BATTERY: BatteryAttributes,
    ProductType.PV_MODULE: PvModuleAttributes,
    ProductType.MAGNET: MagnetAttributes,
}


class ManufacturingPlace(StrictSerializer):
    """Where the product was made: the country, the facility and (for batteries) its address."""

    country = country()
    facility = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = PostalAddress(required=False)


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
    attributes = FreeObject()
    carbon_footprint = CarbonFootprint(required=False)
    composition = CompositionItem(many=True, allow_empty=False, max_length=200)
    origin = OriginItem(many=True, required=False, max_length=500)
    documents = DocumentItem(many=True, required=False, max_length=50)
    predecessor = serializers.UUIDField(required=False, allow_null=True)

    def validate_predecessor(self, value):
        # Naming a predecessor supersedes it: only the holder's repurposing or remanufacturing
        # event may do that, never a registration, or anyone could freeze anyone's passport.
        if value is not None and not self.context.get("successor_of_holder"):
            raise serializers.ValidationError(
                "A successor passport is registered by posting repurposed or remanufactured on "
                "the original passport, as its holder; a registration cannot name one."
            )
        return value

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
            checker, check = self._attribute_checker(schema)
            try:
                result = check(attributes)
                if result is SLOW:
                    result = checker.run_validation(attributes)
                validated["attributes"] = result
            except serializers.ValidationError as exc:
                errors["attributes"] = exc.detail
                del validated["attributes"]
        elif "attributes" in validated:
            del validated["attributes"]  # no valid product type to check them against
        if errors:
            partial = {**validated, **_item_parts(data, errors)}
            rule_errors = declaration_rule_errors(partial, failed=set(errors), given=data)
            for field, messages in rule_errors.items():
                if "." in field and has_error(errors, field):
                    continue  # the field's own error already says it is missing or wrong
                errors_add(errors, field, messages)
            raise serializers.ValidationError(errors)
        return validated

    def _fields_validate(self, data: dict) -> tuple[dict, dict]:
        """Each field validated on its own, as DRF does: the valid values and the errors."""
        errors: dict = {
            key: ["This field is not part of the schema."]
            for key in sorted(data.keys() - known_field_names(self))
        }
        validated, field_errors = fields_validate(self, data)
        errors.update(field_errors)
        return validated, errors

    def _attribute_checker(self, schema: type[StrictSerializer]) -> tuple[StrictSerializer, Check]:
        """The product type's attribute serializer and its compiled check (SLOW: ask DRF)."""
        # One checker per product type for the life of this serializer: building a serializer
        # deep-copies its whole field tree, which would otherwise happen for every item in bulk.
        checkers = self.__dict__.setdefault("_attribute_checkers", {})
        if schema not in checkers:
            checker = schema()
            check = compiled.field_check(checker) or (lambda value: SLOW)
            checkers[schema] = (checker, check)
        return checkers[schema]

    def validate(self, data: dict) -> dict:
        errors = declaration_rule_errors(data, failed=set())
        if errors:
            raise serializers.ValidationError(errors)
        return normalise_declaration(data)


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
