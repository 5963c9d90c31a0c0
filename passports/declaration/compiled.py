"""Field checks compiled once per serializer, so a declaration is validated on one path.

DRF's fields are the only statement of the rules: kinds, limits, choices and messages. Running
them costs several Python calls per value (empty-value handling, conversion, a validator list),
most of registration's time in bulk. For each field this module derives, from that field's
own settings, a direct check of the plain shape nearly every value has (an ASCII string without
surrounding spaces, a decimal string within the digit limits, a known choice, a bool or int in
range, an ISO date, an ISO moment with its offset, a UUID; the field's own validators, such as
URL, e-mail or a plausible date, are run as they are) that returns exactly what the field would
return. Nested objects and lists of them
are compiled the same way, so a valid declaration never enters DRF's per-object machinery. Any
other value, and every value the field would refuse, goes to the field itself (a nested object
or list wholly), so errors, field paths and messages are DRF's.
"""

import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core import validators as dj
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.dateparse import parse_datetime
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField, empty, get_error_detail
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator

# Returned by a compiled check when the field itself must look at the value.
SLOW = object()

Check = Callable[[Any], Any]

_TEXT_VALIDATORS = (
    dj.MaxLengthValidator,
    dj.MinLengthValidator,
    dj.ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
)
_RANGE_VALIDATORS = (dj.MinValueValidator, dj.MaxValueValidator)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}").fullmatch
# A moment with seconds and an explicit offset: parsed, it is aware whatever the settings.
_ISO_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})"
).fullmatch
_REMEMBERED_LENGTH = 2048


def _only(field: serializers.Field, kinds: tuple[type, ...]) -> bool:
    # A field given its own validators keeps the slow path: its rules are not all known here.
    return all(isinstance(v, kinds) for v in field.validators)


def _extra_validators(field: serializers.Field, known: tuple[type, ...]) -> list | None:
    """The validators a compiled check must run itself, or None if one needs DRF's context."""
    extra = [v for v in field.validators if not isinstance(v, known)]
    if any(getattr(v, "requires_context", False) for v in extra):
        return None
    return extra


def _passes(value: Any, validators: list) -> bool:
    try:
        for validator in validators:
            validator(value)
    except DjangoValidationError:
        return False
    return True


def _text_check(field: serializers.CharField) -> Check | None:
    # CharField, URLField and EmailField convert alike; the latter two only add a validator.
    extra = _extra_validators(field, _TEXT_VALIDATORS)
    if extra is None:
        return None
    low = field.min_length or 1
    high = field.max_length if field.max_length is not None else float("inf")
    blank = "" if field.allow_blank else SLOW
    if extra:
        # URL and e-mail checks are costly regular expressions, and a bulk request repeats the
        # same document links in every item: a value's verdict is remembered (they are pure).
        # Long text is checked each time, so the cache holds 1,024 short strings at most.
        remembered = functools.lru_cache(maxsize=1024)(lambda value: _passes(value, extra))

        def passes(value: str) -> bool:
            return remembered(value) if len(value) <= _REMEMBERED_LENGTH else _passes(value, extra)
    else:
        passes = lambda value: True  # noqa: E731

    def check(value: Any) -> Any:
        if type(value) is not str:
            return SLOW
        if not value:
            return blank
        # ASCII rules out surrogates; an unchanged strip means trimming would not alter it.
        if (
            low <= len(value) <= high
            and value.isascii()
            and "\x00" not in value
            and value == value.strip()
            and passes(value)
        ):
            return value
        return SLOW

    return check


def _date_check(field: serializers.DateField) -> Check | None:
    formats = getattr(field, "input_formats", None) or api_settings.DATE_INPUT_FORMATS
    extra = _extra_validators(field, ())
    if extra is None or [f.lower() for f in formats] != [ISO_8601]:
        return None

    def check(value: Any) -> Any:
        if type(value) is not str or not _ISO_DATE(value):
            return SLOW
        try:
            parsed = dt.date.fromisoformat(value)
        except ValueError:
            return SLOW
        return parsed if _passes(parsed, extra) else SLOW

    return check


