"""Registering passports through the API: the three families, every refusal, bulk."""

import json
from decimal import Decimal

import pytest

from lifecycle.models import Event
from passports.identifiers import IdentifierError, normalise_gtin
from passports.models import CompositionEntry, OriginShare, Passport
from tests.factories import BATTERY, declaration

URL = "/api/v1/passports/"


def fields(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.mark.parametrize("kind", ["battery", "pv_module", "magnet"])
def test_manufacturer_registers_each_product_family(manufacturer, kind):
    response = manufacturer.client.post(URL, declaration(kind), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    passport = Passport.objects.get(pk=body["id"])
    assert passport.product_type == kind
    assert body["digital_link"].endswith(f"/01/{passport.gtin}/21/{passport.serial}")
    assert body["head_hash"] == passport.events.get(seq=0).hash
    assert passport.manufacturer == manufacturer.organisation


def test_the_issue_example_is_accepted_exactly(manufacturer):
    response = manufacturer.client.post(URL, BATTERY, format="json")

    assert response.status_code == 201
    passport = Passport.objects.get(pk=response.json()["id"])
    assert passport.mass_kg == Decimal("450")
    cobalt = CompositionEntry.objects.get(passport=passport, substance="Co")
    assert cobalt.mass_kg == Decimal("5.7")
    assert cobalt.recycled_share_post_consumer == Decimal("0.16")
    assert cobalt.critical
    assert OriginShare.objects.filter(passport=passport, substance="Co").count() == 2


def test_json_numbers_are_taken_as_exact_decimals(manufacturer):
    body = json.dumps(declaration()).replace('"450.000"', "450.000")
    response = manufacturer.client.post(URL, body, content_type="application/json")

    assert response.status_code == 201
    assert Passport.objects.get().mass_kg == Decimal("450")


def test_passport_without_gtin_gets_a_uuid_link(manufacturer):
    response = manufacturer.client.post(URL, declaration(gtin=None, serial=None), format="json")

    assert response.status_code == 201
    assert response.json()["digital_link"].endswith(f"/p/{response.json()['id']}")


def test_gbt_code_is_parsed_and_must_match_chemistry(manufacturer):
    good = "ABCPE01TRACE01G3E0000042"
    ok = manufacturer.client.post(URL, declaration(gbt_code=good), format="json")
    lfp_code = "ABCPB01TRACE01G3E0000043"
    mismatch = manufacturer.client.post(
        URL, declaration(serial="BAT-2", gbt_code=lfp_code), format="json"
    )

    assert ok.status_code == 201
    assert mismatch.status_code == 400
    assert "does not match chemistry NMC811" in fields(mismatch)["gbt_code"]


def invalid(**changes) -> dict:
    return declaration(**changes)


def with_composition(index: int, **changes) -> dict:
    body = declaration()
    body["composition"][index].update(changes)
    return body


BAD_INPUT = [
    (with_composition(1, mass_kg="-1"), "composition[1].mass_kg"),
    (with_composition(1, mass_kg="lots"), "composition[1].mass_kg"),
    (with_composition(0, substance="Xx"), "composition[0].substance"),
    (with_composition(0, recycled_share_post_consumer="1.5"),
     "composition[0].recycled_share_post_consumer"),
    (with_composition(0, cas="1234-56-7"), "composition[0].cas"),
    (invalid(mass_kg="100"), "composition"),
    (invalid(origin=[{"substance": "Co", "country": "CD", "share": "0.6"}]), "origin"),
    (invalid(origin=[{"substance": "Co", "country": "XX", "share": "1"}]), "origin[0].country"),
    (invalid(origin=[{"substance": "Pb", "country": "CD", "share": "1"}]), "origin[0].substance"),
    (invalid(gtin="09506000134353"), "gtin"),
    (invalid(gtin="123"), "gtin"),
    (invalid(serial="has space"), "serial"),
    (invalid(product_type="toaster"), "product_type"),
    (invalid(attributes={"category": "ev", "chemistry": "NMC811", "rated_power_w": "5"}),
     "attributes.rated_power_w"),
    (invalid(attributes={"category": "car", "chemistry": "NMC811",
                         "rated_energy_kwh": "1", "nominal_voltage_v": "1"}),
     "attributes.category"),
    (invalid(manufactured_at="2999-01-01"), "manufactured_at"),
    (invalid(colour="red"), "colour"),
    (invalid(gbt_code="SHORT"), "gbt_code"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field"), BAD_INPUT, ids=[f for _, f in BAD_INPUT])
def test_bad_input_is_refused_with_the_field_named_and_nothing_stored(manufacturer, body, field):
    response = manufacturer.client.post(URL, body, format="json")

    assert response.status_code == 400
    assert field in fields(response), response.json()
    assert fields(response)[field]
    assert Passport.objects.count() == 0
    assert Event.objects.count() == 0


def test_every_problem_is_named_in_one_response(manufacturer):
    body = with_composition(1, mass_kg="-1")
    body["gtin"] = "09506000134353"
    body["attributes"]["category"] = "car"

    errors = fields(manufacturer.client.post(URL, body, format="json"))

    assert {"composition[1].mass_kg", "gtin", "attributes.category"} <= set(errors)


def test_gtin_outside_own_company_prefix_is_refused(manufacturer):
    response = manufacturer.client.post(URL, declaration(gtin="04006381333931"), format="json")

    assert response.status_code == 400
    assert "9506000" in fields(response)["gtin"]


def test_a_gtin_in_other_scripts_digits_is_refused(manufacturer, anonymous):
    # Arabic-Indic digits pass str.isdigit(), and the GTIN parser reads them as numbers: a
    # second spelling of a GTIN, which a reference or a scan must not resolve to.
    arabic = "".join(chr(0x0660 + int(digit)) for digit in "09506000134352")
    with pytest.raises(IdentifierError):
        normalise_gtin(arabic)
    response = manufacturer.client.post(URL, declaration(gtin=arabic), format="json")

    assert response.status_code == 400
    assert "gtin" in fields(response)
    scan = anonymous.get(f"/01/{arabic}/21/BAT-1", HTTP_ACCEPT="application/json")
    assert scan.status_code in (400, 404)


def test_existing_gtin_and_serial_is_a_conflict(manufacturer, registered_battery):
    response = manufacturer.client.post(URL, declaration(), format="json")

    assert response.status_code == 409
    assert "already exists" in fields(response)["serial"]
    assert Passport.objects.count() == 1


def test_duplicate_json_keys_are_refused(manufacturer):
    body = json.dumps(declaration())[:-1] + ', "model": "other"}'
    response = manufacturer.client.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert "Duplicate key 'model'" in response.json()["errors"][0]["message"]


def test_malformed_json_is_a_400(manufacturer):
    response = manufacturer.client.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "Malformed JSON" in response.json()["errors"][0]["message"]


def test_body_over_the_limit_is_413(manufacturer, settings):
    settings.API_MAX_BODY_BYTES = 500
    response = manufacturer.client.post(URL, declaration(), format="json")

    assert response.status_code == 413
    assert Passport.objects.count() == 0


def test_anonymous_cannot_register(anonymous):
    response = anonymous.post(URL, declaration(), format="json")

    assert response.status_code == 401
    assert Passport.objects.count() == 0


@pytest.mark.parametrize("kind", ["recycler", "regulator", "collector", "repairer"])
def test_only_manufacturers_register(make_actor, kind):
    response = make_actor(kind).client.post(URL, declaration(), format="json")

    assert response.status_code == 403
    assert Passport.objects.count() == 0


def test_unknown_predecessor_is_refused(manufacturer):
    body = declaration(predecessor="00000000-0000-0000-0000-000000000001")
    response = manufacturer.client.post(URL, body, format="json")

    assert response.status_code == 400
    assert "predecessor" in fields(response)


def many(count: int) -> list[dict]:
    return [declaration(serial=f"BAT-{i:06d}") for i in range(count)]


def test_bulk_registers_all_with_signed_genesis_events(manufacturer):
    response = manufacturer.client.post(URL + "bulk/", {"passports": many(25)}, format="json")

    assert response.status_code == 201, response.json()
    assert len(response.json()["passports"]) == 25
    assert Passport.objects.count() == 25
    assert Event.objects.filter(type="registered", seq=0).count() == 25


def test_bulk_is_all_or_nothing_with_errors_indexed(manufacturer):
    items = many(5)
    items[3]["composition"][1]["mass_kg"] = "-1"

    response = manufacturer.client.post(URL + "bulk/", {"passports": items}, format="json")

    assert response.status_code == 400
    assert "passports[3].composition[1].mass_kg" in fields(response)
    assert Passport.objects.count() == 0


def test_bulk_refuses_duplicates_within_the_request(manufacturer):
    items = many(3)
    items[2]["serial"] = items[0]["serial"]

    response = manufacturer.client.post(URL + "bulk/", {"passports": items}, format="json")

    assert response.status_code == 409
    assert "passports[2].serial" in fields(response)
    assert Passport.objects.count() == 0


def test_bulk_over_the_item_limit_is_refused(manufacturer, settings):
    settings.BULK_MAX_ITEMS = 3
    response = manufacturer.client.post(URL + "bulk/", {"passports": many(4)}, format="json")

    assert response.status_code == 400
    assert "At most 3" in fields(response)["passports"]


def test_bulk_anonymous_is_401(anonymous):
    assert anonymous.post(URL + "bulk/", {"passports": []}, format="json").status_code == 401
