"""Canonical JSON (RFC 8785) for everything that is hashed or signed.

Pure: no Django import, so an auditor can use it alone. Signed data carries no floats
(quantities are decimal strings), times are RFC 3339 UTC with "Z", and strings are NFC.
"""

import datetime as dt
import hashlib
import json
import unicodedata
import uuid
from decimal import Decimal
from typing import Any

import rfc8785


class NotCanonicalisable(ValueError):
    """A value that has no single canonical form in signed data."""


def prepare(value: Any, path: str = "$") -> Any:
    """Returns a copy of value with decimals as strings, times as RFC 3339 UTC and NFC strings."""
    try:
        return _prepare(value)
    except _Refused:
        # Only a refusal needs to say where it happened; the fast pass does not track paths.
        return _prepare_at(value, path)


class _Refused(Exception):
    pass


_normalize = unicodedata.normalize
_is_normalized = unicodedata.is_normalized


def _prepare(value: Any) -> Any:
    """prepare() without error paths: checks ordered by how often each type occurs."""
    kind = type(value)
    if kind is str:
        # Checking is several times cheaper than normalising, and most text is already NFC.
        return value if _is_normalized("NFC", value) else _normalize("NFC", value)
    if kind is dict:
        return {_prepare(k): _prepare(v) for k, v in value.items()}
    if kind is Decimal:
        if not value.is_finite():
            raise _Refused
        return format(value, "f")
    if value is None or kind is bool or kind is int:
        return value
    if kind is list or kind is tuple:
        return [_prepare(item) for item in value]
    # Subclasses (str enums, OrderedDict) and other scalars (UUIDs, times) come last.
    if isinstance(value, dict):
        return {_prepare(k): _prepare(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_prepare(item) for item in value]
    try:
        return _prepare_at(value, "$")
    except NotCanonicalisable:
        raise _Refused from None


def _prepare_at(value: Any, path: str) -> Any:
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
        return {_prepare_at(k, path): _prepare_at(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_prepare_at(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise NotCanonicalisable(f"{path}: {type(value).__name__} has no canonical JSON form")


def rfc3339(moment: dt.datetime) -> str:
    """Formats an aware datetime as RFC 3339 UTC with microseconds and a trailing Z."""
    if moment.tzinfo is None:
        raise NotCanonicalisable("naive datetimes are ambiguous; give a time zone")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


SAFE_INTEGER = 2**53 - 1
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 bytes of value after prepare().

    Prepared values hold only strings, safe integers, booleans, null, objects and arrays. For
    those, RFC 8785 and the standard library's sorted, compact, non-ASCII-preserving encoder
    give the same bytes as long as every key is ASCII (RFC 8785 sorts keys by UTF-16 code unit,
    Python by code point; they agree on ASCII) and every integer is within +-(2**53 - 1). The
    C encoder is ten times faster than the rfc8785 package, which still handles every value
    outside that subset, so the bytes never depend on which path ran.
    """
    return prepared_bytes(prepare(value))


def prepared_bytes(prepared: Any) -> bytes:
    """RFC 8785 bytes of a value prepare() has already returned (canonical_bytes' second half).

    For a caller that keeps the prepared value too, so it is not prepared twice.
    """
    if _plain(prepared):
        try:
            return _encode(prepared).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 refuses it with its own error
    return rfc8785.dumps(prepared)


def _plain(value: Any) -> bool:
    """True when value is in the subset where the standard encoder's bytes are RFC 8785's."""
    if isinstance(value, str) or value is None or value is True or value is False:
        return True
    if isinstance(value, int):
        return -SAFE_INTEGER <= value <= SAFE_INTEGER
    if isinstance(value, dict):
        return all(key.isascii() and _plain(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return False


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