def _datetime_check(field: serializers.DateTimeField) -> Check | None:
    formats = getattr(field, "input_formats", api_settings.DATETIME_INPUT_FORMATS)
    extra = _extra_validators(field, ())
    if extra is None or [f.lower() for f in formats] != [ISO_8601]:
        return None
    # The field's own conversion to its time zone: the zone active for the request may differ
    # from one call to the next, and the field reads it on every call.
    enforce = field.enforce_timezone

    def check(value: Any) -> Any:
        if type(value) is not str or not _ISO_MOMENT(value):
            return SLOW
        try:
            # DRF's own parser; an impossible date or time in the right shape is its to refuse.
            parsed = parse_datetime(value)
            if parsed is None:
                return SLOW
            moment = enforce(parsed)
        except (ValueError, OverflowError, serializers.ValidationError):
            return SLOW
        return moment if _passes(moment, extra) else SLOW

    return check


def _uuid_check(field: serializers.UUIDField) -> Check | None:
    if field.validators:
        return None

    def check(value: Any) -> Any:
        if type(value) is not str:
            return SLOW  # integers and UUID objects: the field decides
        try:
            return uuid.UUID(hex=value)
        except ValueError:
            return SLOW

    return check


def _decimal_check(field: serializers.DecimalField) -> Check | None:
    if (
        not _only(field, _RANGE_VALIDATORS)
        or field.localize
        or field.max_digits is None
        or field.decimal_places is None
    ):
        return None
    whole = field.max_digits - field.decimal_places
    if whole < 1:
        return None
    places = field.decimal_places
    low, high = field.min_value, field.max_value
    sign = "-?" if low is None or low < 0 else ""
    tail = rf"(\.\d{{1,{places}}})?" if places else ""
    # Digits within both limits, so DRF's precision check cannot fail on what matches.
    shape = re.compile(rf"{sign}\d{{1,{whole}}}{tail}").fullmatch
    step = Decimal(1).scaleb(-places)
    rounding = field.rounding

    # A bulk request repeats most quantities (a product line's masses and shares), and the
    # answer for a given text never changes: it is remembered, for this field's life.
    @functools.lru_cache(maxsize=4096)
    def convert(value: str) -> Any:
        if not shape(value):
            return SLOW
        number = Decimal(value).quantize(step, rounding=rounding)
        if (low is not None and number < low) or (high is not None and number > high):
            return SLOW
        return number

    # No longer text can match the shape; such text is not remembered, so a cache that lives
    # as long as its serializer holds 4,096 short strings at most.
    longest = 1 + whole + (1 + places if places else 0)

    def check(value: Any) -> Any:
        # A JSON number is an int or, as the API's parser reads fractions, a Decimal: the
        # field reads either by its text, which str() gives exactly.
        if type(value) is int or type(value) is Decimal:
            value = str(value)
        elif type(value) is not str:
            return SLOW
        return convert(value) if len(value) <= longest else SLOW

    return check


def _choice_check(field: serializers.ChoiceField) -> Check | None:
    if field.validators:
        return None
    choices = field.choice_strings_to_values

    def check(value: Any) -> Any:
        if type(value) is str and value in choices:
            return choices[value]
        return SLOW

    return check


def _integer_check(field: serializers.IntegerField) -> Check | None:
    if not _only(field, _RANGE_VALIDATORS):
        return None
    low, high = field.min_value, field.max_value

    def check(value: Any) -> Any:
        if type(value) is not int:
            return SLOW  # bools, strings and floats: the field decides
        if (low is not None and value < low) or (high is not None and value > high):
            return SLOW
        return value

    return check


def _boolean_check(field: serializers.BooleanField) -> Check | None:
    if field.validators:
        return None
    return lambda value: value if type(value) is bool else SLOW


def _list_check(field: serializers.ListSerializer) -> Check | None:
    """A list of nested objects, checked item by item; any doubt sends the whole list to DRF."""
    if field.validators:
        return None
    child = field_check(field.child)
    if child is None:
        return None
    low = field.min_length or (0 if field.allow_empty else 1)
    high = field.max_length if field.max_length is not None else float("inf")

    def check(value: Any) -> Any:
        if type(value) is not list or not low <= len(value) <= high:
            return SLOW
        items = []
        for item in value:
            result = child(item)
            if result is SLOW:
                return SLOW
            items.append(result)
        return items

    return check


