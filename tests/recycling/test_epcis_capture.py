"""POST /api/v1/epcis/capture: EPCIS documents recorded through our own services."""

import json

import pytest

from lifecycle.models import Event
from passports.models import Passport
from recycling.models import Batch, BatchStatus, Collection, CollectionItem
from tests.recycling.epcis_documents import (
    BASE,
    URL,
    document,
    errors,
    link,
    receiving,
    treatment,
)
from tests.recycling.epcis_fleet import WHEN, collect, event, gs1_validator, register, schema_errors


def payload(event_id) -> dict:
    return json.loads(bytes(Event.objects.get(pk=event_id).envelope))["payload"]


def test_our_capture_examples_are_epcis_documents_gs1s_schema_accepts():
    validator = gs1_validator()
    epc = f"{BASE}/01/09506000134352/21/X-1"

    example = document(receiving(epc, masses={epc: "450"}), treatment(epc))

    assert schema_errors(validator, example) == []


def test_a_captured_collection_records_what_the_json_api_records(manufacturer, collector):
    by_api, by_epcis = register(manufacturer, "API-1"), register(manufacturer, "EPCIS-1")
    api = collect(collector, [by_api])

    response = collector.client.post(
        URL, document(receiving(link(by_epcis), masses={link(by_epcis): "450"})), format="json"
    )

    assert response.status_code == 201, response.json()
    (captured,) = response.json()["captured"]
    assert captured["type"] == "collection"
    ours, theirs = Collection.objects.get(pk=captured["id"]), Collection.objects.get(pk=api["id"])
    assert (ours.collector, ours.region, ours.collected_at) == (
        theirs.collector, theirs.region, theirs.collected_at,
    )  # fmt: skip
    (our_item,) = CollectionItem.objects.filter(collection=ours)
    (their_item,) = CollectionItem.objects.filter(collection=theirs)
    assert our_item.mass_kg == their_item.mass_kg
    assert captured["events"] == [str(our_item.event_id)]
    assert payload(our_item.event_id) == payload(their_item.event_id)
    assert Event.objects.get(pk=our_item.event_id).actor == collector.organisation
    assert Passport.objects.get(pk=by_epcis).status == "waste"


def test_a_captured_treatment_closes_a_batch_that_renders_back(manufacturer, collector, recycler):
    passport = register(manufacturer, "EOL-1")
    collect(collector, [passport])
    event(collector, passport, "ownership_transferred", {"to": str(recycler.organisation.id)})

    response = recycler.client.post(
        URL,
        json.dumps(document(treatment(link(passport)))),
        content_type="application/ld+json",
    )

    assert response.status_code == 201, response.json()
    (captured,) = response.json()["captured"]
    batch = Batch.objects.get(pk=captured["id"])
    assert (batch.status, batch.recycler, batch.site_region) == (
        BatchStatus.CLOSED, recycler.organisation, "DE-BY",
    )  # fmt: skip
    assert sorted((o.fraction, o.counts_as, str(o.mass_kg)) for o in batch.outputs.all()) == [
        ("cobalt sulphate", "recycling", "51.600000"),
        ("leach residue", "disposal", "150.000000"),
    ]
    assert Passport.objects.get(pk=passport).status == "recycled"
    assert payload(captured["events"][0])["batch"] == str(batch.pk)
    rendered = recycler.client.get(
        "/api/v1/epcis/events", {"MATCH_anyEPC": link(passport), "eventType": "TransformationEvent"}
    ).json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    sent = treatment(link(passport))
    assert rendered[0]["outputQuantityList"] == [
        {**q, "quantity": float(q["quantity"])} for q in sent["outputQuantityList"]
    ]
    assert rendered[0]["cmp:outputs"][0]["elements"] == {"Co": "5.5"}


def test_one_bad_event_records_nothing_and_is_named_by_its_path(manufacturer, collector):
    good = register(manufacturer, "GOOD-1")

    response = collector.client.post(
        URL,
        document(
            receiving(link(good)),
            receiving(link(good).replace("GOOD-1", "NOPE-1")),
        ),
        format="json",
    )

    assert response.status_code == 400
    assert "epcisBody.eventList[1].epcList[0]" in errors(response)
    assert not Collection.objects.exists()
    assert Passport.objects.get(pk=good).status == "original"


def test_a_refusal_by_the_rules_is_named_by_its_path_and_undoes_the_document(
    manufacturer, collector
):
    first, second = register(manufacturer, "ONE-1"), register(manufacturer, "TWO-1")
    collect(collector, [second])

    response = collector.client.post(
        URL, document(receiving(link(first)), receiving(link(first), link(second))), format="json"
    )

    assert response.status_code == 409
    assert set(errors(response)) == {"epcisBody.eventList[1].epcList[0]"}
    assert Collection.objects.count() == 1
    assert Passport.objects.get(pk=first).status == "original"


