"""Nested objects and lists of them are checked on the compiled path, with DRF's outcome."""

import copy
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from lifecycle.api.passports import BulkRequest
from passports.declaration import PassportDeclaration
from passports.declaration.compiled import SLOW, field_check
from tests.factories import declaration
from tests.passports.drf_reference import assert_same_as_drf
from tests.passports.test_declaration_compiled import EDGE_VALUES, fleet_requests

CONTEXT = {"gs1_company_prefix": ""}

# Places inside nested objects and lists of them, per family, where a value can be replaced.
NESTED_PLACES = {
    "battery": [
        ("manufacturing_place", "country"), ("manufacturing_place", "facility"),
        ("composition", 0, "mass_kg"), ("composition", 1, "cas"), ("composition", 0, "substance"),
        ("composition", 0, "recycled_share_pre_consumer"), ("origin", 0, "share"),
        ("origin", 0, "country"), ("documents", 0, "url"), ("documents", 0, "kind"),
        ("carbon_footprint", "kg_co2e_per_kwh"), ("attributes", "chemistry"),
        ("attributes", "rated_energy_kwh"), ("attributes", "warranty"), ("attributes",),
    ],
    "pv_module": [("attributes", "pmax_w"), ("composition", 0, "mass_kg"), ("origin", 0, "share")],
    "magnet": [("attributes", "magnets"), ("composition", 0, "substance")],
}  # fmt: skip
REPLACEMENTS = st.one_of(
    st.sampled_from(EDGE_VALUES), st.none(), st.integers(-5, 5), st.booleans(),
    st.just({}), st.just([]), st.just({"unknown": 1}), st.just([{}]),
)  # fmt: skip


def replaced(item: dict, place: tuple, value) -> dict:
    changed = copy.deepcopy(item)
    current = changed
    for step in place[:-1]:
        current = current[step]
    current[place[-1]] = value
    return changed


@settings(max_examples=200, deadline=None)
@given(
    kind_place=st.sampled_from([(k, p) for k, places in NESTED_PLACES.items() for p in places]),
    value=REPLACEMENTS,
)
def test_a_changed_nested_value_gets_what_drf_alone_gives(kind_place, value):
    kind, place = kind_place
    assert_same_as_drf(replaced(declaration(kind), place, value))


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(composition=[]),  # a list that may not be empty
        lambda d: d.update(origin=d["origin"] * 501),  # longer than the list allows
        lambda d: d.update(documents={"kind": "safety"}),  # an object where a list belongs
        lambda d: d["composition"].append("Co"),  # an item that is not an object
        lambda d: d["composition"][0].update(extra="x"),  # an unknown key in an item
        lambda d: d["composition"][0].update(cas="7440-48-5", substance="Ni"),  # item's validate
        lambda d: d["composition"][0].update(recycled_share_pre_consumer="0.7",
                                             recycled_share_post_consumer="0.7"),
        lambda d: d["manufacturing_place"].pop("country"),  # a required key missing
        lambda d: d["carbon_footprint"].update(stages={"main_production": "-1"}),
        lambda d: d.update(carbon_footprint=None),
        lambda d: d["documents"][0].update(kind={}),  # once a TypeError in the mandatory rule
    ],
)  # fmt: skip
def test_nested_errors_keep_drfs_paths_and_messages(change):
    item = copy.deepcopy(declaration("battery"))
    change(item)

    valid, _ = assert_same_as_drf(item)

    assert not valid


def test_a_valid_bulk_request_runs_no_nested_serializer_through_drf():
    body = {"passports": fleet_requests(9)}
    calls = []
    original = serializers.Serializer.run_validation

    def counted(self, data=serializers.empty):
        calls.append(type(self).__name__)
        return original(self, data)

    with mock.patch.object(serializers.Serializer, "run_validation", counted):
        checked = BulkRequest(data=body, context=CONTEXT)
        assert checked.is_valid(), checked.errors

    # The request and each declaration; no composition item, origin, document or attributes.
    assert sorted(set(calls)) == ["BulkRequest", "PassportDeclaration"]
    assert calls.count("PassportDeclaration") == 9


def test_nested_objects_and_their_lists_have_compiled_checks():
    fields = PassportDeclaration().fields

    for name in ("manufacturing_place", "carbon_footprint", "composition", "origin", "documents",
                 "attributes"):  # fmt: skip
        assert field_check(fields[name]) is not None, name
    assert field_check(fields["composition"])("Co") is SLOW
