"""Who may post which event on a product held by whom: every cell, through the API.

The tables below are written out by hand, not derived from lifecycle/rules.py, so a change to
the rules that changes who may do what fails here until the table is changed on purpose.
Each cell runs in a savepoint that is rolled back, so every cell starts from the same state.

Statuses: 201 posted; 403 this poster may not post this event in this relation; 409 the event is
allowed to the poster but not in the product's status; 404 the poster may not see the chain;
400 `recycled` is never posted (closing a batch signs it).
"""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from passports.models import Passport
from tests.factories import declaration

EARLIER = "2026-08-01T08:00:00Z"
WHEN = "2026-09-01T08:00:00Z"

EVENTS = {
    "pom": "placed_on_market",
    "svc": "put_into_service",
    "hlt": "health_reported",
    "rep": "repaired",
    "xfr": "ownership_transferred",
    "reu": "reused",
    "rpp": "repurposed",
    "rmf": "remanufactured",
    "col": "collected",
    "rcy": "recycled",
    "dsp": "disposed",
}

# state -> poster -> expected status per event, in the order of EVENTS.
MATRIX = """
manufacturer holds (original)
poster             pom svc hlt rep xfr reu rpp rmf col rcy dsp
manufacturer       201 201 201 201 201 201 201 201 403 400 403
other_manufacturer 404 404 404 404 404 404 404 404 404 404 404
repairer           403 403 201 201 403 403 403 403 403 400 403
collector          403 403 403 403 403 403 403 403 201 400 403
recycler           403 403 403 403 403 403 403 403 201 400 403
regulator          403 403 403 403 403 403 403 403 403 400 403

repairer holds (original)
poster             pom svc hlt rep xfr reu rpp rmf col rcy dsp
manufacturer       201 201 201 403 403 403 403 403 403 400 403
other_manufacturer 404 404 404 404 404 404 404 404 404 404 404
repairer           201 201 201 201 201 201 201 201 403 400 403
collector          403 403 403 403 403 403 403 403 201 400 403
recycler           403 403 403 403 403 403 403 403 201 400 403
regulator          403 403 403 403 403 403 403 403 403 400 403

collector holds (waste)
poster             pom svc hlt rep xfr reu rpp rmf col rcy dsp
manufacturer       409 409 409 403 403 403 403 403 403 400 403
other_manufacturer 404 404 404 404 404 404 404 404 404 404 404
repairer           403 403 409 409 403 403 403 403 403 400 403
collector          403 403 403 403 201 403 403 403 409 400 201
recycler           403 403 403 403 403 403 403 403 409 400 403
regulator          403 403 403 403 403 403 403 403 403 400 403

recycler holds (waste)
poster             pom svc hlt rep xfr reu rpp rmf col rcy dsp
manufacturer       409 409 409 403 403 403 403 403 403 400 403
other_manufacturer 404 404 404 404 404 404 404 404 404 404 404
repairer           403 403 409 409 403 403 403 403 403 400 403
collector          403 403 403 403 403 403 403 403 409 400 403
recycler           403 403 403 403 201 403 403 403 409 400 201
regulator          403 403 403 403 403 403 403 403 403 400 403
"""


def parse(table: str) -> dict[str, dict[str, dict[str, int]]]:
    """The matrix as state -> poster -> event type -> expected status."""
    states: dict[str, dict[str, dict[str, int]]] = {}
    for block in table.strip().split("\n\n"):
        title, header, *rows = block.splitlines()
        codes = header.split()[1:]
        assert codes == list(EVENTS), header
        states[title.split(" (")[0]] = {
            poster: {EVENTS[c]: int(s) for c, s in zip(codes, statuses, strict=True)}
            for poster, *statuses in (row.split() for row in rows)
        }
    return states


EXPECTED = parse(MATRIX)
POSTERS = ["manufacturer", "other_manufacturer", "repairer", "collector", "recycler", "regulator"]


