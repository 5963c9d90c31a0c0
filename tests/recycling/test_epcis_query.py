"""GET /api/v1/epcis/events: every lifecycle event as EPCIS 2.0, queried at the reader's tier."""

import base64
import datetime as dt
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils.dateparse import parse_datetime

from lifecycle.models import Event, EventType
from passports.models import AccessRecord
from tests.recycling.epcis_fleet import build_fleet, gs1_validator, pages, schema_errors

URL = "/api/v1/epcis/events"


@pytest.fixture
def repairer(make_actor):
    return make_actor("repairer", "Fix It", country="DE")


@pytest.fixture
def fleet(manufacturer, repairer, collector, recycler):
    return build_fleet(manufacturer, repairer, collector, recycler)


def event_list(response) -> list[dict]:
    assert response.status_code == 200, response.json()
    return response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def link_of(passport: str, manufacturer) -> str:
    return manufacturer.client.get(f"/api/v1/passports/{passport}/").json()["digital_link"]


def digital_link(passport_id: str) -> str:
    from passports.identifiers import digital_link as build
    from passports.models import Passport

    passport = Passport.objects.get(pk=passport_id)
    return build(gtin=passport.gtin, serial=passport.serial, passport_id=passport.pk)


def test_every_event_type_renders_as_epcis_that_gs1s_schema_accepts(fleet, regulator):
    validator = gs1_validator()
    response = regulator.client.get(URL, {"perPage": 200})

    document = response.json()
    events = event_list(response)
    assert schema_errors(validator, document) == []
    assert {e["cmp:eventType"] for e in events} == set(EventType.values)
    assert len(events) == Event.objects.count()


def test_a_passports_history_comes_back_in_chain_order(fleet, regulator):
    events = event_list(regulator.client.get(URL, {"MATCH_anyEPC": digital_link(fleet.recycled)}))

    assert [e["cmp:seq"] for e in events] == list(range(len(events)))
    assert [e["bizStep"] for e in events] == [
        "commissioning", "shipping", "installing", "inspecting", "repairing", "departing",
        "http://127.0.0.1:8000/epcis/bizstep/reusing", "receiving", "departing",
        "creating_class_instance",
    ]  # fmt: skip
    assert all(
        digital_link(fleet.recycled) in e.get("epcList", e.get("inputEPCList")) for e in events
    )


def test_collection_is_received_at_its_region_by_the_collector(fleet, regulator, collector):
    events = event_list(regulator.client.get(URL, {"MATCH_epc": digital_link(fleet.disposed)}))

    received = next(e for e in events if e["bizStep"] == "receiving")
    assert received["readPoint"] == {"id": "http://127.0.0.1:8000/epcis/places/DE-BY"}
    assert received["bizLocation"]["id"].endswith(str(collector.organisation.id))
    assert received["cmp:payload"]["mass_kg"] == "450"
    assert received["eventTime"] == "2026-09-01T08:00:00.000000Z"
    destroyed = events[-1]
    assert (destroyed["action"], destroyed["bizStep"], destroyed["disposition"]) == (
        "DELETE", "destroying", "destroyed",
    )  # fmt: skip


def test_treatment_is_a_transformation_to_quantities_of_fraction_classes(fleet, recycler):
    events = event_list(recycler.client.get(URL, {"EQ_bizStep": "creating_class_instance"}))

    (treated,) = events
    assert treated["type"] == "TransformationEvent"
    assert treated["inputEPCList"] == [digital_link(fleet.recycled)]
    assert treated["transformationID"] == f"http://127.0.0.1:8000/epcis/batches/{fleet.batch}"
    assert treated["outputQuantityList"] == [
        {"epcClass": "http://127.0.0.1:8000/epcis/fractions/recycling/cobalt%20sulphate",
         "quantity": 51.6, "uom": "KGM"},
        {"epcClass": "http://127.0.0.1:8000/epcis/fractions/disposal/leach%20residue",
         "quantity": 150.0, "uom": "KGM"},
    ]  # fmt: skip
    assert treated["cmp:outputs"][0]["elements"] == {"Co": "5.5"}


def test_another_recyclers_fractions_are_withheld(fleet, make_actor):
    other = make_actor("recycler", "Other Recycling")

    (treated,) = event_list(
        other.client.get(
            URL, {"eventType": "TransformationEvent", "EQ_bizStep": "creating_class_instance"}
        )
    )

    assert "outputQuantityList" not in treated
    assert "outputQuantityList" in treated["cmp:withheld"]
    assert treated["inputEPCList"] == [digital_link(fleet.recycled)]


