"""A capture re-sent after a lost answer is answered again, keyed by each event's eventID."""

from lifecycle.models import Event
from passports.models import Passport
from recycling.models import Batch, CapturedEvent, Collection
from tests.recycling.epcis_documents import URL, document, errors, link, receiving, treatment
from tests.recycling.epcis_fleet import collect, event, register

ONE = "urn:uuid:6f1c1c52-8a57-4c55-9a0e-1f0d3b0c0001"
TWO = "ni:///sha-256;a3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855?ver=CBV2.0"


def send(actor, *events):
    return actor.client.post(URL, document(*events), format="json")


def test_a_resent_collection_answers_200_with_the_same_records_and_signs_nothing(
    manufacturer, collector
):
    passport = register(manufacturer, "RETRY-1")
    sent = receiving(link(passport), eventID=ONE)
    first = send(collector, sent)
    assert first.status_code == 201, first.json()
    signed = Event.objects.count()

    again = send(collector, sent)

    assert again.status_code == 200, again.json()
    assert again.json() == first.json()
    assert Event.objects.count() == signed
    assert Collection.objects.count() == 1
    assert CapturedEvent.objects.get(event_id=ONE).record == first.json()["captured"][0]


def test_a_resent_treatment_answers_with_its_batch(manufacturer, collector, recycler):
    passport = register(manufacturer, "RETRY-2")
    collect(collector, [passport])
    event(collector, passport, "ownership_transferred", {"to": str(recycler.organisation.id)})
    sent = treatment(link(passport), eventID=TWO)
    first = send(recycler, sent)
    assert first.status_code == 201, first.json()

    # A sender may stamp recordTime; the capturing system owns it, so it changes nothing.
    again = send(recycler, {**sent, "recordTime": "2026-09-03T09:00:00Z"})

    assert again.status_code == 200, again.json()
    assert again.json()["captured"] == first.json()["captured"]
    assert Batch.objects.count() == 1


def test_an_eventid_reused_for_a_different_event_is_a_409_naming_it(manufacturer, collector):
    first, second = register(manufacturer, "REUSE-1"), register(manufacturer, "REUSE-2")
    assert send(collector, receiving(link(first), eventID=ONE)).status_code == 201

    response = send(collector, receiving(link(second), eventID=ONE))

    assert response.status_code == 409
    assert set(errors(response)) == {"epcisBody.eventList[0].eventID"}
    assert "different event" in errors(response)["epcisBody.eventList[0].eventID"]
    assert Passport.objects.get(pk=second).status == "original"


def test_a_document_mixing_captured_and_new_events_is_a_409_and_records_nothing(
    manufacturer, collector
):
    old, new = register(manufacturer, "MIX-1"), register(manufacturer, "MIX-2")
    captured = receiving(link(old), eventID=ONE)
    assert send(collector, captured).status_code == 201

    response = send(collector, receiving(link(new), eventID=TWO), captured)

    assert response.status_code == 409
    assert set(errors(response)) == {"epcisBody.eventList[1].eventID"}
    assert Passport.objects.get(pk=new).status == "original"
    assert not CapturedEvent.objects.filter(event_id=TWO).exists()


def test_one_eventid_twice_in_a_document_is_a_400(manufacturer, collector):
    first, second = register(manufacturer, "TWICE-1"), register(manufacturer, "TWICE-2")

    response = send(
        collector, receiving(link(first), eventID=ONE), receiving(link(second), eventID=ONE)
    )

    assert response.status_code == 400
    assert set(errors(response)) == {"epcisBody.eventList[1].eventID"}
    assert not Collection.objects.exists()


def test_an_overlong_eventid_is_a_400(manufacturer, collector):
    passport = register(manufacturer, "LONG-1")

    response = send(collector, receiving(link(passport), eventID="urn:x:" + "a" * 600))

    assert response.status_code == 400
    assert set(errors(response)) == {"epcisBody.eventList[0].eventID"}


def test_eventids_are_keys_of_each_organisation_alone(manufacturer, collector, make_actor):
    mine, theirs = register(manufacturer, "ORG-1"), register(manufacturer, "ORG-2")
    other = make_actor("collector", "Other Collect")
    assert send(collector, receiving(link(mine), eventID=ONE)).status_code == 201

    response = send(other, receiving(link(theirs), eventID=ONE))

    assert response.status_code == 201, response.json()
    assert CapturedEvent.objects.filter(event_id=ONE).count() == 2
    assert response.json()["captured"][0]["id"] != str(
        CapturedEvent.objects.get(event_id=ONE, organisation=collector.organisation).record["id"]
    )


def test_another_organisation_resending_a_document_gets_no_records_of_ours(
    manufacturer, collector, make_actor
):
    passport = register(manufacturer, "ORG-3")
    sent = receiving(link(passport), eventID=ONE)
    assert send(collector, sent).status_code == 201
    other = make_actor("collector", "Nosy Collect")

    response = send(other, sent)

    # Not a replay of our answer: its own attempt, refused by the lifecycle rules.
    assert response.status_code == 409
    assert "captured" not in response.json()
    assert set(errors(response)) == {"epcisBody.eventList[0].epcList[0]"}


def test_a_refused_document_claims_no_eventid(manufacturer, collector):
    good, bad = register(manufacturer, "CLAIM-1"), register(manufacturer, "CLAIM-2")
    collect(collector, [bad])
    refused = send(collector, receiving(link(good), eventID=ONE), receiving(link(bad)))
    assert refused.status_code == 409

    response = send(collector, receiving(link(good), eventID=ONE))

    assert response.status_code == 201, response.json()
    assert Passport.objects.get(pk=good).status == "waste"


def test_without_eventids_a_resend_is_a_new_capture_that_the_rules_refuse(manufacturer, collector):
    passport = register(manufacturer, "NOKEY-1")
    assert send(collector, receiving(link(passport))).status_code == 201

    response = send(collector, receiving(link(passport)))

    assert response.status_code == 409
    assert set(errors(response)) == {"epcisBody.eventList[0].epcList[0]"}
    assert Collection.objects.count() == 1
    assert not CapturedEvent.objects.exists()


def test_anonymous_cannot_replay_a_capture(manufacturer, collector, anonymous):
    passport = register(manufacturer, "ANON-1")
    sent = receiving(link(passport), eventID=ONE)
    assert send(collector, sent).status_code == 201

    assert anonymous.post(URL, document(sent), format="json").status_code == 401
