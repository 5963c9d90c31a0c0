"""Hostile JSON on every writing endpoint: a 4xx naming the field, never a 500, nothing written.

Deep nesting, unpaired UTF-16 surrogates and integers beyond what RFC 8785 can sign used to
reach validation or signing and fail there with a server error.
"""

import json
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle.models import Checkpoint, Cosignature, Event
from passports.api.parsers import MAX_DEPTH, SAFE_INTEGER, json_depth
from passports.models import Passport, SigningKey
from recycling.models import Batch, BatchInput, BatchOutput, Collection
from tests.factories import declaration

WHEN = "2026-09-01T08:00:00Z"
HOSTILE = "hostile value goes here"
WRITTEN = (Passport, Event, Collection, Batch, BatchInput, BatchOutput, Cosignature, SigningKey)


@dataclass
class Endpoint:
    """A writing endpoint, who may call it, and a body it would otherwise accept."""

    name: str
    actor: str
    url: str
    body: dict


@pytest.fixture
def endpoints(make_actor, manufacturer, registered_battery) -> tuple[dict, list[Endpoint]]:
    collector = make_actor("collector", "Collect GmbH", country="DE")
    recycler = make_actor("recycler", "Recycle AG", country="DE")
    regulator = make_actor("regulator", "Market Surveillance", country="DE")
    batch = recycler.client.post("/api/v1/batches/", batch_body(), format="json").json()["id"]
    Checkpoint.objects.create(size=1, root=bytes(32), body="", signature_line="")
    passport = registered_battery["id"]
    actors = {
        "manufacturer": manufacturer,
        "collector": collector,
        "recycler": recycler,
        "regulator": regulator,
    }
    return actors, [
        Endpoint("register", "manufacturer", "/api/v1/passports/", declaration(serial="H-1")),
        Endpoint("bulk", "manufacturer", "/api/v1/passports/bulk/", {"passports": [declaration()]}),
        Endpoint(
            "event",
            "manufacturer",
            f"/api/v1/passports/{passport}/events/",
            {"type": "placed_on_market", "occurred_at": WHEN, "payload": {"country": "FR"}},
        ),
        Endpoint(
            "collection",
            "collector",
            "/api/v1/collections/",
            {"region": "DE-BY", "collected_at": WHEN, "items": [{"passport": passport}]},
        ),
        Endpoint("batch", "recycler", "/api/v1/batches/", batch_body()),
        Endpoint(
            "input",
            "recycler",
            f"/api/v1/batches/{batch}/inputs/",
            {"passport": passport, "mass_kg": "450", "assay": {"Co": "5"}},
        ),
        Endpoint(
            "output",
            "recycler",
            f"/api/v1/batches/{batch}/outputs/",
            {
                "fraction": "black mass",
                "counts_as": "intermediate",
                "mass_kg": "300",
                "elements": {"Co": "5"},
            },
        ),  # fmt: skip
        Endpoint("cosign", "regulator", "/api/v1/log/checkpoints/1/cosign", {"cosignature": "x"}),
        Endpoint(
            "stock-model",
            "manufacturer",
            "/api/v1/forecasts/stock-model",
            {"inflow": [1, 2, 3], "lifetime": {"type": "Normal", "mean": 10, "sd": 3}},
        ),
    ]


def batch_body() -> dict:
    return {
        "process_route": "mechanical",
        "product_type": "battery",
        "chemistry_category": "lithium",
        "site": {"country": "DE", "region": "DE-BY"},
        "started_at": WHEN,
    }


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


def post_raw(actor, url: str, text: str):
    return actor.client.generic("POST", url, text, content_type="application/json")


def surrogate_literal() -> st.SearchStrategy[str]:
    """A JSON string holding a lone surrogate, as an escape the way JSON allows it."""
    plain = st.text(alphabet="abc é", max_size=4)
    lone = st.integers(0xD800, 0xDFFF).map(chr)
    return st.builds(lambda a, s, b: json.dumps(a + s + b), plain, lone, plain)


def unsafe_integer_literal() -> st.SearchStrategy[str]:
    """A JSON integer beyond 2^53 - 1, up to one past Python's own int() digit limit."""
    return st.one_of(
        st.integers(min_value=SAFE_INTEGER + 1).map(str),
        st.integers(max_value=-SAFE_INTEGER - 1).map(str),
        st.integers(4301, 4400).map(lambda digits: "9" * digits),
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_values_are_refused_by_field_on_every_writing_endpoint(endpoints, data):
    actors, all_endpoints = endpoints
    endpoint = data.draw(st.sampled_from(all_endpoints), label="endpoint")
    key = data.draw(st.sampled_from(sorted(endpoint.body)), label="field")
    literal = data.draw(st.one_of(surrogate_literal(), unsafe_integer_literal()), label="value")
    in_list = data.draw(st.booleans(), label="in a list")
    body = {**endpoint.body, key: [HOSTILE] if in_list else HOSTILE}
    text = json.dumps(body).replace(json.dumps(HOSTILE), literal)
    before = counts()

    response = post_raw(actors[endpoint.actor], endpoint.url, text)

    assert response.status_code == 400, (endpoint.name, response.content[:300])
    assert response["Content-Type"] == "application/json"
    fields = [e["field"] for e in response.json()["errors"]]
    assert (f"{key}[0]" if in_list else key) in fields
    assert counts() == before


def test_a_surrogate_in_a_key_is_named_with_an_escape(manufacturer):
    body = json.dumps({**declaration(), "mo\ud800del": "x"})

    response = post_raw(manufacturer, "/api/v1/passports/", body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "mo\\ud800del"
    assert Passport.objects.count() == 0


def test_a_nested_surrogate_is_named_by_its_path(manufacturer):
    item = declaration()
    item["composition"][1]["substance"] = "C\udfffo"

    response = post_raw(manufacturer, "/api/v1/passports/bulk/", json.dumps({"passports": [item]}))

    assert response.status_code == 400
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["passports[0].composition[1].substance"]


def test_the_largest_safe_integer_still_parses(manufacturer):
    body = json.dumps({"inflow": [SAFE_INTEGER], "lifetime": {"type": "Fixed", "mean": 10}})

    response = post_raw(manufacturer, "/api/v1/forecasts/stock-model", body)

    assert response.status_code != 500
    assert "inflow[0]" not in [e["field"] for e in response.json().get("errors", [])]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_deep_nesting_is_refused_on_every_writing_endpoint(endpoints, depth):
    actors, all_endpoints = endpoints
    before = counts()
    for endpoint in all_endpoints:
        nested = "[" * depth + "]" * depth
        text = json.dumps(endpoint.body)[:-1] + f', "deep": {nested}}}'

        response = post_raw(actors[endpoint.actor], endpoint.url, text)

        assert response.status_code == 400, endpoint.name
        assert "nested deeper" in response.json()["errors"][0]["message"], endpoint.name
    assert counts() == before


def test_depth_counts_brackets_outside_strings_only():
    assert json_depth('{"a": [[1], {"b": "[[[[\\"]]"}]}') == 3
    assert json_depth("[]") == 1
    assert json_depth('"x"') == 0


def test_an_integer_given_as_text_is_held_to_the_same_limit(manufacturer):
    item = declaration()
    item["attributes"]["expected_lifetime_cycles"] = "9" * 30

    response = manufacturer.client.post("/api/v1/passports/", item, format="json")

    assert response.status_code == 400
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["attributes.expected_lifetime_cycles"]
    assert Passport.objects.count() == 0
