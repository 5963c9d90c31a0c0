"""Posting lifecycle events: payloads per type, the status machine, roles, idempotency."""

import base64
import hashlib

import pytest

from lifecycle.models import Event
from passports.models import Passport
from tests.factories import declaration

WHEN = "2026-06-01T10:00:00Z"


def post(actor_client, passport_id, event_type, payload=None, key=None, when=WHEN):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return actor_client.post(
        f"/api/v1/passports/{passport_id}/events/",
        {"type": event_type, "occurred_at": when, "payload": payload or {}},
        format="json",
        **headers,
    )


def errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.fixture
def battery(registered_battery):
    return registered_battery["id"]


def test_owner_places_on_market_as_the_next_signed_link(manufacturer, battery):
    response = post(manufacturer.client, battery, "placed_on_market", {"country": "FR"})

    body = response.json()
    assert response.status_code == 201, body
    genesis = Event.objects.get(passport_id=battery, seq=0)
    assert (body["seq"], body["prev"], body["type"]) == (1, genesis.hash, "placed_on_market")
    envelope = base64.b64decode(body["envelope"])
    assert hashlib.sha256(envelope).hexdigest() == body["hash"]
    assert body["payload"] == {"occurred_at": "2026-06-01T10:00:00.000000Z", "country": "FR"}
    assert Passport.objects.get(pk=battery).head_hash == body["hash"]


def test_health_report_updates_latest_values_and_history(manufacturer, battery):
    post(manufacturer.client, battery, "health_reported",
         {"state_of_health_pct": "97.5", "full_cycles": 120})  # fmt: skip
    post(manufacturer.client, battery, "health_reported", {"state_of_health_pct": "95.1"},
         when="2026-07-01T10:00:00Z")  # fmt: skip

    health = manufacturer.client.get(f"/api/v1/passports/{battery}/health/").json()

    assert health["latest"]["state_of_health_pct"]["value"] == "95.1"
    assert health["latest"]["full_cycles"]["value"] == 120
    assert health["latest"]["state_of_health_pct"]["at"].startswith("2026-07-01")
    assert [h["values"] for h in health["history"]] == [
        {"state_of_health_pct": "97.5", "full_cycles": 120},
        {"state_of_health_pct": "95.1"},
    ]


def test_a_late_report_of_older_readings_does_not_replace_newer_ones(manufacturer, battery):
    post(manufacturer.client, battery, "health_reported", {"state_of_health_pct": "90"},
         when="2026-08-01T00:00:00Z")  # fmt: skip
    post(manufacturer.client, battery, "health_reported", {"state_of_health_pct": "99"},
         when="2026-05-01T00:00:00Z")  # fmt: skip

    latest = Passport.objects.get(pk=battery).health
    assert latest["state_of_health_pct"]["value"] == "90"


@pytest.mark.parametrize(
    ("event_type", "payload", "field"),
    [
        ("health_reported", {}, "payload"),
        ("health_reported", {"pmax_w": "300"}, "payload.pmax_w"),
        ("health_reported", {"state_of_health_pct": "101"}, "payload.state_of_health_pct"),
        ("placed_on_market", {"country": "XX"}, "payload.country"),
        ("collected", {"region": "Bavaria"}, "payload.region"),
        ("repaired", {"parts": []}, "payload.parts"),
        ("registered", {}, "type"),
        ("teleported", {}, "type"),
    ],
)
def test_bad_payloads_are_refused_by_field(manufacturer, battery, event_type, payload, field):
    response = post(manufacturer.client, battery, event_type, payload)

    assert response.status_code == 400
    assert field in errors(response), response.json()
    assert Event.objects.filter(passport_id=battery).count() == 1


def test_events_in_the_future_are_refused(manufacturer, battery):
    response = post(manufacturer.client, battery, "placed_on_market", {"country": "FR"},
                    when="2999-01-01T00:00:00Z")  # fmt: skip

    assert response.status_code == 400
    assert "future" in errors(response)["occurred_at"]


def test_forbidden_transition_is_409_naming_status_and_allowed_events(recycler, battery):
    assert post(recycler.client, battery, "collected", {"region": "DE-BY"}).status_code == 201

    response = post(recycler.client, battery, "collected", {"region": "DE-BY"})

    body = response.json()
    assert response.status_code == 409
    assert body["status"] == "waste"
    assert "disposed" in body["allowed"]
    assert "while the passport is waste" in errors(response)["type"]


def test_recycler_may_not_place_on_market(recycler, battery):
    response = post(recycler.client, battery, "placed_on_market", {"country": "FR"})

    assert response.status_code == 403
    assert "may post: collected)" in errors(response)["type"]


