"""The compiled field checks give exactly what DRF's fields give: values, errors and paths."""

import copy
import json
import random
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from lifecycle.api.passports import BulkRequest
from lifecycle.canonical import canonical_bytes
from passports.api.errors import flatten_errors
from passports.declaration import ATTRIBUTE_SCHEMAS, PassportDeclaration
from passports.declaration.compiled import SLOW, field_check
from recycling.fleet.products import MANUFACTURERS
from recycling.fleet.products import declaration as fleet_declaration
from tests.factories import declaration
from tests.passports.drf_reference import assert_same_as_drf, outcome


def fleet_requests(count: int) -> list[dict]:
    rng = random.Random(3)
    items = []
    for n in range(count):
        validated = fleet_declaration(rng, MANUFACTURERS[n % 3], f"S{n}", date(2026, 6, 1))
        body = json.loads(canonical_bytes(validated))
        for entry in body["composition"]:
            entry.pop("critical")
        items.append(body)
    return items


def leaf_fields(serializer: serializers.Serializer, path: str = "") -> list[tuple[str, object]]:
    """Every field of the declaration tree that is not itself an object or a list of them."""
    found = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.ListSerializer):
            found += leaf_fields(field.child, f"{path}{name}[].")
        elif isinstance(field, serializers.Serializer):
            found += leaf_fields(field, f"{path}{name}.")
        else:
            found.append((path + name, field))
    return found


LEAVES = leaf_fields(PassportDeclaration()) + [
    leaf for schema in ATTRIBUTE_SCHEMAS.values() for leaf in leaf_fields(schema(), "attributes.")
]
COMPILED = [(path, field) for path, field in LEAVES if field_check(field) is not None]

# Values near every edge the checks look at: signs, exponents, spaces, digits, types, non-ASCII.
EDGE_VALUES = [
    "", " ", "0", "-0", "1e3", "1E-7", " 12", "12 ", "0.0000001", "NaN", "Infinity", "-1",
    "100", "100.000001", "1.5", "99999999.999999", "123456789", "\x00", "Co", "battery",
    "DE", "ev", "\ud800", "é", "true", "00012.50", "https://example.com/a", "http://exa mple",
    "ftp://x", "a@b.example", "a@", "2024-06-14", "2024-02-30", "1989-12-31", "2999-01-01",
    "2024-6-14", "20240614"
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.text(max_size=30),
    st.text(alphabet="0123456789.-e ", max_size=16),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=7).map(str),
)


def drf(field, value):
    try:
        return True, field.run_validation(value)
    except (serializers.ValidationError, Exception) as exc:  # noqa: BLE001 - compared, not hidden
        return False, type(exc)


def test_most_leaf_fields_are_compiled():
    assert len(COMPILED) > len(LEAVES) / 2
    kinds = {type(field) for _, field in COMPILED}
    assert {serializers.CharField, serializers.DecimalField, serializers.ChoiceField,
            serializers.URLField, serializers.DateField} <= kinds  # fmt: skip


def assert_check_agrees(path: str, field, value) -> None:
    result = field_check(field)(value)
    if result is SLOW:
        return
    ok, expected = drf(field, value)
    assert ok, f"{path}: {value!r} accepted by the compiled check, refused by the field"
    assert type(result) is type(expected) and result == expected, path
    if isinstance(result, Decimal):
        assert result.as_tuple() == expected.as_tuple(), path  # same exponent, same sign


def test_every_compiled_check_agrees_with_its_field_on_the_edge_values():
    for path, field in COMPILED:
        for value in [*EDGE_VALUES, 0, 1, -1, 10**9, True, False, None, 1.5]:
            assert_check_agrees(path, field, value)


@settings(max_examples=300, deadline=None)
@given(leaf=st.sampled_from(COMPILED), value=VALUES)
def test_a_compiled_check_returns_what_the_field_returns_or_defers_to_it(leaf, value):
    assert_check_agrees(*leaf, value)


