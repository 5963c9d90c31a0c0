"""Repurposing and remanufacturing as EPCIS: the product goes in, its successor comes out."""

import pytest

from passports.identifiers import digital_link
from passports.models import Passport
from tests.recycling.epcis_documents import document, errors, link, treatment
from tests.recycling.epcis_fleet import event, gs1_validator, register, schema_errors
from tests.recycling.epcis_fleet import successor as successor_of

URL = "/api/v1/epcis/events"
OWN_STEP = "http://127.0.0.1:8000/epcis/bizstep/"


def epc(passport: Passport) -> str:
    return digital_link(gtin=passport.gtin, serial=passport.serial, passport_id=passport.pk)


def events_of(actor, params: dict) -> tuple[dict, list[dict]]:
    response = actor.client.get(URL, params)
    assert response.status_code == 200, response.json()
    answer = response.json()
    return answer, answer["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


@pytest.mark.parametrize("kind", ["repurposed", "remanufactured"])
def test_a_succession_is_a_transformation_from_the_product_to_its_successor(
    manufacturer, regulator, kind
):
    old = register(manufacturer, f"OLD-{kind}")
    event(manufacturer, old, kind, {"successor": successor_of("Second Life 1"),
                                    "application": "stationary storage"})  # fmt: skip
    predecessor = Passport.objects.get(pk=old)
    successor = Passport.objects.get(predecessor=predecessor)

    answer, events = events_of(regulator, {"MATCH_anyEPC": epc(predecessor)})

    (made,) = [e for e in events if e["cmp:eventType"] == kind]
    assert made["type"] == "TransformationEvent"
    assert made["inputEPCList"] == [epc(predecessor)]
    assert made["outputEPCList"] == [epc(successor)]
    assert made["bizStep"] == OWN_STEP + kind.replace("ed", "ing")
    assert made["disposition"] == "active"
    assert made["cmp:payload"]["successor"]["passport"] == str(successor.pk)
    assert schema_errors(gs1_validator(), answer) == []


def test_the_successors_epc_finds_the_event_that_made_it(manufacturer, regulator):
    old = register(manufacturer, "OLD-MATCH")
    event(manufacturer, old, "repurposed", {"successor": successor_of("Second Life 1"),
                                            "application": "stationary storage"})  # fmt: skip
    successor = Passport.objects.get(predecessor_id=old)

    _, events = events_of(regulator, {"MATCH_anyEPC": epc(successor)})

    made = [e for e in events if e["cmp:eventType"] == "repurposed"]
    assert [e["cmp:passport"] for e in made] == [old]
    assert all(e["cmp:passport"] == str(successor.pk) for e in events if e not in made)
    assert {e["cmp:eventType"] for e in events} == {"repurposed", "registered"}


def test_an_unrelated_epc_does_not_find_the_succession(manufacturer, regulator):
    old, other = register(manufacturer, "OLD-NOT"), register(manufacturer, "OTHER-NOT")
    event(manufacturer, old, "repurposed", {"successor": successor_of("Second Life 1"),
                                            "application": "stationary storage"})  # fmt: skip

    _, events = events_of(regulator, {"MATCH_anyEPC": epc(Passport.objects.get(pk=other))})

    assert [e["cmp:eventType"] for e in events] == ["registered"]


def test_a_captured_repurposing_is_refused_naming_its_business_step(manufacturer, recycler):
    passport = register(manufacturer, "CAPTURE-REP")
    sent = treatment(link(passport), bizStep=OWN_STEP + "repurposing")
    sent.pop("outputQuantityList")
    sent["outputEPCList"] = ["http://127.0.0.1:8000/01/09506000134352/21/NEXT-1"]

    response = recycler.client.post("/api/v1/epcis/capture", document(sent), format="json")

    assert response.status_code == 400
    assert set(errors(response)) == {"epcisBody.eventList[0].bizStep"}
    assert Passport.objects.get(pk=passport).status == "original"
