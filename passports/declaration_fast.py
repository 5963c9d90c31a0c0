"""A fast path for validating declarations that are plainly well formed.

DRF's field machinery costs about a millisecond per declaration, most of registration's time in
bulk. This module parses the common, unambiguous shape (strings for text and quantities, plain
integers, no exponents, signs or surrounding spaces) with the same limits as the serializer's
fields, then runs the serializer's own cross-field checks (PassportDeclaration.validate and the
item validators) on the result. Anything outside that shape, and anything invalid, returns
None: the caller then runs the serializer, which gives the usual errors with their field paths.
So the fast path can only ever accept what the serializer accepts, with the same result.
"""

import datetime as dt
import re
from decimal import Decimal
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from rest_framework.exceptions import ValidationError

from passports.declaration import (
    ATTRIBUTE_SCHEMAS,
    DOCUMENT_KINDS,
    CompositionItem,
    OriginItem,
    PassportDeclaration,
)
from passports.declaration.fields import PostalAddress
from passports.models import ProductType
from passports.reference import country_codes
from passports.validators import validate_plausible_date


class _Slow(Exception):
    """This input needs the serializer (unusual shape, or an error to report)."""


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MIN_POSITIVE = Decimal("0.000001")
_PRODUCT_TYPES = frozenset(ProductType.values)
_url = URLValidator()


@cache
def _quantity_pattern(whole: int, signed: bool) -> re.Pattern:
    # Digits only, at most `whole` before the point and six after: inside every limit of
    # DecimalField(max_digits=14 or 7, decimal_places=6) without looking at the value. A minus
    # sign only where the field allows negative values (temperatures).
    sign = "-?" if signed else ""
    return re.compile(rf"^{sign}\d{{1,{whole}}}(\.\d{{1,6}})?$")


def _decimal(value: Any, *, whole: int = 8, minimum=None, maximum=None) -> Decimal:
    if type(value) is int:
        value = str(value)
    signed = minimum is None or minimum < 0
    if type(value) is not str or not _quantity_pattern(whole, signed).match(value):
        raise _Slow
    number = Decimal(value)
    if number.is_signed() and not number:
        raise _Slow  # "-0": the serializer decides
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise _Slow
    return number


def _text(value: Any, max_length: int, *, blank: bool = False) -> str:
    if type(value) is not str or value != value.strip():
        raise _Slow
    if max_length is not None and len(value) > max_length:
        raise _Slow
    if (not value and not blank) or "\x00" in value:
        raise _Slow
    return value


def _choice(value: Any, choices) -> str:
    if type(value) is not str or value not in choices:
        raise _Slow
    return value


def _integer(value: Any, minimum=None, maximum=None) -> int:
    if type(value) is not int:
        raise _Slow
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise _Slow
    return value


def _boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise _Slow  # "true", 1 and the like: the serializer decides
    return value


def _object(value: Any, allowed: frozenset, required: frozenset = frozenset()) -> dict:
    if type(value) is not dict or not value.keys() <= allowed or not required <= value.keys():
        raise _Slow
    return value


def _fields(data: dict, serializer_class) -> dict:
    """A flat StrictSerializer's fields parsed by their declared kind and limits."""
    fields = _field_specs(serializer_class)
    _object(data, frozenset(fields), frozenset(n for n, (_, req) in fields.items() if req))
    return {name: fields[name][0](value) for name, value in data.items()}


@cache
def _field_specs(serializer_class) -> dict:
    """name -> (parser, required) for the field kinds declarations use."""
    from rest_framework import serializers as s

    specs = {}
    for name, field in serializer_class().fields.items():
        if isinstance(field, s.DecimalField):
            whole = field.max_digits - field.decimal_places
            low, high = field.min_value, field.max_value
            parse = _bind(_decimal, whole=whole, minimum=low, maximum=high)
        elif isinstance(field, s.ChoiceField):
            parse = _bind(_choice, choices=frozenset(field.choice_strings_to_values))
        elif isinstance(field, s.BooleanField):
            parse = _boolean
        elif isinstance(field, s.IntegerField):
            parse = _bind(_integer, minimum=field.min_value, maximum=field.max_value)
        elif isinstance(field, (s.EmailField, s.DateField)):
            parse = _bind(_by_field, field=field)
        elif isinstance(field, s.URLField):
            parse = _bind(_checked_url, max_length=field.max_length)
        elif isinstance(field, s.CharField):
            parse = _bind(_text, max_length=field.max_length, blank=field.allow_blank)
        elif isinstance(field, s.ListField) and isinstance(field.child, s.CharField):
            parse = _bind(_text_list, max_items=field.max_length, max_length=field.child.max_length)
        elif isinstance(field, s.ListSerializer) and isinstance(field.child, s.Serializer):
            parse = _bind(
                _nested_list,
                serializer_class=type(field.child),
                max_items=field.max_length,
                allow_empty=field.allow_empty,
            )
        elif isinstance(field, s.Serializer):
            parse = _bind(_nested, serializer_class=type(field))
        else:
            parse = _slow_field
        specs[name] = (parse, field.required)
    return specs


@cache
def _instance(serializer_class):
    return serializer_class()


