"""What a battery must carry depends on its category; one 400 names every missing attribute."""

import copy

import pytest

from passports.battery_attributes import mandatory
from passports.declaration import PassportDeclaration
from passports.models import Passport
from tests.factories import declaration
from tests.passports.drf_reference import assert_same_as_drf

URL = "/api/v1/passports/"
CONTEXT = {"gs1_company_prefix": ""}
# Mandatory for EV batteries and given in the declaration (not reported later as health).
EV_DECLARED = {
    "attributes.rated_capacity_ah", "attributes.labels.separate_collection_symbol",
    "attributes.labels.cadmium_lead_symbols", "attributes.materials",
    "attributes.warranty", "manufacturing_place.address",
    "carbon_footprint.stages.distribution",
}  # fmt: skip


def fields(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in response.json()["errors"]:
        found.setdefault(error["field"], []).append(error["message"])
    return found


def stripped(**changes) -> dict:
    """The factory EV battery without some of its mandatory attributes."""
    item = copy.deepcopy(declaration(**changes))
    for name in ("rated_capacity_ah", "labels", "materials", "warranty"):
        del item["attributes"][name]
    del item["manufacturing_place"]["address"]
    del item["carbon_footprint"]["stages"]["distribution"]
    item["documents"] = [d for d in item["documents"] if d["kind"] != "test_report"]
    return item


def test_an_ev_battery_missing_mandatory_attributes_gets_one_400_naming_each(manufacturer):
    response = manufacturer.client.post(URL, stripped(), format="json")

    assert response.status_code == 400
    found = fields(response)
    assert set(found) >= EV_DECLARED
    assert any("test_report" in m and "#18" in m for m in found["documents"])
    assert "longlist #52" in found["attributes.rated_capacity_ah"][0]
    assert Passport.objects.count() == 0


def test_missing_attributes_are_reported_beside_every_other_problem(manufacturer):
    item = stripped(gtin="09506000134353", mass_kg="100")
    item["attributes"]["chemistry"] = "NMC999"

    response = manufacturer.client.post(URL, item, format="json")

    found = fields(response)
    assert response.status_code == 400
    assert "check digit" in found["gtin"][0]
    assert "more than the product mass" in found["composition"][0]
    assert "attributes.chemistry" in found
    assert set(found) >= EV_DECLARED


def test_a_missing_symbol_is_named_once_not_with_each_of_its_fields():
    item = copy.deepcopy(declaration())
    del item["attributes"]["labels"]["separate_collection_symbol"]
    checked = PassportDeclaration(data=item, context=CONTEXT)

    assert not checked.is_valid()
    messages = checked.errors["attributes.labels.separate_collection_symbol"]
    assert len(messages) == 2  # the symbol (#12) and its meaning (#16)
    assert "attributes.labels.separate_collection_symbol.meaning" not in checked.errors


@pytest.mark.parametrize(
    ("category", "energy", "needs_passport"),
    [
        ("ev", "75", True),
        ("lmt", "0.5", True),
        ("industrial", "2.5", True),
        ("industrial", "2", False),
        ("stationary", "10", True),
        ("stationary", "1.5", False),
        ("portable", "0.05", False),
    ],
)
def test_the_category_and_energy_decide_what_is_mandatory(category, energy, needs_passport):
    item = stripped()
    item["attributes"].update(category=category, rated_energy_kwh=energy)
    checked = PassportDeclaration(data=item, context=CONTEXT)

    assert checked.is_valid() is not needs_passport
    if needs_passport:
        assert "attributes.rated_capacity_ah" in checked.errors


def test_lmt_batteries_need_what_their_column_marks():
    lmt = {a.number for a in mandatory("lmt")}
    ev = {a.number for a in mandatory("ev")}

    assert 7 in lmt and 7 not in ev  # date of putting into service
    assert 57 in ev and 57 not in lmt  # state of certified energy
    assert 83 in ev and 83 not in lmt  # capacity threshold for exhaustion


def test_the_complete_ev_battery_validates_as_drfs_fields_alone_would():
    valid, _ = assert_same_as_drf(declaration(), context=CONTEXT)

    assert valid


def test_missing_attributes_are_named_as_drfs_fields_alone_would():
    valid, errors = assert_same_as_drf(stripped(), context=CONTEXT)

    assert not valid
    assert "attributes.rated_capacity_ah" in {e["field"] for e in errors}


def test_the_old_rated_capacity_kwh_is_refused_naming_the_new_field(manufacturer):
    item = copy.deepcopy(declaration())
    item["attributes"]["rated_capacity_kwh"] = item["attributes"].pop("rated_energy_kwh")

    response = manufacturer.client.post(URL, item, format="json")

    found = fields(response)
    assert response.status_code == 400
    assert "rated_energy_kwh" in found["attributes.rated_capacity_kwh"][0]
    assert found["attributes.rated_energy_kwh"] == ["This field is required."]


def test_bulk_registration_names_missing_attributes_per_item(manufacturer):
    items = [declaration(serial="OK-1"), stripped(serial="BAD-1")]

    response = manufacturer.client.post(URL + "bulk/", {"passports": items}, format="json")

    found = fields(response)
    assert response.status_code == 400
    assert "passports[1].attributes.rated_capacity_ah" in found
    assert not any(field.startswith("passports[0]") for field in found)
    assert Passport.objects.count() == 0


def test_idle_range_and_voltage_window_are_checked():
    item = copy.deepcopy(declaration())
    item["attributes"]["idle_temperature_range"] = {"lower_c": "40", "upper_c": "-10"}
    item["attributes"]["minimum_voltage_v"] = "450"
    checked = PassportDeclaration(data=item, context=CONTEXT)

    assert not checked.is_valid()
    assert "upper_c" in checked.errors["attributes"]["idle_temperature_range"]


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a["idle_temperature_range"].update(lower_c="50"),  # above the upper boundary
        lambda a: a["idle_temperature_range"].update(lower_c="-0"),
        lambda a: a["materials"].pop(1),  # no anode
        lambda a: a["manufacturer_information"].update(email="not an e-mail"),
        lambda a: a["due_diligence"]["report"].update(published_on="31.01.2026"),
        lambda a: a["labels"]["cadmium_lead_symbols"].append({"identifier": "Cd"}),
        lambda a: a["hazardous_substances"][0].update(location="roof"),
    ],
)
def test_nested_attributes_the_serializer_refuses_are_left_to_it(change):
    item = copy.deepcopy(declaration())
    change(item["attributes"])

    assert_same_as_drf(item, context=CONTEXT)
