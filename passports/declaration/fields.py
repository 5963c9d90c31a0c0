"""The field kinds every declaration schema is built from: quantities, shares, strict objects.

Quantities are exact decimals (given as strings such as "12.500" or as JSON integers) because
the declaration is signed as canonical JSON, which carries no floats. Units are named in the
field names (`_kwh`, `_v`, `_w`, `_pct`, `_mohm`, `_c`) or, where a name cannot say it, in the
field's help text.
"""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from passports.declaration.compiled import (
    SLOW,
    Check,
    fields_validate,
    known_field_names,
    object_check,
)
from passports.reference import country_codes

POSITIVE = Decimal("0.000001")


def quantity(*, min_value: Decimal | int | None = 0, **kwargs) -> serializers.DecimalField:
    """An exact decimal quantity given as a string ("12.500") or a JSON number."""
    return serializers.DecimalField(
        max_digits=14, decimal_places=6, min_value=min_value, coerce_to_string=True, **kwargs
    )


def share(**kwargs) -> serializers.DecimalField:
    """A fraction between 0 and 1."""
    return serializers.DecimalField(
        max_digits=7, decimal_places=6, min_value=0, max_value=1, coerce_to_string=True, **kwargs
    )


def percent(**kwargs) -> serializers.DecimalField:
    """A percentage between 0 and 100."""
    return quantity(max_value=100, **kwargs)


def text(max_length: int = 200, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, **kwargs)


def decimal_text(value: Decimal) -> str:
    """A quantity as plain decimal text without trailing zeros ("450", "0.06")."""
    return format(value.normalize(), "f")


def normalised(value: Decimal) -> Decimal:
    """Drops trailing zeros so the same quantity always has the same canonical text."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


# Keys that were renamed: old name -> the message that names the new field. A client that
# still sends the old name gets this instead of the generic "not part of the schema".
RENAMED_KEYS = {
    "rated_capacity_kwh": (
        "Renamed: this value is the rated energy, send it as rated_energy_kwh; the rated "
        "capacity is given in ampere-hours as rated_capacity_ah."
    ),
    "warranty_years": (
        'Renamed: send the warranty period as warranty {"years": ..., "months": ...}.'
    ),
}


def unknown_key_message(key: str, renamed: dict[str, str] | None = None) -> str:
    message = (renamed or {}).get(key) or RENAMED_KEYS.get(key)
    return message or "This field is not part of the schema."


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, so a typo is an error rather than silently dropped.

    `renamed_keys` maps a schema's former field names to a message naming the new field.
    """

    renamed_keys: dict[str, str] = {}

    def run_validators(self, value):
        # Without object-level validators there is nothing to run, and DRF would first gather
        # the read-only defaults for every nested object of every declaration.
        if self.validators:
            super().run_validators(value)

    def compiled_check(self) -> Check | None:
        """This object's compiled check when nested in another, or None if DRF must run it."""
        kind = type(self)
        if (
            self.validators
            or kind.to_internal_value is not StrictSerializer.to_internal_value
            or kind.run_validation is not serializers.Serializer.run_validation
            or kind.validate_empty_values is not serializers.Field.validate_empty_values
        ):
            return None
        return object_check(self)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            return super().to_internal_value(data)  # DRF's "expected a dictionary" error
        validated, errors = fields_validate(self, data)
        unknown = sorted(data.keys() - known_field_names(self))
        if unknown:
            errors |= {key: [unknown_key_message(key, self.renamed_keys)] for key in unknown}
        if errors:
            raise serializers.ValidationError(errors)
        return validated


class FreeObject(serializers.DictField):
    """A JSON object taken as it is (its keys as text); a schema elsewhere checks its content."""

    def compiled_check(self) -> Check | None:
        """The check DRF's run would amount to: a copy of a plain object, keys already text."""
        if self.validators or not self.allow_empty:
            return None

        def check(value: Any) -> Any:
            if type(value) is dict and all(type(key) is str for key in value):
                return dict(value)
            return SLOW

        return check


def country(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=sorted(country_codes()),
        error_messages={"invalid_choice": '"{input}" is not an ISO 3166-1 alpha-2 country code.'},
        **kwargs,
    )


class PostalAddress(StrictSerializer):
    """A postal address; the country is an ISO 3166-1 alpha-2 code."""

    street = text()
    postal_code = text(20, required=False, allow_blank=True)
    city = text(100)
    region = text(100, required=False, allow_blank=True)
    country = country()


class Party(StrictSerializer):
    """An economic operator, manufacturer or supplier: who it is and how to reach it.

    `identifier` is the operator's unique identifier (for instance an EORI number, a GS1
    Global Location Number or a VAT number), as Annex VI Part A and the ESPR ask.
    """

    identifier = text(100)
    name = text()
    postal_address = PostalAddress()
    email = serializers.EmailField(max_length=254)
    web_address = serializers.URLField(max_length=500)


class SymbolItem(StrictSerializer):
    """A label or symbol printed on the battery, as data: what it is, its image, its meaning."""

    identifier = text(100, help_text="The symbol's identifier, e.g. 'separate_collection'.")
    image_url = serializers.URLField(max_length=500)
    meaning = text(1000, help_text="What the symbol tells the reader.")
