"""The parser's quick reads of a body give what the full checks give."""

import io
import json

import pytest
from django.test import override_settings
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError, ValidationError

from passports.api.parsers import (
    MAX_DEPTH,
    StrictJSONParser,
    _suspect,
    _valid_json_depth,
    json_depth,
    json_problems,
)

# Text rich in what the quick reads must see through: brackets, quotes and backslashes inside
# strings, escapes, digits (ASCII and not), NUL and lone surrogates.
TEXT = st.text(alphabet=st.sampled_from('[]{}"\\/ab0123456789٣\x00\ud800é\n'), max_size=20)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=30,
)


def body(value, **dumps) -> tuple[bytes, str]:
    """A body as a client can send it: UTF-8, so a lone surrogate only as an escape."""
    text = json.dumps(value, **dumps)
    try:
        return text.encode("utf-8"), text
    except UnicodeEncodeError:
        assume(False)


@settings(max_examples=400, deadline=None)
@given(value=JSON, ascii_only=st.booleans())
def test_the_depth_of_a_valid_body_is_read_from_its_bytes_as_from_its_text(value, ascii_only):
    raw, text = body(value, ensure_ascii=ascii_only)

    assert _valid_json_depth(raw) == json_depth(text)


@settings(max_examples=400, deadline=None)
@given(value=JSON, ascii_only=st.booleans())
def test_a_body_not_suspected_has_no_problem_to_report(value, ascii_only):
    raw, text = body(value, ensure_ascii=ascii_only)
    if _suspect(raw, text):
        return
    parsed = json.loads(text)

    assert json_problems(parsed) == []


def parse(raw: bytes):
    return StrictJSONParser().parse(io.BytesIO(raw))


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),  # too deep, valid
        b"[" * (MAX_DEPTH + 1),  # too deep and unterminated
        b"[" * 200_000,  # deeper than the parser itself would go
        b'{"a": 1, "a": 2, "b": ' + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"}",
        b"[NaN, " + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"]",
    ],
)
@override_settings(API_MAX_BODY_BYTES=10**6)
def test_a_body_too_deep_gets_the_depth_error_whatever_else_is_wrong(raw):
    with pytest.raises(ParseError) as refused:
        parse(raw)

    assert str(refused.value.detail) == (
        f"JSON nested deeper than {MAX_DEPTH} levels is not accepted."
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"a": [1, 2', "Malformed JSON"),
        (b'{"a": 1, "a": 2}', "Duplicate key 'a' in a JSON object."),
        (b"[Infinity]", "Infinity is not a number JSON allows."),
    ],
)
def test_other_refusals_are_unchanged_at_a_shallow_depth(raw, message):
    with pytest.raises(ParseError) as refused:
        parse(raw)

    assert str(refused.value.detail).startswith(message)


def test_an_unsafe_integer_and_an_escaped_surrogate_are_still_found():
    with pytest.raises(ValidationError) as refused:
        parse(b'{"n": 12345678901234567, "s": "\\ud800", "ok": "\\u00e9"}')

    assert set(refused.value.detail) == {"n", "s"}
