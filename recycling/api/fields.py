"""Query values the recycling endpoints share: element symbols and country codes."""

from rest_framework import serializers

from passports.reference import country_codes
from passports.substances import is_element


def element_symbol(value: str) -> str:
    """An element symbol such as 'Co'; a compound or a misspelling is refused by name."""
    if not is_element(value):
        raise serializers.ValidationError(f"{value!r} is not an element symbol.")
    return value


def country_code(value: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased."""
    code = value.strip().upper()
    if code not in country_codes():
        raise serializers.ValidationError(f"{value!r} is not an ISO 3166-1 alpha-2 country code.")
    return code
