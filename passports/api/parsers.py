"""A JSON parser that refuses what a signed-data API must not guess about."""

import json
import re
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.parsers import JSONParser

from passports.validators import SAFE_INTEGER

# Deeper documents are refused before parsing: no declaration is nested more than a few
# levels, and the standard parser recurses once per level.
MAX_DEPTH = 64
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# Only escapes can put a surrogate or a NUL into parsed text (UTF-8 decoding refuses raw
# surrogates, JSON raw control characters), and only a run of 16 ASCII digits can be an unsafe
# integer, so documents with neither skip the walk: bulk registration stays fast.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")
# Every ASCII digit as "0" and every other byte as a space: a run of 16 digits is then found by
# a plain substring search, several times faster than a regular expression over megabytes.
_DIGITS_ONLY = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_SIXTEEN_DIGITS = b"0" * 16
# What a valid document's nesting is read from: brackets and the quotes around strings.
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'"[]{}')
_QUOTED = re.compile(rb'"[^"]*"')


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class _OutOfRangeInteger:
    """An integer literal too large to sign, kept as text until its field path is known."""

    def __init__(self, text: str):
        self.text = text


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result  # no key given twice: the common case, decided without a Python loop
    result = {}
    for key, value in pairs:
        if key in result:
            raise ParseError(f"Duplicate key {_printable(key)!r} in a JSON object.")
        result[key] = value
    return result


def _reject_constant(name: str) -> None:
    raise ParseError(f"{name} is not a number JSON allows.")


def _parse_int(text: str) -> int | _OutOfRangeInteger:
    """A JSON integer, or a marker for one too large to sign."""
    # Checking the digit count first also keeps Python's own limit on int() conversion
    # (4300 digits) from turning a long literal into a server error.
    digits = len(text.lstrip("-"))
    if digits > 16 or abs(value := int(text)) > SAFE_INTEGER:
        return _OutOfRangeInteger(text)
    return value


def _printable(text: str) -> str:
    """text with lone surrogates written as escapes, so an error message can be encoded."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON text, brackets inside strings not counted."""
    structure = _BRACKETS.findall(_STRING.sub("", text))
    return max(accumulate(_DEPTH_STEP[c] for c in structure), default=0)


def _valid_json_depth(raw: bytes) -> int:
    """json_depth for a body the JSON parser has accepted, from its bytes, several times faster.

    In valid JSON a backslash or a quote outside a string cannot occur, and inside one a
    backslash always starts an escape: with escaped backslashes and quotes dropped (left to
    right, as the escapes pair up) and every byte but quotes and brackets deleted, each string
    is a quoted run of its brackets. Two adjacent quotes are an empty string or two strings
    with nothing structural between them, so dropping them first leaves few runs to remove.
    UTF-8 never uses these ASCII bytes inside a multi-byte character.
    """
    skeleton = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    skeleton = skeleton.replace(b'""', b"")
    if b'"' in skeleton:
        skeleton = _QUOTED.sub(b"", skeleton)
    return max(accumulate(_BYTE_DEPTH_STEP[byte] for byte in skeleton), default=0)


_BYTE_DEPTH_STEP = {ord(c): step for c, step in _DEPTH_STEP.items()}


def _suspect(raw: bytes, text: str) -> bool:
    """Whether a parsed body may hold a NUL, a lone surrogate or an integer too large to sign."""
    if "\\u" in text and _SUSPECT_ESCAPE.search(text):
        return True
    return _SIXTEEN_DIGITS in raw.translate(_DIGITS_ONLY)


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    key = _printable(key)
    return f"{path}.{key}" if path else key


def _value_problem(value: Any) -> str | None:
    if isinstance(value, _OutOfRangeInteger):
        return f"Integers are limited to ±{SAFE_INTEGER} (2^53 - 1); give a smaller number."
    if isinstance(value, str):
        if "\x00" in value:
            # No database stores NUL in text; refuse it here rather than fail on insert.
            return "NUL characters are not allowed."
        if _SURROGATE.search(value):
            return "Unpaired UTF-16 surrogates (such as \\ud800) are not text; remove them."
    return None


def json_problems(value: Any, path: str = "") -> list[dict[str, str]]:
    """Every string and integer in a parsed document that cannot be stored and signed."""
    problems = []
    if isinstance(value, dict):
        for key, item in value.items():
            child = _child(path, key)
            message = _value_problem(key)
            if message:
                problems.append({"field": child, "message": f"In a key: {message}"})
            problems.extend(json_problems(item, child))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.extend(json_problems(item, _child(path, index)))
    else:
        message = _value_problem(value)
        if message:
            problems.append({"field": path, "message": message})
    return problems


class StrictJSONParser(JSONParser):
    """Parses JSON with duplicate keys refused, a size limit, and numbers kept exact.

    Fractional numbers become Decimal rather than float, so "12.5" and 12.5 mean the same
    quantity and nothing is rounded before it is validated and signed. Documents nested deeper
    than MAX_DEPTH, unpaired surrogates and integers RFC 8785 cannot sign are 400s naming the
    field, rather than errors deep inside validation or signing.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.API_MAX_BODY_BYTES
        declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if declared > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError("The request body is not UTF-8.") from exc
        # Parsed first, then measured: the depth of a body the parser accepted is read from its
        # bytes quickly. A body it refuses is measured on the text as before, so a body both too
        # deep and malformed still gets the depth error, whichever refusal comes first here.
        too_deep = ParseError(f"JSON nested deeper than {MAX_DEPTH} levels is not accepted.")
        try:
            data = json.loads(
                text,
                object_pairs_hook=_reject_duplicate_keys,
                parse_float=Decimal,
                parse_int=_parse_int,
                parse_constant=_reject_constant,
            )
        except json.JSONDecodeError as exc:
            if json_depth(text) > MAX_DEPTH:
                raise too_deep from None
            raise ParseError(
                f"Malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
            ) from exc
        except (ParseError, RecursionError):
            if json_depth(text) > MAX_DEPTH:
                raise too_deep from None
            raise
        if _valid_json_depth(raw) > MAX_DEPTH:
            raise too_deep
        problems = json_problems(data) if _suspect(raw, text) else []
        if problems:
            raise ValidationError({p["field"]: [p["message"]] for p in problems})
        return data
