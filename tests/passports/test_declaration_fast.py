"""The fast declaration path accepts only what the serializer accepts, with the same result."""

import copy
import json
import random
from datetime import date

import pytest

from lifecycle.canonical import canonical_bytes
from passports.declaration import PassportDeclaration
from passports.declaration_fast import declarations_validate_fast
from recycling.fleet.products import MANUFACTURERS
from recycling.fleet.products import declaration as fleet_declaration
from tests.factories import declaration

CONTEXT = {"gs1_company_prefix": ""}


def serializer_result(item: dict, context: dict = CONTEXT) -> dict:
    checked = PassportDeclaration(data=item, context=context)
    assert checked.is_valid(), checked.errors
    return checked.validated_data


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


@pytest.mark.parametrize("kind", ["battery", "pv_module", "magnet"])
def test_fast_path_equals_the_serializer_for_each_family(kind):
    item = declaration(kind)

    (fast,) = declarations_validate_fast([item], CONTEXT)

    assert fast == serializer_result(item)
    assert canonical_bytes(fast) == canonical_bytes(serializer_result(item))


def test_fast_path_equals_the_serializer_on_fleet_declarations():
    items = fleet_requests(60)

    fast = declarations_validate_fast(items, CONTEXT)

    assert [canonical_bytes(f) for f in fast] == [
        canonical_bytes(serializer_result(i)) for i in items
    ]


def test_fast_path_checks_the_gs1_prefix_like_the_serializer():
    item = declaration("battery")

    assert declarations_validate_fast([item], {"gs1_company_prefix": "9999999"}) is None
    assert declarations_validate_fast([item], {"gs1_company_prefix": "9506000"}) is not None


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(mass_kg="1.0"),  # composition heavier than the product
        lambda d: d.update(mass_kg="450.1234567"),  # seven decimal places
        lambda d: d.update(mass_kg=450.5),  # a float: the serializer decides
        lambda d: d.update(mass_kg=" 450"),
        lambda d: d.update(model=""),
        lambda d: d.update(unknown=1),
        lambda d: d["attributes"].update(chemistry="NMC999"),
        lambda d: d["attributes"].update(expected_lifetime_years="12"),
        lambda d: d["composition"].append({"substance": "Co", "mass_kg": "1"}),
        lambda d: d["composition"][0].update(substance="unobtainium"),
        lambda d: d["origin"][0].update(share="0.6"),
        lambda d: d["documents"][0].update(url="not a url"),
        lambda d: d.update(manufactured_at="2999-01-01"),
        lambda d: d.update(gtin="09506000134353"),
        lambda d: d.update(gbt_code="001PEB0000000000000000000"),
    ],
)
def test_anything_unusual_or_invalid_goes_to_the_serializer(change):
    item = copy.deepcopy(declaration("battery"))
    change(item)

    assert declarations_validate_fast([item], CONTEXT) is None


def test_one_unusual_item_sends_the_whole_request_to_the_serializer():
    items = [declaration("battery"), {**declaration("magnet"), "mass_kg": 1.2}]

    assert declarations_validate_fast(items, CONTEXT) is None