class NeedsContext:
    requires_context = True

    def __call__(self, value, field):
        return None


@pytest.mark.parametrize(
    "field",
    [
        serializers.RegexField(r"^a+$"),
        serializers.DateField(input_formats=["%d.%m.%Y"]),
        serializers.CharField(validators=[NeedsContext()]),
        serializers.DateTimeField(input_formats=["%d.%m.%Y %H:%M"]),
        serializers.UUIDField(validators=[NeedsContext()]),
        serializers.DictField(),
    ],
)
def test_fields_that_convert_their_own_way_or_need_context_are_left_to_drf(field):
    assert field_check(field) is None


def test_a_fields_own_validators_are_run_by_its_compiled_check():
    def no_x(value):
        if "x" in value:
            raise DjangoValidationError("no x")

    check = field_check(serializers.CharField(validators=[no_x]))

    assert check("abc") == "abc"
    assert check("xyz") is SLOW


@pytest.mark.parametrize("kind", ["battery", "pv_module", "magnet"])
def test_each_family_validates_as_drf_alone_would(kind):
    valid, _ = assert_same_as_drf(declaration(kind))

    assert valid


def test_fleet_declarations_validate_as_drf_alone_would():
    for item in fleet_requests(20):
        valid, _ = assert_same_as_drf(item)
        assert valid


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(mass_kg="1.0"),  # composition heavier than the product
        lambda d: d.update(mass_kg="450.1234567"),  # seven decimal places
        lambda d: d.update(mass_kg=450.5),  # a float
        lambda d: d.update(mass_kg=" 450"),
        lambda d: d.update(mass_kg="-0"),
        lambda d: d.update(mass_kg=True),
        lambda d: d.update(model=""),
        lambda d: d.update(model=" padded "),
        lambda d: d.update(model="Zellmodul ü"),
        lambda d: d.update(model="a\x00b"),
        lambda d: d.update(model=12),
        lambda d: d.update(unknown=1),
        lambda d: d.update(product_type="car"),
        lambda d: d["attributes"].update(chemistry="NMC999"),
        lambda d: d["attributes"].update(expected_lifetime_years="12"),
        lambda d: d["attributes"].update(expected_lifetime_years=True),
        lambda d: d["composition"].append({"substance": "Co", "mass_kg": "1"}),
        lambda d: d["composition"][0].update(substance="unobtainium"),
        lambda d: d["origin"][0].update(share="0.6"),
        lambda d: d["origin"][0].update(share="1.0000001"),
        lambda d: d["documents"][0].update(url="not a url"),
        lambda d: d.update(manufactured_at="2999-01-01"),
        lambda d: d.update(gtin="09506000134353"),
        lambda d: d.update(gbt_code="001PEB0000000000000000000"),
        lambda d: d.update(composition="Co"),
        lambda d: d.update(manufacturing_place=["DE"]),
    ],
)
def test_unusual_or_invalid_declarations_get_drfs_errors_and_paths(change):
    item = copy.deepcopy(declaration("battery"))
    change(item)

    assert_same_as_drf(item)


def test_the_gs1_prefix_from_the_context_is_checked():
    item = declaration("battery")

    valid, errors = outcome(item, context={"gs1_company_prefix": "9999999"})

    assert not valid
    assert [e["field"] for e in errors] == ["gtin"]
    assert outcome(item, context={"gs1_company_prefix": "9506000"})[0]


def test_one_serializer_validates_many_declarations_without_carrying_state_over():
    bad = copy.deepcopy(declaration("magnet"))
    bad["attributes"]["magnets"] = "none"
    body = {"passports": [declaration("battery"), bad, declaration("magnet", serial="M-2")]}
    checked = BulkRequest(data=body, context={"gs1_company_prefix": ""})

    assert not checked.is_valid()
    found = {e["field"] for e in flatten_errors(checked.errors)}
    assert found == {"passports[1].attributes.magnets"}