def _nested(value: Any, serializer_class) -> dict:
    """A nested object: its fields, then its own field and object validators, as DRF runs them."""
    parsed = _fields(value, serializer_class)
    checker = _instance(serializer_class)
    for name in list(parsed):
        validate_method = getattr(checker, "validate_" + name, None)
        if validate_method is not None:
            parsed[name] = validate_method(parsed[name])
    return checker.validate(parsed)


def _nested_list(value: Any, serializer_class, max_items, allow_empty: bool) -> list[dict]:
    if type(value) is not list or (max_items is not None and len(value) > max_items):
        raise _Slow
    if not value and not allow_empty:
        raise _Slow
    return [_nested(item, serializer_class) for item in value]


def _by_field(value: Any, field) -> Any:
    """Kinds met rarely in bulk (dates, e-mail addresses): the field itself parses them."""
    if type(value) is not str or value != value.strip():
        raise _Slow
    return field.run_validation(value)


def _bind(function, **fixed):
    return lambda value: function(value, **fixed)


def _slow_field(value: Any) -> Any:
    raise _Slow


def _checked_url(value: Any, max_length: int) -> str:
    text = _text(value, max_length)
    try:
        _url(text)
    except DjangoValidationError:
        raise _Slow from None
    return text


def _text_list(value: Any, max_items: int, max_length: int) -> list[str]:
    if type(value) is not list or len(value) > max_items:
        raise _Slow
    return [_text(item, max_length) for item in value]


_TOP = frozenset(PassportDeclaration().fields)
_REQUIRED = frozenset(
    {"product_type", "model", "manufactured_at", "manufacturing_place", "mass_kg", "attributes",
     "composition"}
)  # fmt: skip


def _declaration(data: Any, checker: PassportDeclaration) -> dict:
    data = _object(data, _TOP, _REQUIRED)
    product_type = _choice(data["product_type"], _PRODUCT_TYPES)
    out: dict[str, Any] = {"product_type": product_type}
    for name in ("gtin", "serial"):
        if name in data:
            value = data[name]
            if value is not None:
                value = _text(value, 14 if name == "gtin" else 20)
                validate = checker.validate_gtin if name == "gtin" else checker.validate_serial
                value = validate(value)
            out[name] = value
    if data.get("gbt_code") is not None or data.get("predecessor") is not None:
        raise _Slow  # rare: the serializer parses GB/T codes and predecessor ids
    for name in ("gbt_code", "predecessor"):
        if name in data:
            out[name] = None
    out["model"] = _text(data["model"], 100)
    if "batch" in data:
        out["batch"] = _text(data["batch"], 100, blank=True)
    made = data["manufactured_at"]
    if type(made) is not str or not _DATE.match(made):
        raise _Slow
    try:
        out["manufactured_at"] = dt.date.fromisoformat(made)
        validate_plausible_date(out["manufactured_at"])
    except (ValueError, DjangoValidationError):
        raise _Slow from None
    place = _object(data["manufacturing_place"], frozenset({"country", "facility", "address"}),
                    frozenset({"country"}))  # fmt: skip
    out["manufacturing_place"] = {"country": _choice(place["country"], country_codes())}
    if "facility" in place:
        out["manufacturing_place"]["facility"] = _text(place["facility"], 200, blank=True)
    if "address" in place:
        out["manufacturing_place"]["address"] = _nested(place["address"], PostalAddress)
    out["mass_kg"] = _decimal(data["mass_kg"], minimum=_MIN_POSITIVE)
    out["attributes"] = _nested(data["attributes"], ATTRIBUTE_SCHEMAS[product_type])
    if "carbon_footprint" in data:
        out["carbon_footprint"] = _fields(data["carbon_footprint"], _carbon_footprint())
    out["composition"] = _items(data["composition"], 200, _composition_item, allow_empty=False)
    if "origin" in data:
        out["origin"] = _items(data["origin"], 500, _origin_item)
    if "documents" in data:
        out["documents"] = _items(data["documents"], 50, _document)
    return checker.validate(out)


def _items(value: Any, max_items: int, parse, allow_empty: bool = True) -> list:
    if type(value) is not list or len(value) > max_items or (not value and not allow_empty):
        raise _Slow
    return [parse(item) for item in value]


_COMPOSITION = CompositionItem()
_ORIGIN = OriginItem()


def _composition_item(item: Any) -> dict:
    parsed = _fields(item, CompositionItem)
    parsed["substance"] = _COMPOSITION.validate_substance(parsed["substance"])
    if "cas" in parsed:
        parsed["cas"] = _COMPOSITION.validate_cas(parsed["cas"])
    return _COMPOSITION.validate(parsed)


def _origin_item(item: Any) -> dict:
    return _ORIGIN.validate(_fields(item, OriginItem))


def _document(item: Any) -> dict:
    parsed = _fields(item, _document_serializer())
    parsed["kind"] = _choice(parsed["kind"], frozenset(DOCUMENT_KINDS))
    return parsed


@cache
def _carbon_footprint():
    return type(PassportDeclaration().fields["carbon_footprint"])


@cache
def _document_serializer():
    return type(PassportDeclaration().fields["documents"].child)


def declarations_validate_fast(items: Any, context: dict) -> list[dict] | None:
    """Validated declarations exactly as PassportDeclaration gives them, or None to use it."""
    if type(items) is not list:
        return None
    checker = PassportDeclaration(context=context)
    try:
        return [_declaration(item, checker) for item in items]
    except (_Slow, ValidationError):
        return None