def test_the_extension_carries_the_signed_envelope_and_its_hash(fleet, regulator):
    events = event_list(regulator.client.get(URL, {"MATCH_anyEPC": digital_link(fleet.disposed)}))

    for rendered in events:
        envelope = base64.b64decode(rendered["cmp:envelope"])
        stored = Event.objects.get(pk=rendered["eventID"].removeprefix("urn:uuid:"))
        assert envelope == bytes(stored.envelope)
        assert hashlib.sha256(envelope).hexdigest() == rendered["cmp:hash"]
        assert base64.b64decode(rendered["cmp:signature"]) == bytes(stored.signature)
        assert json.loads(envelope)["payload"] == rendered["cmp:payload"]


def test_bizstep_is_matched_bare_or_as_a_cbv_uri(fleet, regulator):
    bare = event_list(regulator.client.get(URL, {"EQ_bizStep": "receiving"}))
    uri = event_list(
        regulator.client.get(URL, {"EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-receiving"})
    )

    assert [e["eventID"] for e in bare] == [e["eventID"] for e in uri]
    assert {e["cmp:eventType"] for e in bare} == {"collected"}
    assert len(bare) == 2


def test_event_time_bounds_select_by_when_it_happened(fleet, regulator):
    events = event_list(
        regulator.client.get(
            URL,
            {
                "GE_eventTime": "2026-05-01T08:00:00Z",
                "LT_eventTime": "2026-06-01T08:00:00Z",
                "MATCH_anyEPC": digital_link(fleet.recycled),
            },
        )  # fmt: skip
    )

    assert [e["cmp:eventType"] for e in events] == [
        "health_reported", "repaired", "ownership_transferred",
    ]  # fmt: skip


def test_pages_follow_the_link_header_to_the_end(fleet, regulator):
    responses = list(pages(regulator.client, {"perPage": 4}))
    seen = [e["eventID"] for response in responses for e in event_list(response)]

    assert len(responses) > 1
    assert all("perPage=4" in r["Link"] for r in responses[:-1])
    assert len(seen) == len(set(seen)) == Event.objects.count()


def test_another_manufacturers_passports_are_absent(fleet, other_manufacturer):
    response = other_manufacturer.client.get(URL, {"MATCH_anyEPC": digital_link(fleet.recycled)})

    assert event_list(response) == []
    assert event_list(other_manufacturer.client.get(URL)) == []


def test_a_notified_body_reads_no_chain(fleet, make_actor):
    body = make_actor("notified_body", "Test House")

    assert event_list(body.client.get(URL)) == []


def test_a_holder_reads_its_products_chains(fleet, manufacturer):
    events = event_list(manufacturer.client.get(URL, {"perPage": 200}))

    assert {e["cmp:passport"] for e in events} >= {fleet.recycled, fleet.disposed}


def test_reads_of_restricted_chains_are_recorded(fleet, repairer):
    event_list(repairer.client.get(URL, {"MATCH_anyEPC": digital_link(fleet.disposed),
                                         "purpose": "repair"}))  # fmt: skip

    record = AccessRecord.objects.get(passport_id=fleet.disposed, via="epcis")
    assert (record.organisation_id, record.purpose) == (repairer.organisation.id, "repair")


def test_anonymous_readers_are_refused(fleet, anonymous):
    assert anonymous.get(URL).status_code == 401


def test_bad_parameters_are_named(fleet, regulator):
    response = regulator.client.get(
        URL,
        {"GE_eventTime": "yesterday", "perPage": "0", "MATCH_anything": "x",
         "nextPageToken": "not-ours", "eventType": "AggregationEvent"},
    )  # fmt: skip

    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"GE_eventTime", "perPage", "MATCH_anything", "nextPageToken", "eventType"}


def test_an_unknown_epc_matches_nothing(fleet, regulator):
    response = regulator.client.get(
        URL, {"MATCH_anyEPC": "http://127.0.0.1:8000/01/09506000134352/21/NOPE"}
    )

    assert event_list(response) == []


@pytest.mark.parametrize(
    "kind",
    ["owner", "manufacturer", "repairer", "collector", "recycler", "regulator", "notified_body"],
)
def test_a_reader_finds_exactly_the_chains_its_tier_may_read(fleet, make_actor, manufacturer, kind):
    from passports.models import Passport
    from passports.tiers import EVENT_TIER, allows, tier_for

    reader = manufacturer if kind == "owner" else make_actor(kind, f"A {kind}")

    events = event_list(reader.client.get(URL, {"perPage": 200}))

    readable = {
        str(p.pk)
        for p in Passport.objects.all()
        if allows(tier_for(reader.organisation, p), EVENT_TIER)
    }
    assert {e["cmp:passport"] for e in events} == readable