# Exact classes only: a subclass (a RegexField, a SlugField) may convert values its own way.
_COMPILERS = {
    serializers.CharField: _text_check,
    serializers.URLField: _text_check,
    serializers.EmailField: _text_check,
    serializers.DateField: _date_check,
    serializers.DateTimeField: _datetime_check,
    serializers.UUIDField: _uuid_check,
    serializers.DecimalField: _decimal_check,
    serializers.ChoiceField: _choice_check,
    serializers.IntegerField: _integer_check,
    serializers.BooleanField: _boolean_check,
    serializers.ListSerializer: _list_check,
}


def field_check(field: serializers.Field) -> Check | None:
    """The compiled check for a field, or None where only the field itself can decide."""
    # A nested object that knows how to check itself (StrictSerializer) says so.
    own = getattr(field, "compiled_check", None)
    if own is not None:
        return own()
    compiler = _COMPILERS.get(type(field))
    return compiler(field) if compiler is not None else None


def _skips_none(field: serializers.Field) -> bool:
    # DRF answers None with None, before converting or validating, for a nullable field.
    return field.allow_null and field.source != "*"


def _skips_missing(field: serializers.Field) -> bool:
    # DRF skips an absent optional field without a default (SkipField), validate_<name> too.
    return not field.required and field.default is empty


def compiled_fields(serializer: serializers.Serializer) -> list[tuple]:
    """Per writable field: what fields_validate needs, worked out once per serializer."""
    table = serializer.__dict__.get("_compiled_fields")
    if table is None:
        table = []
        for field in serializer._writable_fields:
            name = field.field_name
            validate_method = getattr(serializer, "validate_" + name, None)
            flat = field.source_attrs == [name]
            table.append((field, name, field_check(field), validate_method, flat,
                          _skips_missing(field), _skips_none(field)))  # fmt: skip
        serializer.__dict__["_compiled_fields"] = table
    return table


def object_check(serializer: serializers.Serializer) -> Check:
    """A nested object's check: its fields compiled, then its own validate().

    For a serializer whose to_internal_value is fields_validate plus refusing unknown keys.
    """
    names = known_field_names(serializer)
    validate = serializer.validate
    table = compiled_fields(serializer)

    def check(value: Any) -> Any:
        if type(value) is not dict or not names.issuperset(value):
            return SLOW
        validated, errors = _table_validate(table, serializer, value)
        if errors:
            return SLOW
        try:
            result = validate(validated)
        except (serializers.ValidationError, DjangoValidationError):
            return SLOW
        return SLOW if result is None else result

    return check


def known_field_names(serializer: serializers.Serializer) -> frozenset[str]:
    """The names a serializer knows, for finding the keys it does not."""
    names = serializer.__dict__.get("_field_names")
    if names is None:
        names = serializer.__dict__["_field_names"] = frozenset(serializer.fields)
    return names


def fields_validate(serializer: serializers.Serializer, data: dict) -> tuple[dict, dict]:
    """Each field validated on its own, as DRF's Serializer.to_internal_value does it.

    Returns the valid values and the errors by field name; the caller decides what to raise.
    """
    return _table_validate(compiled_fields(serializer), serializer, data)


def _table_validate(table: list[tuple], serializer: serializers.Serializer, data) -> tuple:
    validated: dict = {}
    errors: dict = {}
    plain = type(data) is dict
    for field, name, check, validate_method, flat, skips_missing, skips_none in table:
        value = data.get(name, empty) if plain else field.get_value(data)
        if value is empty and skips_missing:
            continue
        try:
            if value is None and skips_none:
                result = None
            else:
                result = check(value) if check is not None else SLOW
                if result is SLOW:
                    result = field.run_validation(value)
            if validate_method is not None:
                result = validate_method(result)
        except serializers.ValidationError as exc:
            errors[name] = exc.detail
        except DjangoValidationError as exc:
            errors[name] = get_error_detail(exc)
        except SkipField:
            pass
        else:
            if flat:
                validated[name] = result
            else:
                serializer.set_value(validated, field.source_attrs, result)
    return validated, errors