def test_unsupported_events_the_schema_accepts_are_named(collector):
    response = collector.client.post(
        URL,
        document(
            {"type": "AggregationEvent", "eventTime": WHEN, "eventTimeZoneOffset": "+00:00",
             "action": "ADD", "parentID": "urn:epc:id:sscc:4012345.0000000001",
             "childEPCs": [f"{BASE}/01/09506000134352/21/X-1"]},
            receiving(f"{BASE}/01/09506000134352/21/X-2", bizStep="shipping"),
        ),
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    found = errors(response)
    assert "AggregationEvent" in found["epcisBody.eventList[0].type"]
    assert "shipping" in found["epcisBody.eventList[1].bizStep"]


def test_field_errors_name_their_place_in_the_document(manufacturer, collector):
    passport = register(manufacturer, "BAD-1")
    epc = link(passport)

    response = collector.client.post(
        URL,
        document(
            receiving(epc, masses={epc: "-3"},
                      readPoint={"id": f"{BASE}/epcis/places/XX-ZZZ"}),
        ),
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert set(errors(response)) == {
        f"epcisBody.eventList[0].cmp:massKg.{epc}",
        "epcisBody.eventList[0].readPoint.id",
    }


def test_treatment_refusals_name_inputs_and_outputs(manufacturer, collector, recycler):
    passport = register(manufacturer, "EOL-9")
    collect(collector, [passport])
    event(collector, passport, "ownership_transferred", {"to": str(recycler.organisation.id)})
    bad_class = treatment(link(passport))
    bad_class["outputQuantityList"][1]["epcClass"] = "urn:epc:class:lgtin:4012345.012345.998877"

    response = recycler.client.post(URL, document(bad_class), format="json")

    assert response.status_code == 400
    assert set(errors(response)) == {"epcisBody.eventList[0].outputQuantityList[1].epcClass"}
    assert not Batch.objects.exists()


def test_another_holders_waste_cannot_be_treated(manufacturer, collector, make_actor):
    passport = register(manufacturer, "EOL-2")
    collect(collector, [passport])
    other = make_actor("recycler", "Not The Holder")

    response = other.client.post(URL, document(treatment(link(passport))), format="json")

    assert response.status_code == 409
    assert set(errors(response)) == {"epcisBody.eventList[0].inputEPCList[0]"}
    assert not Batch.objects.exists()


def test_a_manufacturer_captures_no_collections(manufacturer):
    passport = register(manufacturer, "MINE-1")

    response = manufacturer.client.post(URL, document(receiving(link(passport))), format="json")

    assert response.status_code == 403
    assert "epcisBody.eventList[0].bizStep" in errors(response)
    assert Passport.objects.get(pk=passport).status == "original"


def test_not_a_document_is_refused(collector):
    response = collector.client.post(URL, {"type": "EPCISQueryDocument"}, format="json")

    assert response.status_code == 400
    assert set(errors(response)) == {"type"}


def test_anonymous_capture_is_refused(anonymous):
    assert anonymous.post(URL, document(), format="json").status_code == 401


def test_a_document_names_at_most_the_bulk_limit_of_products(collector, settings):
    settings.BULK_MAX_ITEMS = 2
    epcs = [f"{BASE}/01/09506000134352/21/N-{n}" for n in range(3)]

    response = collector.client.post(URL, document(receiving(*epcs)), format="json")

    assert response.status_code == 400
    assert set(errors(response)) == {"epcisBody.eventList"}


HOSTILE = {
    "event is a list": lambda epc: [epc],
    "receiving without action": lambda epc: {**receiving(epc), "action": "DELETE"},
    "epcList of numbers": lambda epc: receiving(7, None),
    "masses as a list": lambda epc: {**receiving(epc), "cmp:massKg": [epc]},
    "region as a number": lambda epc: {**receiving(epc), "cmp:region": 12},
    "time as a number": lambda epc: receiving(epc, eventTime=1700000000),
    "readPoint as text": lambda epc: receiving(epc, readPoint="DE-BY"),
    "outputs of strings": lambda epc: treatment(epc, outputQuantityList=["x"]),
    "huge quantity": lambda epc: treatment(
        epc, outputQuantityList=[{**treatment(epc)["outputQuantityList"][0], "quantity": 1e300}]
    ),
    "no quantity": lambda epc: treatment(
        epc, outputQuantityList=[{**treatment(epc)["outputQuantityList"][0], "quantity": None}]
    ),
    "elements as a list": lambda epc: treatment(epc, **{"cmp:outputs": [{"elements": ["Co"]}]}),
    "outputs detail as text": lambda epc: treatment(epc, **{"cmp:outputs": "Co"}),
    "input masses as text": lambda epc: treatment(epc, **{"cmp:inputMassKg": "450"}),
    "unknown route": lambda epc: treatment(epc, **{"cmp:processRoute": "alchemy"}),
    "no inputs": lambda epc: treatment(),
    "receiving quantities": lambda epc: receiving(
        epc, quantityList=[{"epcClass": "urn:epc:class:lgtin:4012345.012345.1", "quantity": 1}]
    ),
    "treatment output EPCs": lambda epc: treatment(epc, outputEPCList=[epc]),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_malformed_events_are_refused_with_a_path_and_nothing_is_written(
    manufacturer, collector, recycler, case
):
    passport = register(manufacturer, "HOSTILE-1")
    collect(collector, [passport])
    event(collector, passport, "ownership_transferred", {"to": str(recycler.organisation.id)})
    sender = collector if "receiving" in case or "epcList" in case else recycler
    batches, collections = Batch.objects.count(), Collection.objects.count()

    response = sender.client.post(URL, document(HOSTILE[case](link(passport))), format="json")

    assert 400 <= response.status_code < 500, response.content
    assert all(e["field"].startswith("epcisBody.eventList") for e in response.json()["errors"])
    assert (Batch.objects.count(), Collection.objects.count()) == (batches, collections)