@pytest.fixture
def world(make_actor):
    """One organisation per poster, plus organisations that may receive a transfer."""
    actors = {
        "manufacturer": make_actor("manufacturer", "Maker", gs1_company_prefix="9506000"),
        "other_manufacturer": make_actor("manufacturer", "Other Maker"),
        "repairer": make_actor("repairer", "Workshop"),
        "collector": make_actor("collector", "Collector"),
        "recycler": make_actor("recycler", "Recycler"),
        "regulator": make_actor("regulator", "Authority"),
    }
    receivers = {
        "in use": make_actor("repairer", "Second Workshop").organisation,
        "waste": make_actor("recycler", "Second Recycler").organisation,
    }
    return actors, receivers


def post(client: APIClient, passport: str, event_type: str, payload: dict, when: str = WHEN):
    return client.post(
        f"/api/v1/passports/{passport}/events/",
        {"type": event_type, "occurred_at": when, "payload": payload},
        format="json",
    )


def payloads(receiver_id: str) -> dict[str, dict]:
    successor = {
        "successor": {
            "model": "Second life",
            "manufacturing_place": {
                "country": "NL",
                "facility": "Second Life Works",
                "address": {"street": "Haven 1", "city": "Rotterdam", "country": "NL"},
            },
            "documents": [
                {"kind": "test_report", "url": "https://second-life.example.com/tests/1.pdf"}
            ],
        },
        "application": "storage",
    }
    return {
        "placed_on_market": {"country": "FR"},
        "put_into_service": {"date": "2026-06-02", "application": "car"},
        "health_reported": {"state_of_health_pct": "90"},
        "repaired": {"parts": ["module 3"]},
        "ownership_transferred": {"to": receiver_id},
        "reused": {"application": "car"},
        "repurposed": successor,
        "remanufactured": successor,
        "collected": {"region": "DE-BY"},
        "recycled": {"process_route": "mechanical"},
        "disposed": {"method": "landfill"},
    }


def product_in_state(actors: dict, state: str) -> str:
    """A registered battery brought into the state by the API, as its holders would."""
    created = actors["manufacturer"].client.post("/api/v1/passports/", declaration(), format="json")
    passport = created.json()["id"]
    steps = {
        "manufacturer holds": [],
        "repairer holds": [
            ("manufacturer", "ownership_transferred", {"to": org(actors, "repairer")})
        ],
        "collector holds": [("collector", "collected", {"region": "DE-BY"})],
        "recycler holds": [("recycler", "collected", {"region": "DE-BY"})],
    }[state]
    for poster, event_type, payload in steps:
        response = post(actors[poster].client, passport, event_type, payload, when=EARLIER)
        assert response.status_code == 201, response.json()
    return passport


def org(actors: dict, poster: str) -> str:
    return str(actors[poster].organisation.id)


@pytest.mark.parametrize("state", list(EXPECTED))
def test_every_poster_and_event_on_a_product_in_this_state(world, state):
    actors, receivers = world
    passport = product_in_state(actors, state)
    status = Passport.objects.get(pk=passport).status
    receiver = receivers["waste" if status == "waste" else "in use"]
    bodies = payloads(str(receiver.id))
    mismatches = []
    for poster in POSTERS:
        for event_type, expected in EXPECTED[state][poster].items():
            with transaction.atomic():
                response = post(actors[poster].client, passport, event_type, bodies[event_type])
                transaction.set_rollback(True)
            if response.status_code != expected:
                detail = response.json().get("errors")
                mismatches.append((poster, event_type, expected, response.status_code, detail))
    assert mismatches == []


def test_the_matrix_covers_every_postable_event_and_every_poster():
    from lifecycle.payloads import POSTABLE_TYPES

    assert set(EVENTS.values()) == set(POSTABLE_TYPES)
    for state in EXPECTED.values():
        assert list(state) == POSTERS
