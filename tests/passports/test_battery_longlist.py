"""Every attribute of the Battery Pass longlist has a typed home in the tier the law gives it."""

import pytest
from rest_framework import serializers

from lifecycle.payloads import HEALTH_SCHEMAS, payload_schema
from passports.battery_attributes import ATTRIBUTES, BatteryAttribute
from passports.declaration import DOCUMENT_KINDS, BatteryAttributes, PassportDeclaration
from passports.longlist import coverage, longlist_path, longlist_rows
from passports.models import Passport, ProductType
from passports.tiers import battery_attribute_tier


@pytest.fixture(scope="module")
def longlist() -> list[dict]:
    if not longlist_path().exists():
        pytest.skip(f"The Battery Pass longlist is not at {longlist_path()}.")
    return longlist_rows()


def test_every_longlist_attribute_maps_to_our_schema_with_its_tier_and_marks(longlist):
    found = coverage(longlist)

    print(f"longlist coverage: {found.matched}/{found.rows}, EV-mandatory "
          f"{found.ev_matched}/{found.ev_mandatory}")  # fmt: skip
    assert found.problems == []
    assert (found.matched, found.rows) == (93, 93)
    assert (found.ev_matched, found.ev_mandatory) == (70, 70)


def test_our_table_has_no_attribute_the_longlist_lacks(longlist):
    assert sorted(int(row["#"]) for row in longlist) == [a.number for a in ATTRIBUTES]


def _declared_field(path: str) -> serializers.Field | None:
    """The serializer field at a dotted declaration path, or None."""
    field: serializers.Field = PassportDeclaration()
    for name in path.split("."):
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.DictField) and name and path.startswith("attributes"):
            field = BatteryAttributes()
        fields = getattr(field, "fields", None)
        if fields is None or name not in fields:
            return None
        field = fields[name]
    return field


def _path_exists(path: str) -> bool:
    if path.startswith("documents#"):
        return path.split("#", 1)[1] in DOCUMENT_KINDS
    if path.startswith("health:"):
        return path.split(":", 1)[1] in HEALTH_SCHEMAS[ProductType.BATTERY]().fields
    if path.startswith("event:"):
        event_type, field = path.split(":", 1)[1].split(".", 1)
        return field in payload_schema(event_type, ProductType.BATTERY)().fields
    if path.startswith("passport:"):
        return hasattr(Passport, path.split(":", 1)[1])
    return _declared_field(path) is not None


@pytest.mark.parametrize("attribute", ATTRIBUTES, ids=lambda a: f"{a.number}")
def test_each_attribute_path_exists_in_the_schema(attribute: BatteryAttribute):
    for path in attribute.path.split("|"):
        assert _path_exists(path), f"#{attribute.number} {attribute.name}: no field at {path}"


@pytest.mark.parametrize("attribute", ATTRIBUTES, ids=lambda a: f"{a.number}")
def test_the_representation_shows_each_attribute_at_its_tier(attribute: BatteryAttribute):
    assert battery_attribute_tier(attribute) == attribute.tier
