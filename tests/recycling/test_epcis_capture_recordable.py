"""POST /api/v1/epcis/capture: a field we cannot record is a 400 naming it, never dropped."""

import datetime as dt
import json

import pytest

from lifecycle.models import Event
from recycling.epcis.schema import schema_violations
from recycling.models import Batch, Collection
from tests.recycling.epcis_documents import (
    BASE,
    URL,
    document,
    errors,
    link,
    receiving,
    treatment,
)
from tests.recycling.epcis_fleet import collect, event, register

AT = "epcisBody.eventList[0]"
SOURCE = [{"type": "owning_party", "source": "urn:epc:id:pgln:9506000.00000"}]
# What a partner's system may attach to a receiving event, each schema-valid EPCIS 2.0.
EXTRAS = {
    "sourceList": SOURCE,
    "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:9506000.1"}],
    "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:9506000:1"}],
    "sensorElementList": [{"sensorReport": [{"type": "Temperature", "value": 900, "uom": "CEL"}]}],
    "persistentDisposition": {"set": ["completeness_verified"]},
    "certificationInfo": "https://example.com/certificates/1",
    "example:shelf": "B-12",
    "cmp:unknown": "x",
}


def written() -> tuple[int, int, int]:
    return Collection.objects.count(), Batch.objects.count(), Event.objects.count()


def test_the_reviewers_receiving_event_is_refused_field_by_field(manufacturer, collector):
    passport = register(manufacturer, "REVIEW-1")
    sent = receiving(
        link(passport),
        disposition="destroyed",
        eventTimeZoneOffset="+09:00",
        **{key: EXTRAS[key] for key in ("sourceList", "sensorElementList", "bizTransactionList")},
    )
    assert schema_violations(document(sent)) == []
    before = written()

    response = collector.client.post(URL, document(sent), format="json")

    assert response.status_code == 400, response.json()
    found = errors(response)
    assert set(found) == {
        f"{AT}.disposition",
        f"{AT}.eventTimeZoneOffset",
        f"{AT}.sourceList",
        f"{AT}.sensorElementList",
        f"{AT}.bizTransactionList",
    }
    assert found[f"{AT}.sensorElementList"].startswith("Not recorded by this service; ")
    assert "non_sellable_other" in found[f"{AT}.disposition"]
    assert written() == before


@pytest.mark.parametrize("key", list(EXTRAS))
def test_each_field_we_cannot_record_is_named(manufacturer, collector, key):
    passport = register(manufacturer, "EXTRA-1")
    sent = document(receiving(link(passport), **{key: EXTRAS[key]}))
    assert schema_violations(sent) == []

    response = collector.client.post(URL, sent, format="json")

    assert response.status_code == 400
    assert list(errors(response)) == [f"{AT}.{key}"]
    assert errors(response)[f"{AT}.{key}"].startswith("Not recorded by this service")


@pytest.mark.parametrize(
    "disposition",
    ["non_sellable_other", "https://ref.gs1.org/cbv/Disp-non_sellable_other", None],
)
def test_a_collection_with_the_disposition_we_record_is_captured(
    manufacturer, collector, disposition
):
    passport = register(manufacturer, "DISP-1")
    sent = receiving(link(passport), disposition=disposition)
    if disposition is None:
        del sent["disposition"]

    response = collector.client.post(URL, document(sent), format="json")

    assert response.status_code == 201, response.json()


def test_a_treatment_with_a_disposition_or_another_step_is_refused(
    manufacturer, collector, recycler
):
    passport = register(manufacturer, "DISP-2")
    collect(collector, [passport])
    event(collector, passport, "ownership_transferred", {"to": str(recycler.organisation.id)})
    sent = treatment(link(passport), disposition="active", bizStep="commissioning")

    response = recycler.client.post(URL, document(sent), format="json")

    assert response.status_code == 400
    assert set(errors(response)) == {f"{AT}.bizStep"}
    response = recycler.client.post(
        URL, document(treatment(link(passport), disposition="active")), format="json"
    )
    assert set(errors(response)) == {f"{AT}.disposition"}
    assert Batch.objects.count() == 0


def test_a_time_sent_in_another_offset_is_recorded_as_the_same_instant(manufacturer, collector):
    passport = register(manufacturer, "TZ-1")
    sent = receiving(link(passport), eventTime="2026-09-01T17:00:00+09:00")

    response = collector.client.post(URL, document(sent), format="json")

    assert response.status_code == 201, response.json()
    (captured,) = response.json()["captured"]
    signed = json.loads(bytes(Event.objects.get(pk=captured["events"][0]).envelope))
    assert dt.datetime.fromisoformat(signed["payload"]["occurred_at"]) == dt.datetime(
        2026, 9, 1, 8, tzinfo=dt.UTC
    )
    collection = Collection.objects.get(pk=captured["id"])
    assert collection.collected_at == dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "read_point",
    [
        {"id": "https://example.com/epcis/places/DE-BY"},
        {"id": "urn:epc:id:sgln:9506000.1.0"},
        {"id": "DE-BY"},
    ],
)
def test_a_read_point_that_is_not_our_place_says_which_forms_are_accepted(
    manufacturer, collector, read_point
):
    passport = register(manufacturer, "RP-1")
    sent = document(receiving(link(passport), readPoint=read_point))

    response = collector.client.post(URL, sent, format="json")

    assert response.status_code == 400
    message = errors(response)[f"{AT}.readPoint.id"]
    assert "may not be null" not in message
    assert f"{BASE}/epcis/places/DE-BY" in message


def test_a_read_point_as_plain_text_is_refused_with_the_accepted_form(manufacturer, collector):
    passport = register(manufacturer, "RP-2")

    response = collector.client.post(
        URL, document(receiving(link(passport), readPoint="DE-BY")), format="json"
    )

    assert response.status_code == 400
    message = errors(response)[f"{AT}.readPoint"]
    assert "may not be null" not in message
    assert f"{BASE}/epcis/places/DE-BY" in message


def test_our_organisation_as_biz_location_is_what_renders_back(manufacturer, collector):
    passport = register(manufacturer, "BL-1")
    mine = f"{BASE}/epcis/organisations/{collector.organisation.id}"
    sent = receiving(link(passport), bizLocation={"id": mine})

    response = collector.client.post(URL, document(sent), format="json")

    assert response.status_code == 201, response.json()
    collection = Collection.objects.get(pk=response.json()["captured"][0]["id"])
    assert collection.region == "DE-BY"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"bizLocation": {"id": f"{BASE}/epcis/places/FR"}}, f"{AT}.bizLocation.id"),
        ({"cmp:region": "FR-75"}, f"{AT}.readPoint.id"),
        ({"bizLocation": {"id": f"{BASE}/epcis/organisations/1"}}, f"{AT}.bizLocation.id"),
    ],
)  # fmt: skip
def test_two_locations_that_disagree_are_refused(manufacturer, collector, changes, field):
    passport = register(manufacturer, "BL-2")
    before = written()

    response = collector.client.post(
        URL, document(receiving(link(passport), **changes)), format="json"
    )

    assert response.status_code == 400
    assert set(errors(response)) == {field}
    assert written() == before