def test_recycled_is_never_posted_directly(recycler, battery):
    post(recycler.client, battery, "collected", {"region": "DE-BY"})

    response = post(recycler.client, battery, "recycled", {"process_route": "mechanical"})

    assert response.status_code == 400
    assert "closing the treatment batch" in errors(response)["type"]
    assert Passport.objects.get(pk=battery).status == "waste"


def test_regulators_post_nothing(regulator, battery):
    response = post(regulator.client, battery, "health_reported", {"state_of_health_pct": "1"})

    assert response.status_code == 403


def test_another_manufacturer_gets_404(other_manufacturer, battery):
    response = post(other_manufacturer.client, battery, "placed_on_market", {"country": "FR"})

    assert response.status_code == 404


def test_anonymous_gets_401(anonymous, battery):
    assert post(anonymous, battery, "placed_on_market", {"country": "FR"}).status_code == 401


def test_same_idempotency_key_and_body_returns_the_same_event(manufacturer, battery):
    first = post(manufacturer.client, battery, "placed_on_market", {"country": "FR"}, key="k-1")
    again = post(manufacturer.client, battery, "placed_on_market", {"country": "FR"}, key="k-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Event.objects.filter(passport_id=battery).count() == 2


def test_same_idempotency_key_with_another_body_is_409(manufacturer, battery):
    post(manufacturer.client, battery, "placed_on_market", {"country": "FR"}, key="k-2")
    other = post(manufacturer.client, battery, "placed_on_market", {"country": "DE"}, key="k-2")

    assert other.status_code == 409
    assert "different request body" in errors(other)["Idempotency-Key"]


def test_a_whole_life_from_market_to_disposal(make_actor, manufacturer, recycler, battery):
    collector = make_actor("collector", "Collect GmbH")
    steps = [
        (manufacturer, "placed_on_market", {"country": "DE"}),
        (manufacturer, "put_into_service", {"date": "2026-06-02", "application": "car"}),
        (collector, "collected", {"region": "DE-BY", "mass_kg": "448.2"}),
        (collector, "ownership_transferred", {"to": str(recycler.organisation.id)}),
        (recycler, "disposed", {"method": "landfill"}),
    ]
    for actor, event_type, payload in steps:
        response = post(actor.client, battery, event_type, payload)
        assert response.status_code == 201, (event_type, response.json())

    passport = Passport.objects.get(pk=battery)
    assert passport.status == "disposed"
    assert passport.holder == recycler.organisation
    after = post(manufacturer.client, battery, "health_reported", {"state_of_health_pct": "1"})
    assert after.status_code == 409
    assert "it has ended" in errors(after)["type"]
    assert manufacturer.client.get(f"/api/v1/passports/{battery}/").status_code == 200


def test_collection_makes_the_passport_waste_and_the_collector_its_holder(make_actor, battery):
    collector = make_actor("collector", "Collect GmbH")

    response = post(collector.client, battery, "collected", {"region": "DE-BY"})

    assert response.json()["payload"]["collector"] == str(collector.organisation.id)
    passport = Passport.objects.get(pk=battery)
    assert (passport.status, passport.holder) == ("waste", collector.organisation)


def test_new_holder_may_report_health_after_a_transfer(make_actor, manufacturer, battery):
    fleet = make_actor("repairer", "Fleet Service")
    to = str(fleet.organisation.id)

    assert (
        post(manufacturer.client, battery, "ownership_transferred", {"to": to}).status_code == 201
    )
    assert Passport.objects.get(pk=battery).holder == fleet.organisation
    response = post(fleet.client, battery, "health_reported", {"state_of_health_pct": "80"})
    assert response.status_code == 201


def test_transfer_to_an_unknown_organisation_is_refused(manufacturer, battery):
    response = post(manufacturer.client, battery, "ownership_transferred",
                    {"to": "00000000-0000-0000-0000-000000000001"})  # fmt: skip

    assert response.status_code == 400
    assert "payload.to" in errors(response)


def hand_over(manufacturer, battery, to) -> None:
    transfer = {"to": str(to.organisation.id)}
    assert post(manufacturer.client, battery, "ownership_transferred", transfer).status_code == 201


def test_repurposing_creates_a_linked_successor(make_actor, manufacturer, battery):
    second_life = make_actor("repairer", "Second Life", country="NL")
    hand_over(manufacturer, battery, second_life)

    response = post(
        second_life.client,
        battery,
        "repurposed",
        {
            "successor": {
                "model": "Home storage 60",
                "manufacturing_place": {
                    "country": "NL",
                    "facility": "Second Life Works",
                    "address": {"street": "Haven 1", "city": "Rotterdam", "country": "NL"},
                },
                "documents": [
                    {"kind": "test_report", "url": "https://second-life.example.com/tests/1.pdf"}
                ],
            },
            "application": "stationary",
        },
    )

    assert response.status_code == 201, response.json()
    successor_id = response.json()["payload"]["successor"]["passport"]
    successor = Passport.objects.get(pk=successor_id)
    predecessor = Passport.objects.get(pk=battery)
    assert successor.predecessor == predecessor
    assert predecessor.successor == successor
    assert (predecessor.status, successor.status) == ("repurposed", "repurposed")
    assert successor.manufacturer == second_life.organisation
    assert list(successor.composition.values_list("substance", flat=True)) == [
        "Li", "Co", "Ni", "graphite",
    ]  # fmt: skip
    assert successor.events.get(seq=0).type == "registered"
    again = post(manufacturer.client, battery, "health_reported", {"state_of_health_pct": "1"})
    assert again.status_code == 409
    assert str(successor.pk) in errors(again)["type"]


# Where the repurposing operator did the work: mandatory for the successor as for any battery.
PLACE = {"country": "NL", "facility": "Second Life Works",
         "address": {"street": "Haven 1", "city": "Rotterdam", "country": "NL"}}  # fmt: skip


def test_a_successor_is_held_to_its_categorys_mandatory_attributes(
    make_actor, manufacturer, battery
):
    second_life = make_actor("repairer", "Second Life", country="NL")
    hand_over(manufacturer, battery, second_life)

    # The original's test report is for authorities and is not carried over; without one of
    # its own the repurposed battery's passport would lack a mandatory document.
    response = post(second_life.client, battery, "repurposed",
                    {"successor": {"model": "Home storage 60", "manufacturing_place": PLACE},
                     "application": "stationary"})  # fmt: skip

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["payload.successor.documents"]
    assert "test_report" in errors[0]["message"]
    assert Passport.objects.get(pk=battery).status == "original"
    assert Passport.objects.count() == 1


def test_the_successors_operator_may_declare_a_new_category(make_actor, manufacturer, battery):
    second_life = make_actor("repairer", "Second Life", country="NL")
    hand_over(manufacturer, battery, second_life)
    successor = {
        "model": "Home storage 60",
        "attributes": {"category": "stationary"},
        "manufacturing_place": PLACE,
        "documents": [{"kind": "test_report", "url": "https://sl.example.com/t.pdf"}],
    }

    response = post(second_life.client, battery, "repurposed",
                    {"successor": successor, "application": "stationary"})  # fmt: skip

    assert response.status_code == 201, response.json()
    new = Passport.objects.get(pk=response.json()["payload"]["successor"]["passport"])
    assert new.attributes["category"] == "stationary"


def test_repurposing_with_a_taken_identity_is_refused(make_actor, manufacturer, battery):
    manufacturer.client.post("/api/v1/passports/", declaration(serial="TAKEN"), format="json")
    # An operator numbering under the same company prefix (a brand's own remanufacturer).
    second_life = make_actor("repairer", "Second Life", gs1_company_prefix="9506000")
    hand_over(manufacturer, battery, second_life)
    successor = {
        "gtin": "09506000134352",
        "serial": "TAKEN",
        "model": "X",
        "manufacturing_place": PLACE,
        "documents": [{"kind": "test_report", "url": "https://sl.example.com/t.pdf"}],
    }

    response = post(second_life.client, battery, "repurposed",
                    {"successor": successor, "application": "stationary"})  # fmt: skip

    assert response.status_code == 409
    assert Passport.objects.get(pk=battery).status == "original"


def test_the_passport_shows_status_holder_market_and_latest_health(manufacturer, recycler,
                                                                   battery):  # fmt: skip
    post(manufacturer.client, battery, "placed_on_market", {"country": "FR"})
    post(manufacturer.client, battery, "health_reported", {"state_of_health_pct": "93"})

    owner_view = manufacturer.client.get(f"/api/v1/passports/{battery}/").json()
    recycler_view = recycler.client.get(f"/api/v1/passports/{battery}/").json()

    assert owner_view["status"] == "original"
    assert owner_view["holder"] == str(manufacturer.organisation.id)
    assert owner_view["placed_on_market"] == {"country": "FR", "date": "2026-06-01"}
    assert owner_view["health"]["state_of_health_pct"]["value"] == "93"
    assert recycler_view["health"] == owner_view["health"]
    assert "health" in manufacturer.client.get(f"/api/v1/passports/{battery}/").json()
