"""Canonical JSON: one byte sequence per value, floats refused, strings NFC, times in UTC."""

import datetime as dt
import json
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifecycle.canonical import NotCanonicalisable, canonical_bytes, prepare, rfc3339

SAFE_INTS = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
SCALARS = (
    st.none()
    | st.booleans()
    | SAFE_INTS
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False)
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(VALUES)
def test_canonical_bytes_are_a_fixed_point(value):
    once = canonical_bytes(value)

    assert canonical_bytes(json.loads(once)) == once


@given(st.dictionaries(st.text(), SAFE_INTS, max_size=6))
def test_key_order_does_not_change_the_bytes(mapping):
    reversed_mapping = dict(reversed(list(mapping.items())))

    assert canonical_bytes(mapping) == canonical_bytes(reversed_mapping)


@given(st.text())
def test_strings_are_normalised_to_nfc(text):
    decoded = json.loads(canonical_bytes({"s": text}))["s"]

    assert decoded == unicodedata.normalize("NFC", text)


def test_decomposed_and_composed_forms_sign_the_same():
    assert canonical_bytes("Re\u0301sume\u0301") == canonical_bytes("R\u00e9sum\u00e9")


@given(st.floats(allow_nan=False))
def test_floats_are_refused(number):
    with pytest.raises(NotCanonicalisable, match="floats"):
        canonical_bytes({"mass": number})


def test_decimals_become_exact_strings():
    assert prepare({"m": Decimal("12.500")}) == {"m": "12.500"}
    assert canonical_bytes([Decimal("1E+3")]) == b'["1000"]'


def test_times_are_utc_with_z():
    moment = dt.datetime(2027, 2, 18, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))

    assert rfc3339(moment) == "2027-02-18T11:00:00.000000Z"


def test_naive_times_are_refused():
    with pytest.raises(NotCanonicalisable):
        rfc3339(dt.datetime(2027, 2, 18))


@given(VALUES)
def test_fast_encoder_gives_the_rfc8785_package_bytes(value):
    import rfc8785

    assert canonical_bytes(value) == rfc8785.dumps(prepare(value))


def test_non_ascii_keys_sort_by_utf16_code_units():
    # U+FF61 sorts after U+1F600 by code point but before it by UTF-16 code unit.
    value = {"\U0001f600": 1, "\uff61": 2}

    assert canonical_bytes(value) == '{"\U0001f600":1,"\uff61":2}'.encode()
