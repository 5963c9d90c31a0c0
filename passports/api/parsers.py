"""A JSON parser that refuses what a signed-data API must not guess about."""

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ParseError(f"Duplicate key {key!r} in a JSON object.")
        if "\x00" in key or (isinstance(value, str) and "\x00" in value):
            # No database stores NUL in text; refuse it here rather than fail on insert.
            raise ParseError(f"NUL characters are not allowed (in {key!r}).")
        result[key] = value
    return result


def _reject_constant(name: str) -> None:
    raise ParseError(f"{name} is not a number JSON allows.")


class StrictJSONParser(JSONParser):
    """Parses JSON with duplicate keys refused, a size limit, and numbers kept exact.

    Fractional numbers become Decimal rather than float, so "12.5" and 12.5 mean the same
    quantity and nothing is rounded before it is validated and signed.
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
        try:
            return json.loads(
                text,
                object_pairs_hook=_reject_duplicate_keys,
                parse_float=Decimal,
                parse_constant=_reject_constant,
            )
        except json.JSONDecodeError as exc:
            raise ParseError(
                f"Malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
            ) from exc
