"""Only the holder of waste treats it, and an intermediate goes only where it was sent."""

import pytest

from passports.models import Passport
from tests.recycling.conftest import WHEN, errors, open_batch, post


@pytest.fixture
def battery(registered_battery) -> str:
    return registered_battery["id"]


def collected_by(collector, passport: str) -> None:
    response = collector.client.post(
        "/api/v1/collections/",
        {"region": "DE-BY", "collected_at": WHEN, "items": [{"passport": passport}]},
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_a_recycler_cannot_treat_waste_that_a_collector_still_holds(battery, collector, recycler):
    collected_by(collector, battery)
    batch = open_batch(recycler, "mechanical")

    body = post(recycler, batch, "inputs", {"passport": battery, "mass_kg": "450"},
                expect=409)  # fmt: skip

    assert "hands it over" in errors(body)["passport"]
    handed = collector.client.post(
        f"/api/v1/passports/{battery}/events/",
        {"type": "ownership_transferred", "occurred_at": WHEN,
         "payload": {"to": str(recycler.organisation.id)}},
        format="json",
    )  # fmt: skip
    assert handed.status_code == 201
    post(recycler, batch, "inputs", {"passport": battery, "mass_kg": "450"})


def test_closing_signs_recycled_as_the_holding_recycler(chain, two_waste_batteries, recycler):
    for passport in Passport.objects.filter(pk__in=two_waste_batteries):
        recycled = passport.events.get(type="recycled")
        assert recycled.actor == recycler.organisation
        assert (passport.status, passport.holder) == ("recycled", recycler.organisation)


def test_another_recycler_cannot_close_a_batch(two_waste_batteries, recycler, make_actor):
    batch = open_batch(recycler, "mechanical")
    post(recycler, batch, "inputs", {"passport": two_waste_batteries[0], "mass_kg": "450"})
    stranger = make_actor("recycler", "Stranger AG")

    post(stranger, batch, "close", {}, expect=404)

    assert Passport.objects.get(pk=two_waste_batteries[0]).status == "waste"


def shredded(recycler, passport: str, destination: dict) -> str:
    """A closed shredder batch; returns its black-mass intermediate."""
    batch = open_batch(recycler, "mechanical")
    post(recycler, batch, "inputs", {"passport": passport, "mass_kg": "450"})
    black_mass = {"fraction": "black mass", "counts_as": "intermediate", "mass_kg": "300",
                  "elements": {"Co": "5"}, **destination}  # fmt: skip
    output = post(recycler, batch, "outputs", black_mass)["outputs"][0]
    post(recycler, batch, "outputs", {"fraction": "scrap", "counts_as": "recycling",
                                      "mass_kg": "140"})  # fmt: skip
    post(recycler, batch, "close", {}, expect=200)
    return output["id"]


def test_only_the_destination_recycler_takes_an_intermediate(
    two_waste_batteries, recycler, refiner, make_actor
):
    output = shredded(recycler, two_waste_batteries[0],
                      {"destination_recycler": str(refiner.organisation.id)})  # fmt: skip
    stranger = make_actor("recycler", "Stranger AG")
    intake = {"source_output": output, "mass_kg": "300"}

    refused = post(stranger, open_batch(stranger, "hydrometallurgical"), "inputs", intake,
                   expect=404)  # fmt: skip
    own = post(recycler, open_batch(recycler, "hydrometallurgical"), "inputs", intake,
               expect=404)  # fmt: skip
    taken = post(refiner, open_batch(refiner, "hydrometallurgical"), "inputs", intake)

    assert errors(refused) == {"source_output": "No such output."}
    assert errors(own) == {"source_output": "No such output."}
    assert taken["inputs"][0]["source_output"] == output


def test_an_intermediate_without_a_destination_stays_with_its_producer(
    two_waste_batteries, recycler, refiner
):
    output = shredded(recycler, two_waste_batteries[0], {})
    intake = {"source_output": output, "mass_kg": "300"}

    post(refiner, open_batch(refiner, "hydrometallurgical"), "inputs", intake, expect=404)
    taken = post(recycler, open_batch(recycler, "hydrometallurgical"), "inputs", intake)

    assert taken["inputs"][0]["source_output"] == output


def test_a_destination_must_be_a_recycler(two_waste_batteries, recycler, collector):
    batch = open_batch(recycler, "mechanical")
    body = {"fraction": "black mass", "counts_as": "intermediate", "mass_kg": "300",
            "destination_recycler": str(collector.organisation.id)}  # fmt: skip

    refused = post(recycler, batch, "outputs", body, expect=400)

    assert errors(refused) == {"destination_recycler": "No recycler has this id."}
