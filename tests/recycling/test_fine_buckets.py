"""A batch refreshes only the cells it touched: its category and year, never the forecasts.

Each step of a two-step chain is refreshed on its own and compared with a full rebuild.
"""

from django.db import transaction
from django.utils import timezone

from lifecycle.services.log import log_integrate
from recycling.models import DirtyBucket, InventoryCell
from recycling.services.aggregation import (
    aggregates_differences,
    aggregates_rebuild,
    buckets_refresh,
)
from recycling.services.dirty import feed_read
from tests.factories import declaration
from tests.recycling.conftest import open_batch, post


def dirty_after_feed() -> set[tuple[str, str]]:
    with transaction.atomic():
        while feed_read():
            pass
    return set(DirtyBucket.objects.values_list("kind", "key"))


def forecasts() -> dict:
    rows = InventoryCell.objects.filter(stage="expected_eol")
    return {(r.region, r.category, r.year, r.element): (r.pk, r.computed_at) for r in rows}


def test_each_step_of_a_chain_refreshes_to_what_a_rebuild_gives(
    manufacturer, recycler, refiner, two_waste_batteries
):
    in_use = manufacturer.client.post(
        "/api/v1/passports/", declaration(serial="IN-USE-1"), format="json"
    )
    assert in_use.status_code == 201, in_use.json()
    aggregates_rebuild()
    before = forecasts()
    assert before, "the collected batteries' country has a forecast to keep"
    shredder = open_batch(recycler, "mechanical")
    post(recycler, shredder, "inputs", {"passport": two_waste_batteries[0], "mass_kg": "450"})

    marked = dirty_after_feed()
    assert ("inventory_batch", "battery|DE|lithium|2026") in marked
    assert ("inventory_collected", "battery|DE|lithium|2026") in marked
    assert not {kind for kind, _ in marked} & {"inventory", "collection"}
    buckets_refresh()
    assert aggregates_differences() == []

    post(recycler, shredder, "inputs", {"passport": two_waste_batteries[1], "mass_kg": "450"})
    black_mass = post(
        recycler,
        shredder,
        "outputs",
        {"fraction": "black mass", "counts_as": "intermediate", "mass_kg": "300",
         "elements": {"Co": "11.2", "Ni": "88", "Li": "13"},
         "destination_recycler": str(refiner.organisation.id)},
    )["outputs"][0]["id"]  # fmt: skip
    post(recycler, shredder, "outputs",
         {"fraction": "Al/Cu scrap", "counts_as": "recycling", "mass_kg": "60"})  # fmt: skip
    buckets_refresh()
    assert aggregates_differences() == []
    post(recycler, shredder, "close", {}, expect=200)

    # The close records a "recycled" event per product, all already in the batch: nothing of
    # the country's stock in use or collected changes, so its forecasts are not recomputed.
    marked = dirty_after_feed()
    assert {kind for kind, _ in marked} == {"recovery", "inventory_batch"}
    buckets_refresh()
    assert aggregates_differences() == []
    assert forecasts() == before
    assert InventoryCell.objects.filter(stage="lost", element="Co").exists()

    refinery = open_batch(refiner, "hydrometallurgical")
    post(refiner, refinery, "inputs", {"source_output": black_mass, "mass_kg": "300"})
    post(refiner, refinery, "outputs",
         {"fraction": "cobalt sulphate", "counts_as": "recycling", "mass_kg": "51.6",
          "origin_mass_kg": "10.8", "elements": {"Co": "10.8"}})  # fmt: skip
    buckets_refresh()
    assert aggregates_differences() == []
    post(refiner, refinery, "close", {}, expect=200)
    buckets_refresh()
    assert aggregates_differences() == []
    assert forecasts() == before
    # The refinery counts the products that entered the chain's first step.
    recovered = InventoryCell.objects.get(stage="recovered", element="Co")
    assert recovered.product_count == 2


def test_a_fine_bucket_left_stale_is_found_by_the_check(recycler, two_waste_batteries):
    aggregates_rebuild()
    shredder = open_batch(recycler, "mechanical")
    post(recycler, shredder, "inputs", {"passport": two_waste_batteries[0], "mass_kg": "450"})
    with transaction.atomic():
        while feed_read():
            pass
    DirtyBucket.objects.filter(kind="inventory_batch").delete()
    buckets_refresh()

    assert aggregates_differences() == [
        "inventory_batch|battery|DE|lithium|2026: 0 stored rows not recomputed, "
        "3 recomputed rows not stored"
    ]


def test_a_product_placed_again_elsewhere_leaves_its_former_markets_stock(manufacturer):
    created = manufacturer.client.post(
        "/api/v1/passports/", declaration(serial="MOVED-1"), format="json"
    )
    assert created.status_code == 201, created.json()

    def place(country: str) -> None:
        response = manufacturer.client.post(
            f"/api/v1/passports/{created.json()['id']}/events/",
            {"type": "placed_on_market", "occurred_at": timezone.now().isoformat(),
             "payload": {"country": country}},
            format="json",
        )  # fmt: skip
        assert response.status_code == 201, response.json()

    place("FR")
    log_integrate()
    aggregates_rebuild()
    place("PT")
    log_integrate()  # the feed reads the log

    marked = dirty_after_feed()
    assert {("inventory", "battery|FR"), ("inventory", "battery|PT")} <= marked
    buckets_refresh()
    assert aggregates_differences() == []