def test_a_client_asking_for_json_ld_gets_the_same_document(fleet, regulator):
    response = regulator.client.get(URL, {"perPage": 5}, HTTP_ACCEPT="application/ld+json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response["GS1-EPCIS-Version"] == "2.0.0"
    assert json.loads(response.content)["type"] == "EPCISQueryDocument"


def test_time_filtered_pages_add_up_to_the_unpaged_answer(fleet, regulator):
    window = {"GE_eventTime": "2026-05-01T00:00:00Z", "LT_eventTime": "2026-09-01T08:00:01Z"}
    whole = [e["eventID"] for e in event_list(regulator.client.get(URL, window))]
    paged = [
        e["eventID"]
        for response in pages(regulator.client, {**window, "perPage": 1})
        for e in event_list(response)
    ]

    assert paged == whole
    assert 0 < len(whole) < Event.objects.count()


def test_record_time_filters_split_the_answer_at_a_recording_moment(fleet, regulator):
    everything = event_list(regulator.client.get(URL, {"perPage": 1000}))
    moment = sorted(e["recordTime"] for e in everything)[len(everything) // 2]

    later = event_list(regulator.client.get(URL, {"GE_recordTime": moment, "perPage": 1000}))
    earlier = event_list(regulator.client.get(URL, {"LT_recordTime": moment, "perPage": 1000}))

    assert later and all(parse_datetime(e["recordTime"]) >= parse_datetime(moment) for e in later)
    assert all(parse_datetime(e["recordTime"]) < parse_datetime(moment) for e in earlier)
    ids = sorted(e["eventID"] for e in later + earlier)
    assert ids == sorted(e["eventID"] for e in everything)


@pytest.mark.parametrize("name", ["GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime"])
@pytest.mark.parametrize("offset", ["+23:59", "-20:00", "+16:00"])
def test_any_rfc3339_offset_selects_what_its_utc_spelling_selects(fleet, regulator, name, offset):
    # RFC 3339 allows offsets to 23:59; PostgreSQL holds only 15:59 and failed on the rest.
    everything = event_list(regulator.client.get(URL, {"perPage": 1000}))
    utc = parse_datetime(sorted(e["recordTime"] for e in everything)[len(everything) // 2])
    sign, hours, minutes = offset[0], int(offset[1:3]), int(offset[4:])
    shift = dt.timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
    local = (utc + shift).replace(tzinfo=None).isoformat(timespec="microseconds") + offset

    def ids(moment: str) -> list[str]:
        return [e["eventID"] for e in event_list(regulator.client.get(URL, {name: moment}))]

    assert ids(local) == ids(utc.isoformat())


def test_a_page_token_with_a_far_offset_reads_on(fleet, regulator):
    first = regulator.client.get(URL, {"perPage": 1})
    query = parse_qs(urlsplit(first["Link"][1:].split(">")[0]).query)
    issued = query["nextPageToken"][0]
    time, pk = json.loads(base64.urlsafe_b64decode(issued + "=" * (-len(issued) % 4)))
    far = (parse_datetime(time) + dt.timedelta(hours=23, minutes=59)).replace(tzinfo=None)
    token = base64.urlsafe_b64encode(json.dumps([far.isoformat() + "+23:59", pk]).encode())

    following = regulator.client.get(URL, {"perPage": 1, "nextPageToken": token.decode()})
    expected = regulator.client.get(URL, {"perPage": 1, "nextPageToken": issued})
    assert event_list(following) == event_list(expected) != []


def test_checkpointed_events_link_their_inclusion_proof(fleet, regulator, anonymous):
    from lifecycle.services.log import checkpoint_publish, log_integrate

    log_integrate()
    checkpoint_publish()

    events = event_list(regulator.client.get(URL, {"MATCH_anyEPC": digital_link(fleet.disposed)}))

    for rendered in events:
        assert rendered["cmp:inclusion"] == "checkpointed"
        target = urlsplit(rendered["cmp:inclusionProof"])
        proof = anonymous.get(target.path, dict(parse_qs(target.query)))
        assert proof.status_code == 200
        leaf = hashlib.sha256(b"\x00" + bytes(Event.objects.get(
            pk=rendered["eventID"].removeprefix("urn:uuid:")).leaf.data)).hexdigest()  # fmt: skip
        assert proof.json()["leaf_hash"] == leaf
        assert proof.json()["index"] == rendered["cmp:logIndex"]


def test_the_next_page_keeps_every_repeated_parameter(fleet, regulator):
    epcs = [digital_link(fleet.recycled), digital_link(fleet.disposed)]

    response = regulator.client.get(
        f"{URL}?MATCH_anyEPC={epcs[0]}&MATCH_anyEPC={epcs[1]}&perPage=2"
    )

    query = parse_qs(urlsplit(response["Link"][1:].split(">")[0]).query)
    assert query["MATCH_anyEPC"] == epcs
