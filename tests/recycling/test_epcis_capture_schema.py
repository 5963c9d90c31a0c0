"""Captured documents get GS1's EPCIS 2.0 JSON Schema's verdict before our mapping runs."""

from passports.models import Passport
from recycling.epcis.schema import json_path, schema_violations
from recycling.models import Batch, Collection
from tests.recycling.epcis_documents import URL, document, errors, link, receiving, treatment
from tests.recycling.epcis_fleet import collect, event, register


def test_a_json_path_is_written_with_dots_and_indexes():
    assert json_path(["epcisBody", "eventList", 0, "eventTime"]) == (
        "epcisBody.eventList[0].eventTime"
    )


def test_a_schema_violation_is_a_400_naming_its_json_path(manufacturer, collector):
    passport = register(manufacturer, "SCHEMA-1")

    response = collector.client.post(
        URL, document(receiving(link(passport), eventTime="yesterday")), format="json"
    )

    assert response.status_code == 400
    found = errors(response)
    assert set(found) == {"epcisBody.eventList[0].eventTime"}
    assert "date-time" in found["epcisBody.eventList[0].eventTime"]
    assert not Collection.objects.exists()
    assert Passport.objects.get(pk=passport).status == "original"


def test_every_violation_of_the_document_is_named_at_once(manufacturer, collector, recycler):
    passport = register(manufacturer, "SCHEMA-2")
    collect(collector, [passport])
    event(collector, passport, "ownership_transferred", {"to": str(recycler.organisation.id)})
    bad = treatment(link(passport), inputEPCList=["not a uri"])
    bad["outputQuantityList"][0]["quantity"] = "51.6"
    del bad["eventTimeZoneOffset"]

    response = recycler.client.post(URL, document(bad), format="json")

    assert response.status_code == 400
    assert set(errors(response)) == {
        "epcisBody.eventList[0].eventTimeZoneOffset",
        "epcisBody.eventList[0].inputEPCList[0]",
        "epcisBody.eventList[0].outputQuantityList[0].quantity",
    }
    assert not Batch.objects.exists()


def test_a_document_without_its_required_header_fields_is_refused(collector):
    sent = document(receiving("https://example.com/01/09506000134352/21/X"))
    del sent["creationDate"], sent["@context"]

    response = collector.client.post(URL, sent, format="json")

    assert response.status_code == 400
    assert {"creationDate", "@context"} <= set(errors(response))


def test_an_event_no_form_of_the_schema_admits_says_why_without_quoting_itself(collector):
    # An AggregationEvent must name children (or delete); the schema's alternatives say so.
    response = collector.client.post(
        URL,
        document(
            {"type": "AggregationEvent", "eventTime": "2026-09-01T08:00:00Z",
             "eventTimeZoneOffset": "+00:00", "action": "ADD", "cmp:note": "x" * 5000}
        ),
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    message = errors(response)["epcisBody.eventList[0]"]
    assert "childEPCs" in message
    assert len(message) <= 300


def test_a_schema_valid_document_reaches_the_mapping_rules(manufacturer, collector):
    passport = register(manufacturer, "SCHEMA-3")
    sent = document(receiving(link(passport), readPoint={"id": "https://example.com/dock/7"}))
    assert schema_violations(sent) == []

    response = collector.client.post(URL, sent, format="json")

    # The schema accepts any place URI; ours must name a region, which our mapping checks.
    assert response.status_code == 400
    assert set(errors(response)) == {"epcisBody.eventList[0].readPoint.id"}


def test_violations_come_in_document_order():
    events = [{"type": "ObjectEvent"} for _ in range(11)]
    sent = document(*events)

    fields = [v["field"] for v in schema_violations(sent)]

    indexes = [int(f.split("[")[1].split("]")[0]) for f in fields if "[" in f]
    assert indexes == sorted(indexes) and indexes[-1] == 10
