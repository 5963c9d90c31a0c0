"""A small hostile body must not buy a huge error answer or a long-held worker.

An outside review posted a health report whose `accidents` list held 100,000 empty objects
(400 KB) and got back 6.9 MB naming every item. Lists are now refused by length before their
items are checked, and no answer lists more than MAX_ERRORS errors.
"""

import pytest

from lifecycle.models import Event
from passports.api.errors import MAX_ERRORS, capped_errors, iter_errors
from passports.models import Passport
from tests.factories import declaration

WHEN = "2026-09-01T08:00:00Z"
# Far below the 400 KB request: one error and the envelope.
SMALL_ANSWER = 2_000


def post_event(actor, passport: dict, event_type: str, payload: dict):
    body = {"type": event_type, "occurred_at": WHEN, "payload": payload}
    url = f"/api/v1/passports/{passport['id']}/events/"
    return actor.client.post(url, body, format="json")


def test_hundred_thousand_accidents_are_refused_by_length(manufacturer, registered_battery):
    events = Event.objects.count()
    response = post_event(
        manufacturer, registered_battery, "health_reported", {"accidents": [{}] * 100_000}
    )
    assert response.status_code == 400
    assert len(response.content) < SMALL_ANSWER
    assert response.json()["errors"] == [
        {"field": "payload.accidents", "message": "Ensure this field has no more than 50 elements."}
    ]
    assert Event.objects.count() == events


def test_a_list_at_its_limit_still_checks_every_item(manufacturer, registered_battery):
    response = post_event(manufacturer, registered_battery, "repaired", {"parts": [{}] * 200})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0] == {"field": "payload.parts[0]", "message": "Not a valid string."}
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1]["message"].startswith("100 more errors were found")


def test_many_unknown_keys_give_a_capped_answer(manufacturer, registered_battery):
    payload = {f"k{i:05d}": 1 for i in range(5_000)}
    response = post_event(manufacturer, registered_battery, "health_reported", payload)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == MAX_ERRORS + 1
    assert errors[0] == {
        "field": "payload.k00000",
        "message": "This field is not part of the schema.",
    }
    assert errors[-1] == {
        "field": "",
        "message": "4900 more errors were found and are not listed; fix the ones above first.",
    }
    assert len(response.content) < 20_000


def test_a_long_list_in_a_declaration_is_refused_by_length(manufacturer):
    body = declaration(serial="LONG-1")
    body["attributes"]["hazardous_substances"][0]["hazard_classes"] = [{}] * 100_000
    response = manufacturer.client.post("/api/v1/passports/", body, format="json")
    assert response.status_code == 400
    assert len(response.content) < SMALL_ANSWER
    [error] = response.json()["errors"]
    assert error["field"].endswith("hazardous_substances[0].hazard_classes")
    assert "no more than 20 elements" in error["message"]
    assert not Passport.objects.filter(serial="LONG-1").exists()


@pytest.mark.parametrize("kind, field", [("pv_module", "hazardous_substances")])
def test_a_long_list_in_another_product_type_is_refused_by_length(manufacturer, kind, field):
    body = declaration(kind, serial="LONG-2")
    body["attributes"][field] = [[]] * 100_000
    response = manufacturer.client.post("/api/v1/passports/", body, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"].endswith(field)
    assert "no more than 50 elements" in error["message"]


def test_an_event_batch_stops_checking_when_the_answer_is_full(manufacturer, registered_battery):
    item = {
        "passport": registered_battery["id"],
        "type": "health_reported",
        "occurred_at": WHEN,
        "payload": {"state_of_health_pct": "101"},
    }
    response = manufacturer.client.post(
        "/api/v1/events/batch", {"events": [item] * 1000}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == MAX_ERRORS
    assert errors[0]["field"] == "events[0].payload.state_of_health_pct"
    assert errors[-1] == {
        "field": f"events[{MAX_ERRORS - 1}]",
        "message": f"Checking stopped at this item after {MAX_ERRORS - 1} errors.",
        "status": 400,
    }


def test_collection_items_are_refused_by_length(make_actor, registered_battery):
    collector = make_actor("collector", "Collect GmbH", country="DE")
    items = [{"passport": registered_battery["id"]}] * 1001
    body = {"region": "DE-BY", "collected_at": WHEN, "items": items}
    response = collector.client.post("/api/v1/collections/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "items", "message": "Ensure this field has no more than 1000 elements."}
    ]


def test_capped_errors_counts_what_it_leaves_out():
    detail = {"a": [{"b": ["x"]}, {}, {"b": ["y", "z"]}], "c": ["w"]}
    assert list(iter_errors(detail)) == [
        {"field": "a[0].b", "message": "x"},
        {"field": "a[2].b", "message": "y"},
        {"field": "a[2].b", "message": "z"},
        {"field": "c", "message": "w"},
    ]
    capped = capped_errors(iter_errors(detail), limit=2)
    assert capped[:2] == [{"field": "a[0].b", "message": "x"}, {"field": "a[2].b", "message": "y"}]
    assert capped[2]["message"].startswith("2 more errors were found")
    assert capped_errors(iter_errors(detail), limit=4) == list(iter_errors(detail))
