"""A small fleet whose chains hold every lifecycle event type, built through the JSON API."""

from dataclasses import dataclass

from tests.factories import declaration
from tests.recycling.conftest import open_batch, post

WHEN = "2026-09-01T08:00:00Z"


def successor(model: str) -> dict:
    """A successor as a repurposed or remanufactured battery needs it: its own place and test."""
    return {
        "model": model,
        "manufacturing_place": {
            "country": "DE",
            "facility": "Second Life Works",
            "address": {"street": "Hafen 1", "city": "Hamburg", "country": "DE"},
        },
        "documents": [{"kind": "test_report", "url": "https://second-life.example.com/t.pdf"}],
    }


@dataclass
class Fleet:
    """Passport ids by what happened to them, and the organisations that did it."""

    recycled: str
    repurposed: str
    remanufactured: str
    disposed: str
    batch: str


def event(actor, passport: str, kind: str, payload: dict, when: str = WHEN) -> dict:
    response = actor.client.post(
        f"/api/v1/passports/{passport}/events/",
        {"type": kind, "occurred_at": when, "payload": payload},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def register(manufacturer, serial: str) -> str:
    response = manufacturer.client.post(
        "/api/v1/passports/", declaration(serial=serial), format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def collect(collector, passports: list[str], when: str = WHEN) -> dict:
    response = collector.client.post(
        "/api/v1/collections/",
        {"region": "DE-BY", "collected_at": when,
         "items": [{"passport": p, "mass_kg": "450"} for p in passports]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return response.json()


def build_fleet(manufacturer, repairer, collector, recycler) -> Fleet:
    """One battery through every in-use event to recycling; others repurposed,
    remanufactured and disposed."""
    life = register(manufacturer, "LIFE-1")
    event(manufacturer, life, "placed_on_market", {"country": "DE"}, "2026-04-01T08:00:00Z")
    service = {"date": "2026-04-02", "application": "home storage"}
    event(manufacturer, life, "put_into_service", service, "2026-04-02T08:00:00Z")
    event(manufacturer, life, "health_reported", {"state_of_health_pct": "97"},
          "2026-05-01T08:00:00Z")  # fmt: skip
    event(manufacturer, life, "repaired", {"parts": ["BMS board"]}, "2026-05-02T08:00:00Z")
    event(manufacturer, life, "ownership_transferred", {"to": str(repairer.organisation.id)},
          "2026-05-03T08:00:00Z")  # fmt: skip
    event(repairer, life, "reused", {"application": "backup power"}, "2026-06-01T08:00:00Z")
    repurposed = register(manufacturer, "LIFE-2")
    event(manufacturer, repurposed, "repurposed",
          {"successor": successor("Second Life 1"), "application": "stationary storage"},
          "2026-06-02T08:00:00Z")  # fmt: skip
    remanufactured = register(manufacturer, "LIFE-3")
    event(manufacturer, remanufactured, "remanufactured",
          {"successor": successor("Reman 1"), "application": "traction"},
          "2026-06-03T08:00:00Z")  # fmt: skip
    disposed = register(manufacturer, "LIFE-4")
    collect(collector, [life, disposed])
    event(collector, disposed, "disposed", {"method": "landfill"}, "2026-09-02T08:00:00Z")
    event(collector, life, "ownership_transferred", {"to": str(recycler.organisation.id)},
          "2026-09-02T09:00:00Z")  # fmt: skip
    batch = open_batch(recycler, "hydrometallurgical")
    post(recycler, batch, "inputs", {"passport": life, "mass_kg": "450"})
    post(recycler, batch, "outputs",
         {"fraction": "cobalt sulphate", "counts_as": "recycling", "mass_kg": "51.6",
          "origin_mass_kg": "5.5", "elements": {"Co": "5.5"}})  # fmt: skip
    post(recycler, batch, "outputs",
         {"fraction": "leach residue", "counts_as": "disposal", "mass_kg": "150"})  # fmt: skip
    post(recycler, batch, "close", {}, expect=200)
    return Fleet(life, repurposed, remanufactured, disposed, batch)


def gs1_validator():
    """GS1's EPCIS 2.0 JSON Schema: the copy shipped in recycling/epcis/schemas/.

    EPCIS_JSON_SCHEMA names another file (EPCIS-JSON-Schema.json of github.com/gs1/EPCIS,
    say); ../shared/conformance/epcis-2.0/ is used when present.
    """
    import json
    import os
    from pathlib import Path

    import pytest
    from jsonschema import Draft7Validator

    default = Path(__file__).resolve().parents[2].parent / "shared/conformance/epcis-2.0"
    shipped = Path(__file__).resolve().parents[2] / "recycling/epcis/schemas"
    folder = default if (default / "EPCIS-JSON-Schema.json").is_file() else shipped
    path = Path(os.environ.get("EPCIS_JSON_SCHEMA") or folder / "EPCIS-JSON-Schema.json")
    if not path.is_file():
        pytest.skip(
            f"GS1's EPCIS 2.0 JSON Schema is not at {path}: set EPCIS_JSON_SCHEMA to "
            "EPCIS-JSON-Schema.json from github.com/gs1/EPCIS"
        )
    schema = json.loads(path.read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def schema_errors(validator, document: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def pages(client, params: dict):
    """Every page of an EPCIS query, following each answer's `Link: rel="next"`."""
    from urllib.parse import urlsplit

    url = "/api/v1/epcis/events"
    while True:
        response = client.get(url, params)
        assert response.status_code == 200, response.json()
        yield response
        if "Link" not in response:
            return
        link = response["Link"]
        assert link.startswith("<") and link.endswith('>; rel="next"'), link
        target = urlsplit(link[1 : -len('>; rel="next"')])
        url, params = f"{target.path}?{target.query}", None
