"""Holding a product is what lets an organisation change its status or hand it on."""

import json

import pytest

from passports.models import Passport
from tests.factories import declaration

WHEN = "2026-09-01T08:00:00Z"
# The repurposed battery needs a test report of its own: the original's is not carried over.
OWN_TEST_REPORT = "https://second-life.example.com/tests/1.pdf"
REPURPOSE = {
    "successor": {
        "model": "Home storage 60",
        "manufacturing_place": {
            "country": "NL",
            "facility": "Second Life Works",
            "address": {"street": "Haven 1", "city": "Rotterdam", "country": "NL"},
        },
        "documents": [{"kind": "test_report", "url": OWN_TEST_REPORT}],
    },
    "application": "stationary",
}


@pytest.fixture
def battery(registered_battery) -> str:
    return registered_battery["id"]


def post(actor, passport, event_type, payload):
    return actor.client.post(
        f"/api/v1/passports/{passport}/events/",
        {"type": event_type, "occurred_at": WHEN, "payload": payload},
        format="json",
    )


def fields(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_repairer_that_does_not_hold_a_battery_cannot_repurpose_it(
    make_actor, manufacturer, battery
):
    outsider = make_actor("repairer", "Any Workshop")

    response = post(outsider, battery, "repurposed", REPURPOSE)

    assert response.status_code == 403
    assert "does not hold" in fields(response)["type"]
    assert Passport.objects.count() == 1
    still_open = post(manufacturer, battery, "health_reported",
                      {"state_of_health_pct": "97"})  # fmt: skip
    assert still_open.status_code == 201


def test_a_successor_carries_no_authority_documents_of_its_predecessor(
    make_actor, manufacturer, battery
):
    second_life = make_actor("repairer", "Second Life", country="NL")
    handed = post(manufacturer, battery, "ownership_transferred",
                  {"to": str(second_life.organisation.id)})  # fmt: skip
    assert handed.status_code == 201

    response = post(second_life, battery, "repurposed", REPURPOSE)

    assert response.status_code == 201, response.json()
    successor = Passport.objects.get(pk=response.json()["payload"]["successor"]["passport"])
    carried = json.loads(bytes(successor.declaration))
    carried_kinds = {d["kind"] for d in carried["documents"]}
    reports = [d["url"] for d in carried["documents"] if d["kind"] == "test_report"]
    assert "dismantling" in carried_kinds and reports == [OWN_TEST_REPORT]
    assert carried["origin"][0]["supplier"] == "Mine Co"  # legitimate interest: carried over
    read = second_life.client.get(f"/api/v1/passports/{successor.pk}/").json()
    assert [d["url"] for d in read["documents"] if d["kind"] == "test_report"] == [OWN_TEST_REPORT]
    original = manufacturer.client.get(f"/api/v1/passports/{battery}/").json()
    assert {"dismantling", "test_report"} <= {d["kind"] for d in original["documents"]}


def test_a_collection_names_its_poster_as_collector(make_actor, battery):
    collector = make_actor("collector", "Collect GmbH")
    regulator = make_actor("regulator", "Authority")

    response = post(collector, battery, "collected",
                    {"region": "DE-BY", "collector": str(regulator.organisation.id)})  # fmt: skip

    assert response.status_code == 400
    assert "payload.collector" in fields(response)
    assert Passport.objects.get(pk=battery).status == "original"


def test_a_regulator_never_becomes_a_holder(make_actor, manufacturer, battery):
    regulator = make_actor("regulator", "Authority")

    response = post(manufacturer, battery, "ownership_transferred",
                    {"to": str(regulator.organisation.id)})  # fmt: skip

    assert response.status_code == 400
    assert "not to a regulator" in fields(response)["payload.to"]
    assert Passport.objects.get(pk=battery).holder == manufacturer.organisation


def test_waste_is_handed_only_to_a_waste_handler(make_actor, recycler, battery):
    maker = make_actor("manufacturer", "Another Maker")
    assert post(recycler, battery, "collected", {"region": "DE-BY"}).status_code == 201

    response = post(recycler, battery, "ownership_transferred",
                    {"to": str(maker.organisation.id)})  # fmt: skip

    assert response.status_code == 400
    assert "collector or recycler" in fields(response)["payload.to"]


def test_the_former_holder_cannot_hand_a_product_on_again(make_actor, manufacturer, battery):
    first, second = make_actor("repairer", "First"), make_actor("repairer", "Second")
    to_first = {"to": str(first.organisation.id)}
    assert post(manufacturer, battery, "ownership_transferred", to_first).status_code == 201

    again = post(manufacturer, battery, "ownership_transferred",
                 {"to": str(second.organisation.id)})  # fmt: skip

    assert again.status_code == 403
    assert Passport.objects.get(pk=battery).holder == first.organisation


def test_a_registration_cannot_name_another_passport_as_its_predecessor(
    manufacturer, other_manufacturer, battery
):
    body = declaration(serial=None, gtin=None, predecessor=battery)

    response = other_manufacturer.client.post("/api/v1/passports/", body, format="json")

    assert response.status_code == 400
    assert "repurposed or remanufactured" in fields(response)["predecessor"]
    still_open = post(manufacturer, battery, "health_reported", {"state_of_health_pct": "97"})
    assert still_open.status_code == 201


def test_a_successor_gtin_must_be_under_the_operators_own_prefix(make_actor, manufacturer, battery):
    second_life = make_actor("repairer", "Second Life")  # no GS1 company prefix of its own
    post(manufacturer, battery, "ownership_transferred", {"to": str(second_life.organisation.id)})
    taken = {"gtin": "09506000555550", "serial": "SUCC-1", "model": "R1"}

    response = post(second_life, battery, "repurposed",
                    {"successor": taken, "application": "stationary"})  # fmt: skip

    assert response.status_code == 400
    assert "payload.successor.gtin" in fields(response)
    assert Passport.objects.count() == 1
