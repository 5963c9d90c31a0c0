"""Canonical JSON (RFC 8785) for everything that is hashed or signed.

Pure: no Django import, so an auditor can use it alone. Signed data carries no floats
(quantities are decimal strings), times are RFC 3339 UTC with "Z", and strings are NFC.
"""

import datetime as dt
import hashlib
import unicodedata
import uuid
from decimal import Decimal
from typing import Any

import rfc8785


class NotCanonicalisable(ValueError):
    """A value that has no single canonical form in signed data."""


def prepare(value: Any, path: str = "$") -> Any:
    """Returns a copy of value with decimals as strings, times as RFC 3339 UTC and NFC strings."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise NotCanonicalisable(f"{path}: floats are not allowed in signed data; use a string")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotCanonicalisable(f"{path}: {value} is not a finite quantity")
        return format(value, "f")
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return rfc3339(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {prepare(k, path): prepare(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [prepare(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise NotCanonicalisable(f"{path}: {type(value).__name__} has no canonical JSON form")


def rfc3339(moment: dt.datetime) -> str:
    """Formats an aware datetime as RFC 3339 UTC with microseconds and a trailing Z."""
    if moment.tzinfo is None:
        raise NotCanonicalisable("naive datetimes are ambiguous; give a time zone")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 bytes of value after prepare()."""
    return rfc8785.dumps(prepare(value))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
