"""The links between an original passport and its second-life successor state the status.

Battery status is legitimate-interest data (Annex XIII 4(c)), and a link exists only because
the product was repurposed or remanufactured, so the public sees neither direction.
"""

import pytest
from django.test import Client

from tests.factories import declaration

HTML = "text/html,application/xhtml+xml"


def post_event(actor, passport_id: str, event_type: str, payload: dict) -> dict:
    response = actor.client.post(
        f"/api/v1/passports/{passport_id}/events/",
        {"type": event_type, "occurred_at": "2026-06-01T10:00:00Z", "payload": payload},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def repurposed(make_actor, manufacturer, registered_battery) -> dict:
    """An original battery handed to a repairer who repurposes it: the two passports' ids."""
    second_life = make_actor("repairer", "Second Life", country="NL")
    original = registered_battery["id"]
    post_event(
        manufacturer, original, "ownership_transferred", {"to": str(second_life.organisation.id)}
    )
    event = post_event(
        second_life,
        original,
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
    return {"original": original, "successor": event["payload"]["successor"]["passport"]}


def read(client, passport_id: str) -> dict:
    response = client.get(f"/api/v1/passports/{passport_id}/")
    assert response.status_code == 200, response.json()
    return response.json()


def test_anonymous_reader_sees_no_link_either_way(anonymous, repurposed):
    original = read(anonymous, repurposed["original"])
    successor = read(anonymous, repurposed["successor"])

    for body in (original, successor):
        assert "successor" not in body
        assert "predecessor" not in body
        assert {"predecessor", "successor", "status"} <= set(body["withheld"])


def test_the_public_cannot_tell_a_repurposed_battery_from_an_untouched_one(
    manufacturer, other_manufacturer, repurposed
):
    untouched = manufacturer.client.post(
        "/api/v1/passports/", declaration(serial="UNTOUCHED"), format="json"
    ).json()

    original = read(other_manufacturer.client, repurposed["original"])
    plain = read(other_manufacturer.client, untouched["id"])

    assert original["tier"] == "public"
    assert original.get("successor") is None
    assert set(original) == set(plain)
    assert original["withheld"] == plain["withheld"]


@pytest.mark.parametrize("reader", ["recycler", "regulator"])
def test_legitimate_interest_and_up_see_both_links(request, reader, repurposed):
    client = request.getfixturevalue(reader).client

    original = read(client, repurposed["original"])
    successor = read(client, repurposed["successor"])

    assert original["successor"] == repurposed["successor"]
    assert successor["predecessor"] == repurposed["original"]
    assert original["status"] == "repurposed"


def test_the_original_manufacturer_sees_where_its_product_went(manufacturer, repurposed):
    original = read(manufacturer.client, repurposed["original"])

    assert original["tier"] == "owner"
    assert original["successor"] == repurposed["successor"]


def test_resolver_json_and_page_show_the_public_no_link(repurposed):
    browser = Client()

    data = browser.get(f"/p/{repurposed['successor']}", HTTP_ACCEPT="application/json").json()
    original_page = browser.get(f"/p/{repurposed['original']}", HTTP_ACCEPT=HTML)
    successor_page = browser.get(f"/p/{repurposed['successor']}", HTTP_ACCEPT=HTML)

    assert "predecessor" not in data
    assert repurposed["successor"] not in original_page.content.decode()
    assert repurposed["original"] not in successor_page.content.decode()


def test_a_recyclers_page_links_the_successor(recycler, repurposed):
    response = recycler.client.get(f"/p/{repurposed['original']}", HTTP_ACCEPT=HTML)

    assert f"/p/{repurposed['successor']}" in response.content.decode()
